package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bellhop/bellhop/internal/booking"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/simulation"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/starter/client"
)

// progress prints "label: done/total" on one terminal line, at most five
// times a second, and nothing when standard error is not a terminal.
type progress struct {
	label string
	total int
	done  atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(label string, total int) *progress {
	p := &progress{label: label, total: total, stop: make(chan struct{})}
	info, err := os.Stderr.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				p.print()
				fmt.Fprintln(os.Stderr)
				return
			case <-tick.C:
				p.print()
			}
		}
	}()
	return p
}

func (p *progress) print() {
	done := int(p.done.Load())
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = width * done / p.total
	}
	bar := bytes.Repeat([]byte("#"), filled)
	bar = append(bar, bytes.Repeat([]byte("."), width-filled)...)
	fmt.Fprintf(os.Stderr, "\r%s [%s] %d/%d", p.label, bar, done, p.total)
}

func (p *progress) add() { p.done.Add(1) }

func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
}

// countRows counts the data rows of a CSV file, for the progress bar.
func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := -1 // the header
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if len(bytes.TrimSpace(s.Bytes())) > 0 {
			n++
		}
	}
	return max(n, 0), s.Err()
}

// readBookings sends up to limit bookings of the file to out, reporting
// malformed rows to stderr, and closes out.
func readBookings(path string, limit int, out chan<- booking.Booking, stderr io.Writer) (invalid int, err error) {
	defer close(out)
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := booking.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	for read := 0; limit <= 0 || read < limit; read++ {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			return invalid, nil
		}
		if err != nil {
			fmt.Fprintf(stderr, "skipping %s: %v\n", path, err)
			invalid++
			continue
		}
		out <- b
	}
	return invalid, nil
}

// simulateChunkRows is how many rows one child process replays. The SDK's
// test environment keeps a wall-clock timer, and with it the whole
// environment, alive for every timer a replay cancels while an activity
// runs (go.temporal.io/sdk v1.51.0), so memory grows with each booking until
// the process exits. Child processes of a bounded size keep the dry run's
// memory flat whatever the size of the file.
const simulateChunkRows = 1000

// chunkTrailer is the last line a child process writes.
type chunkTrailer struct {
	ChunkDone bool `json:"chunkDone"`
	Bookings  int  `json:"bookings"`
	Failed    int  `json:"failed"`
	Invalid   int  `json:"invalid"`
}

func simulateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	csvPath := fs.String("csv", "", "CSV file of bookings (required)")
	limit := fs.Int("limit", 0, "replay only the first N rows (0: all)")
	outPath := fs.String("out", "mails.jsonl", "JSON Lines file for the mails")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "child processes replaying at once")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *csvPath == "" {
		return usageError{"simulate needs --csv FILE"}
	}
	total, err := countRows(*csvPath)
	if err != nil {
		return err
	}
	if *limit > 0 && *limit < total {
		total = *limit
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	outFile, err := os.Create(*outPath)
	if err != nil {
		return err
	}
	defer outFile.Close()
	w := bufio.NewWriterSize(outFile, 1<<16)

	// Each chunk's output is kept until the chunks before it are written.
	chunks := (total + simulateChunkRows - 1) / simulateChunkRows
	outputs := make([]chan []byte, chunks)
	for i := range outputs {
		outputs[i] = make(chan []byte, 1)
	}
	errs := make(chan error, chunks)
	sem := make(chan struct{}, max(*workers, 1))
	bar := newProgress("replaying", total)
	started := time.Now()
	go func() {
		for i := 0; i < chunks; i++ {
			sem <- struct{}{}
			go func(i int) {
				defer func() { <-sem }()
				from := i*simulateChunkRows + 1
				to := min(from+simulateChunkRows-1, total)
				cmd := exec.CommandContext(ctx, self, "simulate-chunk", *csvPath, strconv.Itoa(from), strconv.Itoa(to))
				cmd.Stderr = stderr
				out, err := cmd.Output()
				if err != nil {
					errs <- fmt.Errorf("replay of rows %d to %d: %w", from, to, err)
					out = nil
				}
				outputs[i] <- out
			}(i)
		}
	}()

	summary := simulation.NewSummary()
	invalid := 0
	for i := 0; i < chunks; i++ {
		out := <-outputs[i]
		if out == nil {
			return <-errs
		}
		for _, raw := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
			var trailer chunkTrailer
			if bytes.Contains(raw, []byte(`"chunkDone"`)) && json.Unmarshal(raw, &trailer) == nil && trailer.ChunkDone {
				summary.Bookings += trailer.Bookings
				summary.Failed += trailer.Failed
				invalid += trailer.Invalid
				for j := 0; j < trailer.Bookings+trailer.Invalid; j++ {
					bar.add()
				}
				continue
			}
			var l simulation.Line
			if err := json.Unmarshal(raw, &l); err != nil {
				return fmt.Errorf("unreadable line from the replay of chunk %d: %w", i+1, err)
			}
			summary.AddLine(l)
			w.Write(raw)
			w.WriteByte('\n')
		}
	}
	summary.Elapsed = time.Since(started)
	bar.finish()
	if err := w.Flush(); err != nil {
		return err
	}
	summary.Write(stdout)
	if invalid > 0 {
		fmt.Fprintf(stdout, "\n%d malformed rows skipped (listed above)\n", invalid)
	}
	fmt.Fprintf(stdout, "\nmails written to %s\n", *outPath)
	return nil
}

