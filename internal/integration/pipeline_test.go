package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/resend"
	"github.com/bellhop/bellhop/internal/template"
)

// sendDirect runs the send activity on PostgreSQL and the fake Resend,
// without a workflow.
func (s *stack) sendDirect(in activities.SendMailInput) activities.SendMailResult {
	s.t.Helper()
	sender, err := resend.New("re_test", s.fake.BaseURL(), 5*time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	acts := &activities.Activities{Store: s.store, Sender: sender, RecipientLimit: 20}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	v, err := env.ExecuteActivity(acts.SendMail, in)
	if err != nil {
		s.t.Fatal(err)
	}
	var r activities.SendMailResult
	if err := v.Get(&r); err != nil {
		s.t.Fatal(err)
	}
	return r
}

func mailInput(key string, mailType mail.Type, guest activities.Person) activities.SendMailInput {
	return activities.SendMailInput{
		IdempotencyKey: key, WorkflowID: "wf", ReservationID: "r-pipeline", PropertyID: "lisbon",
		Mail: mailType, To: guest.Email, Recipient: guest, Automatic: true,
		Data: activities.MailData{Guest: guest, ConfirmationNumber: "AV-77"},
	}
}

func TestPipelineEscapesGuestNameInHTML(t *testing.T) {
	s := newStack(t, nil)
	custom := template.Content{Subject: "Welcome {firstName}", HTML: "<p>{greeting}</p>", Text: "{greeting}"}
	if err := s.store.SaveTemplate(context.Background(), "lisbon", mail.Confirmation, "en", custom); err != nil {
		t.Fatal(err)
	}
	name := `<img src=x onerror=alert(1)>`
	s.sendDirect(mailInput("k-xss", mail.Confirmation, activities.Person{FirstName: name, Email: "x@example.com", Language: "en"}))

	got := s.fake.Emails()[0]
	if got.Subject != "Welcome "+name || got.Text != "Dear "+name {
		t.Errorf("subject %q, text %q: want the name as typed", got.Subject, got.Text)
	}
	if strings.Contains(got.HTML, "<img") || !strings.Contains(got.HTML, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("HTML not escaped:\n%s", got.HTML)
	}
}

func TestPipelineLanguageChain(t *testing.T) {
	s := newStack(t, nil)
	english := template.Content{Subject: "Booked {confirmationNumber}", HTML: "<p>{greeting}</p>", Text: "{greeting}, house style"}
	if err := s.store.SaveTemplate(context.Background(), "lisbon", mail.Confirmation, "en", english); err != nil {
		t.Fatal(err)
	}

	pt := s.sendDirect(mailInput("k-pt", mail.Confirmation, activities.Person{FirstName: "João", Email: "joao@example.com", Nationality: "PRT"}))
	de := s.sendDirect(mailInput("k-de", mail.Confirmation, activities.Person{FirstName: "Jonas", Email: "jonas@example.com", Nationality: "DEU"}))
	deInvite := s.sendDirect(mailInput("k-de-2", mail.OnlineCheckInInvitation, activities.Person{FirstName: "Jonas", Email: "jonas@example.com", Nationality: "DEU"}))
	en := s.sendDirect(mailInput("k-en", mail.Confirmation, activities.Person{FirstName: "Mary", Email: "mary@example.com", Nationality: "GBR"}))

	emails := s.fake.Emails()
	if pt.Language != "pt" || !strings.HasPrefix(emails[0].Text, "Olá João,") {
		t.Errorf("PRT guest: %s, %q", pt.Language, emails[0].Text)
	}
	if de.Language != "de" || !strings.HasPrefix(emails[1].Text, "Hallo Jonas,") {
		t.Errorf("German guest, confirmation: %s, %q", de.Language, emails[1].Text)
	}
	if deInvite.Language != "de" || !strings.HasPrefix(emails[2].Text, "Hallo Jonas,") {
		t.Errorf("German guest, invitation: %s, %q", deInvite.Language, emails[2].Text)
	}
	if en.Language != "en" || emails[3].Text != "Dear Mary, house style" {
		t.Errorf("English guest: %s, %q, want the property's own template", en.Language, emails[3].Text)
	}
}

func TestPipelineStopsTwentyFirstAutomaticMail(t *testing.T) {
	s := newStack(t, nil)
	guest := activities.Person{FirstName: "Ana", Email: "ana@example.com"}
	var last activities.SendMailResult
	for i := 1; i <= 21; i++ {
		last = s.sendDirect(mailInput(fmt.Sprintf("k-%02d", i), mail.Confirmation, guest))
	}
	if n := len(s.fake.Emails()); n != 20 {
		t.Errorf("fake accepted %d mails, want 20", n)
	}
	if last.Status != mail.StatusSkipped || !strings.Contains(last.Reason, "recipient limit") {
		t.Errorf("21st mail = %+v", last)
	}
	row, err := s.store.Delivery(context.Background(), "k-21")
	if err != nil || row.Status != mail.StatusSkipped {
		t.Errorf("21st delivery row = %+v, %v", row, err)
	}
}

func TestPipelineSkipsSuppressedAddress(t *testing.T) {
	s := newStack(t, nil)
	if err := s.store.Suppress(context.Background(), "Ana@Example.com", "complaint", "spam report"); err != nil {
		t.Fatal(err)
	}
	r := s.sendDirect(mailInput("k-sup", mail.Confirmation, activities.Person{FirstName: "Ana", Email: "ana@example.com"}))
	if r.Status != mail.StatusSkipped || !strings.Contains(r.Reason, "complaint") {
		t.Errorf("result = %+v", r)
	}
	if n := s.fake.Requests(); n != 0 {
		t.Errorf("fake got %d requests for a suppressed address", n)
	}
}
