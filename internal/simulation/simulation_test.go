package simulation

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/bellhop/bellhop/internal/booking"
)

// handPicked holds rows written for this test, one per rule worth pinning.
// Row 1: last-minute booking of a checked-out stay. Row 2: cancelled before
// the invitation. Row 3: cancelled after it. Row 4: online check-in, then a
// no-show. Row 5: a stay of zero nights. Row 6: invitation on the day Lisbon
// moves to summer time. Row 7: booked on the arrival date. Row 8: a
// cancellation dated before the booking.
const handPicked = `hotel,lead_time,arrival_date_year,arrival_date_month,arrival_date_day_of_month,stays_in_weekend_nights,stays_in_week_nights,country,distribution_channel,adr,reservation_status,reservation_status_date
Resort Hotel,1,2016,June,12,0,2,PRT,Direct,100,Check-Out,6/14/2016
City Hotel,30,2016,June,20,1,2,ESP,TA/TO,80,Canceled,6/1/2016
Resort Hotel,20,2016,July,10,2,0,FRA,Direct,120.5,Canceled,7/9/2016
Resort Hotel,10,2016,August,1,0,1,DEU,Corporate,90,No-Show,8/1/2016
City Hotel,5,2016,September,10,0,0,GBR,GDS,0,Check-Out,9/10/2016
Resort Hotel,60,2016,March,29,0,2,NULL,TA/TO,70,Canceled,3/28/2016
Resort Hotel,0,2016,October,5,0,1,PRT,Direct,95,Check-Out,10/6/2016
City Hotel,3,2016,November,10,0,1,BRA,Undefined,60,Canceled,11/1/2016
`

// want lists, per row, "mail to language at" for each mail, or "mail
// skipped at" for a skip.
var want = map[int][]string{
	1: {
		"confirmation guest1@example.com pt 2016-06-11T11:00:00Z",
		"online-checkin-invitation guest1@example.com pt 2016-06-11T11:00:00Z",
		"after-start guest1@example.com pt 2016-06-12T14:00:00Z",
		"bill guest1@example.com pt 2016-06-14T10:00:00Z",
		"after-end guest1@example.com pt 2016-06-14T10:00:00Z",
	},
	2: {
		"confirmation guest2@example.com es 2016-05-21T11:00:00Z",
		"cancellation guest2@example.com es 2016-06-01T11:00:00Z",
	},
	3: {
		"confirmation guest3@example.com fr 2016-06-20T11:00:00Z",
		"online-checkin-invitation guest3@example.com fr 2016-07-08T09:00:00Z",
		"cancellation guest3@example.com fr 2016-07-09T11:00:00Z",
	},
	4: {
		"confirmation guest4@example.com de 2016-07-22T11:00:00Z",
	},
	5: {
		"confirmation guest5@example.com en 2016-09-05T11:00:00Z",
		"online-checkin-invitation guest5@example.com en 2016-09-08T09:00:00Z",
		"after-start guest5@example.com en 2016-09-10T14:00:00Z",
		"bill guest5@example.com en 2016-09-10T17:00:00Z",
		"after-end guest5@example.com en 2016-09-10T17:00:00Z",
	},
	6: {
		"confirmation guest6@example.com en 2016-01-29T12:00:00Z",
		"online-checkin-invitation guest6@example.com en 2016-03-27T09:00:00Z",
		"cancellation guest6@example.com en 2016-03-28T11:00:00Z",
	},
	7: {
		"confirmation guest7@example.com pt 2016-10-05T11:00:00Z",
		"online-checkin-invitation skipped 2016-10-05T11:00:00Z",
		"after-start guest7@example.com pt 2016-10-05T14:00:00Z",
		"bill guest7@example.com pt 2016-10-06T10:00:00Z",
		"after-end guest7@example.com pt 2016-10-06T10:00:00Z",
	},
	8: {
		"confirmation guest8@example.com pt 2016-11-07T12:00:00Z",
		"cancellation guest8@example.com pt 2016-11-07T12:00:00Z",
	},
}

