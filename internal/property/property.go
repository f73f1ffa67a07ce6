// Package property holds a hotel's settings as Bellhop uses them: contact
// details for templates, the time zone and timing rules for scheduling, and
// the switches that turn automatic mails on and off.
package property

import (
	"fmt"
	"net/mail"
	"time"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/schedule"
)

// Property is one hotel's settings.
type Property struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	TimeZone        string `json:"timeZone"`
	DefaultLanguage string `json:"defaultLanguage"`
	// SenderAddress is the From of every mail, such as
	// "Hotel Avenida <reservas@avenida.example>".
	SenderAddress string `json:"senderAddress"`
	Email         string `json:"email"`
	Telephone     string `json:"telephone"`
	City          string `json:"city"`
	ReviewLink    string `json:"reviewLink"`

	// SendAt is the local time at which timed mails fall due.
	SendAt schedule.Clock `json:"sendAt"`
	// WindowOpen and WindowClose bound the local hours for timed mails.
	WindowOpen  schedule.Clock `json:"windowOpen"`
	WindowClose schedule.Clock `json:"windowClose"`

	// ConfirmationEnabled sends the confirmation automatically for
	// booking-engine and channel reservations.
	ConfirmationEnabled bool `json:"confirmationEnabled"`
	InvitationEnabled   bool `json:"invitationEnabled"`
	BeforeStartEnabled  bool `json:"beforeStartEnabled"`
	// BeforeStartDays is how many days before arrival the before-start mail
	// falls due.
	BeforeStartDays   int  `json:"beforeStartDays"`
	AfterStartEnabled bool `json:"afterStartEnabled"`
	AfterEndEnabled   bool `json:"afterEndEnabled"`
	// AfterEndDelayDays delays the after-end mail to the send hour that many
	// days after checkout; 0 sends it at checkout.
	AfterEndDelayDays      int  `json:"afterEndDelayDays"`
	ReleaseReminderEnabled bool `json:"releaseReminderEnabled"`
	// ReleaseReminderLead is how long before the release time the reminder
	// falls due.
	ReleaseReminderLead Duration `json:"releaseReminderLead"`
	// AutoRelease cancels an optional reservation with reason "released" when
	// its release time passes unconfirmed.
	AutoRelease bool `json:"autoRelease"`
	// Retention is how long a workflow stays open after the stay ends or the
	// reservation is cancelled, so that resends keep working.
	Retention Duration `json:"retention"`
}

// Duration is a time.Duration written in JSON as text, such as "24h0m0s".
type Duration struct{ time.Duration }

// Hours returns a Duration of n hours.
func Hours(n int) Duration { return Duration{time.Duration(n) * time.Hour} }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it takes any form
// time.ParseDuration takes, such as "24h" or "90m".
func (d *Duration) UnmarshalText(b []byte) error {
	parsed, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q: use a form such as 24h or 90m", b)
	}
	d.Duration = parsed
	return nil
}

// Defaults returns a property with the product's default settings.
func Defaults(id string) Property {
	return Property{
		ID:                     id,
		TimeZone:               "UTC",
		DefaultLanguage:        language.English,
		SendAt:                 10 * 60,
		WindowOpen:             8 * 60,
		WindowClose:            21 * 60,
		ConfirmationEnabled:    true,
		InvitationEnabled:      true,
		BeforeStartDays:        7,
		AfterStartEnabled:      true,
		AfterEndEnabled:        true,
		ReleaseReminderEnabled: true,
		ReleaseReminderLead:    Hours(24),
		AutoRelease:            true,
		Retention:              Hours(30 * 24),
	}
}

// Validate reports the first invalid setting, naming it and its value.
func (p Property) Validate() error {
	if p.ID == "" {
		return fmt.Errorf("property id is empty")
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "" || p.TimeZone == "Local" {
		return fmt.Errorf("property %s: invalid time zone %q: use an IANA name such as Europe/Lisbon", p.ID, p.TimeZone)
	}
	if !language.IsSupported(p.DefaultLanguage) {
		return fmt.Errorf("property %s: unsupported default language %q: use one of %v", p.ID, p.DefaultLanguage, language.Supported)
	}
	if _, err := mail.ParseAddress(p.SenderAddress); err != nil {
		return fmt.Errorf("property %s: invalid sender address %q: use a form such as \"Hotel <reservas@hotel.example>\"", p.ID, p.SenderAddress)
	}
	for name, c := range map[string]schedule.Clock{"send time": p.SendAt, "send window opening": p.WindowOpen, "send window closing": p.WindowClose} {
		if c < 0 || c >= 24*60 {
			return fmt.Errorf("property %s: invalid %s %d: use minutes after midnight, 0 to 1439", p.ID, name, c)
		}
	}
	if p.BeforeStartDays < 0 || p.AfterEndDelayDays < 0 || p.ReleaseReminderLead.Duration < 0 || p.Retention.Duration < 0 {
		return fmt.Errorf("property %s: day counts and durations must not be negative", p.ID)
	}
	return nil
}

// Rules returns the property's timing rules. The zone must be valid, which
// Validate checks before a property is stored.
func (p Property) Rules() (schedule.Rules, error) {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return schedule.Rules{}, fmt.Errorf("property %s: invalid time zone %q: %w", p.ID, p.TimeZone, err)
	}
	return schedule.Rules{Location: loc, SendAt: p.SendAt, WindowOpen: p.WindowOpen, WindowClose: p.WindowClose}, nil
}
