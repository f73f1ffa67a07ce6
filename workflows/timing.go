package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/schedule"
)

// eventKind names what a timed event does.
type eventKind int

const (
	eventMail    eventKind = iota // send or skip a timed mail
	eventRelease                  // release an unconfirmed optional reservation
	eventClose                    // end of retention: the workflow completes
	eventAbandon                  // the stay is long over but never ended
)

// timedEvent is the next moment of one pending rule.
type timedEvent struct {
	kind     eventKind
	mail     mail.Type
	decision schedule.Decision
}

// plan lists the pending timed events at now. It is derived from the state
// alone, so a signal that changes dates or state re-arms every timer simply
// by being handled before the next plan.
func (w *reservation) plan(now time.Time) []timedEvent {
	var events []timedEvent
	p := w.s.Property
	r := w.rules
	arrivalStart := r.StartOf(w.r.Arrival)
	arrivalName := "the arrival date " + w.r.Arrival.String() + " begins"

	timedMail := func(m mail.Type, due, deadline time.Time, deadlineName string) {
		events = append(events, timedEvent{kind: eventMail, mail: m, decision: r.Place(due, now, deadline, deadlineName)})
	}

	switch w.s.State {
	case Optional:
		if w.r.ReleaseAt.IsZero() {
			break
		}
		if p.ReleaseReminderEnabled && !w.s.Done[mail.ReleaseReminder] {
			timedMail(mail.ReleaseReminder, w.r.ReleaseAt.Add(-p.ReleaseReminderLead.Duration), w.r.ReleaseAt, "the release time")
		}
		if p.AutoRelease {
			events = append(events, timedEvent{kind: eventRelease, decision: schedule.Decision{At: latest(w.r.ReleaseAt, now)}})
		}

	case Confirmed:
		if p.InvitationEnabled && !w.s.OnlineCheckInDone && !w.s.Done[mail.OnlineCheckInInvitation] {
			due := r.At(w.r.Arrival.AddDays(-invitationDaysBefore), r.SendAt)
			timedMail(mail.OnlineCheckInInvitation, due, arrivalStart, arrivalName)
		}
		if p.BeforeStartEnabled && !w.s.Done[mail.BeforeStart] {
			due := r.At(w.r.Arrival.AddDays(-p.BeforeStartDays), r.SendAt)
			timedMail(mail.BeforeStart, due, arrivalStart, arrivalName)
		}

	case Processed, Canceled:
		closesAt := w.s.EndedAt.Add(p.Retention.Duration)
		if w.s.State == Processed && p.AfterEndEnabled && p.AfterEndDelayDays > 0 && !w.s.Done[mail.AfterEnd] {
			checkout := schedule.DateOf(w.s.EndedAt, r.Location)
			due := r.At(checkout.AddDays(p.AfterEndDelayDays), r.SendAt)
			timedMail(mail.AfterEnd, due, closesAt, "the workflow closes")
		}
		events = append(events, timedEvent{kind: eventClose, decision: schedule.Decision{At: latest(closesAt, now)}})
	}

	if w.s.State == Optional || w.s.State == Confirmed || w.s.State == Started {
		// The reservation service never reported the end of this stay. The
		// workflow keeps waiting for it through the retention period after
		// departure, then closes instead of sleeping forever.
		abandonAt := r.StartOf(w.r.Departure.AddDays(1)).Add(p.Retention.Duration)
		events = append(events, timedEvent{kind: eventAbandon, decision: schedule.Decision{At: latest(abandonAt, now)}})
	}

	// A skip is due at once, so that it lands in the mailing log.
	for i := range events {
		if events[i].decision.Skip {
			events[i].decision.At = now
		}
	}
	return events
}

// invitationDaysBefore is how many days before arrival the online check-in
// invitation falls due: two days leave the guest time to fill in the form
// and the front desk time to prepare the room and the registration card.
const invitationDaysBefore = 2

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fire carries out a timed event that is due.
func (w *reservation) fire(ctx workflow.Context, e timedEvent) {
	switch e.kind {
	case eventMail:
		w.s.Done[e.mail] = true
		spec := w.toGuest(e.mail)
		if e.decision.Skip {
			spec.skipReason = e.decision.Reason
		}
		w.send(ctx, spec)

	case eventRelease:
		w.logger.Info("Optional reservation released", "releaseAt", w.r.ReleaseAt)
		w.cancel(ctx, CancelSignal{Reason: ReasonReleased})

	case eventClose:
		w.closed = true

	case eventAbandon:
		w.logger.Warn("Closing a reservation whose stay never ended", "state", w.s.State, "departure", w.r.Departure)
		w.closed = true

	default:
		panic(fmt.Sprintf("unknown timed event kind %d", e.kind))
	}
}
