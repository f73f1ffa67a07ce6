// Package activities holds Bellhop's activities: loading a property's
// settings and rendering and sending one mail through the delivery pipeline.
// They are methods on Activities, which holds their dependencies behind
// small interfaces so tests can swap them.
package activities

import (
	"context"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
)

// Error types of non-retryable activity failures, for retry policies and
// for callers that inspect a failure.
const (
	ErrPropertyNotFound = "PropertyNotFound"
	ErrInvalidProperty  = "InvalidProperty"
	ErrNoTemplate       = "NoTemplate"
)

// Store is the part of the PostgreSQL store the activities use.
type Store interface {
	Property(ctx context.Context, id string) (property.Property, error)
	Template(ctx context.Context, propertyID string, mailType mail.Type, lang string) (template.Content, bool, error)
	CreateDelivery(ctx context.Context, d store.Delivery) (store.Delivery, bool, error)
	FinishDelivery(ctx context.Context, key, status, transport, messageID, errText string) (store.Delivery, error)
	Suppression(ctx context.Context, address string) (string, bool, error)
	CountRecent(ctx context.Context, address string, since time.Time, exceptKey string) (int, error)
}

// Person is a guest, a booker or another recipient as templates see them.
type Person struct {
	TitlePrefix string `json:"titlePrefix,omitempty"`
	FirstName   string `json:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty"`
	Email       string `json:"email,omitempty"`
	// Language is the preferred language as an ISO 639-1 code.
	Language string `json:"language,omitempty"`
	// Nationality is an ISO 3166-1 alpha-2 or alpha-3 country code.
	Nationality string `json:"nationality,omitempty"`
}

// FullName joins the first and last names.
func (p Person) FullName() string {
	switch {
	case p.FirstName == "":
		return p.LastName
	case p.LastName == "":
		return p.FirstName
	}
	return p.FirstName + " " + p.LastName
}

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// IsZero reports whether no amount is set.
func (m Money) IsZero() bool { return m == Money{} }

// MailData carries the values a mail's placeholders need. Only the fields
// the mail type uses need to be set.
type MailData struct {
	Guest              Person        `json:"guest"`
	BookerName         string        `json:"bookerName,omitempty"`
	ConfirmationNumber string        `json:"confirmationNumber,omitempty"`
	Arrival            schedule.Date `json:"arrival"`
	Departure          schedule.Date `json:"departure"`
	Total              Money         `json:"total"`
	ReleaseAt          time.Time     `json:"releaseAt"`
	ConfirmLink        string        `json:"confirmLink,omitempty"`
	OnlineCheckInLink  string        `json:"onlineCheckInLink,omitempty"`
	BillNumber         string        `json:"billNumber,omitempty"`
	BillTotal          Money         `json:"billTotal"`
	BillLink           string        `json:"billLink,omitempty"`
	PaymentAmount      Money         `json:"paymentAmount"`
	CardLastFour       string        `json:"cardLastFour,omitempty"`
	AddCardLink        string        `json:"addCardLink,omitempty"`
	// ResetLink and MagicLink carry tokens: they reach the mail and nothing
	// else, neither logs nor the mailing log.
	ResetLink    string        `json:"resetLink,omitempty"`
	MagicLink    string        `json:"magicLink,omitempty"`
	DeletionDate schedule.Date `json:"deletionDate"`
}

// MaxInlineAttachment is the largest attachment, in bytes, that may travel
// inside a signal and an activity input. Larger files go by reference to a
// file under the bills folder, which keeps workflow histories small.
const MaxInlineAttachment = 256 << 10

// AttachmentRef is a file to attach: inline Content, or Path relative to the
// worker's bills folder.
type AttachmentRef struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType,omitempty"`
	Path        string `json:"path,omitempty"`
	Content     []byte `json:"content,omitempty"`
}

// SendMailInput is the request for one mail. The idempotency key identifies the mail
// for good: a second call with the same key sends nothing and returns the
// first call's result.
type SendMailInput struct {
	IdempotencyKey string    `json:"idempotencyKey"`
	WorkflowID     string    `json:"workflowId"`
	ReservationID  string    `json:"reservationId"`
	PropertyID     string    `json:"propertyId"`
	Mail           mail.Type `json:"mail"`
	// To is the recipient's address; Recipient's name and languages choose
	// the greeting and the language.
	To        string `json:"to"`
	Recipient Person `json:"recipient"`
	// Language, when set, comes before the recipient's own languages.
	Language string `json:"language,omitempty"`
	// Automatic is false for mails an operator asked for, which the
	// per-recipient limit does not count.
	Automatic bool     `json:"automatic"`
	Data      MailData `json:"data"`
	// SkipReason, when set, records the mail as skipped without sending it.
	SkipReason  string          `json:"skipReason,omitempty"`
	Attachments []AttachmentRef `json:"attachments,omitempty"`
}

// SendMailResult is the outcome of a mail: its delivery row's final status.
type SendMailResult struct {
	IdempotencyKey string    `json:"idempotencyKey"`
	Mail           mail.Type `json:"mail"`
	To             string    `json:"to"`
	Language       string    `json:"language,omitempty"`
	Subject        string    `json:"subject,omitempty"`
	// Status is sent, failed or skipped.
	Status    string `json:"status"`
	Transport string `json:"transport,omitempty"`
	MessageID string `json:"messageId,omitempty"`
	// Reason explains a failure or a skip.
	Reason string `json:"reason,omitempty"`
}

// Activities holds the activities' dependencies.
type Activities struct {
	Store  Store
	Sender mail.Sender
	// RecipientLimit is the number of automatic mails one address may get
	// in 24 hours; further automatic mails to it are skipped.
	RecipientLimit int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// BillsDir is the folder attachment paths are relative to.
	BillsDir string
	// Profiles stores customer profiles, for imports and erasure.
	Profiles ProfileStore
	// BatchSendRate paces the mails of batch activities, per second and
	// worker; 0 means no pacing.
	BatchSendRate float64
	// Metrics receives measurements; nil records nothing.
	Metrics Recorder
	// Transport names the sender in metrics, such as resend or outbox.
	Transport string
}

// Recorder receives the delivery pipeline's measurements.
type Recorder interface {
	MailFinished(mailType, status string)
	SendObserved(transport, outcome string, d time.Duration)
	Skipped(reason string)
	ProviderError(class string)
}

type noRecorder struct{}

func (noRecorder) MailFinished(string, string)                {}
func (noRecorder) SendObserved(string, string, time.Duration) {}
func (noRecorder) Skipped(string)                             {}
func (noRecorder) ProviderError(string)                       {}

func (a *Activities) recorder() Recorder {
	if a.Metrics == nil {
		return noRecorder{}
	}
	return a.Metrics
}

// ProfileStore is the part of the PostgreSQL store that account activities
// use.
type ProfileStore interface {
	Properties(ctx context.Context) ([]property.Property, error)
	UpsertProfiles(ctx context.Context, profiles []store.Profile) ([]string, error)
	EraseCustomer(ctx context.Context, email, hashed string) (int64, error)
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
