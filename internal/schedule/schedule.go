// Package schedule holds the pure time arithmetic of Bellhop: local dates and
// clock times in a property's zone, the send window, and when a timed mail
// goes out or is skipped. Nothing here reads the wall clock, so the workflow
// can call it deterministically and tests can pin every case.
package schedule

import (
	"fmt"
	"time"

	// Embedding the zone database makes the binaries independent of the
	// host's /usr/share/zoneinfo, so a worker on a bare container computes the
	// same instants as a developer's machine.
	_ "time/tzdata"
)

// Date is a calendar date without a zone, such as an arrival date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date in the form 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: use the form YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// DateOf returns the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats the date as 2006-01-02; the zero Date formats as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.days() < o.days() }

// DaysUntil returns the number of days from d to o.
func (d Date) DaysUntil(o Date) int { return o.days() - d.days() }

func (d Date) days() int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// MarshalText implements encoding.TextMarshaler, so JSON carries "2027-06-12".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	parsed, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// Clock is a local time of day in minutes after midnight, from 0 to 1439.
type Clock int

// ParseClock parses a time of day in the form 15:04.
func ParseClock(s string) (Clock, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("invalid time of day %q: use the form HH:MM, such as 10:00", s)
	}
	return Clock(t.Hour()*60 + t.Minute()), nil
}

// String formats the clock as 15:04.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText implements encoding.TextMarshaler, so JSON carries "10:00".
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Clock) UnmarshalText(b []byte) error {
	parsed, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}

func clockOf(t time.Time) Clock { return Clock(t.Hour()*60 + t.Minute()) }

// Rules are one property's timing settings.
type Rules struct {
	// Location is the property's IANA time zone.
	Location *time.Location
	// SendAt is the local time at which timed mails fall due.
	SendAt Clock
	// WindowOpen and WindowClose bound the local hours in which timed mails
	// may go out: open <= clock < close. Equal values mean always open; an
	// open later than the close is a window across midnight.
	WindowOpen, WindowClose Clock
}

// At returns the instant of the local date and clock time. A local time that
// does not exist because clocks jump forward moves to the first valid instant
// after it, which is the moment of the jump.
func (r Rules) At(d Date, c Clock) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, r.Location)
	local := t.In(r.Location)
	if DateOf(local, r.Location) == d && clockOf(local) == c {
		return t
	}
	// time.Date normalised a time inside a gap to one side of the jump; the
	// jump itself is the boundary between the two zone periods.
	start, end := local.ZoneBounds()
	if DateOf(local, r.Location).Before(d) || (DateOf(local, r.Location) == d && clockOf(local) < c) {
		return end
	}
	return start
}

// StartOf returns the first instant of the local date.
func (r Rules) StartOf(d Date) time.Time { return r.At(d, 0) }

// InWindow reports whether t falls inside the send window.
func (r Rules) InWindow(t time.Time) bool {
	if r.WindowOpen == r.WindowClose {
		return true
	}
	c := clockOf(t.In(r.Location))
	if r.WindowOpen < r.WindowClose {
		return c >= r.WindowOpen && c < r.WindowClose
	}
	return c >= r.WindowOpen || c < r.WindowClose
}

// NextOpening returns t when the send window is open at t, else the next
// instant at which it opens.
func (r Rules) NextOpening(t time.Time) time.Time {
	if r.InWindow(t) {
		return t
	}
	today := DateOf(t, r.Location)
	if open := r.At(today, r.WindowOpen); open.After(t) {
		return open
	}
	return r.At(today.AddDays(1), r.WindowOpen)
}

// Decision is when a timed mail goes out, or why it does not.
type Decision struct {
	// At is the send instant; zero when Skip is set.
	At time.Time
	// Skip is set when the mail cannot go out before its deadline.
	Skip bool
	// Reason explains a skip in words an operator can act on.
	Reason string
}

// Place decides when a timed mail due at due goes out, given the current
// instant and a deadline before which it must go out (zero for none). A due
// moment in the past means now. A moment outside the send window moves to its
// next opening, and a moment at or after the deadline is a skip.
func (r Rules) Place(due, now, deadline time.Time, deadlineName string) Decision {
	at := due
	if at.Before(now) {
		at = now
	}
	at = r.NextOpening(at)
	if !deadline.IsZero() && !at.Before(deadline) {
		return Decision{
			Skip: true,
			Reason: fmt.Sprintf("due %s, but the send window does not open again before %s (%s)",
				r.format(due), deadlineName, r.format(deadline)),
		}
	}
	return Decision{At: at}
}

func (r Rules) format(t time.Time) string {
	return t.In(r.Location).Format("2006-01-02 15:04 MST")
}
