package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
)

// Limits that keep the workflow's state, and so its query results and
// continue-as-new payloads, small.
const (
	maxRejections = 50
	maxSeenEvents = 500
)

// maxHistoryEvents bounds a run's history. A reservation with many date
// changes or resends continues as new past it even before the server
// suggests so. A full stay takes well under a hundred events.
const maxHistoryEvents = 2000

// Snapshot is the workflow's state, carried across continue-as-new.
type Snapshot struct {
	Property     property.Property `json:"property"`
	State        State             `json:"state"`
	CancelReason CancelReason      `json:"cancelReason,omitempty"`
	// Booked is set once the booking's own mails went out.
	Booked bool `json:"booked"`
	// Done holds the one-per-reservation mails already sent or skipped.
	Done              map[mail.Type]bool `json:"done"`
	OnlineCheckInDone bool               `json:"onlineCheckInDone,omitempty"`
	// EndedAt is when the reservation was checked out or cancelled.
	EndedAt    time.Time         `json:"endedAt,omitempty"`
	SeenEvents []string          `json:"seenEvents,omitempty"`
	Bills      map[string]Bill   `json:"bills,omitempty"`
	Payments   map[string]string `json:"payments,omitempty"`
	// LastCharge keeps the latest payment event of each kind for resends.
	LastCharge map[mail.Type]ChargeSignal `json:"lastCharge,omitempty"`
	Resends    int                        `json:"resends,omitempty"`
	Reminders  int                        `json:"reminders,omitempty"`
	Log        []LogEntry                 `json:"log,omitempty"`
	Rejections []Rejection                `json:"rejections,omitempty"`
}

// Bill is a closed bill as the workflow keeps it.
type Bill struct {
	CloseBillSignal
	Seq int `json:"seq"`
}

// ReservationWorkflow carries one reservation through its life: it sends the
// booking's mails, sleeps until the next timed mail or the next signal, and
// stays open for the property's retention period after the stay ends or the
// reservation is cancelled.
func ReservationWorkflow(ctx workflow.Context, r Reservation, resume *Snapshot) error {
	w := &reservation{r: r, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID}
	if resume != nil {
		w.s = *resume
	}
	return w.run(ctx)
}

type reservation struct {
	r       Reservation
	s       Snapshot
	wfID    string
	rules   schedule.Rules
	logger  log.Logger
	planned []PlannedMail
	closed  bool
	seen    map[string]bool
}

func (w *reservation) run(ctx workflow.Context) error {
	w.logger = log.With(workflow.GetLogger(ctx), "reservationId", w.r.ID, "propertyId", w.r.PropertyID)
	if err := w.r.Validate(); err != nil {
		w.logger.Error("Invalid reservation", "error", err)
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidReservation, nil)
	}
	w.init()
	if err := w.registerHandlers(ctx); err != nil {
		return err
	}

	if w.s.Property.ID == "" {
		if err := w.loadProperty(ctx); err != nil {
			return err
		}
	}
	rules, err := w.s.Property.Rules()
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrInvalidProperty, err)
	}
	w.rules = rules

	if !w.s.Booked {
		w.onBooking(ctx)
		w.s.Booked = true
	}
	w.upsertSearchAttributes(ctx)

	for !w.closed {
		if info := workflow.GetInfo(ctx); info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > maxHistoryEvents {
			return w.continueAsNew(ctx)
		}
		w.step(ctx)
	}

	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	w.drainSignals(ctx)
	w.logger.Info("Reservation workflow closed", "state", w.s.State)
	return nil
}

func (w *reservation) init() {
	if w.s.State == "" {
		w.s.State = Confirmed
		if w.r.Optional {
			w.s.State = Optional
		}
	}
	if w.s.Done == nil {
		w.s.Done = map[mail.Type]bool{}
	}
	if w.s.Bills == nil {
		w.s.Bills = map[string]Bill{}
	}
	if w.s.Payments == nil {
		w.s.Payments = map[string]string{}
	}
	if w.s.LastCharge == nil {
		w.s.LastCharge = map[mail.Type]ChargeSignal{}
	}
	w.seen = map[string]bool{}
	for _, id := range w.s.SeenEvents {
		w.seen[id] = true
	}
}

func (w *reservation) loadProperty(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrPropertyNotFound, activities.ErrInvalidProperty},
		},
	})
	var a *activities.Activities
	if err := workflow.ExecuteActivity(actx, a.LoadProperty, w.r.PropertyID).Get(ctx, &w.s.Property); err != nil {
		w.logger.Error("Property unavailable", "error", err)
		return err
	}
	return nil
}