// simulateChunkCommand replays rows FROM to TO of the file and writes their
// mails as JSON Lines to stdout, then a trailer line with the counts. The
// simulate command runs it in child processes.
func simulateChunkCommand(args []string, stdout, stderr io.Writer) error {
	if err := needArgs(args, 3, "simulate-chunk FILE FROM TO"); err != nil {
		return err
	}
	from, err1 := strconv.Atoi(args[1])
	to, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || from < 1 || to < from {
		return usageError{fmt.Sprintf("invalid row range %s to %s", args[1], args[2])}
	}
	all := make(chan booking.Booking, 64)
	var readErr error
	var invalid int
	go func() { invalid, readErr = readBookings(args[0], to, all, stderr) }()
	mine := make(chan booking.Booking, 64)
	go func() {
		for b := range all {
			if b.Row >= from {
				mine <- b
			}
		}
		close(mine)
	}()

	w := bufio.NewWriterSize(stdout, 1<<16)
	enc := json.NewEncoder(w)
	trailer := chunkTrailer{ChunkDone: true}
	err := simulation.RunAll(mine, 1, func(r simulation.Result) error {
		trailer.Bookings++
		if r.Err != nil {
			trailer.Failed++
			fmt.Fprintf(stderr, "row %d failed: %v\n", r.Row, r.Err)
			return nil
		}
		for _, l := range r.Lines {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	// Malformed rows before FROM belong to an earlier chunk.
	trailer.Invalid = invalid - countInvalidBefore(args[0], from)
	if err := enc.Encode(trailer); err != nil {
		return err
	}
	return w.Flush()
}

// countInvalidBefore counts the malformed rows before row from.
func countInvalidBefore(path string, from int) int {
	if from <= 1 {
		return 0
	}
	all := make(chan booking.Booking, 64)
	var invalid int
	done := make(chan struct{})
	go func() {
		invalid, _ = readBookings(path, from-1, all, io.Discard)
		close(done)
	}()
	for range all {
	}
	<-done
	return invalid
}

func importCommand(ctx context.Context, rc *client.Client, st *store.Store, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	csvPath := fs.String("csv", "", "CSV file of bookings (required)")
	limit := fs.Int("limit", 0, "import only the first N rows (0: all)")
	shiftTo := fs.String("shift-to", "", "date (YYYY-MM-DD) the earliest arrival moves to; every date moves by the same days (default: tomorrow)")
	concurrency := fs.Int("concurrency", 16, "workflow starts in flight at once")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *csvPath == "" {
		return usageError{"import needs --csv FILE"}
	}
	for _, p := range booking.Properties() {
		if _, err := st.Property(ctx, p.ID); errors.Is(err, store.ErrNotFound) {
			if err := st.SaveProperty(ctx, p); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "added property %s (%s)\n", p.ID, p.Name)
		} else if err != nil {
			return err
		}
	}

	ch := make(chan booking.Booking, 64)
	var readErr error
	go func() { _, readErr = readBookings(*csvPath, *limit, ch, stderr) }()
	var all []booking.Booking
	for b := range ch {
		all = append(all, b)
	}
	if readErr != nil {
		return readErr
	}
	if len(all) == 0 {
		return fmt.Errorf("no bookings in %s", *csvPath)
	}

	loc, err := time.LoadLocation(booking.TimeZone)
	if err != nil {
		return err
	}
	target := schedule.DateOf(time.Now(), loc).AddDays(1)
	if *shiftTo != "" {
		if target, err = schedule.ParseDate(*shiftTo); err != nil {
			return usageError{err.Error()}
		}
	}
	earliest := all[0].Reservation.Arrival
	for _, b := range all {
		if b.Reservation.Arrival.Before(earliest) {
			earliest = b.Reservation.Arrival
		}
	}
	offset := earliest.DaysUntil(target)
	fmt.Fprintf(stdout, "importing %d bookings; dates move by %d days (earliest arrival %s becomes %s)\n", len(all), offset, earliest, target)

	var created, existing, failed atomic.Int64
	bar := newProgress("starting", len(all))
	jobs := make(chan booking.Booking)
	var wg sync.WaitGroup
	for i := 0; i < max(*concurrency, 1); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				r := b.Reservation
				r.Arrival, r.Departure = r.Arrival.AddDays(offset), r.Departure.AddDays(offset)
				started, err := rc.Start(ctx, r)
				switch {
				case err != nil:
					failed.Add(1)
					fmt.Fprintf(stderr, "row %d (%s): %v\n", b.Row, r.ID, err)
				case started.Created:
					created.Add(1)
				default:
					existing.Add(1)
				}
				bar.add()
			}
		}()
	}
	begin := time.Now()
	for _, b := range all {
		if ctx.Err() != nil {
			break
		}
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(begin)
	bar.finish()

	fmt.Fprintf(stdout, "\n%d started, %d already existed, %d failed, in %.1f s (%.0f starts per second)\n",
		created.Load(), existing.Load(), failed.Load(), elapsed.Seconds(), float64(len(all))/elapsed.Seconds())
	if failed.Load() > 0 {
		return fmt.Errorf("%d bookings were not started (listed above)", failed.Load())
	}
	return ctx.Err()
}
