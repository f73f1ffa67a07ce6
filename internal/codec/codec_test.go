package codec

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestRoundTrip(t *testing.T) {
	c, err := New(map[string][]byte{"k1": key(1)}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	dc := c.DataConverter()
	payload, err := dc.ToPayload(map[string]string{"email": "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(payload.GetData(), []byte("ana@example.com")) {
		t.Fatal("encoded payload contains the plaintext")
	}
	if string(payload.GetMetadata()[MetadataKeyID]) != "k1" || string(payload.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
		t.Errorf("metadata = %v", payload.GetMetadata())
	}
	var back map[string]string
	if err := dc.FromPayload(payload, &back); err != nil {
		t.Fatal(err)
	}
	if back["email"] != "ana@example.com" {
		t.Errorf("decoded %v", back)
	}
}

func TestOldKeyDecryptsAfterRotation(t *testing.T) {
	old, err := New(map[string][]byte{"2026-01": key(1)}, "2026-01")
	if err != nil {
		t.Fatal(err)
	}
	written, err := old.Encode([]*commonpb.Payload{{Data: []byte("written under the old key")}})
	if err != nil {
		t.Fatal(err)
	}

	rotated, err := New(map[string][]byte{"2026-01": key(1), "2026-07": key(2)}, "2026-07")
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := rotated.Decode(written)
	if err != nil {
		t.Fatalf("old payload after rotation: %v", err)
	}
	if string(decoded[0].GetData()) != "written under the old key" {
		t.Errorf("decoded %q", decoded[0].GetData())
	}
	fresh, err := rotated.Encode([]*commonpb.Payload{{Data: []byte("new")}})
	if err != nil {
		t.Fatal(err)
	}
	if string(fresh[0].GetMetadata()[MetadataKeyID]) != "2026-07" {
		t.Errorf("new payloads use key %s, want the active 2026-07", fresh[0].GetMetadata()[MetadataKeyID])
	}
	if _, err := old.Decode(fresh); err == nil || !strings.Contains(err.Error(), `"2026-07"`) {
		t.Errorf("decoding without the new key: %v, want an error naming it", err)
	}
}

func TestTamperedPayloadRejected(t *testing.T) {
	c, _ := New(map[string][]byte{"a": key(1), "b": key(2)}, "a")
	enc, err := c.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	enc[0].Metadata[MetadataKeyID] = []byte("b")
	if _, err := c.Decode(enc); err == nil {
		t.Error("a payload relabelled with another key id decrypted")
	}
}

func TestPlainPayloadPassesThrough(t *testing.T) {
	c, _ := New(map[string][]byte{"a": key(1)}, "a")
	plain, _ := converter.GetDefaultDataConverter().ToPayload("hello")
	out, err := c.Decode([]*commonpb.Payload{plain})
	if err != nil || out[0] != plain {
		t.Errorf("plain payload: %v, %v", out, err)
	}
}

func TestParseKeysAndValidation(t *testing.T) {
	keys, order, err := ParseKeys("k1=" + b64(key(1)) + ", k2=" + b64(key(2)))
	if err != nil || len(keys) != 2 || strings.Join(order, ",") != "k1,k2" {
		t.Fatalf("keys = %v, order %v, %v", keys, order, err)
	}
	if _, err := New(map[string][]byte{"short": []byte("too short")}, "short"); err == nil || !strings.Contains(err.Error(), "32") {
		t.Errorf("short key: %v", err)
	}
	if _, err := New(keys, "k3"); err == nil {
		t.Error("unknown active key accepted")
	}
	if _, _, err := ParseKeys("k1:abc"); err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("malformed entry: %v (must not echo the key)", err)
	}
}

func b64(b []byte) string {
	return base64Encode(b)
}

func base64Encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
