package integration

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/workflows"
)

func writeCSV(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "past.csv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *stack) importProfiles(path, importID string, batch int) workflows.ImportProgress {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return s.importProfilesBatch(ctx, path, importID, batch)
}

func (s *stack) importProfilesCtx(ctx context.Context, path, importID string) workflows.ImportProgress {
	s.t.Helper()
	return s.importProfilesBatch(ctx, path, importID, 1000)
}

func (s *stack) importProfilesBatch(ctx context.Context, path, importID string, batch int) workflows.ImportProgress {
	s.t.Helper()
	if _, err := s.client.ImportProfiles(ctx, workflows.ProfileImportInput{
		ImportID: importID, Path: path, DefaultPropertyID: "lisbon", BatchSize: batch,
	}); err != nil {
		s.t.Fatal(err)
	}
	p, err := s.client.WaitImport(ctx, importID)
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

func TestProfileImportDeduplicatesAndReimportSendsNothing(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	path := writeCSV(t,
		"email,first_name,last_name,nationality,property_id",
		"ana@example.com,Ana,Silva,PRT,lisbon",
		" ANA@Example.com ,Ana Maria,Silva,PRT,",
		"hans@example.de,Hans,Meyer,DEU,",
		"not-an-address,Bad,Row,,",
		"mary@example.com,Mary,Jones,GBR,nowhere",
		"Hans@Example.DE,Hans,Meyer,DEU,lisbon",
	)

	first := s.importProfiles(path, "first-"+randomID(t), 2)
	if first.Rows != 6 || first.Created != 2 || first.InvalidCount != 2 || first.Mailed != 2 {
		t.Errorf("first import = %+v, want 6 rows, 2 created, 2 invalid, 2 mailed", first)
	}
	if len(first.Invalid) != 2 || first.Invalid[0].Line != 5 || !strings.Contains(first.Invalid[0].Reason, "not-an-address") ||
		first.Invalid[1].Line != 6 || !strings.Contains(first.Invalid[1].Reason, `"nowhere"`) {
		t.Errorf("invalid rows = %+v, want lines 5 and 6 with their reasons", first.Invalid)
	}
	profile, err := s.store.ProfileByEmail(context.Background(), "ana@example.com")
	if err != nil || profile.FirstName != "Ana Maria" {
		t.Errorf("profile = %+v (%v), want one profile with the later first name", profile, err)
	}
	if n, _ := s.store.CountProfiles(context.Background()); n != 2 {
		t.Errorf("%d profiles, want 2", n)
	}

	second := s.importProfiles(path, "second-"+randomID(t), 1000)
	if second.Created != 0 || second.Updated != 2 || second.Mailed != 0 {
		t.Errorf("second import = %+v, want nothing created or mailed", second)
	}
	other := s.importProfiles(writeCSV(t, "email,first_name", "ana@EXAMPLE.com,Ana", "new@example.com,Nova"), "third-"+randomID(t), 1000)
	if other.Created != 1 || other.Mailed != 1 {
		t.Errorf("overlapping file = %+v, want one new profile and one mail", other)
	}

	emails := s.fake.Emails()
	var to []string
	for _, e := range emails {
		to = append(to, e.To[0])
		if e.Tags["mail"] != string(mail.ProfileCreated) {
			t.Errorf("mail %s is a %s", e.ID, e.Tags["mail"])
		}
	}
	if strings.Join(to, ",") != "ana@example.com,hans@example.de,new@example.com" {
		t.Errorf("profile-created mails went to %v, want one per address", to)
	}
	if !strings.HasPrefix(emails[1].Text, "Hallo Hans,") {
		t.Errorf("German profile mail:\n%s", emails[1].Text)
	}
}

func TestAccountMailKeepsLinkOutOfMailingLog(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	link := "https://avenida.example/reset?token=s3cr3t-t0ken-value"
	req := workflows.AccountMailRequest{
		RequestID: "req-" + randomID(t), Mail: mail.PasswordReset, PropertyID: "lisbon",
		Customer: workflows.Person{FirstName: "Ana", Email: "ana@example.com", Language: "en"}, Link: link,
	}
	r, err := s.client.SendAccountMail(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.client.SendAccountMail(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mail.StatusSent || again.MessageID != r.MessageID {
		t.Errorf("results %+v and %+v, want one sent mail", r, again)
	}
	emails := s.fake.Emails()
	if len(emails) != 1 || !strings.Contains(emails[0].Text, link) || !strings.Contains(emails[0].HTML, link) {
		t.Fatalf("fake got %d mails; the link must be in the one mail", len(emails))
	}
	var dump bytes.Buffer
	rows, err := s.pool.Query(ctx, "select d::text from deliveries d")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		dump.WriteString(line)
	}
	rows.Close()
	if strings.Contains(dump.String(), "s3cr3t") {
		t.Errorf("the token reached the mailing log: %s", dump.String())
	}
}

func TestDeletionRequestErasesAfterGrace(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	if _, err := s.store.UpsertProfiles(ctx, []store.Profile{{Email: "ana@example.com", FirstName: "Ana", PropertyID: "lisbon"}}); err != nil {
		t.Fatal(err)
	}
	r := s.reservation("erase-" + randomID(t))
	if _, err := s.client.Start(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 1)

	requestID := "del-" + randomID(t)
	if _, err := s.client.RequestDeletion(ctx, workflows.DeletionRequest{
		RequestID: requestID, PropertyID: "lisbon", Customer: workflows.Person{Email: "ana@example.com", FirstName: "Ana"}, Grace: 2 * time.Second,
	}); err != nil {
		t.Fatal(err)
	}
	var st workflows.DeletionStatus
	if err := s.tc.GetWorkflow(ctx, workflows.DeletionWorkflowID(requestID), "").Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "erased" || st.Mail.Status != mail.StatusSent || st.DeliveriesErased != 2 {
		t.Errorf("status = %+v, want erased after the confirmation mail, with both delivery rows hashed", st)
	}
	if _, err := s.store.ProfileByEmail(ctx, "ana@example.com"); err == nil {
		t.Error("the profile is still there")
	}
	rows := s.deliveries(r.ID)
	want := activities.HashAddress("ana@example.com")
	if len(rows) != 1 || rows[0].Recipient != want || rows[0].Subject != "" || rows[0].Status != mail.StatusSent {
		t.Errorf("delivery after erasure = %+v, want the row kept with recipient %s", rows, want)
	}
}

func TestWithdrawnDeletionErasesNothing(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	if _, err := s.store.UpsertProfiles(ctx, []store.Profile{{Email: "ana@example.com", FirstName: "Ana", PropertyID: "lisbon"}}); err != nil {
		t.Fatal(err)
	}
	requestID := "del-" + randomID(t)
	if _, err := s.client.RequestDeletion(ctx, workflows.DeletionRequest{
		RequestID: requestID, PropertyID: "lisbon", Customer: workflows.Person{Email: "ana@example.com"}, Grace: time.Hour,
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deletion confirmation", 30*time.Second, func() bool { return len(s.fake.Emails()) == 1 })
	if err := s.client.WithdrawDeletion(ctx, requestID); err != nil {
		t.Fatal(err)
	}
	var st workflows.DeletionStatus
	if err := s.tc.GetWorkflow(ctx, workflows.DeletionWorkflowID(requestID), "").Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "withdrawn" {
		t.Errorf("state = %s, want withdrawn", st.State)
	}
	if _, err := s.store.ProfileByEmail(ctx, "ana@example.com"); err != nil {
		t.Errorf("profile gone after a withdrawn request: %v", err)
	}
}

func TestBillPDFReachesResendIntact(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	ctx := context.Background()
	r := s.reservation("pdf-" + randomID(t))
	if _, err := s.client.Start(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.client.CheckIn(ctx, r.ID, workflows.EventSignal{}); err != nil {
		t.Fatal(err)
	}
	inline := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0x00, 0xff, 0x7f, '\n'}, 5000)...)
	stored := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("stored bill "), 40000)...)
	if err := os.WriteFile(filepath.Join(s.bills, "b2.pdf"), stored, 0o644); err != nil {
		t.Fatal(err)
	}
	total := workflows.Money{Amount: 1000, Currency: "EUR"}
	for _, bill := range []workflows.CloseBillSignal{
		{BillID: "b1", Number: "FT 1", Total: total, PDF: &activities.AttachmentRef{Content: inline}},
		{BillID: "b2", Number: "FT 2", Total: total, PDF: &activities.AttachmentRef{Path: "b2.pdf", Filename: "FT-2.pdf"}},
		{BillID: "b3", Number: "FT 3", Total: total, Link: "https://avenida.example/bills/b3"},
	} {
		if err := s.client.CloseBill(ctx, r.ID, bill); err != nil {
			t.Fatal(err)
		}
	}
	s.waitForDeliveries(r.ID, 5)

	attachments := map[string][]byte{}
	var linkOnly bool
	for _, e := range s.fake.Emails() {
		if e.Tags["mail"] != string(mail.Bill) {
			continue
		}
		for _, a := range e.Attachments {
			attachments[a.Filename] = a.Content
		}
		if len(e.Attachments) == 0 && strings.Contains(e.Text, "https://avenida.example/bills/b3") {
			linkOnly = true
		}
	}
	if !bytes.Equal(attachments["bill-b1.pdf"], inline) {
		t.Errorf("inline PDF arrived with %d bytes, want %d identical", len(attachments["bill-b1.pdf"]), len(inline))
	}
	if !bytes.Equal(attachments["FT-2.pdf"], stored) {
		t.Errorf("stored PDF arrived with %d bytes, want %d identical", len(attachments["FT-2.pdf"]), len(stored))
	}
	if !linkOnly {
		t.Error("the bill without PDF did not carry its link")
	}
}
