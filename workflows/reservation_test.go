package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
)

func TestInvitationTwoDaysBeforeAtLocalSendHour(t *testing.T) {
	// The worker's own zone must not matter.
	saved := time.Local
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	time.Local = tokyo
	defer func() { time.Local = saved }()

	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.Confirmation, "2027-05-01T11:00:00Z")
	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-10T09:00:00Z")
}

func TestInvitationAfterSpringDSTChange(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-02-01T11:00:00Z"), nil)
	h.run(booking(t, "2027-03-29", "2027-03-31"))

	// 2027-03-27 is still winter time in Lisbon (UTC+0).
	h.expectOnce(mail.OnlineCheckInInvitation, "2027-03-27T10:00:00Z")
}

func TestLateBookingInWindowSendsInvitationAtBooking(t *testing.T) {
	// Booked 2027-06-11 12:00 Lisbon time for arrival the next day.
	h := newHarness(t, mustTime(t, "2027-06-11T11:00:00Z"), nil)
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.Confirmation, "2027-06-11T11:00:00Z")
	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-11T11:00:00Z")
}

func TestLateBookingAfterWindowWaitsForOpening(t *testing.T) {
	// Booked 2027-06-10 22:30 Lisbon time: the window opens at 08:00 the next day.
	h := newHarness(t, mustTime(t, "2027-06-10T21:30:00Z"), nil)
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.Confirmation, "2027-06-10T21:30:00Z")
	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-11T07:00:00Z")
}

func TestLateBookingWithoutOpeningBeforeArrivalIsSkipped(t *testing.T) {
	for name, start := range map[string]string{
		"eve of arrival after window": "2027-06-11T21:30:00Z",
		"arrival day":                 "2027-06-12T08:00:00Z",
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, mustTime(t, start), nil)
			h.run(booking(t, "2027-06-12", "2027-06-14"))

			h.expectNone(mail.OnlineCheckInInvitation)
			var skipped []LogEntry
			for _, e := range h.status().Log {
				if e.Mail == mail.OnlineCheckInInvitation {
					skipped = append(skipped, e)
				}
			}
			if len(skipped) != 1 || skipped[0].Status != mail.StatusSkipped {
				t.Fatalf("mailing log for the invitation = %+v, want one skip", skipped)
			}
			if !strings.Contains(skipped[0].Reason, "send window") {
				t.Errorf("skip reason %q does not explain the window", skipped[0].Reason)
			}
			rows := h.store.Deliveries()
			found := false
			for _, d := range rows {
				found = found || (d.MailType == mail.OnlineCheckInInvitation && d.Status == mail.StatusSkipped && d.Error != "")
			}
			if !found {
				t.Errorf("no skipped delivery row with a reason: %+v", rows)
			}
		})
	}
}

func TestArrivalMovedLaterRearmsInvitation(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-05-15T12:00:00Z", func() {
		h.signal(SignalChangeDates, ChangeDatesSignal{Arrival: mustDate(t, "2027-06-20"), Departure: mustDate(t, "2027-06-22")})
	})
	h.run(booking(t, "2027-06-10", "2027-06-12"))

	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-18T09:00:00Z")
}

func TestArrivalMovedAndBackSendsOneInvitation(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-05-15T12:00:00Z", func() {
		h.signal(SignalChangeDates, ChangeDatesSignal{Arrival: mustDate(t, "2027-06-20"), Departure: mustDate(t, "2027-06-22")})
	})
	h.at("2027-05-20T12:00:00Z", func() {
		h.signal(SignalChangeDates, ChangeDatesSignal{Arrival: mustDate(t, "2027-06-10"), Departure: mustDate(t, "2027-06-12")})
	})
	h.run(booking(t, "2027-06-10", "2027-06-12"))

	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-08T09:00:00Z")
}

func TestArrivalMovedAfterInvitationSendsNoSecond(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-06-09T12:00:00Z", func() {
		h.signal(SignalChangeDates, ChangeDatesSignal{Arrival: mustDate(t, "2027-06-20"), Departure: mustDate(t, "2027-06-22")})
	})
	h.run(booking(t, "2027-06-10", "2027-06-12"))

	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-08T09:00:00Z")
	if got := h.status().Arrival.String(); got != "2027-06-20" {
		t.Errorf("arrival = %s, want 2027-06-20", got)
	}
}

