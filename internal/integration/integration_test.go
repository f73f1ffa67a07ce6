// Package integration runs Bellhop end to end: the real Temporal dev server,
// a real PostgreSQL database, the real resend-go client against an HTTP fake
// of Resend's API, and the starter's client.
package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/devserver"
	"github.com/bellhop/bellhop/internal/fakeresend"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/resend"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/service"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/testdb"
	"github.com/bellhop/bellhop/starter/client"
	"github.com/bellhop/bellhop/workflows"
)

var (
	server    *testsuite.DevServer
	serverErr error
	serverLog bytes.Buffer
)

func TestMain(m *testing.M) {
	if os.Getenv(devserver.PathVariable) != "" && os.Getenv(testdb.URLVariable) != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		server, serverErr = devserver.Start(ctx, &serverLog)
		cancel()
	}
	code := m.Run()
	if server != nil {
		if err := server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop dev server:", err)
		}
	}
	os.Exit(code)
}

// stack is one test's Bellhop: its own database, task queue and fake Resend
// on the shared dev server.
type stack struct {
	t      *testing.T
	store  *store.Store
	pool   *pgxpool.Pool
	dbURL  string
	fake   *fakeresend.Server
	client *client.Client
	tc     temporalclient.Client
	queue  string
	bills  string
}

func newStack(t *testing.T, configure func(*property.Property)) *stack {
	t.Helper()
	if server == nil {
		if serverErr != nil {
			t.Fatalf("dev server did not start: %v\n%s", serverErr, serverLog.String())
		}
		testdb.Skip(t, devserver.PathVariable+" or "+testdb.URLVariable+" is not set")
	}
	dbURL, pool := testdb.New(t)
	st := store.New(pool)
	p := property.Defaults("lisbon")
	p.Name = "Hotel Avenida"
	p.TimeZone = "Europe/Lisbon"
	p.SenderAddress = "Hotel Avenida <reservas@avenida.example>"
	p.Email = "reservas@avenida.example"
	if configure != nil {
		configure(&p)
	}
	if err := st.SaveProperty(context.Background(), p); err != nil {
		t.Fatal(err)
	}

	fake := fakeresend.New()
	t.Cleanup(fake.Close)

	tc := server.Client()
	return &stack{t: t, store: st, pool: pool, dbURL: dbURL, fake: fake, tc: tc, queue: "it-" + randomID(t), bills: t.TempDir()}
}

