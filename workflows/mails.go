package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
)

// sendActivityOptions retry a send for up to three days: long enough to
// ride out a provider outage or a week-end without an operator, short enough
// that a mail about a stay does not arrive after the stay. Each attempt
// carries the same idempotency key, so retries never mail twice.
var sendActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    time.Minute,
	ScheduleToCloseTimeout: 72 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        2 * time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        10 * time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrPropertyNotFound, activities.ErrInvalidProperty, activities.ErrNoTemplate},
	},
}

// mailSpec is one mail the workflow decided to send.
type mailSpec struct {
	mail        mail.Type
	key         string
	to          string
	recipient   Person
	language    string
	automatic   bool
	skipReason  string
	data        activities.MailData
	attachments []activities.AttachmentRef
}

// key returns the idempotency key of a mail: the workflow id, the mail type
// and the parts that tell two mails of one type apart.
func (w *reservation) key(m mail.Type, parts ...string) string {
	return strings.Join(append([]string{w.wfID, string(m)}, parts...), "/")
}

func (w *reservation) mailData() activities.MailData { return w.r.MailData() }

// toGuest addresses a mail to the reservation's owner.
func (w *reservation) toGuest(m mail.Type) mailSpec {
	return mailSpec{mail: m, key: w.key(m), to: w.r.Guest.Email, recipient: w.r.Guest, automatic: true, data: w.mailData()}
}

// toBooker addresses a mail to a booker who does not stay, if there is one.
func (w *reservation) toBooker(m mail.Type) (mailSpec, bool) {
	b := w.r.Booker
	if b == nil || b.Email == "" || strings.EqualFold(b.Email, w.r.Guest.Email) {
		return mailSpec{}, false
	}
	return mailSpec{mail: m, key: w.key(m, "booker"), to: b.Email, recipient: *b, automatic: true, data: w.mailData()}, true
}

// toAddress addresses a mail to an address given by staff. The guest's
// languages still choose the template.
func (w *reservation) toAddress(m mail.Type, address string) mailSpec {
	spec := w.toGuest(m)
	spec.to = address
	spec.recipient = Person{Email: address, Language: w.r.Guest.Language, Nationality: w.r.Guest.Nationality}
	return spec
}

// send runs the send activity and adds the outcome to the mailing log. A
// send that fails for good is logged and recorded; the workflow goes on.
func (w *reservation) send(ctx workflow.Context, spec mailSpec) MailResult {
	if spec.to == "" && spec.skipReason == "" {
		spec.skipReason = "no e-mail address for the recipient"
	}
	in := activities.SendMailInput{
		IdempotencyKey: spec.key,
		WorkflowID:     w.wfID,
		ReservationID:  w.r.ID,
		PropertyID:     w.r.PropertyID,
		Mail:           spec.mail,
		To:             spec.to,
		Recipient:      spec.recipient,
		Language:       spec.language,
		Automatic:      spec.automatic,
		Data:           spec.data,
		SkipReason:     spec.skipReason,
		Attachments:    spec.attachments,
	}
	options := sendActivityOptions
	options.TaskQueue = SendTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	var a *activities.Activities
	var result MailResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, options), a.SendMail, in).Get(ctx, &result)
	if err != nil {
		w.logger.Error("Mail failed", "mail", spec.mail, "key", spec.key, "error", err)
		result = MailResult{IdempotencyKey: spec.key, Mail: spec.mail, To: spec.to, Status: mail.StatusFailed, Reason: err.Error()}
	}
	w.s.Log = append(w.s.Log, LogEntry{At: workflow.Now(ctx), MailResult: result})
	return result
}

// onBooking sends the mails of a new reservation: the quotation of an
// optional one, the confirmation of a confirmed one.
func (w *reservation) onBooking(ctx workflow.Context) {
	if w.s.State == Optional {
		if w.r.Origin != OriginStaff {
			return
		}
		switch w.r.QuotationOption {
		case OptionSend:
			w.send(ctx, w.toGuest(mail.Quotation))
		case OptionCustom:
			w.send(ctx, w.toAddress(mail.Quotation, w.r.QuotationAddress))
		}
		return
	}
	w.sendConfirmation(ctx)
}

// sendConfirmation sends the confirmation as the origin and the property's
// switches or the staff's option direct.
func (w *reservation) sendConfirmation(ctx workflow.Context) {
	if w.s.Done[mail.Confirmation] {
		return
	}
	w.s.Done[mail.Confirmation] = true

	if w.r.Origin == OriginStaff {
		switch w.r.ConfirmationOption {
		case OptionDoNotSend:
			spec := w.toGuest(mail.Confirmation)
			spec.skipReason = "staff chose the confirmation option do-not-send"
			w.send(ctx, spec)
			return
		case OptionCustom:
			w.send(ctx, w.toAddress(mail.Confirmation, w.r.ConfirmationAddress))
			return
		}
	} else if !w.s.Property.ConfirmationEnabled {
		spec := w.toGuest(mail.Confirmation)
		spec.skipReason = "the property does not send confirmations for " + string(w.r.Origin) + " reservations"
		w.send(ctx, spec)
		return
	}

	w.send(ctx, w.toGuest(mail.Confirmation))
	if spec, ok := w.toBooker(mail.BookerConfirmation); ok {
		w.send(ctx, spec)
	}
}

// cancel cancels the reservation and sends the cancellation mail unless the
// canceller declined it. Every pending timed mail stops with the state.
func (w *reservation) cancel(ctx workflow.Context, c CancelSignal) {
	reason := c.Reason
	if reason == "" {
		reason = ReasonGuestRequest
	}
	w.s.CancelReason = reason
	w.transition(ctx, Canceled)

	if c.SendMail != nil && !*c.SendMail {
		return
	}
	if c.CustomAddress != "" {
		w.send(ctx, w.toAddress(mail.Cancellation, c.CustomAddress))
		return
	}
	w.send(ctx, w.toGuest(mail.Cancellation))
	if spec, ok := w.toBooker(mail.Cancellation); ok {
		w.send(ctx, spec)
	}
}
