package workflows

import (
	"errors"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/mail"
)

// resendAllowed lists, per mail type, the states in which a resend is
// allowed.
var resendAllowed = map[mail.Type][]State{
	mail.Quotation:               {Optional},
	mail.Confirmation:            {Confirmed, Started, Processed},
	mail.BookerConfirmation:      {Confirmed, Started, Processed},
	mail.ReleaseReminder:         {Optional},
	mail.Cancellation:            {Canceled},
	mail.OnlineCheckInInvitation: {Confirmed},
	mail.BeforeStart:             {Confirmed},
	mail.AfterStart:              {Started, Processed},
	mail.Bill:                    {Started, Processed},
	mail.AfterEnd:                {Processed},
	mail.ChargeConfirmation:      {Optional, Confirmed, Started, Processed, Canceled},
	mail.ChargeFailure:           {Optional, Confirmed, Started, Processed, Canceled},
}

func (w *reservation) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) {
		return w.status(), nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateResend, w.resend,
		workflow.UpdateHandlerOptions{Validator: w.validateResend}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateSendReleaseReminder, w.sendReleaseReminderNow,
		workflow.UpdateHandlerOptions{Validator: w.validateReleaseReminderNow})
}

// validateResend rejects a resend the catalogue does not allow in the
// current state, with a message that gives the reason. It must not change state.
func (w *reservation) validateResend(ctx workflow.Context, req ResendRequest) error {
	allowed, known := resendAllowed[req.Mail]
	if !known {
		return fmt.Errorf("mail %q cannot be resent by a reservation; resendable mails: %v", req.Mail, resendableTypes())
	}
	if !containsState(allowed, w.s.State) {
		return fmt.Errorf("%s cannot be resent while the reservation is %s: it can be resent when the reservation is %s",
			req.Mail, w.s.State, joinStates(allowed))
	}
	switch req.Receiver {
	case "", ReceiverCustomer:
		if req.Address != "" {
			return errors.New("address is only for receiver custom")
		}
	case ReceiverCustom:
		if err := validateAddress(w.r.ID, "address", req.Address); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown receiver %q: use customer or custom", req.Receiver)
	}
	if req.Language != "" && !language.IsSupported(language.Normalize(req.Language)) {
		return fmt.Errorf("unsupported language %q: use one of %v", req.Language, language.Supported)
	}
	switch req.Mail {
	case mail.Bill:
		if len(w.s.Bills) == 0 {
			return errors.New("no bill has been closed for this reservation")
		}
	case mail.ChargeConfirmation, mail.ChargeFailure:
		if _, ok := w.s.LastCharge[req.Mail]; !ok {
			return fmt.Errorf("no payment event has produced a %s for this reservation", req.Mail)
		}
	case mail.BookerConfirmation:
		if _, ok := w.toBooker(req.Mail); !ok && req.Receiver != ReceiverCustom {
			return errors.New("the reservation has no booker apart from the guest")
		}
	}
	return nil
}

func resendableTypes() []mail.Type {
	var out []mail.Type
	for _, t := range mail.Types {
		if _, ok := resendAllowed[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// resend sends a mail again under a new idempotency key, so the provider
// treats it as a new mail. Resends are operator requests and do not count
// towards the per-recipient limit on automatic mails.
func (w *reservation) resend(ctx workflow.Context, req ResendRequest) (MailResult, error) {
	w.s.Resends++
	key := w.key("resend", strconv.Itoa(w.s.Resends), string(req.Mail))

	var spec mailSpec
	switch req.Mail {
	case mail.Bill:
		spec = w.billMail(w.latestBill(), key)
	case mail.ChargeConfirmation, mail.ChargeFailure:
		spec = w.chargeMail(req.Mail, w.s.LastCharge[req.Mail], key)
	case mail.BookerConfirmation:
		spec, _ = w.toBooker(req.Mail)
	default:
		spec = w.toGuest(req.Mail)
	}
	spec.key = key
	if req.Receiver == ReceiverCustom {
		spec.to = req.Address
		spec.recipient = Person{Email: req.Address, Language: spec.recipient.Language, Nationality: spec.recipient.Nationality}
	}
	spec.language = req.Language
	spec.automatic = false
	w.logger.Info("Resend requested", "mail", req.Mail, "receiver", req.Receiver, "key", key)
	return w.send(ctx, spec), nil
}

func (w *reservation) latestBill() CloseBillSignal {
	var latest Bill
	for _, b := range w.s.Bills {
		if b.Seq > latest.Seq {
			latest = b
		}
	}
	return latest.CloseBillSignal
}

func (w *reservation) validateReleaseReminderNow(ctx workflow.Context) error {
	if w.s.State != Optional {
		return fmt.Errorf("the release reminder is only for optional reservations; this one is %s", w.s.State)
	}
	return nil
}

// sendReleaseReminderNow sends the release reminder on demand. It does not
// replace the automatic reminder, which still goes out at its time.
func (w *reservation) sendReleaseReminderNow(ctx workflow.Context) (MailResult, error) {
	w.s.Reminders++
	spec := w.toGuest(mail.ReleaseReminder)
	spec.key = w.key(mail.ReleaseReminder, "on-demand", strconv.Itoa(w.s.Reminders))
	spec.automatic = false
	return w.send(ctx, spec), nil
}
