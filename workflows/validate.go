package workflows

import (
	"fmt"
	netmail "net/mail"
)

// ErrInvalidReservation is the error type of a workflow that was started
// with a malformed reservation.
const ErrInvalidReservation = "InvalidReservation"

// Validate reports the first problem of a reservation, naming the field and
// its value. The client calls it before starting a workflow and the workflow
// again on start.
func (r Reservation) Validate() error {
	switch {
	case r.ID == "":
		return fmt.Errorf("invalid reservation: id is empty")
	case r.PropertyID == "":
		return fmt.Errorf("invalid reservation %s: propertyId is empty", r.ID)
	case r.Arrival.IsZero() || r.Departure.IsZero():
		return fmt.Errorf("invalid reservation %s: arrival and departure are required, as YYYY-MM-DD", r.ID)
	case r.Departure.Before(r.Arrival):
		return fmt.Errorf("invalid reservation %s: departure %s is before arrival %s", r.ID, r.Departure, r.Arrival)
	case r.Optional && r.ReleaseAt.IsZero():
		return fmt.Errorf("invalid reservation %s: an optional reservation needs releaseAt, the moment it is released unless confirmed", r.ID)
	}
	switch r.Origin {
	case OriginBookingEngine, OriginChannel, OriginStaff:
	default:
		return fmt.Errorf("invalid reservation %s: unknown origin %q: use %s, %s or %s", r.ID, r.Origin, OriginBookingEngine, OriginChannel, OriginStaff)
	}
	for name, option := range map[string]SendOption{"confirmationOption": r.ConfirmationOption, "quotationOption": r.QuotationOption} {
		switch option {
		case "", OptionSend, OptionDoNotSend, OptionCustom:
		default:
			return fmt.Errorf("invalid reservation %s: unknown %s %q: use %s, %s or %s", r.ID, name, option, OptionSend, OptionDoNotSend, OptionCustom)
		}
	}
	if r.ConfirmationOption == OptionCustom {
		if err := validateAddress(r.ID, "confirmationAddress", r.ConfirmationAddress); err != nil {
			return err
		}
	}
	if r.QuotationOption == OptionCustom {
		if err := validateAddress(r.ID, "quotationAddress", r.QuotationAddress); err != nil {
			return err
		}
	}
	if r.Guest.Email != "" {
		if err := validateAddress(r.ID, "guest.email", r.Guest.Email); err != nil {
			return err
		}
	}
	if r.Booker != nil && r.Booker.Email != "" {
		if err := validateAddress(r.ID, "booker.email", r.Booker.Email); err != nil {
			return err
		}
	}
	return nil
}

func validateAddress(reservationID, field, address string) error {
	parsed, err := netmail.ParseAddress(address)
	if err != nil || parsed.Address != address {
		return fmt.Errorf("invalid reservation %s: %s %q is not a plain e-mail address such as ana@example.com", reservationID, field, address)
	}
	return nil
}
