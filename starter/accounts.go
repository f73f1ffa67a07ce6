package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/starter/client"
	"github.com/bellhop/bellhop/workflows"
)

const profilesUsage = `Usage: starter profiles import --csv FILE --property ID [--id IMPORT_ID] [--batch N]

Imports customer profiles from a CSV file of past reservations and sends
each new address its profile-created mail, once per address ever. The worker
reads the file, so FILE must be on the worker's machine.

Columns (a header line names them; only email is required):
  email        the customer's address; compared lower-cased and trimmed
  first_name   first name, for the greeting
  last_name    last name
  language     preferred language (en, pt, es, fr, de)
  nationality  ISO 3166-1 alpha-2 or alpha-3 country code
  property_id  property of the reservation; --property for rows without one

Invalid rows are listed with their line number and reason; they do not stop
the import. Importing a file again updates profiles and sends nothing.
`

func profilesCommand(ctx context.Context, rc *client.Client, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stdout, profilesUsage)
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" {
			return nil
		}
		return usageError{fmt.Sprintf("unknown profiles command %q", args[0])}
	}
	fs := flag.NewFlagSet("profiles import", flag.ContinueOnError)
	csvPath := fs.String("csv", "", "CSV file of past reservations, on the worker's machine (required)")
	propertyID := fs.String("property", "", "property of rows without property_id")
	importID := fs.String("id", "", "import id (default: the current time and a random suffix)")
	batch := fs.Int("batch", 1000, "rows per batch")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *csvPath == "" {
		return usageError{"profiles import needs --csv FILE"}
	}
	path, err := filepath.Abs(*csvPath)
	if err != nil {
		return err
	}
	if *importID == "" {
		*importID = time.Now().UTC().Format("20060102-150405") + "-" + randomSuffix()
	}
	total, err := countRows(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}

	id, err := rc.ImportProfiles(ctx, workflows.ProfileImportInput{
		ImportID: *importID, Path: path, DefaultPropertyID: *propertyID, BatchSize: *batch,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "started profile import %s (workflow %s)\n", *importID, id)

	bar := newProgress("importing", total)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if p, err := rc.ImportProgress(ctx, *importID); err == nil {
					bar.done.Store(int64(p.Rows))
				}
			}
		}
	}()
	result, err := rc.WaitImport(ctx, *importID)
	close(done)
	bar.done.Store(int64(result.Rows))
	bar.finish()
	if err != nil {
		return fmt.Errorf("profile import %s: %w", *importID, err)
	}

	fmt.Fprintf(stdout, "%d rows: %d profiles created, %d updated, %d invalid; %d mails sent, %d skipped, %d failed\n",
		result.Rows, result.Created, result.Updated, result.InvalidCount, result.Mailed, result.Skipped, result.Failed)
	for _, row := range result.Invalid {
		fmt.Fprintf(stderr, "line %d: %s\n", row.Line, row.Reason)
	}
	if result.InvalidCount > len(result.Invalid) {
		fmt.Fprintf(stderr, "... and %d more invalid rows\n", result.InvalidCount-len(result.Invalid))
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 3)
	// crypto/rand.Read does not fail on supported platforms.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

const accountUsage = `Usage:
  starter account password-reset --request-id ID --property ID --email ADDRESS --link URL [--first-name NAME] [--language LANG]
  starter account magic-link     --request-id ID --property ID --email ADDRESS --link URL [--first-name NAME] [--language LANG]
  starter account delete         --request-id ID --property ID --email ADDRESS [--first-name NAME] [--language LANG] [--grace 720h]
  starter account withdraw ID
  starter account deletion-status ID

The request id is the caller's and must carry no personal data: a repeated
id sends nothing. Links carry tokens; they go into the mail and nowhere else.
A deletion request confirms itself by mail, then erases the customer's
profile and hashes their address in the mailing log after the grace period,
unless withdrawn.
`

func accountCommand(ctx context.Context, rc *client.Client, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" {
		fmt.Fprint(stdout, accountUsage)
		return nil
	}
	switch args[0] {
	case "withdraw":
		if err := needArgs(args, 2, "account withdraw ID"); err != nil {
			return err
		}
		if err := rc.WithdrawDeletion(ctx, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deletion request %s withdrawn\n", args[1])
		return nil
	case "deletion-status":
		if err := needArgs(args, 2, "account deletion-status ID"); err != nil {
			return err
		}
		st, err := rc.DeletionStatus(ctx, args[1])
		if err != nil {
			return err
		}
		return printJSON(stdout, st)
	case "password-reset", "magic-link", "delete":
	default:
		return usageError{fmt.Sprintf("unknown account command %q", args[0])}
	}

	fs := flag.NewFlagSet("account "+args[0], flag.ContinueOnError)
	requestID := fs.String("request-id", "", "the caller's request id, without personal data (required)")
	propertyID := fs.String("property", "", "property whose sender and templates to use (required)")
	email := fs.String("email", "", "customer's address (required)")
	firstName := fs.String("first-name", "", "customer's first name, for the greeting")
	lang := fs.String("language", "", "customer's language")
	link := fs.String("link", "", "link with its token (password-reset and magic-link)")
	grace := fs.Duration("grace", workflows.DefaultDeletionGrace, "time before the data is erased (delete)")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	customer := workflows.Person{Email: strings.TrimSpace(*email), FirstName: *firstName, Language: *lang}

	if args[0] == "delete" {
		id, err := rc.RequestDeletion(ctx, workflows.DeletionRequest{RequestID: *requestID, PropertyID: *propertyID, Customer: customer, Grace: *grace})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deletion request started: workflow %s; data erased after %s unless withdrawn\n", id, *grace)
		return nil
	}
	m := mail.PasswordReset
	if args[0] == "magic-link" {
		m = mail.MagicLink
	}
	result, err := rc.SendAccountMail(ctx, workflows.AccountMailRequest{
		RequestID: *requestID, Mail: m, PropertyID: *propertyID, Customer: customer, Link: *link,
	})
	if err != nil {
		return err
	}
	return printJSON(stdout, activities.SendMailResult(result))
}
