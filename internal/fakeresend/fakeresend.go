// Package fakeresend is an HTTP fake of Resend's send-email endpoint for
// tests. It keeps every accepted mail, honours Idempotency-Key like Resend
// (a repeated key returns the first response and sends nothing new), and
// can be scripted to return errors, retry-after headers or dropped
// connections.
package fakeresend

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Email is one mail the fake accepted.
type Email struct {
	ID             string
	IdempotencyKey string
	From           string
	To             []string
	Subject        string
	HTML           string
	Text           string
	Tags           map[string]string
	Attachments    []Attachment
	ReceivedAt     time.Time
}

// Attachment is an attachment as the fake received it, decoded.
type Attachment struct {
	Filename    string
	ContentType string
	Content     []byte
}

// Fault is a scripted response to the next request.
type Fault struct {
	// Status is the HTTP status to return, such as 429, 500 or 422.
	Status int
	// RetryAfter, when set, is sent as the retry-after header in seconds.
	RetryAfter int
	// Message is the error message in the JSON body.
	Message string
	// DropAfterAccept accepts the mail, then closes the connection without
	// an answer, as a network failure after Resend's acceptance would.
	DropAfterAccept bool
	// DropBeforeAccept closes the connection without accepting the mail.
	DropBeforeAccept bool
}

// Server is a running fake.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	limiter  *limiter
	outage   *outage
	faults   []Fault
	emails   []Email
	byKey    map[string]string
	requests int
	statuses map[int]int
}

// New starts a fake on a loopback port. Close it when done.
func New() *Server {
	s := &Server{byKey: map[string]string{}, statuses: map[int]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// SetRateLimit makes the fake answer 429 with retry-after once more than
// perSecond requests arrive in a second, as Resend does past a team's limit;
// 0 turns the limit off.
func (s *Server) SetRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perSecond <= 0 {
		s.limiter = nil
		return
	}
	s.limiter = &limiter{rate: perSecond, tokens: perSecond, last: time.Now()}
}

// outage answers every request with a fault until a deadline.
type outage struct {
	until time.Time
	fault Fault
}

// FailFor answers every request with the fault for the duration, as a
// provider outage would; scripted faults still come first.
func (s *Server) FailFor(d time.Duration, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = &outage{until: time.Now().Add(d), fault: f}
}

// limiter is a token bucket holding at most one second of requests.
type limiter struct {
	rate, tokens float64
	last         time.Time
}

func (l *limiter) allow(now time.Time) bool {
	l.tokens = min(l.rate, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// BaseURL returns the base URL to give the client.
func (s *Server) BaseURL() string { return s.Server.URL + "/" }

// Script queues faults; each answers one request, in order, before the fake
// goes back to accepting.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Emails returns the accepted mails in order of acceptance.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Email(nil), s.emails...)
}

// Requests returns the number of requests received, answered or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Answers returns how many requests got the HTTP status.
func (s *Server) Answers(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statuses[status]
}

type sendRequest struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	HTML    string   `json:"html"`
	Text    string   `json:"text"`
	Tags    []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"tags"`
	Attachments []struct {
		Filename    string          `json:"filename"`
		ContentType string          `json:"content_type"`
		Content     json.RawMessage `json:"content"`
	} `json:"attachments"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/emails" {
		writeJSON(w, http.StatusNotFound, map[string]any{"statusCode": 404, "name": "not_found", "message": "no such endpoint: " + r.Method + " " + r.URL.Path})
		return
	}
	var req sendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.answer(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}

	s.mu.Lock()
	s.requests++
	limited := s.limiter != nil && !s.limiter.allow(time.Now())
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	} else if s.outage != nil && time.Now().Before(s.outage.until) {
		f := s.outage.fault
		fault = &f
	}
	s.mu.Unlock()

	if limited && fault == nil {
		w.Header().Set("retry-after", "1")
		s.answer(w, http.StatusTooManyRequests, "Too many requests. You can only make a limited number of requests per second.")
		return
	}
	if fault != nil && fault.DropBeforeAccept {
		hijackAndClose(w)
		return
	}
	if fault != nil && !fault.DropAfterAccept {
		if fault.RetryAfter > 0 {
			w.Header().Set("retry-after", strconv.Itoa(fault.RetryAfter))
		}
		message := fault.Message
		if message == "" {
			message = http.StatusText(fault.Status)
		}
		s.answer(w, fault.Status, message)
		return
	}
	if len(req.To) == 0 || req.From == "" || req.Subject == "" {
		s.answer(w, http.StatusUnprocessableEntity, "missing from, to or subject")
		return
	}

	id := s.accept(r.Header.Get("Idempotency-Key"), req)
	if fault != nil && fault.DropAfterAccept {
		hijackAndClose(w)
		return
	}
	s.count(http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// accept stores the mail unless its idempotency key was seen before, and
// returns the mail's id.
func (s *Server) accept(key string, req sendRequest) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byKey[key]; ok && key != "" {
		return id
	}
	id := fmt.Sprintf("fake-%06d", len(s.emails)+1)
	e := Email{
		ID: id, IdempotencyKey: key, From: req.From, To: req.To,
		Subject: req.Subject, HTML: req.HTML, Text: req.Text,
		Tags: map[string]string{}, ReceivedAt: time.Now(),
	}
	for _, t := range req.Tags {
		e.Tags[t.Name] = t.Value
	}
	for _, a := range req.Attachments {
		e.Attachments = append(e.Attachments, Attachment{Filename: a.Filename, ContentType: a.ContentType, Content: decodeContent(a.Content)})
	}
	s.emails = append(s.emails, e)
	if key != "" {
		s.byKey[key] = id
	}
	return id
}

func (s *Server) count(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[status]++
}

func (s *Server) answer(w http.ResponseWriter, status int, message string) {
	s.count(status)
	writeJSON(w, status, map[string]any{"statusCode": status, "name": http.StatusText(status), "message": message})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// A write error means the client went away, and the test gets that error on its side.
	_ = json.NewEncoder(w).Encode(body)
}

func hijackAndClose(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fakeresend: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic("fakeresend: hijack failed: " + err.Error())
	}
	// Closing without a response is the fault being simulated.
	_ = conn.Close()
}

// decodeContent reads attachment content sent either as a base64 string or,
// as resend-go does, as an array of byte values.
func decodeContent(raw json.RawMessage) []byte {
	var asBytes []byte
	if err := json.Unmarshal(raw, &asBytes); err == nil {
		return asBytes
	}
	var asInts []int
	if err := json.Unmarshal(raw, &asInts); err != nil {
		return nil
	}
	out := make([]byte, len(asInts))
	for i, v := range asInts {
		out[i] = byte(v)
	}
	return out
}