func TestCancelJustBeforeInvitationSendsOnlyCancellation(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-06-10T08:59:59Z", func() { h.signal(SignalCancel, CancelSignal{}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectNone(mail.OnlineCheckInInvitation)
	h.expectOnce(mail.Cancellation, "2027-06-10T08:59:59Z")
	st := h.status()
	if st.State != Canceled || st.CancelReason != ReasonGuestRequest {
		t.Errorf("state = %s (%s), want Canceled (guest-request)", st.State, st.CancelReason)
	}
}

func TestCancelWithoutMailSendsNothing(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	no := false
	h.at("2027-06-10T08:59:59Z", func() { h.signal(SignalCancel, CancelSignal{SendMail: &no}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectNone(mail.OnlineCheckInInvitation)
	h.expectNone(mail.Cancellation)
	if n := len(h.sender.mails()); n != 1 {
		t.Errorf("%d mails, want only the confirmation: %v", n, h.summary())
	}
}

func TestCancellationClosesAfterRetention(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-05-02T11:00:00Z", func() { h.signal(SignalCancel, CancelSignal{}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	if want := mustTime(t, "2027-06-01T11:00:00Z"); !h.env.Now().Equal(want) {
		t.Errorf("workflow closed at %s, want 30 days after the cancellation, %s", h.env.Now().UTC(), want)
	}
}

func TestOnlineCheckInBeforeInvitationSuppressesIt(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-06-01T12:00:00Z", func() { h.signal(SignalOnlineCheckInCompleted, EventSignal{}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectNone(mail.OnlineCheckInInvitation)
}

func optionalBooking(t *testing.T) Reservation {
	r := booking(t, "2027-06-12", "2027-06-14")
	r.Origin = OriginStaff
	r.Optional = true
	r.ReleaseAt = mustTime(t, "2027-05-10T12:00:00Z")
	r.QuotationOption = OptionSend
	r.ConfirmationOption = OptionSend
	r.ConfirmLink = "https://avenida.example/confirm/AV-1001"
	return r
}

func TestOptionalReleasedWhenUnconfirmed(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.run(optionalBooking(t))

	h.expectOnce(mail.Quotation, "2027-05-01T11:00:00Z")
	h.expectOnce(mail.ReleaseReminder, "2027-05-09T12:00:00Z")
	h.expectNone(mail.Confirmation)
	h.expectNone(mail.OnlineCheckInInvitation)
	h.expectOnce(mail.Cancellation, "2027-05-10T12:00:00Z")
	st := h.status()
	if st.State != Canceled || st.CancelReason != ReasonReleased {
		t.Errorf("state = %s (%s), want Canceled (released)", st.State, st.CancelReason)
	}
}

func TestOptionalConfirmedAfterReminderIsNotReleased(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-05-09T18:00:00Z", func() { h.signal(SignalConfirm, ConfirmSignal{}) })
	h.run(optionalBooking(t))

	h.expectOnce(mail.ReleaseReminder, "2027-05-09T12:00:00Z")
	h.expectOnce(mail.Confirmation, "2027-05-09T18:00:00Z")
	h.expectNone(mail.Cancellation)
	h.expectOnce(mail.OnlineCheckInInvitation, "2027-06-10T09:00:00Z")
	if st := h.status(); st.CancelReason != "" {
		t.Errorf("cancel reason = %q, want none", st.CancelReason)
	}
}

func TestReleaseReminderOutsideWindowWaits(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	r := optionalBooking(t)
	// Released at 06:00 Lisbon time: the reminder is due 05:00 UTC+1 the day before.
	r.ReleaseAt = mustTime(t, "2027-05-10T05:00:00Z")
	h.run(r)

	h.expectOnce(mail.ReleaseReminder, "2027-05-09T07:00:00Z")
}

func TestDuplicateSignalsChangeNothing(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	var before, after Status
	h.at("2027-05-02T09:00:00Z", func() { h.signal(SignalConfirm, ConfirmSignal{EventID: "e1"}) })
	h.at("2027-05-02T10:00:00Z", func() { h.signal(SignalConfirm, ConfirmSignal{EventID: "e1"}) })
	h.at("2027-06-12T14:00:00Z", func() { h.signal(SignalCheckIn, EventSignal{EventID: "in-1"}) })
	h.at("2027-06-12T14:30:00Z", func() { before = h.status() })
	h.at("2027-06-12T15:00:00Z", func() { h.signal(SignalCheckIn, EventSignal{EventID: "in-1"}) })
	h.at("2027-06-12T15:10:00Z", func() { h.signal(SignalCheckIn, EventSignal{}) })
	h.at("2027-06-12T15:30:00Z", func() { after = h.status() })
	h.at("2027-06-14T10:00:00Z", func() { h.signal(SignalCheckOut, EventSignal{}) })
	h.run(optionalBooking(t))

	h.expectOnce(mail.Confirmation, "2027-05-02T09:00:00Z")
	h.expectOnce(mail.AfterStart, "2027-06-12T14:00:00Z")
	if len(after.Log) != len(before.Log) || after.State != before.State || len(after.Rejections) != len(before.Rejections) {
		t.Errorf("repeated check-in changed the status:\nbefore %+v\nafter  %+v", before, after)
	}
	if len(after.Rejections) != 0 {
		t.Errorf("rejections = %+v, want none", after.Rejections)
	}
}

func TestSignalOutOfStateIsRejectedWithoutMail(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	var st Status
	h.at("2027-05-02T11:00:00Z", func() { h.signal(SignalCheckOut, EventSignal{}) })
	h.at("2027-05-02T12:00:00Z", func() { st = h.status() })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	if len(st.Rejections) != 1 {
		t.Fatalf("rejections = %+v, want one", st.Rejections)
	}
	rej := st.Rejections[0]
	if rej.Signal != SignalCheckOut || rej.State != Confirmed || !strings.Contains(rej.Reason, "Started") {
		t.Errorf("rejection = %+v", rej)
	}
	h.expectNone(mail.AfterEnd)
	if st.State != Confirmed {
		t.Errorf("state = %s, want Confirmed", st.State)
	}
}

func TestResendWhileCanceledIsRejected(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	var rejected error
	h.at("2027-05-02T11:00:00Z", func() { h.signal(SignalCancel, CancelSignal{}) })
	h.at("2027-05-03T11:00:00Z", func() {
		h.env.UpdateWorkflow(UpdateResend, "resend-1", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { rejected = err },
			OnAccept:   func() { t.Error("resend of the confirmation was accepted while Canceled") },
			OnComplete: func(any, error) {},
		}, ResendRequest{Mail: mail.Confirmation, Receiver: ReceiverCustom, Address: "desk@avenida.example"})
	})
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	if rejected == nil {
		t.Fatal("resend was not rejected")
	}
	if !strings.Contains(rejected.Error(), "cannot be resent while the reservation is Canceled") {
		t.Errorf("rejection %q does not say why", rejected)
	}
	if n := len(h.sentOf(mail.Confirmation)); n != 1 {
		t.Errorf("confirmation sent %d times, want once", n)
	}
}

func TestResendConfirmationToCustomAddress(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	var result MailResult
	h.at("2027-05-03T11:00:00Z", func() {
		h.env.UpdateWorkflow(UpdateResend, "resend-1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("resend rejected: %v", err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				if err != nil {
					t.Errorf("resend failed: %v", err)
					return
				}
				result = v.(MailResult)
			},
		}, ResendRequest{Mail: mail.Confirmation, Receiver: ReceiverCustom, Address: "desk@avenida.example", Language: "de"})
	})
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	confirmations := h.sentOf(mail.Confirmation)
	if len(confirmations) != 2 {
		t.Fatalf("confirmation sent %d times, want the original and the resend", len(confirmations))
	}
	if confirmations[1].To != "desk@avenida.example" || result.Language != "de" || result.Status != mail.StatusSent {
		t.Errorf("resend = %+v, result %+v", confirmations[1], result)
	}
}

