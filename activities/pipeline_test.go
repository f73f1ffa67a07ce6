package activities

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/memstore"
	"github.com/bellhop/bellhop/internal/template"
)

// capturingSender keeps every message it is given.
type capturingSender struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (s *capturingSender) Send(_ context.Context, m mail.Message) (mail.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
	return mail.Receipt{MessageID: "m-" + m.IdempotencyKey, Transport: "test"}, nil
}

// pipeline runs the real SendMail on an in-memory store.
func pipeline(t *testing.T) (*Activities, *memstore.Store, *capturingSender, *testsuite.TestActivityEnvironment) {
	t.Helper()
	st := memstore.New(nil)
	if err := st.SaveProperty(context.Background(), testProperty()); err != nil {
		t.Fatal(err)
	}
	sender := &capturingSender{}
	a := &Activities{Store: st, Sender: sender, RecipientLimit: 20}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return a, st, sender, env
}

func TestGuestNameEscapedInHTMLOnly(t *testing.T) {
	a, st, sender, env := pipeline(t)
	custom := template.Content{Subject: "Welcome {firstName}", HTML: "<p>{greeting}, {name}</p>", Text: "{greeting}, {name}"}
	if err := st.SaveTemplate(context.Background(), "lisbon", mail.Confirmation, "en", custom); err != nil {
		t.Fatal(err)
	}
	name := `<img src=x onerror=alert(1)>`
	in := input()
	in.Recipient = Person{FirstName: name, Language: "en"}
	in.Data.Guest = Person{FirstName: name}

	if _, err := run(t, env, a, in); err != nil {
		t.Fatal(err)
	}
	m := sender.sent[0]
	if m.Subject != "Welcome "+name {
		t.Errorf("subject = %q, want the name as typed", m.Subject)
	}
	if !strings.HasPrefix(m.Text, "Dear "+name+", "+name) {
		t.Errorf("text = %q, want the name as typed", m.Text)
	}
	if strings.Contains(m.HTML, "<img") {
		t.Errorf("HTML carries the raw tag:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("HTML lacks the escaped name:\n%s", m.HTML)
	}
}

func TestPortugueseNationalityGetsPortuguese(t *testing.T) {
	a, _, sender, env := pipeline(t)
	in := input()
	in.Recipient = Person{FirstName: "João", Nationality: "PRT"}

	r, err := run(t, env, a, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Language != "pt" || !strings.HasPrefix(sender.sent[0].Text, "Olá João,") {
		t.Errorf("language %s, text %q", r.Language, sender.sent[0].Text)
	}
}

func TestGermanGuestGetsGermanDefaults(t *testing.T) {
	a, st, sender, env := pipeline(t)
	english := template.Content{Subject: "Booked: {confirmationNumber}", HTML: "<p>{greeting}</p>", Text: "{greeting}, house style"}
	if err := st.SaveTemplate(context.Background(), "lisbon", mail.Confirmation, "en", english); err != nil {
		t.Fatal(err)
	}

	for i, mailType := range []mail.Type{mail.Confirmation, mail.OnlineCheckInInvitation, mail.AfterEnd} {
		in := input()
		in.IdempotencyKey = "k-de-" + string(mailType)
		in.Mail = mailType
		in.Recipient = Person{FirstName: "Jonas", Nationality: "DEU"}
		r, err := run(t, env, a, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Language != "de" || !strings.HasPrefix(sender.sent[i].Text, "Hallo Jonas,") {
			t.Errorf("%s: language %s, text %q", mailType, r.Language, sender.sent[i].Text)
		}
	}

	in := input()
	in.IdempotencyKey = "k-en"
	in.Recipient = Person{FirstName: "Mary", Nationality: "GBR"}
	if _, err := run(t, env, a, in); err != nil {
		t.Fatal(err)
	}
	if got := sender.sent[3].Text; got != "Dear Mary, house style" {
		t.Errorf("English guest text = %q, want the property's own template", got)
	}
}

func TestTwentyFirstAutomaticMailNotSent(t *testing.T) {
	a, _, sender, env := pipeline(t)
	var last SendMailResult
	for i := 1; i <= 21; i++ {
		in := input()
		in.IdempotencyKey = "k-" + time.Duration(i).String()
		r, err := run(t, env, a, in)
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	if n := len(sender.sent); n != 20 {
		t.Errorf("%d mails sent, want 20", n)
	}
	if last.Status != mail.StatusSkipped || !strings.Contains(last.Reason, "recipient limit") {
		t.Errorf("21st mail = %+v, want skipped by the recipient limit", last)
	}

	manual := input()
	manual.IdempotencyKey = "k-manual"
	manual.Automatic = false
	if r, err := run(t, env, a, manual); err != nil || r.Status != mail.StatusSent {
		t.Errorf("manual resend = %+v, %v; want sent despite the limit", r, err)
	}
}

func TestSuppressedAddressSkippedWithReason(t *testing.T) {
	a, st, sender, env := pipeline(t)
	st.Suppress("ANA@example.com", "hard-bounce")

	r, err := run(t, env, a, input())
	if err != nil {
		t.Fatal(err)
	}
	if len(sender.sent) != 0 {
		t.Errorf("%d mails sent to a suppressed address", len(sender.sent))
	}
	if r.Status != mail.StatusSkipped || !strings.Contains(r.Reason, "hard-bounce") {
		t.Errorf("result = %+v", r)
	}
	rows := st.Deliveries()
	if len(rows) != 1 || rows[0].Status != mail.StatusSkipped || rows[0].Error != r.Reason {
		t.Errorf("delivery rows = %+v", rows)
	}
}
