package integration

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	temporalclient "go.temporal.io/sdk/client"

	"github.com/bellhop/bellhop/internal/codec"
	"github.com/bellhop/bellhop/internal/devserver"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/metrics"
	httpserver "github.com/bellhop/bellhop/internal/server"
	"github.com/bellhop/bellhop/internal/service"
	"github.com/bellhop/bellhop/internal/webhook"
	"github.com/bellhop/bellhop/starter/client"
)

func TestCodecHidesPayloadsFromHistory(t *testing.T) {
	s := newStack(t, nil)
	c, err := codec.New(map[string][]byte{"test-1": bytes.Repeat([]byte{7}, 32)}, "test-1")
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := temporalclient.Dial(temporalclient.Options{HostPort: server.FrontendHostPort(), DataConverter: c.DataConverter()})
	if err != nil {
		t.Fatal(err)
	}
	defer encrypted.Close()
	s.tc = encrypted
	s.startWorkers()

	r := s.reservation("codec-" + randomID(t))
	r.Guest.Email = "codec.guest." + randomID(t) + "@example.com"
	started, err := s.client.Start(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 1)

	endpoint := httptest.NewServer(httpserver.New(httpserver.Options{Codec: c, CORSOrigin: "http://127.0.0.1:8233"}).Handler)
	defer endpoint.Close()
	cli := os.Getenv(devserver.PathVariable)
	show := func(extra ...string) string {
		args := append([]string{"workflow", "show", "--address", server.FrontendHostPort(), "-w", started.WorkflowID, "--output", "json"}, extra...)
		out, err := exec.Command(cli, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("temporal %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	plain := show()
	if payloadsContain(plain, r.Guest.Email) || payloadsContain(plain, "Silva") {
		t.Errorf("history read without the codec shows personal data")
	}
	if !strings.Contains(plain, base64.StdEncoding.EncodeToString([]byte(codec.EncodingEncrypted))) {
		t.Errorf("history read without the codec shows no encrypted payloads")
	}
	if decoded := show("--codec-endpoint", endpoint.URL+"/codec"); !payloadsContain(decoded, r.Guest.Email) {
		t.Errorf("history read through the codec endpoint lacks the guest's address")
	}

	// Only the configured origin may call the endpoint from a browser.
	req, _ := http.NewRequest(http.MethodOptions, endpoint.URL+"/codec/decode", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("preflight from another origin: %d, want 403", resp.StatusCode)
	}
	req.Header.Set("Origin", "http://127.0.0.1:8233")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8233" {
		t.Errorf("preflight from the UI: %d, allow-origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

var payloadData = regexp.MustCompile(`"data":\s*"([A-Za-z0-9+/=]+)"`)

// payloadsContain reports whether any payload in the CLI's JSON history,
// whose data is base64, contains the text once decoded.
func payloadsContain(history, text string) bool {
	for _, m := range payloadData.FindAllStringSubmatch(history, -1) {
		raw, err := base64.StdEncoding.DecodeString(m[1])
		if err == nil && strings.Contains(string(raw), text) {
			return true
		}
	}
	return false
}

// sign signs a webhook body the way Svix does for Resend.
func sign(secret []byte, id string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, body)
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", ts)
	h.Set("svix-signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return h
}

func TestWebhookAppliesOnceAndRejectsForgery(t *testing.T) {
	s := newStack(t, nil)
	s.startWorkers()
	r := s.reservation("hook-" + randomID(t))
	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	row := s.waitForDeliveries(r.ID, 1)[0]

	secretBytes := bytes.Repeat([]byte{42}, 24)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretBytes)
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(webhook.New(s.store, secret, testLogger(t), m))
	defer hook.Close()
	post := func(h http.Header, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, hook.URL, bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}

	bounced := []byte(fmt.Sprintf(`{"type":"email.bounced","created_at":"2027-01-01T00:00:00Z","data":{"email_id":%q,"to":[%q],"bounce":{"type":"Permanent","message":"mailbox does not exist"}}}`, row.MessageID, row.Recipient))
	headers := sign(secretBytes, "msg_bounce_1", time.Now(), bounced)
	for i := 0; i < 3; i++ {
		if code := post(headers, bounced); code != http.StatusOK {
			t.Fatalf("delivery %d of a valid webhook: HTTP %d", i+1, code)
		}
	}
	got, err := s.store.Delivery(context.Background(), row.IdempotencyKey)
	if err != nil || got.Status != mail.StatusBounced {
		t.Fatalf("delivery = %+v (%v), want bounced", got, err)
	}
	var messages int
	if err := s.pool.QueryRow(context.Background(), "select count(*) from webhook_messages").Scan(&messages); err != nil || messages != 1 {
		t.Errorf("webhook messages recorded = %d (%v), want 1", messages, err)
	}
	reason, suppressed, err := s.store.Suppression(context.Background(), row.Recipient)
	if err != nil || !suppressed || reason != "hard-bounce" {
		t.Errorf("suppression = %q, %v, %v; want hard-bounce", reason, suppressed, err)
	}

	delivered := []byte(fmt.Sprintf(`{"type":"email.delivered","data":{"email_id":%q,"to":[%q]}}`, row.MessageID, row.Recipient))
	forged := sign([]byte("not the secret, not at all"), "msg_forged", time.Now(), delivered)
	if code := post(forged, delivered); code != http.StatusUnauthorized {
		t.Errorf("forged webhook: HTTP %d, want 401", code)
	}
	stale := sign(secretBytes, "msg_stale", time.Now().Add(-10*time.Minute), delivered)
	if code := post(stale, delivered); code != http.StatusUnauthorized {
		t.Errorf("stale webhook: HTTP %d, want 401", code)
	}
	if got, _ := s.store.Delivery(context.Background(), row.IdempotencyKey); got.Status != mail.StatusBounced {
		t.Errorf("status after rejected webhooks = %s, want bounced", got.Status)
	}
	if err := s.pool.QueryRow(context.Background(), "select count(*) from webhook_messages").Scan(&messages); err != nil || messages != 1 {
		t.Errorf("webhook messages after rejected ones = %d, want 1", messages)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestMetricsEndpointAfterSend(t *testing.T) {
	s := newStack(t, nil)
	cfg := s.workerConfig(t.TempDir())
	cfg.HTTPAddr = freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Run(ctx, cfg, testLogger(t)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker run: %v", err)
		}
	}()
	s.client = client.New(s.tc, s.queue)
	r := s.reservation("metrics-" + randomID(t))
	if _, err := s.client.Start(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	s.waitForDeliveries(r.ID, 1)

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + cfg.HTTPAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	var body string
	waitFor(t, "the mail counter", 10*time.Second, func() bool {
		_, body = get("/metrics")
		return strings.Contains(body, `bellhop_mails_total{mail="confirmation",status="sent"} 1`)
	})
	for _, want := range []string{"bellhop_send_duration_seconds_bucket", "temporal_", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, health := get("/healthz"); code != http.StatusOK || !strings.Contains(health, `"ok"`) {
		t.Errorf("/healthz = %d %s", code, health)
	}
}
