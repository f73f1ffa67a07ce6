package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
)

// receive takes one signal off its channel and returns the function that
// handles it. Handling runs outside the selector callback, so that it may
// run activities.
func (w *reservation) receive(ctx workflow.Context, name string, ch workflow.ReceiveChannel) func() {
	switch name {
	case SignalConfirm:
		var s ConfirmSignal
		ch.Receive(ctx, &s)
		return func() { w.onConfirm(ctx, s) }
	case SignalCancel:
		var s CancelSignal
		ch.Receive(ctx, &s)
		return func() { w.onCancel(ctx, s) }
	case SignalChangeDates:
		var s ChangeDatesSignal
		ch.Receive(ctx, &s)
		return func() { w.onChangeDates(ctx, s) }
	case SignalChangeGuest:
		var s ChangeGuestSignal
		ch.Receive(ctx, &s)
		return func() { w.onChangeGuest(ctx, s) }
	case SignalOnlineCheckInCompleted:
		var s EventSignal
		ch.Receive(ctx, &s)
		return func() { w.onOnlineCheckIn(ctx, s) }
	case SignalCheckIn:
		var s EventSignal
		ch.Receive(ctx, &s)
		return func() { w.onCheckIn(ctx, s) }
	case SignalCheckOut:
		var s EventSignal
		ch.Receive(ctx, &s)
		return func() { w.onCheckOut(ctx, s) }
	case SignalCloseBill:
		var s CloseBillSignal
		ch.Receive(ctx, &s)
		return func() { w.onCloseBill(ctx, s) }
	case SignalChargeSucceeded:
		var s ChargeSignal
		ch.Receive(ctx, &s)
		return func() { w.onCharge(ctx, mail.ChargeConfirmation, s) }
	case SignalChargeFailed:
		var s ChargeSignal
		ch.Receive(ctx, &s)
		return func() { w.onCharge(ctx, mail.ChargeFailure, s) }
	}
	// Every name in Signals has a case above; an unknown one would be a
	// programming error caught by the tests.
	ch.Receive(ctx, nil)
	return func() { w.reject(ctx, name, "unknown signal") }
}

func (w *reservation) onConfirm(ctx workflow.Context, s ConfirmSignal) {
	if !w.firstSeen(s.EventID) || w.s.State == Confirmed {
		return
	}
	if w.s.State != Optional {
		w.reject(ctx, SignalConfirm, w.wrongState(Optional))
		return
	}
	w.transition(ctx, Confirmed)
	w.sendConfirmation(ctx)
}

func (w *reservation) onCancel(ctx workflow.Context, s CancelSignal) {
	if !w.firstSeen(s.EventID) {
		return
	}
	if w.s.State == Canceled {
		// A repeated cancellation: the guest already has their mail.
		return
	}
	if w.s.State != Optional && w.s.State != Confirmed {
		w.reject(ctx, SignalCancel, w.wrongState(Optional, Confirmed))
		return
	}
	switch s.Reason {
	case "", ReasonGuestRequest, ReasonReleased, ReasonNoShow:
	default:
		w.reject(ctx, SignalCancel, "unknown cancel reason "+string(s.Reason)+"; use guest-request, released or no-show")
		return
	}
	if s.CustomAddress != "" {
		if err := validateAddress(w.r.ID, "customAddress", s.CustomAddress); err != nil {
			w.reject(ctx, SignalCancel, err.Error())
			return
		}
	}
	w.cancel(ctx, s)
}

func (w *reservation) onChangeDates(ctx workflow.Context, s ChangeDatesSignal) {
	if !w.firstSeen(s.EventID) {
		return
	}
	switch {
	case s.Arrival.IsZero() || s.Departure.IsZero():
		w.reject(ctx, SignalChangeDates, "arrival and departure are both required")
		return
	case s.Departure.Before(s.Arrival):
		w.reject(ctx, SignalChangeDates, "departure "+s.Departure.String()+" is before arrival "+s.Arrival.String())
		return
	case w.s.State == Started && s.Arrival != w.r.Arrival:
		w.reject(ctx, SignalChangeDates, "the guest has checked in; only the departure can change")
		return
	case w.s.State != Optional && w.s.State != Confirmed && w.s.State != Started:
		w.reject(ctx, SignalChangeDates, w.wrongState(Optional, Confirmed, Started))
		return
	}
	if !s.ReleaseAt.IsZero() && w.s.State != Optional {
		w.reject(ctx, SignalChangeDates, "only an optional reservation has a release time")
		return
	}

	changed := s.Arrival != w.r.Arrival || s.Departure != w.r.Departure ||
		(!s.ReleaseAt.IsZero() && !s.ReleaseAt.Equal(w.r.ReleaseAt))
	if !changed {
		return
	}
	w.logger.Info("Dates changed", "arrival", s.Arrival, "departure", s.Departure, "releaseAt", s.ReleaseAt)
	w.r.Arrival, w.r.Departure = s.Arrival, s.Departure
	if !s.ReleaseAt.IsZero() {
		w.r.ReleaseAt = s.ReleaseAt
	}
	w.upsertSearchAttributes(ctx)
}

