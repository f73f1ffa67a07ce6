package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
	"github.com/bellhop/bellhop/internal/testdb"
)

func newStore(t *testing.T) *store.Store {
	_, pool := testdb.New(t)
	return store.New(pool)
}

func lisbon() property.Property {
	p := property.Defaults("lisbon")
	p.Name = "Hotel Avenida"
	p.TimeZone = "Europe/Lisbon"
	p.SenderAddress = "Hotel Avenida <reservas@avenida.example>"
	p.ReleaseReminderLead = property.Hours(12)
	p.Retention = property.Duration{Duration: 3 * time.Second}
	return p
}

func TestPropertyRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	want := lisbon()
	if err := s.SaveProperty(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Property(ctx, "lisbon")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("property = %+v\nwant %+v", got, want)
	}
	if _, err := s.Property(ctx, "nowhere"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown property error = %v", err)
	}
}

func TestSavePropertyRejectsInvalidZone(t *testing.T) {
	s := newStore(t)
	p := lisbon()
	p.TimeZone = "Europe/Lisbo"
	err := s.SaveProperty(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), `"Europe/Lisbo"`) {
		t.Fatalf("error = %v, want one naming the zone", err)
	}
}

func TestCreateDeliveryOncePerKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := store.Delivery{IdempotencyKey: "k1", WorkflowID: "w", ReservationID: "r1", MailType: mail.Confirmation,
		Recipient: "ana@example.com", Status: mail.StatusSending, Automatic: true}
	first, created, err := s.CreateDelivery(ctx, d)
	if err != nil || !created {
		t.Fatalf("first create: created %v, err %v", created, err)
	}
	if _, err := s.FinishDelivery(ctx, "k1", mail.StatusSent, "resend", "re-1", ""); err != nil {
		t.Fatal(err)
	}
	second, created, err := s.CreateDelivery(ctx, d)
	if err != nil || created {
		t.Fatalf("second create: created %v, err %v", created, err)
	}
	if second.Status != mail.StatusSent || second.MessageID != "re-1" || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("second create returned %+v, want the sent row", second)
	}
	rows, err := s.Deliveries(ctx, "r1")
	if err != nil || len(rows) != 1 {
		t.Fatalf("deliveries = %d (%v), want 1", len(rows), err)
	}
	if rows[0].SentAt == nil {
		t.Error("sent_at not set")
	}
}

func TestCountRecentCountsAutomaticMailsOnly(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for i, automatic := range []bool{true, true, false} {
		d := store.Delivery{IdempotencyKey: "k" + string(rune('a'+i)), WorkflowID: "w", MailType: mail.Confirmation,
			Recipient: "Ana@Example.com", Status: mail.StatusSent, Automatic: automatic}
		if _, _, err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.CountRecent(ctx, "ana@example.com", time.Now().Add(-time.Hour), "ka")
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("count = %d, want 1 (two automatic, one excluded by key, one manual)", n)
	}
}

func TestSaveTemplateRejectsUnknownPlaceholderAndKeepsOld(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.SaveProperty(ctx, lisbon()); err != nil {
		t.Fatal(err)
	}
	good := template.Content{Subject: "Booked {confirmationNumber}", HTML: "<p>{greeting}</p>", Text: "{greeting}"}
	if err := s.SaveTemplate(ctx, "lisbon", mail.Confirmation, "en", good); err != nil {
		t.Fatal(err)
	}
	bad := template.Content{Subject: "Hi", HTML: "<p>{fristName}</p>", Text: "x"}
	err := s.SaveTemplate(ctx, "lisbon", mail.Confirmation, "en", bad)
	if err == nil || !strings.Contains(err.Error(), "{fristName}") {
		t.Fatalf("error = %v, want one naming {fristName}", err)
	}
	got, found, err := s.Template(ctx, "lisbon", mail.Confirmation, "en")
	if err != nil || !found || got != good {
		t.Errorf("stored template = %+v (found %v, err %v), want the good one", got, found, err)
	}
}

func TestSuppressionIsCaseInsensitive(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Suppress(ctx, " Bounce@Example.com ", store.SuppressHardBounce, "test"); err != nil {
		t.Fatal(err)
	}
	reason, found, err := s.Suppression(ctx, "bounce@example.COM")
	if err != nil || !found || reason != store.SuppressHardBounce {
		t.Errorf("suppression = %q, %v, %v", reason, found, err)
	}
	if err := s.Suppress(ctx, "x@example.com", "spam", ""); err == nil {
		t.Error("unknown reason accepted")
	}
}
