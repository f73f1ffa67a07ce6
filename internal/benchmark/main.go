// Command benchmark measures Bellhop against the limits of its engine and
// provider, on its own stack: the Temporal dev server, a private PostgreSQL
// (DATABASE_URL, an admin URL) and an HTTP fake of Resend. Each figure is a
// ratio against a baseline measured in the same run, or an absolute figure
// labelled as machine-dependent. `make bench OUT=dir` runs it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	temporalclient "go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

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

// Figure is one measured result.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Baseline and Ratio are set for figures compared with a baseline of
	// the same run.
	Baseline float64 `json:"baseline,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"`
	// MachineDependent marks absolute figures of this machine.
	MachineDependent bool   `json:"machineDependent,omitempty"`
	Note             string `json:"note,omitempty"`
}

type bench struct {
	ctx      context.Context
	adminURL string
	server   *testsuite.DevServer
	tc       temporalclient.Client
	figures  []Figure
	log      *slog.Logger
}

func main() {
	out := flag.String("out", "", "folder for results.md and results.json (required)")
	starts := flag.Int("starts", 300, "workflows per start-throughput run")
	sends := flag.Int("sends", 100, "mails in the send-throughput run")
	rate := flag.Float64("rate", 5, "rate limit R of the fake Resend, requests per second")
	sleepers := flag.Int("sleepers", 20000, "open reservation workflows for the memory figure")
	latencyN := flag.Int("latency", 200, "check-ins in the latency run")
	csvPath := flag.String("csv", "", "booking export for the dry-run figure (skipped when empty)")
	starter := flag.String("starter", "bin/starter", "starter binary for the dry-run figure")
	only := flag.String("only", "", "run only this step: start, send, history, latency, memory or dry-run")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "benchmark: -out DIR is required")
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b := &bench{ctx: context.Background(), adminURL: os.Getenv("DATABASE_URL"), log: logger}
	if b.adminURL == "" {
		fmt.Fprintln(os.Stderr, "benchmark: DATABASE_URL (an admin URL of a private cluster) is required; make bench sets it")
		os.Exit(2)
	}
	var err error
	b.server, err = devserver.Start(b.ctx, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark: dev server:", err)
		os.Exit(1)
	}
	defer b.server.Stop()
	// The dev server's own client logs every activity at debug level; the
	// benchmark's client logs warnings only, so logging does not weigh on
	// the figures.
	quiet := temporallog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	b.tc, err = temporalclient.Dial(temporalclient.Options{HostPort: b.server.FrontendHostPort(), Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark: client:", err)
		os.Exit(1)
	}
	defer b.tc.Close()

	steps := []struct {
		name string
		run  func() error
	}{
		{"start", func() error { return b.startThroughput(*starts) }},
		{"send", func() error { return b.sendThroughput(*sends, *rate) }},
		{"history", b.history},
		{"latency", func() error { return b.latency(*latencyN) }},
		{"memory", func() error { return b.memory(*sleepers) }},
		{"dry-run", func() error { return b.dryRun(*starter, *csvPath) }},
	}
	for _, s := range steps {
		if *only != "" && s.name != *only {
			continue
		}
		logger.Info("Benchmark starting", "step", s.name)
		if err := s.run(); err != nil {
			logger.Error("Benchmark failed", "step", s.name, "error", err)
			os.Exit(1)
		}
	}
	if err := b.write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
}

func (b *bench) add(f Figure) {
	b.log.Info("Figure", "name", f.Name, "value", f.Value, "unit", f.Unit, "ratio", f.Ratio)
	b.figures = append(b.figures, f)
}

