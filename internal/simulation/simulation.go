// Package simulation runs bookings through the real reservation workflow in
// the SDK's time-skipping test environment, with activities that render the
// real templates and record each mail instead of sending it. It answers a
// hotel's first question: what would Bellhop have sent our guests?
package simulation

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/booking"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/memstore"
	"github.com/bellhop/bellhop/workflows"
)

// Line is one mail the booking's workflow sent or skipped, as written to the
// JSON Lines output.
type Line struct {
	Row         int       `json:"row"`
	Reservation string    `json:"reservation"`
	Mail        mail.Type `json:"mail"`
	To          string    `json:"to"`
	Language    string    `json:"language"`
	At          string    `json:"at"`
	Skipped     string    `json:"skipped,omitempty"`
}

// Result is the outcome of one booking.
type Result struct {
	Row   int
	Lines []Line
	Err   error
}

// nullSender accepts every mail without sending it.
type nullSender struct{}

func (nullSender) Send(_ context.Context, msg mail.Message) (mail.Receipt, error) {
	return mail.Receipt{MessageID: "dry-run", Transport: "dry-run"}, nil
}

var quietLogger = temporallog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// Run replays one booking and returns its mails in the order the workflow
// produced them.
func Run(b booking.Booking) Result {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quietLogger)
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(b.BookedAt)

	st := memstore.New(env.Now)
	for _, p := range booking.Properties() {
		if err := st.SaveProperty(context.Background(), p); err != nil {
			return Result{Row: b.Row, Err: err}
		}
	}
	// The recipient limit counts real time in the store; a dry run replays
	// years in seconds, so it is left out.
	env.RegisterActivity(&activities.Activities{Store: st, Sender: nullSender{}, Now: env.Now})
	env.RegisterWorkflowWithOptions(workflows.ReservationWorkflow, workflow.RegisterOptions{Name: workflows.ReservationWorkflowName})

	for _, e := range b.Events {
		e := e
		delay := e.At.Sub(b.BookedAt)
		if delay <= 0 {
			// An event at the booking moment comes right after the booking.
			delay = time.Millisecond
		}
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(e.Signal, e.Payload) }, delay)
	}
	env.ExecuteWorkflow(workflows.ReservationWorkflowName, b.Reservation)
	if err := env.GetWorkflowError(); err != nil {
		return Result{Row: b.Row, Err: fmt.Errorf("row %d: %w", b.Row, err)}
	}
	if !env.IsWorkflowCompleted() {
		return Result{Row: b.Row, Err: fmt.Errorf("row %d: the workflow did not complete", b.Row)}
	}

	var lines []Line
	for _, d := range st.Deliveries() {
		l := Line{
			Row: b.Row, Reservation: b.Reservation.ID, Mail: d.MailType, To: d.Recipient, Language: d.Language,
			At: d.CreatedAt.UTC().Format(time.RFC3339),
		}
		if d.Status == mail.StatusSkipped {
			l.Skipped = d.Error
		}
		lines = append(lines, l)
	}
	return Result{Row: b.Row, Lines: lines}
}

// RunAll replays the bookings on workers goroutines and calls emit with each
// result in the order the bookings arrived, so the output does not depend on
// scheduling.
func RunAll(bookings <-chan booking.Booking, workers int, emit func(Result) error) error {
	if workers < 1 {
		workers = 1
	}
	type job struct {
		seq     int
		booking booking.Booking
	}
	type done struct {
		seq    int
		result Result
	}
	jobs := make(chan job)
	go func() {
		seq := 0
		for b := range bookings {
			jobs <- job{seq, b}
			seq++
		}
		close(jobs)
	}()

	results := make(chan done, workers*4)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- done{j.seq, Run(j.booking)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	// Results arrive out of order; each waits until those before it are out.
	pending := map[int]Result{}
	next := 0
	var emitErr error
	for d := range results {
		pending[d.seq] = d.result
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if emitErr == nil {
				emitErr = emit(r)
			}
		}
	}
	return emitErr
}

// Summary counts the mails of a run.
type Summary struct {
	Bookings int
	Failed   int
	Sent     map[mail.Type]int
	Skipped  map[string]int
	Elapsed  time.Duration
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	return &Summary{Sent: map[mail.Type]int{}, Skipped: map[string]int{}}
}

// Add counts one booking's result.
func (s *Summary) Add(r Result) {
	s.Bookings++
	if r.Err != nil {
		s.Failed++
		return
	}
	for _, l := range r.Lines {
		s.AddLine(l)
	}
}

// AddLine counts one mail.
func (s *Summary) AddLine(l Line) {
	if l.Skipped != "" {
		s.Skipped[SkipCategory(l.Skipped)]++
	} else {
		s.Sent[l.Mail]++
	}
}

var datePattern = regexp.MustCompile(`\d{4}-\d{2}-\d{2}( \d{2}:\d{2} [A-Z+\-0-9]+)?`)

// SkipCategory returns a skip reason without its dates and times, so that
// skips of the same kind count together.
func SkipCategory(reason string) string {
	return datePattern.ReplaceAllString(reason, "…")
}

// Write prints the summary as a table.
func (s *Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "\n%d bookings in %.1f s: %.0f bookings per second", s.Bookings, s.Elapsed.Seconds(), float64(s.Bookings)/s.Elapsed.Seconds())
	if s.Failed > 0 {
		fmt.Fprintf(w, ", %d failed", s.Failed)
	}
	fmt.Fprint(w, "\n\n| mail | sent |\n| --- | ---: |\n")
	total := 0
	for _, t := range mail.Types {
		if n := s.Sent[t]; n > 0 {
			fmt.Fprintf(w, "| %s | %d |\n", t, n)
			total += n
		}
	}
	fmt.Fprintf(w, "| total | %d |\n", total)

	if len(s.Skipped) == 0 {
		return
	}
	fmt.Fprint(w, "\n| skipped because | count |\n| --- | ---: |\n")
	reasons := make([]string, 0, len(s.Skipped))
	for r := range s.Skipped {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return s.Skipped[reasons[i]] > s.Skipped[reasons[j]] })
	for _, r := range reasons {
		fmt.Fprintf(w, "| %s | %d |\n", strings.ReplaceAll(r, "|", "/"), s.Skipped[r])
	}
}
