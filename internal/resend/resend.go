// Package resend sends mail through Resend with the resend-go client.
//
// The client turns most HTTP statuses into plain errors, so the transport
// watches the responses itself and classifies each failure by its status:
// 429 and 5xx are retryable, other 4xx (400 and 422 above all) are not.
package resend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	resendapi "github.com/resend/resend-go/v2"

	"github.com/bellhop/bellhop/internal/mail"
)

// Sender is a mail.Sender backed by Resend's API.
type Sender struct {
	client *resendapi.Client
	pacer  *pacer
}

// pacer spaces requests evenly at a rate. The Temporal server's task queue
// rate limit keeps a fleet under the provider's limit on average but lets
// short bursts through, and each burst above the limit costs 429 responses
// and a retry; spacing each process's requests removes the bursts.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// wait blocks until the next request may go, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()

	delay := time.Until(at)
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetRate spaces this sender's requests at perSecond; 0 leaves them
// unpaced.
func (s *Sender) SetRate(perSecond float64) {
	if perSecond <= 0 {
		s.pacer = nil
		return
	}
	s.pacer = &pacer{interval: time.Duration(float64(time.Second) / perSecond)}
}

// New returns a Sender for the API key. An empty baseURL means Resend's
// public API; tests point it at a fake. timeout bounds one HTTP exchange.
func New(apiKey, baseURL string, timeout time.Duration) (*Sender, error) {
	httpClient := &http.Client{
		Timeout:   timeout,
		Transport: &statusRecorder{next: http.DefaultTransport},
	}
	client := resendapi.NewCustomClient(httpClient, apiKey)
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("invalid Resend base URL %q: use an absolute URL such as https://api.resend.com/", baseURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		client.BaseURL = u
	}
	return &Sender{client: client}, nil
}

// Send posts the message with its idempotency key as Resend's
// Idempotency-Key header. Failures are *mail.SendError values.
func (s *Sender) Send(ctx context.Context, msg mail.Message) (mail.Receipt, error) {
	req := &resendapi.SendEmailRequest{
		From:    msg.From,
		To:      []string{msg.To},
		Subject: msg.Subject,
		Html:    msg.HTML,
		Text:    msg.Text,
	}
	if msg.ReplyTo != "" {
		req.ReplyTo = msg.ReplyTo
	}
	for name, value := range msg.Tags {
		req.Tags = append(req.Tags, resendapi.Tag{Name: name, Value: value})
	}
	for _, a := range msg.Attachments {
		req.Attachments = append(req.Attachments, &resendapi.Attachment{
			Filename:    a.Filename,
			ContentType: a.ContentType,
			Content:     a.Content,
		})
	}

	if s.pacer != nil {
		if err := s.pacer.wait(ctx); err != nil {
			return mail.Receipt{}, &mail.SendError{Retryable: true, Message: "cancelled while waiting for the send rate: " + err.Error()}
		}
	}
	seen := &response{}
	ctx = context.WithValue(ctx, responseKey{}, seen)
	sent, err := s.client.Emails.SendWithOptions(ctx, req, &resendapi.SendEmailOptions{IdempotencyKey: msg.IdempotencyKey})
	if err != nil {
		return mail.Receipt{}, classify(err, seen)
	}
	return mail.Receipt{MessageID: sent.Id, Transport: "resend"}, nil
}

// classify turns the client's error and the observed response into a
// *mail.SendError.
func classify(err error, seen *response) error {
	status, retryAfter := seen.get()
	message := strings.TrimPrefix(err.Error(), "[ERROR]: ")
	var rateLimited *resendapi.RateLimitError
	if errors.As(err, &rateLimited) {
		message = rateLimited.Message
	}
	switch {
	case status == 0:
		// No response: a refused or dropped connection, or a timeout. The
		// provider may have accepted the mail, which is why every retry
		// carries the same idempotency key.
		return &mail.SendError{Retryable: true, Message: message}
	case status == http.StatusTooManyRequests:
		return &mail.SendError{Status: status, Retryable: true, RetryAfter: retryAfter, Message: message}
	case status >= 500:
		return &mail.SendError{Status: status, Retryable: true, RetryAfter: retryAfter, Message: message}
	case status >= 200 && status < 300:
		// Accepted but unreadable: retrying with the same key is harmless.
		return &mail.SendError{Status: status, Retryable: true, Message: "unreadable response: " + message}
	default:
		return &mail.SendError{Status: status, Retryable: false, Message: message}
	}
}

type responseKey struct{}

// response holds the status of the last HTTP response of one Send call.
type response struct {
	mu         sync.Mutex
	status     int
	retryAfter time.Duration
}

func (r *response) set(status int, retryAfter time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.retryAfter = status, retryAfter
}

func (r *response) get() (int, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status, r.retryAfter
}

// statusRecorder is an http.RoundTripper that stores each response's status
// and retry-after header in the request's context.
type statusRecorder struct {
	next http.RoundTripper
}

func (t *statusRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if seen, ok := req.Context().Value(responseKey{}).(*response); ok {
		seen.set(resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return resp, nil
}

// parseRetryAfter reads a retry-after header given in seconds or as an HTTP
// date; it returns 0 for a missing or invalid value.
func parseRetryAfter(value string, now time.Time) time.Duration {
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseFloat(value, 64); err == nil && seconds > 0 {
		return time.Duration(seconds * float64(time.Second))
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