func (w *reservation) onChangeGuest(ctx workflow.Context, s ChangeGuestSignal) {
	if !w.firstSeen(s.EventID) {
		return
	}
	if s.Email != "" {
		if err := validateAddress(w.r.ID, "email", s.Email); err != nil {
			w.reject(ctx, SignalChangeGuest, err.Error())
			return
		}
	}
	g := &w.r.Guest
	for _, field := range []struct {
		to   *string
		from string
	}{
		{&g.TitlePrefix, s.TitlePrefix}, {&g.FirstName, s.FirstName}, {&g.LastName, s.LastName},
		{&g.Email, s.Email}, {&g.Language, s.Language}, {&g.Nationality, s.Nationality},
	} {
		if field.from != "" {
			*field.to = field.from
		}
	}
	w.logger.Info("Guest changed")
}

func (w *reservation) onOnlineCheckIn(ctx workflow.Context, s EventSignal) {
	if !w.firstSeen(s.EventID) || w.s.OnlineCheckInDone {
		return
	}
	if w.s.State != Optional && w.s.State != Confirmed {
		w.reject(ctx, SignalOnlineCheckInCompleted, w.wrongState(Optional, Confirmed))
		return
	}
	w.s.OnlineCheckInDone = true
}

func (w *reservation) onCheckIn(ctx workflow.Context, s EventSignal) {
	if !w.firstSeen(s.EventID) || w.s.State == Started {
		return
	}
	if w.s.State != Confirmed {
		w.reject(ctx, SignalCheckIn, w.wrongState(Confirmed))
		return
	}
	w.transition(ctx, Started)
	if w.s.Property.AfterStartEnabled && !w.s.Done[mail.AfterStart] {
		w.s.Done[mail.AfterStart] = true
		w.send(ctx, w.toGuest(mail.AfterStart))
	}
}

func (w *reservation) onCheckOut(ctx workflow.Context, s EventSignal) {
	if !w.firstSeen(s.EventID) || w.s.State == Processed {
		return
	}
	if w.s.State != Started {
		w.reject(ctx, SignalCheckOut, w.wrongState(Started))
		return
	}
	w.transition(ctx, Processed)
	if w.s.Property.AfterEndEnabled && w.s.Property.AfterEndDelayDays == 0 && !w.s.Done[mail.AfterEnd] {
		w.s.Done[mail.AfterEnd] = true
		w.send(ctx, w.toGuest(mail.AfterEnd))
	}
}

func (w *reservation) onCloseBill(ctx workflow.Context, s CloseBillSignal) {
	if !w.firstSeen(s.EventID) {
		return
	}
	if s.BillID == "" {
		w.reject(ctx, SignalCloseBill, "billId is empty")
		return
	}
	if _, seen := w.s.Bills[s.BillID]; seen {
		return
	}
	if s.PDF != nil && len(s.PDF.Content) > activities.MaxInlineAttachment {
		w.reject(ctx, SignalCloseBill, fmt.Sprintf("the PDF of bill %s is %d bytes, above the %d-byte limit for inline files; store it in the bills folder and send its path",
			s.BillID, len(s.PDF.Content), activities.MaxInlineAttachment))
		return
	}
	if s.PDF != nil && len(s.PDF.Content) == 0 && s.PDF.Path == "" {
		w.reject(ctx, SignalCloseBill, "the PDF of bill "+s.BillID+" has neither content nor path")
		return
	}
	if w.s.State != Started && w.s.State != Processed {
		w.reject(ctx, SignalCloseBill, w.wrongState(Started, Processed))
		return
	}
	w.s.Bills[s.BillID] = Bill{CloseBillSignal: s, Seq: len(w.s.Bills) + 1}
	w.send(ctx, w.billMail(s, w.key(mail.Bill, s.BillID)))
}

func (w *reservation) billMail(s CloseBillSignal, key string) mailSpec {
	spec := w.toGuest(mail.Bill)
	spec.key = key
	if s.Owner != nil && s.Owner.Email != "" {
		spec.to, spec.recipient = s.Owner.Email, *s.Owner
	}
	spec.data.BillNumber, spec.data.BillTotal, spec.data.BillLink = s.Number, s.Total, s.Link
	if s.PDF != nil {
		pdf := *s.PDF
		if pdf.Filename == "" {
			pdf.Filename = "bill-" + s.BillID + ".pdf"
		}
		if pdf.ContentType == "" {
			pdf.ContentType = "application/pdf"
		}
		spec.attachments = []activities.AttachmentRef{pdf}
	}
	return spec
}

// onCharge sends one mail per payment event. A failure reported after a
// success of the same payment, and any repeat, send nothing.
func (w *reservation) onCharge(ctx workflow.Context, m mail.Type, s ChargeSignal) {
	signal := SignalChargeSucceeded
	outcome := "succeeded"
	if m == mail.ChargeFailure {
		signal, outcome = SignalChargeFailed, "failed"
	}
	if !w.firstSeen(s.EventID) {
		return
	}
	if s.PaymentID == "" {
		w.reject(ctx, signal, "paymentId is empty")
		return
	}
	previous := w.s.Payments[s.PaymentID]
	if previous == "succeeded" || previous == outcome {
		return
	}
	w.s.Payments[s.PaymentID] = outcome
	w.s.LastCharge[m] = s
	w.send(ctx, w.chargeMail(m, s, w.key(m, s.PaymentID)))
}

func (w *reservation) chargeMail(m mail.Type, s ChargeSignal, key string) mailSpec {
	spec := w.toGuest(m)
	spec.key = key
	if s.Payer != nil && s.Payer.Email != "" {
		spec.to, spec.recipient = s.Payer.Email, *s.Payer
	}
	spec.data.PaymentAmount, spec.data.CardLastFour, spec.data.AddCardLink = s.Amount, s.CardLastFour, s.AddCardLink
	return spec
}
