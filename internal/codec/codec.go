// Package codec encrypts Temporal payloads with AES-256-GCM, so that the
// personal data in workflow inputs, signals and activity results is stored
// encrypted in the Temporal server. Each encrypted payload names the key
// that encrypted it, so keys can be rotated: add a new key and make it the
// active one, and payloads written with older keys still decrypt.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	MetadataEncoding = "encoding"
	MetadataKeyID    = "encryption-key-id"
	// EncodingEncrypted marks a payload this codec encrypted.
	EncodingEncrypted = "binary/encrypted"
)

// Codec is a converter.PayloadCodec with a set of keys, one of them active.
type Codec struct {
	active string
	aeads  map[string]cipher.AEAD
}

// New returns a codec. keys maps key ids to 32-byte AES-256 keys; active is
// the id of the key that encrypts.
func New(keys map[string][]byte, active string) (*Codec, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("no codec keys given")
	}
	c := &Codec{active: active, aeads: map[string]cipher.AEAD{}}
	for id, key := range keys {
		if id == "" || strings.ContainsAny(id, "=,") {
			return nil, fmt.Errorf("invalid codec key id %q: use letters, digits and dashes", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("codec key %q has %d bytes; AES-256 needs 32 (generate one with: head -c 32 /dev/urandom | base64)", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		c.aeads[id] = aead
	}
	if _, ok := c.aeads[active]; !ok {
		return nil, fmt.Errorf("active codec key %q is not among the keys %v", active, c.KeyIDs())
	}
	return c, nil
}

// ParseKeys reads keys written as "id=base64key,id2=base64key" and returns
// them with their ids in the order written.
func ParseKeys(s string) (map[string][]byte, []string, error) {
	keys := map[string][]byte{}
	var order []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, encoded, ok := strings.Cut(part, "=")
		if !ok {
			return nil, nil, fmt.Errorf("invalid codec key entry %q: write id=base64key", redact(part))
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
		if err != nil {
			return nil, nil, fmt.Errorf("codec key %q is not valid base64: %w", id, err)
		}
		id = strings.TrimSpace(id)
		if _, dup := keys[id]; dup {
			return nil, nil, fmt.Errorf("codec key id %q appears twice", id)
		}
		keys[id] = key
		order = append(order, id)
	}
	return keys, order, nil
}

func redact(entry string) string {
	if id, _, ok := strings.Cut(entry, "="); ok {
		return id + "=…"
	}
	if len(entry) > 4 {
		return entry[:4] + "…"
	}
	return entry
}

// KeyIDs returns the key ids in order.
func (c *Codec) KeyIDs() []string {
	ids := make([]string, 0, len(c.aeads))
	for id := range c.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ActiveKeyID returns the id of the key that encrypts.
func (c *Codec) ActiveKeyID() string { return c.active }

// Encode encrypts each payload with the active key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	aead := c.aeads[c.active]
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		// The key id is authenticated data, so a payload cannot be passed off
		// as encrypted under another key.
		sealed := aead.Seal(nonce, nonce, plain, []byte(c.active))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(c.active),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts each encrypted payload with the key it names and passes
// other payloads through.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("payload encrypted with codec key %q, which is not configured: add it to BELLHOP_CODEC_KEYS", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, fmt.Errorf("encrypted payload too short")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with codec key %q: %w", id, err)
		}
		decoded := &commonpb.Payload{}
		if err := proto.Unmarshal(plain, decoded); err != nil {
			return nil, err
		}
		out[i] = decoded
	}
	return out, nil
}

// DataConverter returns the SDK's default data converter with this codec.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
