package activities

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/store"
)

// ErrImportFile is the error type of an import file that cannot be read at
// all: missing, or without an email column.
const ErrImportFile = "ImportFile"

// ProfileColumns are the columns a profile import reads; only email is
// required.
var ProfileColumns = []string{"email", "first_name", "last_name", "language", "nationality", "property_id"}

// ImportCursor is an import's position in its file.
type ImportCursor struct {
	// Offset is the byte offset of the next row; 0 means the header is
	// still to be read.
	Offset int64 `json:"offset"`
	// Line is the line number of the last row read; the header is line 1.
	Line int `json:"line"`
	// Columns maps column names to their index, read from the header.
	Columns map[string]int `json:"columns,omitempty"`
}

// InvalidRow is a row an import rejected.
type InvalidRow struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ImportBatchInput is the request for the next batch of a profile import.
type ImportBatchInput struct {
	Path string `json:"path"`
	// DefaultPropertyID is the property of rows without property_id.
	DefaultPropertyID string       `json:"defaultPropertyId"`
	Cursor            ImportCursor `json:"cursor"`
	BatchSize         int          `json:"batchSize"`
}

// NewProfile is a profile the import created, for its profile-created mail.
type NewProfile struct {
	Email       string `json:"email"`
	FirstName   string `json:"firstName,omitempty"`
	Language    string `json:"language,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	PropertyID  string `json:"propertyId"`
}

// ImportBatchResult is the outcome of one batch.
type ImportBatchResult struct {
	Next    ImportCursor `json:"next"`
	EOF     bool         `json:"eof"`
	Rows    int          `json:"rows"`
	Invalid []InvalidRow `json:"invalid,omitempty"`
	// Created are the profiles this batch created; rows for addresses that
	// had a profile updated it.
	Created []NewProfile `json:"created,omitempty"`
	Updated int          `json:"updated"`
}

// ImportProfilesBatch reads up to BatchSize rows from the cursor, checks
// them, and creates or updates their profiles in one statement. Rows with
// the same address, in any case and with any surrounding spaces, make one
// profile; a later row's non-empty fields win. Invalid rows are returned
// with their line and reason and do not stop the import.
func (a *Activities) ImportProfilesBatch(ctx context.Context, in ImportBatchInput) (ImportBatchResult, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return ImportBatchResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("import file %s cannot be opened by the worker: %v; give a path on the worker's machine", in.Path, err), ErrImportFile, err)
	}
	defer f.Close()
	if _, err := f.Seek(in.Cursor.Offset, io.SeekStart); err != nil {
		return ImportBatchResult{}, err
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.FieldsPerRecord = -1
	cursor := in.Cursor

	if cursor.Offset == 0 {
		header, err := r.Read()
		if err != nil {
			return ImportBatchResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("import file %s has no header line: %v", in.Path, err), ErrImportFile, err)
		}
		cursor.Columns = map[string]int{}
		for i, name := range header {
			cursor.Columns[strings.ToLower(strings.TrimSpace(name))] = i
		}
		if _, ok := cursor.Columns["email"]; !ok {
			return ImportBatchResult{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("import file %s has no email column; its columns are %s, of which email is required", in.Path, strings.Join(ProfileColumns, ", ")), ErrImportFile, nil)
		}
		cursor.Line = 1
	}

	properties, err := a.Profiles.Properties(ctx)
	if err != nil {
		return ImportBatchResult{}, err
	}
	known := map[string]bool{}
	for _, p := range properties {
		known[p.ID] = true
	}

	result := ImportBatchResult{}
	byEmail := map[string]int{}
	var batch []store.Profile
	for result.Rows < in.BatchSize {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			result.EOF = true
			break
		}
		cursor.Line++
		result.Rows++
		if err != nil {
			result.Invalid = append(result.Invalid, InvalidRow{Line: cursor.Line, Reason: err.Error()})
			continue
		}
		p, reason := profileOf(record, cursor.Columns, in.DefaultPropertyID, known)
		if reason != "" {
			result.Invalid = append(result.Invalid, InvalidRow{Line: cursor.Line, Reason: reason})
			continue
		}
		if i, seen := byEmail[p.Email]; seen {
			batch[i] = merge(batch[i], p)
			continue
		}
		byEmail[p.Email] = len(batch)
		batch = append(batch, p)
	}
	// InputOffset is the byte offset, from where this batch started reading,
	// of the end of the last row read.
	cursor.Offset = in.Cursor.Offset + r.InputOffset()

	created, err := a.Profiles.UpsertProfiles(ctx, batch)
	if err != nil {
		return ImportBatchResult{}, fmt.Errorf("write profiles of lines up to %d: %w", cursor.Line, err)
	}
	isNew := map[string]bool{}
	for _, email := range created {
		isNew[email] = true
	}
	for _, p := range batch {
		if isNew[p.Email] {
			result.Created = append(result.Created, NewProfile{Email: p.Email, FirstName: p.FirstName, Language: p.Language, Nationality: p.Nationality, PropertyID: p.PropertyID})
		}
	}
	result.Updated = len(batch) - len(created)
	result.Next = cursor
	return result, nil
}

// profileOf checks one row and returns its profile, or the reason it is
// invalid.
func profileOf(record []string, columns map[string]int, defaultProperty string, known map[string]bool) (store.Profile, string) {
	get := func(name string) string {
		i, ok := columns[name]
		if !ok || i >= len(record) {
			return ""
		}
		return strings.TrimSpace(record[i])
	}
	email := strings.ToLower(get("email"))
	if email == "" {
		return store.Profile{}, "email is empty"
	}
	if parsed, err := netmail.ParseAddress(email); err != nil || parsed.Address != email {
		return store.Profile{}, fmt.Sprintf("invalid e-mail address %q", get("email"))
	}
	p := store.Profile{
		Email: email, FirstName: get("first_name"), LastName: get("last_name"),
		Language: strings.ToLower(get("language")), Nationality: strings.ToUpper(get("nationality")),
		PropertyID: get("property_id"),
	}
	if p.PropertyID == "" {
		p.PropertyID = defaultProperty
	}
	if !known[p.PropertyID] {
		if p.PropertyID == "" {
			return store.Profile{}, "no property_id and no default property given"
		}
		return store.Profile{}, fmt.Sprintf("unknown property %q", p.PropertyID)
	}
	return p, ""
}

func merge(old, newer store.Profile) store.Profile {
	for _, f := range []struct {
		to   *string
		from string
	}{
		{&old.FirstName, newer.FirstName}, {&old.LastName, newer.LastName}, {&old.Language, newer.Language},
		{&old.Nationality, newer.Nationality}, {&old.PropertyID, newer.PropertyID},
	} {
		if f.from != "" {
			*f.to = f.from
		}
	}
	return old
}

// ProfileMailsInput is the request for the profile-created mails of new profiles.
type ProfileMailsInput struct {
	WorkflowID string       `json:"workflowId"`
	Profiles   []NewProfile `json:"profiles"`
}

// ProfileMailsResult counts the outcomes.
type ProfileMailsResult struct {
	Sent    int `json:"sent"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
}

