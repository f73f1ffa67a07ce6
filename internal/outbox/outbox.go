// Package outbox is the mail transport used without a Resend API key: each
// mail becomes an .eml file that a mail program or a browser can open, and
// index.html lists them all.
package outbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
)

// Outbox writes mails into a folder.
type Outbox struct {
	dir string
	now func() time.Time

	mu sync.Mutex
	// entries lists the folder's mails for index.html, read once from the
	// folder and kept up to date by Send.
	entries []entry
}

// New returns an outbox in dir, creating the folder if needed.
func New(dir string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create outbox folder %s: %w", dir, err)
	}
	o := &Outbox{dir: dir, now: time.Now}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	for _, path := range files {
		e, err := readEntry(path)
		if err != nil {
			return nil, fmt.Errorf("read outbox file %s: %w", path, err)
		}
		o.entries = append(o.entries, e)
	}
	return o, nil
}

// Dir returns the outbox folder.
func (o *Outbox) Dir() string { return o.dir }

// Send writes the message as an .eml file named after its idempotency key,
// so a repeated send overwrites the same file instead of adding a second one.
func (o *Outbox) Send(ctx context.Context, msg mail.Message) (mail.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return mail.Receipt{}, err
	}
	name := fileName(msg)
	raw, err := Compose(msg, o.now())
	if err != nil {
		return mail.Receipt{}, &mail.SendError{Retryable: false, Message: err.Error()}
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	path := filepath.Join(o.dir, name)
	if _, err := os.Stat(path); err == nil {
		return mail.Receipt{MessageID: name, Transport: "outbox"}, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return mail.Receipt{}, &mail.SendError{Retryable: true, Message: err.Error()}
	}
	if err := os.Rename(tmp, path); err != nil {
		return mail.Receipt{}, &mail.SendError{Retryable: true, Message: err.Error()}
	}
	o.entries = append(o.entries, entry{File: name, To: msg.To, Subject: msg.Subject, Written: o.now()})
	if err := o.writeIndex(); err != nil {
		return mail.Receipt{}, &mail.SendError{Retryable: true, Message: err.Error()}
	}
	return mail.Receipt{MessageID: name, Transport: "outbox"}, nil
}

// fileName is readable (mail type and recipient) and unique per idempotency
// key thanks to a short hash.
func fileName(msg mail.Message) string {
	sum := sha256.Sum256([]byte(msg.IdempotencyKey))
	label := msg.Tags["mail"]
	if label == "" {
		label = "mail"
	}
	to := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, msg.To)
	return fmt.Sprintf("%s-%s-%s.eml", label, to, hex.EncodeToString(sum[:6]))
}