func randomID() string {
	buf := make([]byte, 4)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

// stack is one benchmark's database, property, queue and workers.
type stack struct {
	store  *store.Store
	pool   *pgxpool.Pool
	client *client.Client
	queue  string
	stop   func()
}

// newStack creates a database with a Lisbon property whose send window is
// always open, and runs workers on a fresh queue with the sender.
func (b *bench) newStack(sender mail.Sender, sendRate float64, configure func(*property.Property)) (*stack, error) {
	dbURL, _, err := testdb.Create(b.ctx, b.adminURL, "bench_")
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(b.ctx, dbURL)
	if err != nil {
		return nil, err
	}
	st := store.New(pool)
	p := property.Defaults("lisbon")
	p.Name, p.TimeZone, p.SenderAddress = "Hotel Avenida", "Europe/Lisbon", "Hotel Avenida <reservas@avenida.example>"
	p.WindowOpen, p.WindowClose = 0, 0
	if configure != nil {
		configure(&p)
	}
	if err := st.SaveProperty(b.ctx, p); err != nil {
		return nil, err
	}
	queue := "bench-" + randomID()
	acts := &activities.Activities{Store: st, Profiles: st, Sender: sender}
	main, send := service.NewWorkers(b.tc, queue, acts, sendRate)
	if err := main.Start(); err != nil {
		return nil, err
	}
	if err := send.Start(); err != nil {
		return nil, err
	}
	return &stack{store: st, pool: pool, client: client.New(b.tc, queue), queue: queue, stop: func() {
		main.Stop()
		send.Stop()
		pool.Close()
	}}, nil
}

func (s *stack) reservation(id string, arrival schedule.Date) workflows.Reservation {
	return workflows.Reservation{
		ID: id, PropertyID: "lisbon", ConfirmationNumber: "B-" + id, Origin: workflows.OriginBookingEngine,
		Guest:   workflows.Person{FirstName: "Ana", LastName: "Silva", Email: id + "@example.com", Nationality: "PRT"},
		Arrival: arrival, Departure: arrival.AddDays(2), Total: workflows.Money{Amount: 30000, Currency: "EUR"},
	}
}

// countSent returns how many deliveries of the mail type reached a final
// status.
func (s *stack) countFinished(ctx context.Context, m mail.Type) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `select count(*) from deliveries where mail_type = $1 and status <> 'sending'`, string(m)).Scan(&n)
	return n, err
}

func (s *stack) waitFinished(ctx context.Context, m mail.Type, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n, err := s.countFinished(ctx, m)
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %v: %d of %d %s deliveries finished", timeout, n, want, m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countingSender accepts every mail instantly.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(_ context.Context, msg mail.Message) (mail.Receipt, error) {
	return mail.Receipt{MessageID: strconv.FormatInt(c.n.Add(1), 10), Transport: "count"}, nil
}

