// Package booking rebuilds reservations and their lives from the rows of a
// hotel's booking export, in the column layout of the public "Hotel booking
// demand" data set (hotel, lead_time, arrival_date_*, stays_in_*_nights,
// country, distribution_channel, adr, reservation_status,
// reservation_status_date). The rules are fixed so that a dry run over the
// same file always gives the same mails.
package booking

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/workflows"
)

// TimeZone is the zone of both hotels of the data set, which are in Portugal.
const TimeZone = "Europe/Lisbon"

// Booking is one row rebuilt: the reservation as the reservation service
// would start it, the moment it was booked, and what happened after.
type Booking struct {
	// Row is the line number after the header, from 1.
	Row         int
	Reservation workflows.Reservation
	BookedAt    time.Time
	Events      []Event
	// Status is the row's reservation_status: Check-Out, Canceled or No-Show.
	Status string
}

// Event is a signal the reservation service sends at an instant.
type Event struct {
	At      time.Time
	Signal  string
	Payload any
}

// Properties returns the two hotels' settings: Lisbon time, English by
// default, send hour 10:00, window 08:00 to 21:00, every automatic mail on
// except before-start.
func Properties() []property.Property {
	var out []property.Property
	for _, h := range []struct{ id, name string }{{"resort", "Resort Hotel"}, {"city", "City Hotel"}} {
		p := property.Defaults(h.id)
		p.Name = h.name
		p.TimeZone = TimeZone
		p.DefaultLanguage = language.English
		p.SenderAddress = h.name + " <reservations@" + h.id + ".example>"
		p.Email = "reservations@" + h.id + ".example"
		p.Telephone = "+351 200 000 000"
		p.ReviewLink = "https://" + h.id + ".example/review"
		p.BeforeStartEnabled = false
		out = append(out, p)
	}
	return out
}

// columns are the columns the rebuild reads.
var columns = []string{
	"hotel", "lead_time", "arrival_date_year", "arrival_date_month", "arrival_date_day_of_month",
	"stays_in_weekend_nights", "stays_in_week_nights", "country", "distribution_channel", "adr",
	"reservation_status", "reservation_status_date",
}

// Reader reads bookings from a CSV export one at a time.
type Reader struct {
	csv   *csv.Reader
	index map[string]int
	row   int
	loc   *time.Location
}

// NewReader reads the header and checks that every needed column is there.
func NewReader(r io.Reader) (*Reader, error) {
	c := csv.NewReader(r)
	c.ReuseRecord = true
	header, err := c.Read()
	if err != nil {
		return nil, fmt.Errorf("read the CSV header: %w", err)
	}
	index := map[string]int{}
	for i, name := range header {
		index[strings.TrimSpace(name)] = i
	}
	var missing []string
	for _, name := range columns {
		if _, ok := index[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the CSV lacks the columns %s; it needs %s", strings.Join(missing, ", "), strings.Join(columns, ", "))
	}
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		return nil, err
	}
	return &Reader{csv: c, index: index, loc: loc}, nil
}

// Next returns the next booking, or io.EOF after the last. A malformed row
// returns an error that names its row number; the reader can go on after it.
func (r *Reader) Next() (Booking, error) {
	record, err := r.csv.Read()
	if errors.Is(err, io.EOF) {
		return Booking{}, io.EOF
	}
	r.row++
	if err != nil {
		return Booking{}, fmt.Errorf("row %d: %w", r.row, err)
	}
	get := func(name string) string { return strings.TrimSpace(record[r.index[name]]) }
	b, err := rebuild(r.row, get, r.loc)
	if err != nil {
		return Booking{}, fmt.Errorf("row %d: %w", r.row, err)
	}
	return b, nil
}

var languageOfCountry = map[string]string{
	"PRT": language.Portuguese, "BRA": language.Portuguese,
	"ESP": language.Spanish,
	"FRA": language.French,
	"DEU": language.German, "AUT": language.German, "CHE": language.German,
}

var firstNames = []string{"Ana", "João", "Maria", "Pedro", "Inês", "Tiago", "Sofia", "Miguel", "Beatriz", "Rui", "Carla", "Nuno"}
var lastNames = []string{"Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Sousa", "Fernandes"}