// Compose renders the message as RFC 5322 text: a multipart/alternative
// body with text and HTML parts, wrapped in multipart/mixed when there are
// attachments. Non-ASCII headers are encoded as RFC 2047 words.
func Compose(msg mail.Message, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	header := func(name, value string) {
		fmt.Fprintf(&buf, "%s: %s\r\n", name, value)
	}
	header("From", encodeAddress(msg.From))
	header("To", encodeAddress(msg.To))
	if msg.ReplyTo != "" {
		header("Reply-To", encodeAddress(msg.ReplyTo))
	}
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%s@bellhop.outbox>", randomID()))
	if msg.IdempotencyKey != "" {
		header("X-Bellhop-Idempotency-Key", msg.IdempotencyKey)
	}
	header("MIME-Version", "1.0")

	alternative, err := alternativePart(msg)
	if err != nil {
		return nil, err
	}
	if len(msg.Attachments) == 0 {
		buf.Write(alternative)
		return buf.Bytes(), nil
	}

	mixed := multipart.NewWriter(&buf)
	header("Content-Type", `multipart/mixed; boundary="`+mixed.Boundary()+`"`)
	buf.WriteString("\r\n")
	// The alternative part carries its own Content-Type header line first.
	headerEnd := bytes.Index(alternative, []byte("\r\n\r\n"))
	partHeader := textproto.MIMEHeader{}
	partHeader.Set("Content-Type", strings.TrimPrefix(string(alternative[:headerEnd]), "Content-Type: "))
	w, err := mixed.CreatePart(partHeader)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(alternative[headerEnd+4:]); err != nil {
		return nil, err
	}
	for _, a := range msg.Attachments {
		h := textproto.MIMEHeader{}
		contentType := a.ContentType
		if contentType == "" {
			contentType = "application/octet-stream"
		}
		h.Set("Content-Type", contentType)
		h.Set("Content-Transfer-Encoding", "base64")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
		w, err := mixed.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if err := writeBase64Lines(w, a.Content); err != nil {
			return nil, err
		}
	}
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// alternativePart returns "Content-Type: ...\r\n\r\n" followed by the
// multipart/alternative body.
func alternativePart(msg mail.Message) ([]byte, error) {
	var body bytes.Buffer
	alt := multipart.NewWriter(&body)
	for _, part := range []struct{ contentType, content string }{
		{"text/plain; charset=utf-8", msg.Text},
		{"text/html; charset=utf-8", msg.HTML},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.contentType)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := alt.CreatePart(h)
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.content)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := alt.Close(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt.Boundary())
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

func writeBase64Lines(w interface{ Write([]byte) (int, error) }, content []byte) error {
	encoded := base64.StdEncoding.EncodeToString(content)
	for len(encoded) > 76 {
		if _, err := w.Write([]byte(encoded[:76] + "\r\n")); err != nil {
			return err
		}
		encoded = encoded[76:]
	}
	_, err := w.Write([]byte(encoded + "\r\n"))
	return err
}

// encodeAddress encodes the display name of "Name <addr>" when it is not ASCII.
func encodeAddress(s string) string {
	open := strings.LastIndex(s, "<")
	if open <= 0 {
		return s
	}
	name := strings.TrimSpace(s[:open])
	return mime.QEncoding.Encode("utf-8", name) + " " + s[open:]
}

func randomID() string {
	b := make([]byte, 12)
	// crypto/rand.Read never returns an error on supported platforms.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// entry is one row of index.html.
type entry struct {
	File, To, Subject string
	Written           time.Time
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bellhop outbox</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}tr:nth-child(even){background:#f3f3f3}</style>
</head><body>
<h1>Bellhop outbox</h1>
<p>{{len .}} {{if eq (len .) 1}}mail{{else}}mails{{end}}, newest first. Each link opens the .eml file; save it and open it in a mail program to see the HTML part.</p>
<table><tr><th>written</th><th>to</th><th>subject</th></tr>
{{range .}}<tr><td>{{.Written.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td><a href="{{.File}}">{{.Subject}}</a></td></tr>
{{end}}</table></body></html>
`))

// writeIndex rewrites index.html from the entries, newest first.
func (o *Outbox) writeIndex() error {
	entries := append([]entry(nil), o.entries...)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Written.After(entries[j].Written) })

	var buf bytes.Buffer
	if err := indexPage.Execute(&buf, entries); err != nil {
		return err
	}
	tmp := filepath.Join(o.dir, "index.html.tmp")
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(o.dir, "index.html"))
}

func readEntry(path string) (entry, error) {
	info, err := os.Stat(path)
	if err != nil {
		return entry{}, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return entry{}, err
	}
	e := entry{File: filepath.Base(path), Written: info.ModTime()}
	headerEnd := bytes.Index(raw, []byte("\r\n\r\n"))
	if headerEnd < 0 {
		headerEnd = len(raw)
	}
	decoder := new(mime.WordDecoder)
	for _, line := range strings.Split(string(raw[:headerEnd]), "\r\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch name {
		case "To":
			e.To = value
		case "Subject":
			if decoded, err := decoder.DecodeHeader(value); err == nil {
				value = decoded
			}
			e.Subject = value
		}
	}
	return e, nil
}