func readAll(t *testing.T, csv string) []booking.Booking {
	t.Helper()
	r, err := booking.NewReader(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	var out []booking.Booking
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
}

func describe(l Line) string {
	if l.Skipped != "" {
		return fmt.Sprintf("%s skipped %s", l.Mail, l.At)
	}
	return fmt.Sprintf("%s %s %s %s", l.Mail, l.To, l.Language, l.At)
}

func TestHandPickedRowsSendExpectedMails(t *testing.T) {
	for _, b := range readAll(t, handPicked) {
		r := Run(b)
		if r.Err != nil {
			t.Errorf("row %d: %v", b.Row, r.Err)
			continue
		}
		var got []string
		for _, l := range r.Lines {
			got = append(got, describe(l))
			if l.Row != b.Row || l.Reservation != b.Reservation.ID {
				t.Errorf("row %d: line names row %d, reservation %s", b.Row, l.Row, l.Reservation)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want[b.Row], "\n") {
			t.Errorf("row %d (%s):\ngot\n  %s\nwant\n  %s", b.Row, b.Reservation.ID, strings.Join(got, "\n  "), strings.Join(want[b.Row], "\n  "))
		}
	}
}

func TestSkipLineCarriesReason(t *testing.T) {
	bookings := readAll(t, handPicked)
	r := Run(bookings[6])
	skip := r.Lines[1]
	if !strings.Contains(skip.Skipped, "send window does not open again before the arrival date 2016-10-05 begins") {
		t.Errorf("skip reason = %q", skip.Skipped)
	}
	if SkipCategory(skip.Skipped) == skip.Skipped || strings.Contains(SkipCategory(skip.Skipped), "2016") {
		t.Errorf("category keeps the dates: %q", SkipCategory(skip.Skipped))
	}
}

func TestReservationIDsAndOrigins(t *testing.T) {
	bookings := readAll(t, handPicked)
	if bookings[0].Reservation.ID != "resort-1" || bookings[1].Reservation.ID != "city-2" {
		t.Errorf("ids = %s, %s", bookings[0].Reservation.ID, bookings[1].Reservation.ID)
	}
	if got := string(bookings[3].Reservation.Origin) + "/" + string(bookings[3].Reservation.ConfirmationOption); got != "staff/send" {
		t.Errorf("Corporate origin = %s", got)
	}
	if got := bookings[2].Reservation.Total.Amount; got != 24100 {
		t.Errorf("total of 2 nights at 120.5 = %d cents, want 24100", got)
	}
}

func TestRunAllKeepsRowOrder(t *testing.T) {
	bookings := readAll(t, handPicked)
	in := make(chan booking.Booking)
	go func() {
		for _, b := range bookings {
			in <- b
		}
		close(in)
	}()
	var rows []int
	summary := NewSummary()
	err := RunAll(in, 3, func(r Result) error {
		rows = append(rows, r.Row)
		summary.Add(r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows) != "[1 2 3 4 5 6 7 8]" {
		t.Errorf("rows emitted in order %v", rows)
	}
	if summary.Sent["confirmation"] != 8 || summary.Sent["cancellation"] != 4 || len(summary.Skipped) != 1 {
		t.Errorf("summary = %+v", summary)
	}
}

func TestMalformedRowNamesRow(t *testing.T) {
	csv := strings.Replace(handPicked, "Resort Hotel,20,2016,July", "Resort Hotel,twenty,2016,July", 1)
	r, err := booking.NewReader(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "row 3") || !strings.Contains(errs[0].Error(), `"twenty"`) {
		t.Errorf("errors = %v", errs)
	}
}

func TestMissingColumnRejected(t *testing.T) {
	_, err := booking.NewReader(strings.NewReader("hotel,lead_time\nResort Hotel,1\n"))
	if err == nil || !strings.Contains(err.Error(), "arrival_date_year") {
		t.Fatalf("error = %v", err)
	}
}