func TestFullStaySendsWelcomeBillThanksInOrder(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-06-12T14:00:00Z", func() { h.signal(SignalCheckIn, EventSignal{}) })
	h.at("2027-06-14T09:30:00Z", func() {
		h.signal(SignalCloseBill, CloseBillSignal{BillID: "b1", Number: "FT 2027/311", Total: Money{Amount: 51250, Currency: "EUR"}, Link: "https://avenida.example/bills/b1"})
	})
	h.at("2027-06-14T09:35:00Z", func() {
		h.signal(SignalCloseBill, CloseBillSignal{BillID: "b1", Number: "FT 2027/311"})
	})
	h.at("2027-06-14T10:00:00Z", func() { h.signal(SignalCheckOut, EventSignal{}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.AfterStart, "2027-06-12T14:00:00Z")
	h.expectOnce(mail.Bill, "2027-06-14T09:30:00Z")
	h.expectOnce(mail.AfterEnd, "2027-06-14T10:00:00Z")
	var order []mail.Type
	for _, s := range h.sender.mails() {
		order = append(order, s.Mail)
	}
	want := []mail.Type{mail.Confirmation, mail.OnlineCheckInInvitation, mail.AfterStart, mail.Bill, mail.AfterEnd}
	if strings.Join(typeNames(order), ",") != strings.Join(typeNames(want), ",") {
		t.Errorf("mails = %v, want %v", order, want)
	}
	if st := h.status(); st.State != Processed {
		t.Errorf("state = %s, want Processed", st.State)
	}
	if want := mustTime(t, "2027-07-14T10:00:00Z"); !h.env.Now().Equal(want) {
		t.Errorf("workflow closed at %s, want after the 30-day retention, %s", h.env.Now().UTC(), want)
	}
	bill := h.sentOf(mail.Bill)[0].Msg
	if !strings.Contains(bill.Text, "512,50") || !strings.Contains(bill.Text, "FT 2027/311") {
		t.Errorf("bill mail lacks its number or amount:\n%s", bill.Text)
	}
}

func TestDelayedAfterEndGoesOutAtSendHour(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), func(p *property.Property) { p.AfterEndDelayDays = 1 })
	h.at("2027-06-12T14:00:00Z", func() { h.signal(SignalCheckIn, EventSignal{}) })
	h.at("2027-06-14T10:00:00Z", func() { h.signal(SignalCheckOut, EventSignal{}) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.AfterEnd, "2027-06-15T09:00:00Z")
}

func TestChargeFailureAfterSuccessSendsNothing(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	charge := ChargeSignal{PaymentID: "p1", Amount: Money{Amount: 45000, Currency: "EUR"}, CardLastFour: "4242"}
	h.at("2027-05-01T12:00:00Z", func() { h.signal(SignalChargeSucceeded, charge) })
	h.at("2027-05-01T12:01:00Z", func() { h.signal(SignalChargeSucceeded, charge) })
	h.at("2027-05-01T12:02:00Z", func() { h.signal(SignalChargeFailed, charge) })
	failed := ChargeSignal{PaymentID: "p2", Amount: Money{Amount: 1000, Currency: "EUR"}, CardLastFour: "0005", AddCardLink: "https://avenida.example/card"}
	h.at("2027-05-02T12:00:00Z", func() { h.signal(SignalChargeFailed, failed) })
	h.at("2027-05-02T12:01:00Z", func() { h.signal(SignalChargeFailed, failed) })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectOnce(mail.ChargeConfirmation, "2027-05-01T12:00:00Z")
	h.expectOnce(mail.ChargeFailure, "2027-05-02T12:00:00Z")
}

func TestStaffConfirmationOptions(t *testing.T) {
	for option, want := range map[SendOption]int{OptionSend: 1, OptionDoNotSend: 0, OptionCustom: 1} {
		t.Run(string(option), func(t *testing.T) {
			h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
			r := booking(t, "2027-06-12", "2027-06-14")
			r.Origin = OriginStaff
			r.ConfirmationOption = option
			if option == OptionCustom {
				r.ConfirmationAddress = "agency@example.com"
			}
			h.run(r)

			got := h.sentOf(mail.Confirmation)
			if len(got) != want {
				t.Fatalf("confirmations = %d, want %d", len(got), want)
			}
			if option == OptionCustom && got[0].To != "agency@example.com" {
				t.Errorf("custom confirmation went to %s", got[0].To)
			}
		})
	}
}

func TestBookerGetsOwnConfirmation(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	r := booking(t, "2027-06-12", "2027-06-14")
	r.Booker = &Person{FirstName: "Hans", LastName: "Meyer", Email: "hans@example.de", Nationality: "DEU"}
	h.run(r)

	booker := h.sentOf(mail.BookerConfirmation)
	if len(booker) != 1 || booker[0].To != "hans@example.de" {
		t.Fatalf("booker confirmations = %+v", booker)
	}
	if !strings.Contains(booker[0].Msg.Text, "Hans Meyer") || !strings.Contains(booker[0].Msg.Text, "12. Juni 2027") {
		t.Errorf("booker mail is not the German booker version:\n%s", booker[0].Msg.Text)
	}
}

func TestDisabledConfirmationIsLoggedAsSkipped(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), func(p *property.Property) { p.ConfirmationEnabled = false })
	h.run(booking(t, "2027-06-12", "2027-06-14"))

	h.expectNone(mail.Confirmation)
	log := h.status().Log
	if len(log) == 0 || log[0].Mail != mail.Confirmation || log[0].Status != mail.StatusSkipped {
		t.Errorf("mailing log = %+v, want a skipped confirmation first", log)
	}
}