// step waits for the earliest timed event or the next signal, whichever
// comes first, and handles it.
func (w *reservation) step(ctx workflow.Context) {
	now := workflow.Now(ctx)
	events := w.plan(now)
	w.planned = w.planned[:0]
	for _, e := range events {
		if e.mail != "" && !e.decision.Skip {
			w.planned = append(w.planned, PlannedMail{Mail: e.mail, DueAt: e.decision.At})
		}
	}

	var next *timedEvent
	for i := range events {
		if next == nil || events[i].decision.At.Before(next.decision.At) {
			next = &events[i]
		}
	}
	if next != nil && !next.decision.At.After(now) {
		w.fire(ctx, *next)
		return
	}

	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	selector := workflow.NewSelector(ctx)
	if next != nil {
		// A fired timer needs no action here: the next step plans again
		// with the time of this workflow task, so a wake-up that comes late,
		// after a worker outage, still respects the send window.
		timer := workflow.NewTimer(timerCtx, next.decision.At.Sub(now))
		selector.AddFuture(timer, func(f workflow.Future) {})
	}
	var handle func()
	for _, name := range Signals {
		ch := workflow.GetSignalChannel(ctx, name)
		selector.AddReceive(ch, func(c workflow.ReceiveChannel, _ bool) {
			handle = w.receive(ctx, name, c)
		})
	}
	selector.Select(ctx)
	cancelTimer()
	if handle != nil {
		handle()
	}
}

// drainSignals handles every signal that is waiting, so that none is lost
// when the workflow closes or continues as new.
func (w *reservation) drainSignals(ctx workflow.Context) {
	for {
		var handle func()
		for _, name := range Signals {
			ch := workflow.GetSignalChannel(ctx, name)
			if ch.Len() > 0 {
				handle = w.receive(ctx, name, ch)
				break
			}
		}
		if handle == nil {
			return
		}
		handle()
	}
}

func (w *reservation) continueAsNew(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	w.drainSignals(ctx)
	w.logger.Info("Continuing as new", "historyLength", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	snapshot := w.s
	return workflow.NewContinueAsNewError(ctx, ReservationWorkflowName, w.r, &snapshot)
}

// transition moves the reservation to a new state and publishes it.
func (w *reservation) transition(ctx workflow.Context, to State) {
	w.logger.Info("State changed", "from", w.s.State, "to", to)
	w.s.State = to
	if to == Processed || to == Canceled {
		w.s.EndedAt = workflow.Now(ctx)
	}
	w.upsertSearchAttributes(ctx)
}

func (w *reservation) upsertSearchAttributes(ctx workflow.Context) {
	arrival := time.Date(w.r.Arrival.Year, w.r.Arrival.Month, w.r.Arrival.Day, 0, 0, 0, 0, time.UTC)
	err := workflow.UpsertTypedSearchAttributes(ctx,
		SearchReservationID.ValueSet(w.r.ID),
		SearchPropertyID.ValueSet(w.r.PropertyID),
		SearchState.ValueSet(string(w.s.State)),
		SearchArrivalDate.ValueSet(arrival),
	)
	if err != nil {
		// Search attributes only help operators find the workflow; a failed
		// upsert must not stop the guest's mails.
		w.logger.Error("Search attribute upsert failed", "error", err)
	}
}

// reject records a signal that does not fit the state. It sends nothing.
func (w *reservation) reject(ctx workflow.Context, signal, reason string) {
	w.logger.Warn("Signal rejected", "signal", signal, "state", w.s.State, "reason", reason)
	w.s.Rejections = append(w.s.Rejections, Rejection{At: workflow.Now(ctx), Signal: signal, State: w.s.State, Reason: reason})
	if len(w.s.Rejections) > maxRejections {
		w.s.Rejections = w.s.Rejections[len(w.s.Rejections)-maxRejections:]
	}
}

// firstSeen records an event id and reports whether it is new. An empty id
// is always new.
func (w *reservation) firstSeen(eventID string) bool {
	if eventID == "" {
		return true
	}
	if w.seen[eventID] {
		return false
	}
	w.seen[eventID] = true
	w.s.SeenEvents = append(w.s.SeenEvents, eventID)
	if len(w.s.SeenEvents) > maxSeenEvents {
		delete(w.seen, w.s.SeenEvents[0])
		w.s.SeenEvents = w.s.SeenEvents[1:]
	}
	return true
}

func (w *reservation) status() Status {
	st := Status{
		Reservation:   w.r,
		ReservationID: w.r.ID,
		PropertyID:    w.r.PropertyID,
		State:         w.s.State,
		CancelReason:  w.s.CancelReason,
		Arrival:       w.r.Arrival,
		Departure:     w.r.Departure,
		Planned:       append([]PlannedMail{}, w.planned...),
		Log:           append([]LogEntry{}, w.s.Log...),
		Rejections:    append([]Rejection{}, w.s.Rejections...),
	}
	if !w.r.ReleaseAt.IsZero() {
		releaseAt := w.r.ReleaseAt
		st.ReleaseAt = &releaseAt
	}
	if !w.s.EndedAt.IsZero() {
		closesAt := w.s.EndedAt.Add(w.s.Property.Retention.Duration)
		st.ClosesAt = &closesAt
	}
	return st
}

func containsState(states []State, s State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

func joinStates(states []State) string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func (w *reservation) wrongState(allowed ...State) string {
	return fmt.Sprintf("not allowed while the reservation is %s; allowed when %s", w.s.State, joinStates(allowed))
}
