// Package webhook receives Resend's webhooks: it verifies each request's
// Svix signature and timestamp, applies each message once, updates the
// delivery's status, and puts hard-bouncing and complaining addresses on
// the suppression list.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	resendapi "github.com/resend/resend-go/v2"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/store"
)

// maxBody bounds a webhook request's body; Resend's events are a few KB.
const maxBody = 1 << 20

// Store is the part of the store the handler uses.
type Store interface {
	ApplyWebhook(ctx context.Context, messageID, eventType, emailID, status, suppressReason string, recipients []string) (store.WebhookOutcome, error)
}

// Recorder receives the handler's measurements.
type Recorder interface {
	Webhook(eventType, outcome string)
	Suppressed(reason string)
}

// Handler is the http.Handler of the webhook endpoint.
type Handler struct {
	Store   Store
	Secret  string
	Logger  *slog.Logger
	Metrics Recorder
	// verifier checks signatures with resend-go's implementation of the
	// Svix scheme, which also rejects timestamps more than five minutes
	// away from now.
	verifier resendapi.WebhooksSvc
}

// New returns a handler for the signing secret ("whsec_...").
func New(st Store, secret string, logger *slog.Logger, metrics Recorder) *Handler {
	return &Handler{Store: st, Secret: secret, Logger: logger, Metrics: metrics, verifier: resendapi.NewClient("").Webhooks}
}

// event is the part of a Resend webhook event Bellhop reads.
type event struct {
	Type string `json:"type"`
	Data struct {
		EmailID string   `json:"email_id"`
		To      []string `json:"to"`
		Bounce  *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"bounce"`
	} `json:"data"`
}

// statusOf maps an event type to a delivery status and, for events that
// must stop further mail to the address, a suppression reason.
func statusOf(e event) (status, suppress string) {
	switch e.Type {
	case "email.delivered":
		return mail.StatusDelivered, ""
	case "email.delivery_delayed":
		return mail.StatusDelayed, ""
	case "email.complained":
		return mail.StatusComplained, store.SuppressComplaint
	case "email.bounced":
		// Transient bounces (a full mailbox) may clear; only permanent ones
		// suppress the address.
		if e.Data.Bounce != nil && strings.EqualFold(e.Data.Bounce.Type, "Transient") {
			return mail.StatusBounced, ""
		}
		return mail.StatusBounced, store.SuppressHardBounce
	case "email.failed":
		return mail.StatusFailed, ""
	}
	return "", ""
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		h.count("unknown", "bad-request")
		http.Error(w, "unreadable or oversized body", http.StatusBadRequest)
		return
	}
	messageID := r.Header.Get("svix-id")
	err = h.verifier.Verify(&resendapi.VerifyWebhookOptions{
		Payload: string(body),
		Headers: resendapi.WebhookHeaders{
			Id: messageID, Timestamp: r.Header.Get("svix-timestamp"), Signature: r.Header.Get("svix-signature"),
		},
		WebhookSecret: h.Secret,
	})
	if err != nil {
		h.Logger.Warn("Webhook rejected", "svixId", messageID, "error", err)
		h.count("unknown", "rejected")
		http.Error(w, "invalid signature: "+err.Error(), http.StatusUnauthorized)
		return
	}

	var e event
	if err := json.Unmarshal(body, &e); err != nil {
		h.count("unknown", "bad-request")
		http.Error(w, "invalid JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	status, suppress := statusOf(e)
	outcome, err := h.Store.ApplyWebhook(r.Context(), messageID, e.Type, e.Data.EmailID, status, suppress, e.Data.To)
	if err != nil {
		// Resend retries a webhook that did not get a 2xx response.
		h.Logger.Error("Webhook not applied", "svixId", messageID, "type", e.Type, "emailId", e.Data.EmailID, "error", err)
		h.count(e.Type, "error")
		http.Error(w, "could not record the event; it will be retried", http.StatusInternalServerError)
		return
	}
	switch {
	case outcome.Duplicate:
		h.count(e.Type, "duplicate")
	case status == "":
		h.count(e.Type, "ignored")
	default:
		h.count(e.Type, "applied")
	}
	if outcome.Suppressed && h.Metrics != nil {
		h.Metrics.Suppressed(suppress)
	}
	if outcome.Suppressed {
		h.Logger.Info("Address suppressed by webhook", "svixId", messageID, "reason", suppress, "emailId", e.Data.EmailID)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"duplicate":%t,"updated":%d}`+"\n", outcome.Duplicate, outcome.Updated)
}

func (h *Handler) count(eventType, outcome string) {
	if h.Metrics != nil {
		h.Metrics.Webhook(eventType, outcome)
	}
}
