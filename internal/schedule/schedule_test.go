package schedule

import (
	"encoding/json"
	"testing"
	"time"
)

func lisbon(t *testing.T) Rules {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		t.Fatal(err)
	}
	return Rules{Location: loc, SendAt: 10 * 60, WindowOpen: 8 * 60, WindowClose: 21 * 60}
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAtSummerTimeIsOneHourAheadOfUTC(t *testing.T) {
	r := lisbon(t)
	got := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	if want := utc("2027-06-10T09:00:00Z"); !got.Equal(want) {
		t.Fatalf("At = %v, want %v", got.UTC(), want)
	}
}

func TestAtBeforeSpringJumpIsUTC(t *testing.T) {
	r := lisbon(t)
	got := r.At(mustDate(t, "2027-03-27"), r.SendAt)
	if want := utc("2027-03-27T10:00:00Z"); !got.Equal(want) {
		t.Fatalf("At = %v, want %v", got.UTC(), want)
	}
}

func TestAtInsideSpringGapMovesToJump(t *testing.T) {
	r := lisbon(t)
	// Lisbon jumps from 01:00 WET to 02:00 WEST on 2027-03-28; 01:30 does not exist.
	got := r.At(mustDate(t, "2027-03-28"), 90)
	if want := utc("2027-03-28T01:00:00Z"); !got.Equal(want) {
		t.Fatalf("At = %v, want %v", got.UTC(), want)
	}
}

func TestAtInsideGapEastOfUTC(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	r := Rules{Location: loc}
	// Berlin jumps from 02:00 CET to 03:00 CEST on 2027-03-28.
	got := r.At(mustDate(t, "2027-03-28"), 2*60+30)
	if want := utc("2027-03-28T01:00:00Z"); !got.Equal(want) {
		t.Fatalf("At = %v, want %v", got.UTC(), want)
	}
}

func TestPlaceFutureDueKeepsDue(t *testing.T) {
	r := lisbon(t)
	due := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	d := r.Place(due, utc("2027-05-01T11:00:00Z"), r.StartOf(mustDate(t, "2027-06-12")), "arrival")
	if d.Skip || !d.At.Equal(due) {
		t.Fatalf("Place = %+v, want at %v", d, due)
	}
}

func TestPlaceLateBookingInWindowSendsNow(t *testing.T) {
	r := lisbon(t)
	due := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	now := r.At(mustDate(t, "2027-06-11"), 12*60)
	d := r.Place(due, now, r.StartOf(mustDate(t, "2027-06-12")), "arrival")
	if d.Skip || !d.At.Equal(now) {
		t.Fatalf("Place = %+v, want at %v", d, now)
	}
}

func TestPlaceLateBookingAfterWindowWaitsForOpening(t *testing.T) {
	r := lisbon(t)
	due := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	now := r.At(mustDate(t, "2027-06-10"), 22*60+30)
	d := r.Place(due, now, r.StartOf(mustDate(t, "2027-06-12")), "arrival")
	want := r.At(mustDate(t, "2027-06-11"), 8*60)
	if d.Skip || !d.At.Equal(want) {
		t.Fatalf("Place = %+v, want at %v", d, want)
	}
}

func TestPlaceOpeningOnArrivalDayIsSkipped(t *testing.T) {
	r := lisbon(t)
	due := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	now := r.At(mustDate(t, "2027-06-11"), 22*60+30)
	d := r.Place(due, now, r.StartOf(mustDate(t, "2027-06-12")), "arrival")
	if !d.Skip {
		t.Fatalf("Place = %+v, want a skip", d)
	}
	if d.Reason == "" {
		t.Fatal("skip has no reason")
	}
}

func TestPlaceOnArrivalDayIsSkipped(t *testing.T) {
	r := lisbon(t)
	due := r.At(mustDate(t, "2027-06-10"), r.SendAt)
	now := r.At(mustDate(t, "2027-06-12"), 9*60)
	if d := r.Place(due, now, r.StartOf(mustDate(t, "2027-06-12")), "arrival"); !d.Skip {
		t.Fatalf("Place = %+v, want a skip", d)
	}
}

func TestWindowAcrossMidnight(t *testing.T) {
	r := lisbon(t)
	r.WindowOpen, r.WindowClose = 22*60, 6*60
	if !r.InWindow(r.At(mustDate(t, "2027-01-05"), 23*60)) {
		t.Error("23:00 should be inside 22:00-06:00")
	}
	if !r.InWindow(r.At(mustDate(t, "2027-01-05"), 5*60)) {
		t.Error("05:00 should be inside 22:00-06:00")
	}
	if r.InWindow(r.At(mustDate(t, "2027-01-05"), 12*60)) {
		t.Error("12:00 should be outside 22:00-06:00")
	}
	next := r.NextOpening(r.At(mustDate(t, "2027-01-05"), 12*60))
	if want := r.At(mustDate(t, "2027-01-05"), 22*60); !next.Equal(want) {
		t.Errorf("NextOpening = %v, want %v", next, want)
	}
}

func TestDateJSONRoundTrip(t *testing.T) {
	in := struct{ Arrival Date }{mustDate(t, "2027-06-12")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"Arrival":"2027-06-12"}` {
		t.Fatalf("json = %s", b)
	}
	var out struct{ Arrival Date }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

func TestDateArithmeticAcrossMonths(t *testing.T) {
	d := mustDate(t, "2027-03-01")
	if got := d.AddDays(-2).String(); got != "2027-02-27" {
		t.Errorf("AddDays(-2) = %s", got)
	}
	if n := mustDate(t, "2027-02-27").DaysUntil(d); n != 2 {
		t.Errorf("DaysUntil = %d, want 2", n)
	}
}

func TestParseClockRejectsGarbage(t *testing.T) {
	if _, err := ParseClock("25:00"); err == nil {
		t.Fatal("ParseClock(25:00) returned no error")
	}
	c, err := ParseClock("08:30")
	if err != nil || c != 8*60+30 || c.String() != "08:30" {
		t.Fatalf("ParseClock(08:30) = %v, %v", c, err)
	}
}
