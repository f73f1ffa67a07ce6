// Package mail defines the mail catalogue and the contract between Bellhop
// and a mail transport: a rendered message in, a provider receipt or a
// classified error out.
package mail

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Type names one mail of the catalogue. The names are stable: they key
// templates, delivery rows and idempotency keys.
type Type string

// The reservation mails, sent by a reservation's workflow.
const (
	Quotation               Type = "quotation"
	Confirmation            Type = "confirmation"
	BookerConfirmation      Type = "booker-confirmation"
	ReleaseReminder         Type = "release-reminder"
	Cancellation            Type = "cancellation"
	OnlineCheckInInvitation Type = "online-checkin-invitation"
	BeforeStart             Type = "before-start"
	AfterStart              Type = "after-start"
	Bill                    Type = "bill"
	AfterEnd                Type = "after-end"
	ChargeConfirmation      Type = "charge-confirmation"
	ChargeFailure           Type = "charge-failure"
)

// The account mails, sent by short workflows of their own.
const (
	ProfileCreated  Type = "profile-created"
	PasswordReset   Type = "password-reset"
	MagicLink       Type = "magic-link"
	DeletionRequest Type = "deletion-request"
)

// Types lists every mail type in catalogue order.
var Types = []Type{
	Quotation, Confirmation, BookerConfirmation, ReleaseReminder, Cancellation,
	OnlineCheckInInvitation, BeforeStart, AfterStart, Bill, AfterEnd,
	ChargeConfirmation, ChargeFailure,
	ProfileCreated, PasswordReset, MagicLink, DeletionRequest,
}

// ParseType returns the mail type named s.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown mail type %q: use one of %v", s, Types)
}

// Delivery statuses of the mailing log. A delivery is written as sending
// before the provider is called and ends as sent, failed or skipped.
const (
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Delivery statuses that Resend's webhooks report after a mail was sent.
const (
	StatusDelivered  = "delivered"
	StatusDelayed    = "delayed"
	StatusBounced    = "bounced"
	StatusComplained = "complained"
)

// Attachment is a file sent with a message.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Message is one rendered mail, ready for a transport.
type Message struct {
	From           string
	To             string
	ReplyTo        string
	Subject        string
	HTML           string
	Text           string
	Attachments    []Attachment
	IdempotencyKey string
	// Tags label the message at the provider, such as the mail type.
	Tags map[string]string
}

// Receipt is a transport's record of an accepted message.
type Receipt struct {
	// MessageID is the provider's id, or the outbox file name.
	MessageID string
	// Transport names where the message went: "resend" or "outbox".
	Transport string
}

// Sender delivers messages. Implementations must pass the idempotency key to
// the provider so that a repeated call with the same key sends one mail.
type Sender interface {
	Send(ctx context.Context, msg Message) (Receipt, error)
}

// SendError is a classified failure of a transport.
type SendError struct {
	// Status is the provider's HTTP status, 0 when no response arrived.
	Status int
	// Retryable is false for requests the provider rejected as invalid.
	Retryable bool
	// RetryAfter is the provider's requested wait, 0 when it gave none.
	RetryAfter time.Duration
	// Message is the provider's explanation.
	Message string
}

func (e *SendError) Error() string {
	if e.Status == 0 {
		return "send failed: " + e.Message
	}
	return fmt.Sprintf("send failed with HTTP %d: %s", e.Status, e.Message)
}

// IsPermanent reports whether err is a provider rejection that no retry can
// fix, such as an invalid address.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && !se.Retryable
}