// startMany starts the reservations with 16 starts in flight.
func startMany(ctx context.Context, c *client.Client, rs []workflows.Reservation) error {
	var wg sync.WaitGroup
	jobs := make(chan workflows.Reservation)
	var firstErr atomic.Value
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				if _, err := c.Start(ctx, r); err != nil {
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for _, r := range rs {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	return nil
}

func noop(ctx workflow.Context) error { return nil }

// startThroughput compares reservations started and confirmed per second
// with no-op workflows started and completed per second on the same server.
func (b *bench) startThroughput(n int) error {
	queue := "bench-noop-" + randomID()
	w := worker.New(b.tc, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(noop, workflow.RegisterOptions{Name: "NoOp"})
	if err := w.Start(); err != nil {
		return err
	}
	began := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			run, err := b.tc.ExecuteWorkflow(b.ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("noop-%s-%d", queue, i), TaskQueue: queue}, "NoOp")
			if err == nil {
				err = run.Get(b.ctx, nil)
			}
			if err != nil {
				b.log.Error("No-op workflow failed", "error", err)
			}
		}(i)
	}
	wg.Wait()
	noopRate := float64(n) / time.Since(began).Seconds()
	w.Stop()

	s, err := b.newStack(&countingSender{}, 0, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	arrival := schedule.DateOf(time.Now(), time.UTC).AddDays(60)
	var rs []workflows.Reservation
	for i := 0; i < n; i++ {
		rs = append(rs, s.reservation(fmt.Sprintf("start-%d", i), arrival))
	}
	began = time.Now()
	if err := startMany(b.ctx, s.client, rs); err != nil {
		return err
	}
	if err := s.waitFinished(b.ctx, mail.Confirmation, n, 10*time.Minute); err != nil {
		return err
	}
	resRate := float64(n) / time.Since(began).Seconds()
	b.add(Figure{Name: "Reservations started and confirmed per second", Value: resRate, Unit: "per second",
		Baseline: noopRate, Ratio: resRate / noopRate,
		Note: fmt.Sprintf("%d workflows each; baseline: no-op workflows started and completed per second on the same server", n)})
	return nil
}

// sendThroughput sends through the real Resend transport to a fake that
// enforces rate R, with the send queue's rate limit set to R.
func (b *bench) sendThroughput(n int, rate float64) error {
	fake := fakeresend.New()
	defer fake.Close()
	fake.SetRateLimit(rate)
	sender, err := resend.New("re_bench", fake.BaseURL(), 10*time.Second)
	if err != nil {
		return err
	}
	// As the worker does with BELLHOP_SEND_RATE set to R.
	sender.SetRate(rate)
	s, err := b.newStack(sender, service.QueueRate(rate), nil)
	if err != nil {
		return err
	}
	defer s.stop()
	arrival := schedule.DateOf(time.Now(), time.UTC).AddDays(60)
	var rs []workflows.Reservation
	for i := 0; i < n; i++ {
		rs = append(rs, s.reservation(fmt.Sprintf("send-%d", i), arrival))
	}
	began := time.Now()
	if err := startMany(b.ctx, s.client, rs); err != nil {
		return err
	}
	timeout := time.Duration(float64(n)/rate*3)*time.Second + time.Minute
	if err := s.waitFinished(b.ctx, mail.Confirmation, n, timeout); err != nil {
		return err
	}
	emails := fake.Emails()
	first, last := time.Time{}, began
	perAddress := map[string]int{}
	for _, e := range emails {
		if first.IsZero() || e.ReceivedAt.Before(first) {
			first = e.ReceivedAt
		}
		if e.ReceivedAt.After(last) {
			last = e.ReceivedAt
		}
		perAddress[e.To[0]]++
	}
	duplicates := 0
	for _, c := range perAddress {
		duplicates += c - 1
	}
	lost := n - len(perAddress)
	// Sustained rate between the first and the last accepted mail; the
	// first second's burst is R mails, which the interval leaves out.
	achieved := float64(len(emails)-1) / last.Sub(first).Seconds()
	b.add(Figure{Name: "Sends per second against a provider limited to R", Value: achieved, Unit: "per second",
		Baseline: rate, Ratio: achieved / rate,
		Note: fmt.Sprintf("%d mails, R = %g/s; %d answers 429, %d lost, %d duplicated", n, rate, fake.Answers(429), lost, duplicates)})
	b.add(Figure{Name: "Mails lost in the send run", Value: float64(lost), Unit: "mails"})
	b.add(Figure{Name: "Mails duplicated in the send run", Value: float64(duplicates), Unit: "mails"})
	b.add(Figure{Name: "429 answers in the send run", Value: float64(fake.Answers(429)), Unit: "answers"})
	return nil
}

// history measures the events and bytes of a full stay's history, with and
// without five date changes.
func (b *bench) history() error {
	s, err := b.newStack(&countingSender{}, 0, func(p *property.Property) { p.Retention = property.Duration{Duration: time.Second} })
	if err != nil {
		return err
	}
	defer s.stop()
	for _, changes := range []int{0, 5} {
		id := fmt.Sprintf("history-%d-%s", changes, randomID())
		arrival := schedule.DateOf(time.Now(), time.UTC).AddDays(30)
		r := s.reservation(id, arrival)
		started, err := s.client.Start(b.ctx, r)
		if err != nil {
			return err
		}
		for i := 1; i <= changes; i++ {
			moved := workflows.ChangeDatesSignal{EventID: fmt.Sprintf("move-%d", i), Arrival: arrival.AddDays(i), Departure: arrival.AddDays(i + 2)}
			if err := s.client.ChangeDates(b.ctx, id, moved); err != nil {
				return err
			}
		}
		for _, step := range []func() error{
			func() error {
				return s.client.ChangeDates(b.ctx, id, workflows.ChangeDatesSignal{EventID: "today", Arrival: schedule.DateOf(time.Now(), time.UTC), Departure: schedule.DateOf(time.Now(), time.UTC).AddDays(2)})
			},
			func() error { return s.client.CheckIn(b.ctx, id, workflows.EventSignal{EventID: "in"}) },
			func() error {
				return s.client.CloseBill(b.ctx, id, workflows.CloseBillSignal{BillID: "b1", Number: "FT 1", Total: r.Total, Link: "https://avenida.example/b1"})
			},
			func() error { return s.client.CheckOut(b.ctx, id, workflows.EventSignal{EventID: "out"}) },
		} {
			time.Sleep(300 * time.Millisecond)
			if err := step(); err != nil {
				return err
			}
		}
		if err := b.tc.GetWorkflow(b.ctx, started.WorkflowID, started.RunID).Get(b.ctx, nil); err != nil {
			return err
		}
		desc, err := b.tc.DescribeWorkflow(b.ctx, started.WorkflowID, started.RunID)
		if err != nil {
			return err
		}
		info := desc.RawResponse.GetWorkflowExecutionInfo()
		label := "a full stay"
		if changes > 0 {
			label = fmt.Sprintf("a full stay with %d date changes", changes)
		}
		b.add(Figure{Name: "History events of " + label, Value: float64(info.GetHistoryLength()), Unit: "events",
			Note: "confirmation, invitation, welcome, bill and thank-you mails; unencrypted payloads"})
		b.add(Figure{Name: "History bytes of " + label, Value: float64(info.GetHistorySizeBytes()), Unit: "bytes"})
	}
	return nil
}

// latency measures the time from the check-in signal to the fake Resend
// accepting the welcome mail, at a steady ten check-ins per second.
func (b *bench) latency(n int) error {
	fake := fakeresend.New()
	defer fake.Close()
	sender, err := resend.New("re_bench", fake.BaseURL(), 10*time.Second)
	if err != nil {
		return err
	}
	s, err := b.newStack(sender, 0, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	arrival := schedule.DateOf(time.Now(), time.UTC).AddDays(60)
	var rs []workflows.Reservation
	for i := 0; i < n; i++ {
		rs = append(rs, s.reservation(fmt.Sprintf("latency-%d", i), arrival))
	}
	if err := startMany(b.ctx, s.client, rs); err != nil {
		return err
	}
	if err := s.waitFinished(b.ctx, mail.Confirmation, n, 10*time.Minute); err != nil {
		return err
	}
	signalled := map[string]time.Time{}
	tick := time.NewTicker(100 * time.Millisecond)
	for _, r := range rs {
		<-tick.C
		signalled[r.Guest.Email] = time.Now()
		if err := s.client.CheckIn(b.ctx, r.ID, workflows.EventSignal{}); err != nil {
			return err
		}
	}
	tick.Stop()
	if err := s.waitFinished(b.ctx, mail.AfterStart, n, 5*time.Minute); err != nil {
		return err
	}
	var ms []float64
	for _, e := range fake.Emails() {
		if e.Tags["mail"] == string(mail.AfterStart) {
			ms = append(ms, float64(e.ReceivedAt.Sub(signalled[e.To[0]]))/float64(time.Millisecond))
		}
	}
	sort.Float64s(ms)
	b.add(Figure{Name: "Check-in signal to welcome mail at the provider, median", Value: ms[len(ms)/2], Unit: "ms", MachineDependent: true,
		Note: fmt.Sprintf("%d check-ins at 10 per second", len(ms))})
	b.add(Figure{Name: "Check-in signal to welcome mail at the provider, 99th percentile", Value: ms[len(ms)*99/100], Unit: "ms", MachineDependent: true})
	return nil
}

// memory measures the resident memory of this process, which runs the
// worker, with n open reservations asleep, and after each woke up once.
func (b *bench) memory(n int) error {
	// Every invitation falls due a few minutes from now: arrival in two
	// days in UTC, send hour a few minutes ahead.
	// The wake-up leaves room for starts at 10 per second, the slowest seen
	// on a 2-core machine with all of them arming timers.
	wake := time.Now().UTC().Add(time.Duration(n/10+60) * time.Second).Truncate(time.Minute).Add(time.Minute)
	s, err := b.newStack(&countingSender{}, 0, func(p *property.Property) {
		p.TimeZone = "UTC"
		p.SendAt = schedule.Clock(wake.Hour()*60 + wake.Minute())
	})
	if err != nil {
		return err
	}
	defer s.stop()
	arrival := schedule.DateOf(wake, time.UTC).AddDays(2)
	base := rss()
	var rs []workflows.Reservation
	for i := 0; i < n; i++ {
		rs = append(rs, s.reservation(fmt.Sprintf("sleep-%d", i), arrival))
	}
	if err := startMany(b.ctx, s.client, rs); err != nil {
		return err
	}
	if err := s.waitFinished(b.ctx, mail.Confirmation, n, 30*time.Minute); err != nil {
		return err
	}
	if time.Now().After(wake) {
		return fmt.Errorf("starting %d workflows took past their wake-up time %s; lower -sleepers", n, wake)
	}
	runtime.GC()
	asleep := rss()
	if err := s.waitFinished(b.ctx, mail.OnlineCheckInInvitation, n, time.Until(wake)+30*time.Minute); err != nil {
		return err
	}
	runtime.GC()
	awake := rss()
	b.add(Figure{Name: fmt.Sprintf("Worker resident memory with %d sleeping reservations", n), Value: asleep / (1 << 20), Unit: "MiB",
		Baseline: base / (1 << 20), Ratio: asleep / base, MachineDependent: true,
		Note: "baseline: the same process before starting them; the process also runs the benchmark's client"})
	b.add(Figure{Name: fmt.Sprintf("Worker resident memory after all %d woke up once", n), Value: awake / (1 << 20), Unit: "MiB",
		Baseline: base / (1 << 20), Ratio: awake / base, MachineDependent: true})
	return nil
}

// rss returns the process's resident set size in bytes.
func rss() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line)
			kb, _ := strconv.ParseFloat(fields[1], 64)
			return kb * 1024
		}
	}
	return 0
}

