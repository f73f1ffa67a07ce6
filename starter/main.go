// Command starter is the reservation service's side of Bellhop on the
// command line: it starts, signals, queries and updates reservation
// workflows, and manages properties in PostgreSQL.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"
	temporalclient "go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"

	"github.com/bellhop/bellhop/internal/config"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/schema"
	"github.com/bellhop/bellhop/starter/client"
)

const usage = `Usage: starter COMMAND [ARGUMENTS]

Reservations (through Temporal):
  start FILE                 start a reservation from a JSON file (- for standard input)
  signal ID SIGNAL [JSON]    send a signal with an optional JSON payload
  query ID                   print the state, planned mails and mailing log as JSON
  resend ID MAIL [-to ADDRESS] [-language LANG]
                             send a mail again, to the guest or to ADDRESS
  release-reminder ID        send an optional reservation's release reminder now
  demo                       add the demo property and start a demo reservation
  import --csv FILE [--limit N] [--shift-to DATE]
                             start one reservation per booking of a CSV export, dates shifted

Accounts (through Temporal):
  profiles import --csv FILE --property ID
                             import customer profiles and send profile-created mails (starter profiles help)
  account password-reset|magic-link|delete|withdraw|deletion-status ...
                             account mails and deletion requests (starter account help)

Dry run (no server needed):
  simulate --csv FILE [--limit N] [--out mails.jsonl]
                             replay each booking through the real workflow with simulated
                             time and write every mail it would send, or skip, as JSON Lines

Properties and the mailing log (through PostgreSQL):
  properties set FILE        add or replace a property from a JSON file (- for standard input)
  properties list            list the properties
  properties show ID         print a property as JSON
  log ID                     print a reservation's delivery rows
  templates list|show|set|preview ...
                             manage a property's mail templates (starter templates help)
  suppressions list | add ADDRESS [NOTE] | remove ADDRESS
                             manage the addresses no mail is sent to
  migrate                    apply the database migrations

Signals: confirm, cancel, change-dates, change-guest, online-checkin-completed,
check-in, check-out, close-bill, charge-succeeded, charge-failed.

`

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" {
		fmt.Print(usage)
		config.PrintUsage("starter", &config.Starter{}, os.Stdout)
		return
	}
	var cfg config.Starter
	if err := config.Load("starter", &cfg, os.Args[1:2], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Print("\n" + usage)
			return
		}
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if err := run(ctx, cfg, os.Args[1], os.Args[2:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		var usageErr usageError
		if errors.As(err, &usageErr) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (run starter help)" }

func run(ctx context.Context, cfg config.Starter, command string, args []string, stdin io.Reader, stdout io.Writer) error {
	switch command {
	case "simulate":
		return simulateCommand(ctx, args, stdout, os.Stderr)
	case "simulate-chunk":
		return simulateChunkCommand(args, stdout, os.Stderr)
	case "start", "signal", "query", "resend", "release-reminder", "demo", "import", "profiles", "account":
		c, err := dialTemporal(cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		rc := client.New(c, cfg.Temporal.TaskQueue)
		switch command {
		case "start":
			return startCommand(ctx, rc, args, stdin, stdout)
		case "signal":
			return signalCommand(ctx, rc, args, stdout)
		case "query":
			return queryCommand(ctx, rc, args, stdout)
		case "resend":
			return resendCommand(ctx, rc, args, stdout)
		case "release-reminder":
			return releaseReminderCommand(ctx, rc, args, stdout)
		case "profiles":
			return profilesCommand(ctx, rc, args, stdout, os.Stderr)
		case "account":
			return accountCommand(ctx, rc, args, stdout)
		case "demo", "import":
			st, closeStore, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer closeStore()
			if command == "import" {
				return importCommand(ctx, rc, st, args, stdout, os.Stderr)
			}
			return demoCommand(ctx, rc, st, args, stdout)
		}
	case "migrate":
		if err := schema.MigrateURL(ctx, cfg.Database.URL); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "database migrated")
		return nil
	case "templates":
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" {
			fmt.Fprint(stdout, templatesUsage())
			return nil
		}
		fallthrough
	case "properties", "log", "suppressions":
		st, closeStore, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer closeStore()
		switch command {
		case "log":
			return logCommand(ctx, st, args, stdout)
		case "suppressions":
			return suppressionsCommand(ctx, st, args, stdout)
		case "templates":
			connect := func() (*client.Client, func(), error) {
				c, err := dialTemporal(cfg)
				if err != nil {
					return nil, nil, err
				}
				return client.New(c, cfg.Temporal.TaskQueue), c.Close, nil
			}
			return templatesCommand(ctx, st, connect, args, stdin, stdout)
		}
		return propertiesCommand(ctx, st, args, stdin, stdout)
	}
	return usageError{fmt.Sprintf("unknown command %q", command)}
}

func dialTemporal(cfg config.Starter) (temporalclient.Client, error) {
	logger, err := cfg.Logging.Logger()
	if err != nil {
		return nil, err
	}
	payloadCodec, err := cfg.Codec.Load()
	if err != nil {
		return nil, err
	}
	options := temporalclient.Options{
		HostPort:  cfg.Temporal.Address,
		Namespace: cfg.Temporal.Namespace,
		Logger:    temporallog.NewStructuredLogger(logger),
	}
	if payloadCodec != nil {
		options.DataConverter = payloadCodec.DataConverter()
	}
	c, err := temporalclient.Dial(options)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w (is it running? set TEMPORAL_ADDRESS)", cfg.Temporal.Address, err)
	}
	return c, nil
}

func openStore(ctx context.Context, cfg config.Starter) (*store.Store, func(), error) {
	pool, err := pgxpool.New(ctx, cfg.Database.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("connect to PostgreSQL: %w (is it running? set DATABASE_URL)", err)
	}
	if err := schema.MigrateURL(ctx, cfg.Database.URL); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return store.New(pool), pool.Close, nil
}

// readJSON decodes a JSON file, or standard input for "-", rejecting
// unknown fields so that a misspelt field is an error, not a silent default.
func readJSON(path string, stdin io.Reader, v any) error {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON in %s: %w", path, err)
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func needArgs(args []string, n int, form string) error {
	if len(args) < n {
		return usageError{"missing arguments: " + form}
	}
	return nil
}

// parseFlags parses flags that may stand after the positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		// Parse stops at the first argument that is not a flag.
		if len(args) > 0 {
			positional = append(positional, args[0])
			args = args[1:]
		}
	}
	return positional, nil
}
