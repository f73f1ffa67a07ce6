package resend

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bellhop/bellhop/internal/fakeresend"
	"github.com/bellhop/bellhop/internal/mail"
)

func newSender(t *testing.T, fake *fakeresend.Server) *Sender {
	t.Helper()
	s, err := New("re_test_key", fake.BaseURL(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func message(key string) mail.Message {
	return mail.Message{
		From: "Hotel <hotel@example.com>", To: "guest@example.com",
		Subject: "Your stay", HTML: "<p>Hello</p>", Text: "Hello", IdempotencyKey: key,
	}
}

func TestSendClassifiesStatuses(t *testing.T) {
	cases := []struct {
		status     int
		retryAfter int
		retryable  bool
		wait       time.Duration
	}{
		{status: 400, retryable: false},
		{status: 422, retryable: false},
		{status: 401, retryable: false},
		{status: 429, retryAfter: 2, retryable: true, wait: 2 * time.Second},
		{status: 500, retryable: true},
		{status: 502, retryable: true},
		{status: 503, retryAfter: 7, retryable: true, wait: 7 * time.Second},
	}
	for _, c := range cases {
		fake := fakeresend.New()
		fake.Script(fakeresend.Fault{Status: c.status, RetryAfter: c.retryAfter, Message: "scripted failure"})
		_, err := newSender(t, fake).Send(context.Background(), message("k1"))
		fake.Close()

		var se *mail.SendError
		if !errors.As(err, &se) {
			t.Fatalf("HTTP %d: error %v is not a *mail.SendError", c.status, err)
		}
		if se.Status != c.status {
			t.Errorf("HTTP %d: Status = %d", c.status, se.Status)
		}
		if se.Retryable != c.retryable {
			t.Errorf("HTTP %d: Retryable = %v, want %v", c.status, se.Retryable, c.retryable)
		}
		if se.RetryAfter != c.wait {
			t.Errorf("HTTP %d: RetryAfter = %v, want %v", c.status, se.RetryAfter, c.wait)
		}
		if se.Message != "scripted failure" {
			t.Errorf("HTTP %d: Message = %q, want the provider's message", c.status, se.Message)
		}
	}
}

func TestSendPassesIdempotencyKey(t *testing.T) {
	fake := fakeresend.New()
	defer fake.Close()
	s := newSender(t, fake)

	first, err := s.Send(context.Background(), message("reservation/r1/confirmation"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Send(context.Background(), message("reservation/r1/confirmation"))
	if err != nil {
		t.Fatal(err)
	}
	if first.MessageID != second.MessageID {
		t.Errorf("message ids differ: %s and %s", first.MessageID, second.MessageID)
	}
	emails := fake.Emails()
	if len(emails) != 1 {
		t.Fatalf("fake accepted %d mails, want 1", len(emails))
	}
	if emails[0].IdempotencyKey != "reservation/r1/confirmation" {
		t.Errorf("Idempotency-Key = %q", emails[0].IdempotencyKey)
	}
}

func TestSendDroppedConnectionIsRetryable(t *testing.T) {
	fake := fakeresend.New()
	defer fake.Close()
	fake.Script(fakeresend.Fault{DropAfterAccept: true})
	s := newSender(t, fake)

	_, err := s.Send(context.Background(), message("k-drop"))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Retryable || se.Status != 0 {
		t.Fatalf("error = %#v, want a retryable error without status", err)
	}
	if _, err := s.Send(context.Background(), message("k-drop")); err != nil {
		t.Fatalf("retry failed: %v", err)
	}
	if n := len(fake.Emails()); n != 1 {
		t.Fatalf("fake accepted %d mails, want 1", n)
	}
}

func TestSendCarriesAttachmentBytes(t *testing.T) {
	fake := fakeresend.New()
	defer fake.Close()
	msg := message("k-pdf")
	pdf := []byte("%PDF-1.4\n\x00\xff binary bill\n%%EOF")
	msg.Attachments = []mail.Attachment{{Filename: "bill.pdf", ContentType: "application/pdf", Content: pdf}}

	if _, err := newSender(t, fake).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := fake.Emails()[0].Attachments
	if len(got) != 1 || string(got[0].Content) != string(pdf) || got[0].Filename != "bill.pdf" {
		t.Fatalf("attachments = %+v", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := parseRetryAfter("3", now); got != 3*time.Second {
		t.Errorf("seconds: %v", got)
	}
	if got := parseRetryAfter("Fri, 01 Jan 2027 00:00:10 GMT", now); got != 10*time.Second {
		t.Errorf("date: %v", got)
	}
	if got := parseRetryAfter("soon", now); got != 0 {
		t.Errorf("garbage: %v", got)
	}
}

func TestNewRejectsRelativeBaseURL(t *testing.T) {
	if _, err := New("key", "localhost:1234", time.Second); err == nil {
		t.Fatal("New accepted a base URL without scheme")
	}
}

func TestSetRateSpacesRequests(t *testing.T) {
	fake := fakeresend.New()
	defer fake.Close()
	s := newSender(t, fake)
	s.SetRate(20)

	for i := 0; i < 5; i++ {
		if _, err := s.Send(context.Background(), message(fmt.Sprintf("paced-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Five requests at 20 per second leave over at least 200 ms; the bound
	// leaves room for delays in the first request's arrival.
	emails := fake.Emails()
	if span := emails[4].ReceivedAt.Sub(emails[0].ReceivedAt); span < 150*time.Millisecond {
		t.Errorf("5 requests arrived within %v, want them spaced at 20 per second", span)
	}
}