var bookingsPerSecond = regexp.MustCompile(`(\d+) bookings in ([\d.]+) s: (\d+) bookings per second`)

// dryRun runs starter simulate over the booking export.
func (b *bench) dryRun(starter, csvPath string) error {
	if csvPath == "" {
		b.log.Info("Dry run skipped: no -csv given")
		return nil
	}
	outFile := filepath.Join(os.TempDir(), "bench-mails-"+randomID()+".jsonl")
	defer os.Remove(outFile)
	out, err := exec.Command(starter, "simulate", "--csv", csvPath, "--out", outFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("starter simulate: %w\n%s", err, out)
	}
	m := bookingsPerSecond.FindStringSubmatch(string(out))
	if m == nil {
		return fmt.Errorf("no summary in the output of starter simulate:\n%s", out)
	}
	rate, _ := strconv.ParseFloat(m[3], 64)
	b.add(Figure{Name: "Dry run (starter simulate) over the booking export", Value: rate, Unit: "bookings per second",
		MachineDependent: true, Note: fmt.Sprintf("%s bookings in %s s on %d cores", m[1], m[2], runtime.NumCPU())})
	return nil
}

func (b *bench) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(map[string]any{"date": time.Now().UTC().Format(time.RFC3339), "cpus": runtime.NumCPU(), "figures": b.figures}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), raw, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "Run on %s, %d CPUs.\n\n| figure | value | baseline | ratio | note |\n| --- | ---: | ---: | ---: | --- |\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU())
	for _, f := range b.figures {
		baseline, ratio := "", ""
		if f.Baseline != 0 {
			baseline, ratio = fmt.Sprintf("%.1f", f.Baseline), fmt.Sprintf("%.2f", f.Ratio)
		}
		note := f.Note
		if f.MachineDependent {
			note = strings.TrimPrefix(note+"; machine-dependent", "; ")
		}
		fmt.Fprintf(&md, "| %s | %.1f %s | %s | %s | %s |\n", f.Name, f.Value, f.Unit, baseline, ratio, note)
	}
	return os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644)
}