// startWorkers runs the workflow and send workers for this stack with the
// real Resend transport pointed at the fake.
func (s *stack) startWorkers() {
	s.t.Helper()
	sender, err := resend.New("re_test", s.fake.BaseURL(), 5*time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	s.startWorkersWith(sender)
}

func (s *stack) startWorkersWith(sender mail.Sender) {
	s.t.Helper()
	acts := &activities.Activities{Store: s.store, Profiles: s.store, Sender: sender, RecipientLimit: 20, BillsDir: s.bills}
	main, send := service.NewWorkers(s.tc, s.queue, acts, 50)
	for _, w := range []interface {
		Start() error
		Stop()
	}{main, send} {
		if err := w.Start(); err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(w.Stop)
	}
	s.client = client.New(s.tc, s.queue)
}

func randomID(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// reservation arrives in a month, so only the confirmation is due now.
func (s *stack) reservation(id string) workflows.Reservation {
	loc, _ := time.LoadLocation("Europe/Lisbon")
	arrival := schedule.DateOf(time.Now(), loc).AddDays(30)
	return workflows.Reservation{
		ID:                 id,
		PropertyID:         "lisbon",
		ConfirmationNumber: "AV-" + id,
		Origin:             workflows.OriginBookingEngine,
		Guest:              workflows.Person{FirstName: "Ana", LastName: "Silva", Email: "ana@example.com", Nationality: "PRT"},
		Arrival:            arrival,
		Departure:          arrival.AddDays(2),
		Total:              workflows.Money{Amount: 30000, Currency: "EUR"},
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *stack) deliveries(reservationID string) []store.Delivery {
	s.t.Helper()
	rows, err := s.store.Deliveries(context.Background(), reservationID)
	if err != nil {
		s.t.Fatal(err)
	}
	return rows
}

// finished returns the reservation's delivery rows once none is sending.
func (s *stack) waitForDeliveries(reservationID string, n int) []store.Delivery {
	s.t.Helper()
	var rows []store.Delivery
	waitFor(s.t, fmt.Sprintf("%d finished deliveries of %s", n, reservationID), 60*time.Second, func() bool {
		rows = s.deliveries(reservationID)
		if len(rows) < n {
			return false
		}
		for _, d := range rows {
			if d.Status == mail.StatusSending {
				return false
			}
		}
		return true
	})
	return rows
}

func TestStartTwiceSendsOneConfirmation(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("twice-" + randomID(t))

	first, err := s.client.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.client.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || second.Created {
		t.Fatalf("created = %v then %v, want true then false", first.Created, second.Created)
	}
	if first.RunID != second.RunID {
		t.Errorf("run ids differ: %s and %s", first.RunID, second.RunID)
	}

	s.waitForDeliveries(r.ID, 1)
	time.Sleep(time.Second) // room for a wrong second confirmation to show up
	rows := s.deliveries(r.ID)
	if len(rows) != 1 {
		t.Fatalf("%d delivery rows, want 1: %+v", len(rows), rows)
	}
	d := rows[0]
	if d.Status != mail.StatusSent || d.Transport != "resend" || d.MessageID == "" || d.MailType != mail.Confirmation {
		t.Errorf("delivery = %+v", d)
	}
	emails := s.fake.Emails()
	if len(emails) != 1 {
		t.Fatalf("fake Resend got %d mails, want 1", len(emails))
	}
	if emails[0].ID != d.MessageID || emails[0].IdempotencyKey != d.IdempotencyKey {
		t.Errorf("fake mail %s/%s does not match the row %s/%s", emails[0].ID, emails[0].IdempotencyKey, d.MessageID, d.IdempotencyKey)
	}
	if !strings.Contains(emails[0].Subject, r.ConfirmationNumber) || !strings.Contains(emails[0].Text, "Olá Ana") {
		t.Errorf("mail is not the Portuguese confirmation: %q\n%s", emails[0].Subject, emails[0].Text)
	}

	st, err := s.client.Status(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != workflows.Confirmed || len(st.Planned) == 0 || st.Planned[0].Mail != mail.OnlineCheckInInvitation {
		t.Errorf("status = %+v, want Confirmed with the invitation planned", st)
	}
}

func TestProviderRejectionMarksDeliveryFailed(t *testing.T) {
	s := newStack(t, nil)
	s.fake.Script(fakeresend.Fault{Status: 422, Message: "Invalid `to` field."})
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("reject-" + randomID(t))

	if _, err := s.client.Start(ctx, r); err != nil {
		t.Fatal(err)
	}
	rows := s.waitForDeliveries(r.ID, 1)
	if rows[0].Status != mail.StatusFailed || rows[0].Error != "Invalid `to` field." {
		t.Errorf("delivery = %+v, want failed with Resend's message", rows[0])
	}
	if n := s.fake.Requests(); n != 1 {
		t.Errorf("fake got %d requests, want 1 (no retry of a 422)", n)
	}

	var st workflows.Status
	waitFor(t, "the failure in the mailing log", 30*time.Second, func() bool {
		st, _ = s.client.Status(ctx, r.ID)
		return len(st.Log) == 1
	})
	if st.Log[0].Status != mail.StatusFailed || st.State != workflows.Confirmed {
		t.Errorf("status = %+v, want the failure logged and the workflow still Confirmed", st)
	}
}

func TestRateLimitThenSuccessDeliversOnce(t *testing.T) {
	s := newStack(t, nil)
	s.fake.Script(fakeresend.Fault{Status: 429, RetryAfter: 2, Message: "Too many requests"}, fakeresend.Fault{Status: 500})
	s.startWorkers()
	r := s.reservation("ratelimit-" + randomID(t))

	started := time.Now()
	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rows := s.waitForDeliveries(r.ID, 1)
	if rows[0].Status != mail.StatusSent {
		t.Fatalf("delivery = %+v, want sent", rows[0])
	}
	emails := s.fake.Emails()
	if len(emails) != 1 {
		t.Fatalf("fake accepted %d mails, want 1", len(emails))
	}
	if waited := emails[0].ReceivedAt.Sub(started); waited < 2*time.Second {
		t.Errorf("mail accepted %v after the start, before the 2 s retry-after", waited)
	}
	if s.fake.Answers(429) != 1 || s.fake.Answers(500) != 1 {
		t.Errorf("answers: 429 x%d, 500 x%d; want one of each", s.fake.Answers(429), s.fake.Answers(500))
	}
}

func TestDroppedConnectionAfterAcceptStillOneMail(t *testing.T) {
	s := newStack(t, nil)
	s.fake.Script(fakeresend.Fault{DropAfterAccept: true})
	s.startWorkers()
	r := s.reservation("drop-" + randomID(t))

	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rows := s.waitForDeliveries(r.ID, 1)
	if rows[0].Status != mail.StatusSent {
		t.Fatalf("delivery = %+v", rows[0])
	}
	if n := len(s.fake.Emails()); n != 1 {
		t.Errorf("fake accepted %d mails, want 1", n)
	}
	if n := s.fake.Requests(); n < 2 {
		t.Errorf("fake got %d requests, want a retry after the dropped connection", n)
	}
}

func TestWorkerRunWritesOutboxWithoutAPIKey(t *testing.T) {
	s := newStack(t, nil)
	outboxDir := t.TempDir()
	cfg := s.workerConfig(outboxDir)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Run(ctx, cfg, testLogger(t)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker run: %v", err)
		}
	})
	s.client = client.New(s.tc, s.queue)
	r := s.reservation("outbox-" + randomID(t))

	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rows := s.waitForDeliveries(r.ID, 1)
	if rows[0].Status != mail.StatusSent || rows[0].Transport != "outbox" {
		t.Fatalf("delivery = %+v, want sent to the outbox", rows[0])
	}
	path := filepath.Join(outboxDir, rows[0].MessageID)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("outbox file named in the row: %v", err)
	}
	if !strings.Contains(string(raw), "To: ana@example.com") || !strings.Contains(string(raw), "multipart/alternative") {
		t.Errorf("outbox file is not the mail:\n%s", raw)
	}
	if _, err := os.Stat(filepath.Join(outboxDir, "index.html")); err != nil {
		t.Errorf("no index.html: %v", err)
	}
}

func TestFullStayOnDevServer(t *testing.T) {
	s := newStack(t, func(p *property.Property) {
		// Short timings: the window is always open, so the invitation of a
		// stay that starts tomorrow goes out at booking; retention is seconds.
		p.WindowOpen, p.WindowClose = 0, 0
		p.Retention = property.Duration{Duration: 3 * time.Second}
	})
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("stay-" + randomID(t))
	loc, _ := time.LoadLocation("Europe/Lisbon")
	r.Arrival = schedule.DateOf(time.Now(), loc).AddDays(1)
	r.Departure = r.Arrival.AddDays(2)

	started, err := s.client.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 2)
	if err := s.client.CheckIn(ctx, r.ID, workflows.EventSignal{EventID: "in"}); err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 3)
	bill := workflows.CloseBillSignal{BillID: "b1", Number: "FT 1", Total: workflows.Money{Amount: 30000, Currency: "EUR"}, Link: "https://avenida.example/b1"}
	if err := s.client.CloseBill(ctx, r.ID, bill); err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 4)
	checkedOut := time.Now()
	if err := s.client.CheckOut(ctx, r.ID, workflows.EventSignal{EventID: "out"}); err != nil {
		t.Fatal(err)
	}
	// A retried check-out from the reservation service changes nothing.
	if err := s.client.CheckOut(ctx, r.ID, workflows.EventSignal{EventID: "out"}); err != nil {
		t.Fatal(err)
	}

	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.tc.GetWorkflow(waitCtx, started.WorkflowID, started.RunID).Get(waitCtx, nil); err != nil {
		t.Fatalf("workflow did not complete after retention: %v", err)
	}
	if open := time.Since(checkedOut); open < 3*time.Second {
		t.Errorf("workflow closed %v after checkout, before the 3 s retention", open)
	}
	s.recordHistory(started.WorkflowID, started.RunID, "full-stay")
	var got []string
	for _, d := range s.deliveries(r.ID) {
		if d.Status != mail.StatusSent {
			t.Errorf("delivery %s is %s: %s", d.MailType, d.Status, d.Error)
		}
		got = append(got, string(d.MailType))
	}
	want := "confirmation,online-checkin-invitation,after-start,bill,after-end"
	if strings.Join(got, ",") != want {
		t.Errorf("mails = %s, want %s", strings.Join(got, ","), want)
	}
	if n := len(s.fake.Emails()); n != 5 {
		t.Errorf("fake accepted %d mails, want 5", n)
	}

	desc, err := s.tc.DescribeWorkflow(ctx, started.WorkflowID, started.RunID)
	if err != nil {
		t.Fatal(err)
	}
	attrs := desc.RawResponse.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	if state := string(attrs["BellhopState"].GetData()); !strings.Contains(state, "Processed") {
		t.Errorf("BellhopState = %s, want Processed", state)
	}
}

