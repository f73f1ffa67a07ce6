package outbox

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
)

func sample() mail.Message {
	return mail.Message{
		From:           "Hotel Avenida <reservas@avenida.example>",
		To:             "ana@example.com",
		Subject:        "Confirmação da reserva nº 42 — até já!",
		HTML:           "<p>Olá Ana, a sua reserva está confirmada.</p>",
		Text:           "Olá Ana, a sua reserva está confirmada.",
		IdempotencyKey: "reservation/r42/confirmation",
		Tags:           map[string]string{"mail": "confirmation"},
	}
}

func TestComposeIsParseableMIME(t *testing.T) {
	msg := sample()
	msg.Attachments = []mail.Attachment{{Filename: "bill.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 bytes\x00\xff")}}
	raw, err := Compose(msg, time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := netmail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Fatalf("subject = %q (%v), want %q", subject, err, msg.Subject)
	}

	mediaType, params, err := mime.ParseMediaType(parsed.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" {
		t.Fatalf("content type = %q (%v)", mediaType, err)
	}
	mixed := multipart.NewReader(parsed.Body, params["boundary"])
	first, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	altType, altParams, _ := mime.ParseMediaType(first.Header.Get("Content-Type"))
	if altType != "multipart/alternative" {
		t.Fatalf("first part is %q", altType)
	}
	alt := multipart.NewReader(first, altParams["boundary"])
	var bodies []string
	for {
		p, err := alt.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		bodies = append(bodies, string(b))
	}
	if len(bodies) != 2 || bodies[0] != msg.Text || bodies[1] != msg.HTML {
		t.Fatalf("bodies = %q", bodies)
	}
	attachment, err := mixed.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if attachment.FileName() != "bill.pdf" {
		t.Errorf("attachment file name = %q", attachment.FileName())
	}
}

func TestSendTwiceWritesOneFile(t *testing.T) {
	dir := t.TempDir()
	o, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := o.Send(context.Background(), sample())
	if err != nil {
		t.Fatal(err)
	}
	second, err := o.Send(context.Background(), sample())
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("receipts differ: %+v and %+v", first, second)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d .eml files, want 1", len(files))
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), "Confirmação da reserva nº 42") || !strings.Contains(string(index), filepath.Base(files[0])) {
		t.Errorf("index.html does not list the mail:\n%s", index)
	}
}