func TestInvalidReservationFailsWithReason(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	r := booking(t, "2027-06-12", "2027-06-10")
	h.env.ExecuteWorkflow(ReservationWorkflowName, r)

	err := h.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), "departure 2027-06-10 is before arrival 2027-06-12") {
		t.Fatalf("error = %v", err)
	}
}

func TestUnknownPropertyFailsWithReason(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	r := booking(t, "2027-06-12", "2027-06-14")
	r.PropertyID = "nowhere"
	h.env.ExecuteWorkflow(ReservationWorkflowName, r)

	err := h.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), `property "nowhere" not found`) {
		t.Fatalf("error = %v", err)
	}
	if n := len(h.sender.mails()); n != 0 {
		t.Errorf("%d mails sent for an unknown property", n)
	}
}

func typeNames(types []mail.Type) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

func TestContinueAsNewCarriesState(t *testing.T) {
	h := newHarness(t, mustTime(t, "2027-05-01T11:00:00Z"), nil)
	h.at("2027-05-02T11:00:00Z", func() {
		h.env.SetContinueAsNewSuggested(true)
		h.signal(SignalChangeGuest, ChangeGuestSignal{Person: Person{FirstName: "Ana Maria"}})
	})
	r := booking(t, "2027-06-12", "2027-06-14")
	h.env.ExecuteWorkflow(ReservationWorkflowName, r)

	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("workflow error = %v, want continue-as-new", err)
	}
	var carried Reservation
	var snapshot *Snapshot
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &carried, &snapshot); err != nil {
		t.Fatal(err)
	}
	if snapshot == nil || !snapshot.Done[mail.Confirmation] || carried.Guest.FirstName != "Ana Maria" {
		t.Fatalf("carried reservation %+v, snapshot %+v", carried.Guest, snapshot)
	}

	next := newHarness(t, mustTime(t, "2027-05-02T11:00:00Z"), nil)
	next.env.ExecuteWorkflow(ReservationWorkflowName, carried, snapshot)
	if err := next.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	next.expectNone(mail.Confirmation)
	next.expectOnce(mail.OnlineCheckInInvitation, "2027-06-10T09:00:00Z")
	if got := next.sentOf(mail.OnlineCheckInInvitation)[0].Msg.Text; !strings.Contains(got, "Olá Ana Maria") {
		t.Errorf("invitation does not greet the last name given:\n%s", got)
	}
}