func TestUnknownPropertyFailsWorkflowWithReason(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("noprop-" + randomID(t))
	r.PropertyID = "nowhere"

	started, err := s.client.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = s.tc.GetWorkflow(waitCtx, started.WorkflowID, "").Get(waitCtx, nil)
	if err == nil || !strings.Contains(err.Error(), `property "nowhere" not found`) {
		t.Fatalf("workflow error = %v, want one naming the property", err)
	}
}

func TestOptionalMovedConfirmedCancelledOnDevServer(t *testing.T) {
	s := newStack(t, func(p *property.Property) {
		p.WindowOpen, p.WindowClose = 0, 0
		p.Retention = property.Duration{Duration: time.Second}
	})
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("optional-" + randomID(t))
	r.Origin = workflows.OriginStaff
	r.Optional = true
	r.ReleaseAt = time.Now().Add(72 * time.Hour)
	r.QuotationOption = workflows.OptionSend
	r.ConfirmLink = "https://avenida.example/confirm"

	started, err := s.client.Start(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 1)
	result, err := s.client.SendReleaseReminder(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if result.Status != mail.StatusSent {
		t.Errorf("release reminder = %+v", result)
	}
	moved := workflows.ChangeDatesSignal{EventID: "move", Arrival: r.Arrival.AddDays(7), Departure: r.Departure.AddDays(7)}
	if err := s.client.ChangeDates(ctx, r.ID, moved); err != nil {
		t.Fatal(err)
	}
	if err := s.client.Confirm(ctx, r.ID, workflows.ConfirmSignal{EventID: "confirm"}); err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 3)
	if _, err := s.client.Resend(ctx, r.ID, workflows.ResendRequest{Mail: mail.Quotation}); err == nil ||
		!strings.Contains(err.Error(), "cannot be resent while the reservation is Confirmed") {
		t.Errorf("resend of the quotation while Confirmed: error %v", err)
	}
	if err := s.client.Cancel(ctx, r.ID, workflows.CancelSignal{EventID: "cancel"}); err != nil {
		t.Fatal(err)
	}

	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.tc.GetWorkflow(waitCtx, started.WorkflowID, started.RunID).Get(waitCtx, nil); err != nil {
		t.Fatalf("workflow did not complete: %v", err)
	}
	var got []string
	for _, d := range s.deliveries(r.ID) {
		got = append(got, string(d.MailType))
	}
	want := "quotation,release-reminder,confirmation,cancellation"
	if strings.Join(got, ",") != want {
		t.Errorf("mails = %s, want %s", strings.Join(got, ","), want)
	}
	s.recordHistory(started.WorkflowID, started.RunID, "optional-moved-confirmed-cancelled")
}

func TestServerErrorsThenSuccessDeliversOnce(t *testing.T) {
	s := newStack(t, nil)
	s.fake.Script(fakeresend.Fault{Status: 500}, fakeresend.Fault{Status: 502}, fakeresend.Fault{Status: 503})
	s.startWorkers()
	r := s.reservation("5xx-" + randomID(t))

	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	rows := s.waitForDeliveries(r.ID, 1)
	if rows[0].Status != mail.StatusSent {
		t.Fatalf("delivery = %+v, want sent", rows[0])
	}
	if n := len(s.fake.Emails()); n != 1 {
		t.Errorf("fake accepted %d mails, want 1", n)
	}
	if n := s.fake.Requests(); n != 4 {
		t.Errorf("fake got %d requests, want 3 failures and 1 success", n)
	}
}
