package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/memstore"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
)

// sentMail is one mail a test sender accepted, stamped with the test clock.
type sentMail struct {
	Mail mail.Type
	To   string
	At   time.Time
	Msg  mail.Message
}

// recordingSender accepts every mail once per idempotency key, like Resend.
type recordingSender struct {
	mu   sync.Mutex
	now  func() time.Time
	sent []sentMail
	keys map[string]bool
}

func (s *recordingSender) Send(_ context.Context, msg mail.Message) (mail.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.keys[msg.IdempotencyKey] {
		s.keys[msg.IdempotencyKey] = true
		s.sent = append(s.sent, sentMail{Mail: mail.Type(msg.Tags["mail"]), To: msg.To, At: s.now(), Msg: msg})
	}
	return mail.Receipt{MessageID: "test-" + msg.IdempotencyKey, Transport: "test"}, nil
}

func (s *recordingSender) mails() []sentMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sentMail(nil), s.sent...)
}

type harness struct {
	t      *testing.T
	env    *testsuite.TestWorkflowEnvironment
	store  *memstore.Store
	sender *recordingSender
	start  time.Time
}

// lisbonProperty is a hotel in Europe/Lisbon with the default timings:
// send hour 10:00, window 08:00-21:00.
func lisbonProperty() property.Property {
	p := property.Defaults("lisbon")
	p.Name = "Hotel Avenida"
	p.TimeZone = "Europe/Lisbon"
	p.SenderAddress = "Hotel Avenida <reservas@avenida.example>"
	p.Email = "reservas@avenida.example"
	p.Telephone = "+351 210 000 000"
	p.City = "Lisboa"
	return p
}

func newHarness(t *testing.T, start time.Time, configure func(*property.Property)) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	st := memstore.New(env.Now)
	p := lisbonProperty()
	if configure != nil {
		configure(&p)
	}
	if err := st.SaveProperty(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	sender := &recordingSender{now: env.Now, keys: map[string]bool{}}
	env.RegisterActivity(&activities.Activities{Store: st, Sender: sender, RecipientLimit: 20, Now: env.Now})
	env.RegisterWorkflowWithOptions(ReservationWorkflow, workflow.RegisterOptions{Name: ReservationWorkflowName})
	return &harness{t: t, env: env, store: st, sender: sender, start: start}
}

// at schedules fn at the instant, given in UTC.
func (h *harness) at(instant string, fn func()) {
	h.t.Helper()
	d := mustTime(h.t, instant).Sub(h.start)
	if d < 0 {
		h.t.Fatalf("callback at %s is before the start %s", instant, h.start)
	}
	h.env.RegisterDelayedCallback(fn, d)
}

func (h *harness) signal(name string, payload any) {
	h.env.SignalWorkflow(name, payload)
}

// run executes the workflow to its end and fails the test on a workflow error.
func (h *harness) run(r Reservation) {
	h.t.Helper()
	h.env.ExecuteWorkflow(ReservationWorkflowName, r)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
}

func (h *harness) status() Status {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var st Status
	if err := v.Get(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// sentOf returns the sent mails of one type.
func (h *harness) sentOf(m mail.Type) []sentMail {
	var out []sentMail
	for _, s := range h.sender.mails() {
		if s.Mail == m {
			out = append(out, s)
		}
	}
	return out
}

// expectOnce checks that exactly one mail of the type went out, at the instant.
func (h *harness) expectOnce(m mail.Type, instant string) {
	h.t.Helper()
	got := h.sentOf(m)
	if len(got) != 1 {
		h.t.Fatalf("%s sent %d times, want once; all mails: %v", m, len(got), h.summary())
	}
	if want := mustTime(h.t, instant); !got[0].At.Equal(want) {
		h.t.Errorf("%s sent at %s, want %s", m, got[0].At.UTC().Format(time.RFC3339), want.Format(time.RFC3339))
	}
}

func (h *harness) expectNone(m mail.Type) {
	h.t.Helper()
	if got := h.sentOf(m); len(got) != 0 {
		h.t.Errorf("%s sent %d times, want never; all mails: %v", m, len(got), h.summary())
	}
}

func (h *harness) summary() []string {
	var out []string
	for _, s := range h.sender.mails() {
		out = append(out, string(s.Mail)+"@"+s.At.UTC().Format(time.RFC3339))
	}
	return out
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := schedule.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// booking is a confirmed booking-engine reservation of a guest from Portugal.
func booking(t *testing.T, arrival, departure string) Reservation {
	return Reservation{
		ID:                 "r1",
		PropertyID:         "lisbon",
		ConfirmationNumber: "AV-1001",
		Origin:             OriginBookingEngine,
		Guest:              Person{FirstName: "Ana", LastName: "Silva", Email: "ana@example.com", Nationality: "PRT"},
		Arrival:            mustDate(t, arrival),
		Departure:          mustDate(t, departure),
		Total:              Money{Amount: 45000, Currency: "EUR"},
		OnlineCheckInLink:  "https://avenida.example/checkin/AV-1001",
	}
}
