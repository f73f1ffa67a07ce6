package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
)

// countingSender accepts every mail and only counts it, so that a large
// import measures Bellhop rather than a fake provider's memory.
type countingSender struct{ n atomic.Int64 }

func (c *countingSender) Send(_ context.Context, msg mail.Message) (mail.Receipt, error) {
	c.n.Add(1)
	return mail.Receipt{MessageID: fmt.Sprintf("count-%d", c.n.Load()), Transport: "count"}, nil
}

// History limits at which the Temporal server suggests continue-as-new, by
// default: 4,096 events and 4 MiB (limit.historyCount.suggestContinueAsNew
// and limit.historySize.suggestContinueAsNew).
const (
	suggestEvents = 4096
	suggestBytes  = 4 << 20
)

// TestProfileImportOfHundredThousandRows imports 100,000 generated rows of
// 100,000 distinct addresses. It runs only with BELLHOP_TEST_LARGE=1, which
// make test sets for a run without the race detector, whose overhead would
// make it take many minutes.
func TestProfileImportOfHundredThousandRows(t *testing.T) {
	if os.Getenv("BELLHOP_TEST_LARGE") != "1" {
		t.Skip("set BELLHOP_TEST_LARGE=1 to import 100,000 rows")
	}
	const rows = 100_000
	s := newStack(t, nil)
	sender := &countingSender{}
	s.startWorkersWith(sender)

	path := filepath.Join(t.TempDir(), "large.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "email,first_name,last_name,nationality")
	countries := []string{"PRT", "ESP", "FRA", "DEU", "GBR", "BRA", "USA"}
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(w, "Guest%d@Example.com,First%d,Last%d,%s\n", i, i, i, countries[i%len(countries)])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()

	importID := "large-" + randomID(t)
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	p := s.importProfilesCtx(ctx, path, importID)
	elapsed := time.Since(started)
	close(stop)
	wg.Wait()

	if p.Rows != rows || p.Created != rows || p.Mailed != rows || p.InvalidCount != 0 {
		t.Errorf("import = %+v, want %d rows created and mailed", p, rows)
	}
	if n := sender.n.Load(); n != rows {
		t.Errorf("%d mails sent, want %d", n, rows)
	}
	if p.Runs < 2 {
		t.Errorf("the import ran in %d run, want it to continue as new", p.Runs)
	}
	// Bounded memory: the worker holds one batch at a time, not the file.
	if peakMB := peak.Load() >> 20; peakMB > 512 {
		t.Errorf("peak heap %d MiB, want under 512 MiB", peakMB)
	}

	resp, err := s.tc.ListWorkflow(ctx, listRequest("WorkflowId = 'profile-import-"+importID+"'"))
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range resp.GetExecutions() {
		if run.GetHistoryLength() >= suggestEvents || run.GetHistorySizeBytes() >= suggestBytes {
			t.Errorf("run %s: %d events, %d bytes; want under %d and %d", run.GetExecution().GetRunId(),
				run.GetHistoryLength(), run.GetHistorySizeBytes(), suggestEvents, suggestBytes)
		}
	}
	t.Logf("%d rows in %.1f s: %.0f rows per second (profiles written and mails sent), %d runs, %d of them listed, peak heap %d MiB",
		rows, elapsed.Seconds(), float64(rows)/elapsed.Seconds(), p.Runs, len(resp.GetExecutions()), peak.Load()>>20)
}