// rebuild turns one row into a booking by the fixed rules.
func rebuild(row int, get func(string) string, loc *time.Location) (Booking, error) {
	var prefix, propertyID string
	switch get("hotel") {
	case "Resort Hotel":
		prefix, propertyID = "resort", "resort"
	case "City Hotel":
		prefix, propertyID = "city", "city"
	default:
		return Booking{}, fmt.Errorf("unknown hotel %q: expected Resort Hotel or City Hotel", get("hotel"))
	}

	ints := map[string]int{}
	for _, name := range []string{"lead_time", "arrival_date_year", "arrival_date_day_of_month", "stays_in_weekend_nights", "stays_in_week_nights"} {
		v, err := strconv.Atoi(get(name))
		if err != nil || v < 0 {
			return Booking{}, fmt.Errorf("invalid %s %q: expected a whole number of at least 0", name, get(name))
		}
		ints[name] = v
	}
	month, err := time.Parse("January", get("arrival_date_month"))
	if err != nil {
		return Booking{}, fmt.Errorf("invalid arrival_date_month %q: expected an English month name", get("arrival_date_month"))
	}
	arrival := schedule.Date{Year: ints["arrival_date_year"], Month: month.Month(), Day: ints["arrival_date_day_of_month"]}
	if arrival.AddDays(0) != arrival {
		return Booking{}, fmt.Errorf("invalid arrival date %s", arrival)
	}
	nights := ints["stays_in_weekend_nights"] + ints["stays_in_week_nights"]
	departure := arrival.AddDays(nights)
	adr, err := strconv.ParseFloat(get("adr"), 64)
	if err != nil {
		return Booking{}, fmt.Errorf("invalid adr %q: expected a number", get("adr"))
	}

	rules := schedule.Rules{Location: loc}
	at := func(d schedule.Date, hour int) time.Time { return rules.At(d, schedule.Clock(hour*60)) }
	bookedAt := at(arrival.AddDays(-ints["lead_time"]), 12)

	r := workflows.Reservation{
		ID:                 fmt.Sprintf("%s-%d", prefix, row),
		PropertyID:         propertyID,
		ConfirmationNumber: fmt.Sprintf("%s-%d", strings.ToUpper(prefix[:1]), row),
		Guest: workflows.Person{
			FirstName: firstNames[row%len(firstNames)],
			LastName:  lastNames[(row/len(firstNames))%len(lastNames)],
			Email:     fmt.Sprintf("guest%d@example.com", row),
			Language:  languageOfCountry[get("country")],
		},
		Arrival:           arrival,
		Departure:         departure,
		Total:             workflows.Money{Amount: int64(math.Round(adr * float64(nights) * 100)), Currency: "EUR"},
		OnlineCheckInLink: fmt.Sprintf("https://%s.example/checkin/%d", propertyID, row),
	}
	switch get("distribution_channel") {
	case "Direct":
		r.Origin = workflows.OriginBookingEngine
	case "TA/TO", "GDS":
		r.Origin = workflows.OriginChannel
	case "Corporate", "Undefined":
		r.Origin, r.ConfirmationOption = workflows.OriginStaff, workflows.OptionSend
	default:
		return Booking{}, fmt.Errorf("unknown distribution_channel %q", get("distribution_channel"))
	}

	b := Booking{Row: row, Reservation: r, BookedAt: bookedAt, Status: get("reservation_status")}
	var cancelAt time.Time
	switch b.Status {
	case "Canceled":
		day, err := time.Parse("1/2/2006", get("reservation_status_date"))
		if err != nil {
			return Booking{}, fmt.Errorf("invalid reservation_status_date %q: expected M/D/YYYY", get("reservation_status_date"))
		}
		cancelAt = at(schedule.Date{Year: day.Year(), Month: day.Month(), Day: day.Day()}, 12)
		if cancelAt.Before(bookedAt) {
			cancelAt = bookedAt
		}
		yes := true
		b.Events = append(b.Events, Event{At: cancelAt, Signal: workflows.SignalCancel,
			Payload: workflows.CancelSignal{EventID: "cancel", Reason: workflows.ReasonGuestRequest, SendMail: &yes}})
	case "No-Show":
		cancelAt = at(arrival.AddDays(1), 0)
		no := false
		b.Events = append(b.Events, Event{At: cancelAt, Signal: workflows.SignalCancel,
			Payload: workflows.CancelSignal{EventID: "no-show", Reason: workflows.ReasonNoShow, SendMail: &no}})
	case "Check-Out":
		checkOutAt := at(departure, 11)
		if nights == 0 {
			checkOutAt = at(arrival, 18)
		}
		b.Events = append(b.Events,
			Event{At: at(arrival, 15), Signal: workflows.SignalCheckIn, Payload: workflows.EventSignal{EventID: "check-in"}},
			Event{At: checkOutAt, Signal: workflows.SignalCloseBill, Payload: workflows.CloseBillSignal{
				EventID: "bill", BillID: "bill-1", Number: fmt.Sprintf("%s/%d", r.ConfirmationNumber, 1), Total: r.Total,
				Link: fmt.Sprintf("https://%s.example/bills/%d", propertyID, row)}},
			Event{At: checkOutAt, Signal: workflows.SignalCheckOut, Payload: workflows.EventSignal{EventID: "check-out"}},
		)
	default:
		return Booking{}, fmt.Errorf("unknown reservation_status %q: expected Check-Out, Canceled or No-Show", b.Status)
	}

	if row%4 == 0 {
		onlineCheckIn := at(arrival.AddDays(-3), 18)
		if onlineCheckIn.After(bookedAt) && (cancelAt.IsZero() || onlineCheckIn.Before(cancelAt)) {
			b.Events = append([]Event{{At: onlineCheckIn, Signal: workflows.SignalOnlineCheckInCompleted,
				Payload: workflows.EventSignal{EventID: "online-checkin"}}}, b.Events...)
		}
	}
	return b, nil
}
