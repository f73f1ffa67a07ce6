// Package memstore is an in-memory implementation of the activities' store,
// for workflow tests and dry runs that must not touch PostgreSQL. It keeps
// the same rules as the PostgreSQL store: one delivery per idempotency key,
// templates checked when saved.
package memstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
)

// Store is safe for concurrent use.
type Store struct {
	mu           sync.Mutex
	now          func() time.Time
	properties   map[string]property.Property
	templates    map[string]template.Content
	deliveries   map[string]*store.Delivery
	order        []string
	suppressions map[string]string
}

// New returns an empty store. now stamps deliveries; nil means time.Now.
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{
		now:          now,
		properties:   map[string]property.Property{},
		templates:    map[string]template.Content{},
		deliveries:   map[string]*store.Delivery{},
		suppressions: map[string]string{},
	}
}

// SaveProperty validates and stores a property.
func (s *Store) SaveProperty(_ context.Context, p property.Property) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.properties[p.ID] = p
	return nil
}

// Property returns the property with the id.
func (s *Store) Property(_ context.Context, id string) (property.Property, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.properties[id]
	if !ok {
		return property.Property{}, fmt.Errorf("property %q: %w", id, store.ErrNotFound)
	}
	return p, nil
}

func templateKey(propertyID string, mailType mail.Type, lang string) string {
	return propertyID + "\x00" + string(mailType) + "\x00" + lang
}

// SaveTemplate checks and stores a property's template.
func (s *Store) SaveTemplate(_ context.Context, propertyID string, mailType mail.Type, lang string, c template.Content) error {
	if _, err := template.Compile(c); err != nil {
		return fmt.Errorf("template %s/%s/%s rejected: %w", propertyID, mailType, lang, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates[templateKey(propertyID, mailType, lang)] = c
	return nil
}

// Template returns the property's own template, if any.
func (s *Store) Template(_ context.Context, propertyID string, mailType mail.Type, lang string) (template.Content, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.templates[templateKey(propertyID, mailType, lang)]
	return c, ok, nil
}

// CreateDelivery inserts the row unless one with the key exists.
func (s *Store) CreateDelivery(_ context.Context, d store.Delivery) (store.Delivery, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing, ok := s.deliveries[d.IdempotencyKey]; ok {
		return *existing, false, nil
	}
	now := s.now()
	d.CreatedAt, d.UpdatedAt = now, now
	s.deliveries[d.IdempotencyKey] = &d
	s.order = append(s.order, d.IdempotencyKey)
	return d, true, nil
}

// FinishDelivery records a send's outcome.
func (s *Store) FinishDelivery(_ context.Context, key, status, transport, messageID, errText string) (store.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[key]
	if !ok {
		return store.Delivery{}, fmt.Errorf("delivery %q: %w", key, store.ErrNotFound)
	}
	now := s.now()
	d.Status, d.Transport, d.MessageID, d.Error, d.UpdatedAt = status, transport, messageID, errText, now
	if status == mail.StatusSent {
		d.SentAt = &now
	}
	return *d, nil
}

// Deliveries returns every delivery in order of creation.
func (s *Store) Deliveries() []store.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Delivery, 0, len(s.order))
	for _, key := range s.order {
		out = append(out, *s.deliveries[key])
	}
	return out
}

// Suppress adds an address to the suppression list.
func (s *Store) Suppress(address, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.suppressions[strings.ToLower(strings.TrimSpace(address))] = reason
}

// Suppression returns why the address is suppressed, if it is.
func (s *Store) Suppression(_ context.Context, address string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reason, ok := s.suppressions[strings.ToLower(strings.TrimSpace(address))]
	return reason, ok, nil
}

// CountRecent counts automatic mails to the address since the instant.
func (s *Store) CountRecent(_ context.Context, address string, since time.Time, exceptKey string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for key, d := range s.deliveries {
		if key != exceptKey && d.Automatic && strings.EqualFold(d.Recipient, address) && !d.CreatedAt.Before(since) &&
			(d.Status == mail.StatusSending || d.Status == mail.StatusSent) {
			n++
		}
	}
	return n, nil
}

// Keys returns the delivery keys in order, for tests.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := append([]string(nil), s.order...)
	sort.Strings(keys)
	return keys
}