// ProfileCreatedKey is the idempotency key of an address's profile-created
// mail. It depends on the address alone, so the mail goes out once per
// address ever, whatever imports repeat it. The hash keeps the address out
// of the key that reaches the provider.
func ProfileCreatedKey(email string) string {
	return "profile-created/" + HashAddress(email)
}

// HashAddress returns a one-way hash of the lower-cased, trimmed address.
func HashAddress(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// SendProfileMails sends the profile-created mail to each new profile, four
// at a time and paced at BatchSendRate, through the same delivery pipeline
// as every other mail. It heartbeats its progress, so a retried activity
// resumes where the last attempt stopped; the idempotency keys make any
// overlap harmless.
func (a *Activities) SendProfileMails(ctx context.Context, in ProfileMailsInput) (ProfileMailsResult, error) {
	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		var fed int
		if err := activity.GetHeartbeatDetails(ctx, &fed); err == nil {
			// Mails fed just before the heartbeat may not have finished.
			// Going back past the four in flight resends none of them, because
			// their keys are already in the mailing log.
			start = max(0, fed-8)
		}
	}
	props := map[string]property.Property{}
	for _, np := range in.Profiles {
		if _, ok := props[np.PropertyID]; ok {
			continue
		}
		p, err := a.LoadProperty(ctx, np.PropertyID)
		if err != nil {
			return ProfileMailsResult{}, err
		}
		props[np.PropertyID] = p
	}

	var interval time.Duration
	if a.BatchSendRate > 0 {
		interval = time.Duration(float64(time.Second) / a.BatchSendRate)
	}
	var mu sync.Mutex
	var result ProfileMailsResult
	var firstErr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				np := in.Profiles[i]
				r, err := a.sendOne(ctx, props[np.PropertyID], SendMailInput{
					IdempotencyKey: ProfileCreatedKey(np.Email),
					WorkflowID:     in.WorkflowID,
					PropertyID:     np.PropertyID,
					Mail:           mail.ProfileCreated,
					To:             np.Email,
					Recipient:      Person{FirstName: np.FirstName, Email: np.Email, Language: np.Language, Nationality: np.Nationality},
					Automatic:      true,
					Data:           MailData{Guest: Person{FirstName: np.FirstName}},
				})
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case r.Status == mail.StatusSent:
					result.Sent++
				case r.Status == mail.StatusSkipped:
					result.Skipped++
				default:
					result.Failed++
				}
				mu.Unlock()
			}
		}()
	}

	var ticker *time.Ticker
	if interval > 0 {
		ticker = time.NewTicker(interval)
		defer ticker.Stop()
	}
feed:
	for i := start; i < len(in.Profiles); i++ {
		if ticker != nil {
			select {
			case <-ticker.C:
			case <-ctx.Done():
				break feed
			}
		}
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		jobs <- i
		if i%50 == 0 {
			activity.RecordHeartbeat(ctx, i)
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return result, firstErr
	}
	return result, ctx.Err()
}

// EraseCustomer deletes the customer's profile and replaces their address
// in the mailing log with its hash.
func (a *Activities) EraseCustomer(ctx context.Context, email string) (int64, error) {
	n, err := a.Profiles.EraseCustomer(ctx, email, HashAddress(email))
	if err != nil {
		return 0, fmt.Errorf("erase customer data: %w", err)
	}
	activity.GetLogger(ctx).Info("Customer data erased", "deliveriesChanged", n)
	return n, nil
}
