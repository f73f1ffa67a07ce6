// Package store keeps Bellhop's records in PostgreSQL: properties, their
// mail templates, the mailing log (deliveries) and the suppression list.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/schedule"
	"github.com/bellhop/bellhop/internal/template"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// Delivery is one row of the mailing log.
type Delivery struct {
	IdempotencyKey string
	WorkflowID     string
	ReservationID  string
	PropertyID     string
	MailType       mail.Type
	Recipient      string
	Language       string
	Subject        string
	Automatic      bool
	Status         string
	Transport      string
	MessageID      string
	Error          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         *time.Time
}

// Store is the PostgreSQL store.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store on the pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool returns the underlying connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

const propertyColumns = `id, name, time_zone, default_language, sender_address, email, telephone, city, review_link,
	send_at_minutes, window_open_minutes, window_close_minutes,
	confirmation_enabled, invitation_enabled, before_start_enabled, before_start_days,
	after_start_enabled, after_end_enabled, after_end_delay_days,
	release_reminder_enabled, release_reminder_lead_seconds, auto_release, retention_seconds`

func scanProperty(row pgx.Row) (property.Property, error) {
	var p property.Property
	var sendAt, open, close, leadSeconds, retentionSeconds int
	err := row.Scan(&p.ID, &p.Name, &p.TimeZone, &p.DefaultLanguage, &p.SenderAddress, &p.Email, &p.Telephone, &p.City, &p.ReviewLink,
		&sendAt, &open, &close,
		&p.ConfirmationEnabled, &p.InvitationEnabled, &p.BeforeStartEnabled, &p.BeforeStartDays,
		&p.AfterStartEnabled, &p.AfterEndEnabled, &p.AfterEndDelayDays,
		&p.ReleaseReminderEnabled, &leadSeconds, &p.AutoRelease, &retentionSeconds)
	p.SendAt, p.WindowOpen, p.WindowClose = schedule.Clock(sendAt), schedule.Clock(open), schedule.Clock(close)
	p.ReleaseReminderLead.Duration = time.Duration(leadSeconds) * time.Second
	p.Retention.Duration = time.Duration(retentionSeconds) * time.Second
	return p, err
}

// Property returns the property with the id.
func (s *Store) Property(ctx context.Context, id string) (property.Property, error) {
	p, err := scanProperty(s.pool.QueryRow(ctx, `select `+propertyColumns+` from properties where id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return property.Property{}, fmt.Errorf("property %q: %w", id, ErrNotFound)
	}
	return p, err
}

// Properties returns every property, ordered by id.
func (s *Store) Properties(ctx context.Context) ([]property.Property, error) {
	rows, err := s.pool.Query(ctx, `select `+propertyColumns+` from properties order by id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []property.Property
	for rows.Next() {
		p, err := scanProperty(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SaveProperty validates the property and inserts or replaces it.
func (s *Store) SaveProperty(ctx context.Context, p property.Property) error {
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `insert into properties (`+propertyColumns+`)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
		on conflict (id) do update set name = excluded.name, time_zone = excluded.time_zone,
			default_language = excluded.default_language, sender_address = excluded.sender_address,
			email = excluded.email, telephone = excluded.telephone, city = excluded.city, review_link = excluded.review_link,
			send_at_minutes = excluded.send_at_minutes, window_open_minutes = excluded.window_open_minutes,
			window_close_minutes = excluded.window_close_minutes, confirmation_enabled = excluded.confirmation_enabled,
			invitation_enabled = excluded.invitation_enabled, before_start_enabled = excluded.before_start_enabled,
			before_start_days = excluded.before_start_days, after_start_enabled = excluded.after_start_enabled,
			after_end_enabled = excluded.after_end_enabled, after_end_delay_days = excluded.after_end_delay_days,
			release_reminder_enabled = excluded.release_reminder_enabled,
			release_reminder_lead_seconds = excluded.release_reminder_lead_seconds, auto_release = excluded.auto_release,
			retention_seconds = excluded.retention_seconds, updated_at = now()`,
		p.ID, p.Name, p.TimeZone, p.DefaultLanguage, p.SenderAddress, p.Email, p.Telephone, p.City, p.ReviewLink,
		int(p.SendAt), int(p.WindowOpen), int(p.WindowClose),
		p.ConfirmationEnabled, p.InvitationEnabled, p.BeforeStartEnabled, p.BeforeStartDays,
		p.AfterStartEnabled, p.AfterEndEnabled, p.AfterEndDelayDays,
		p.ReleaseReminderEnabled, int(p.ReleaseReminderLead.Duration/time.Second), p.AutoRelease, int(p.Retention.Duration/time.Second))
	return err
}

// Template returns the property's own template for the mail type and
// language; found is false when the property has none.
func (s *Store) Template(ctx context.Context, propertyID string, mailType mail.Type, lang string) (c template.Content, found bool, err error) {
	err = s.pool.QueryRow(ctx, `select subject, html, text from mail_templates
		where property_id = $1 and mail_type = $2 and language = $3`, propertyID, string(mailType), lang).
		Scan(&c.Subject, &c.HTML, &c.Text)
	if errors.Is(err, pgx.ErrNoRows) {
		return template.Content{}, false, nil
	}
	return c, err == nil, err
}

// SaveTemplate checks the template's placeholders and stores it. An invalid
// template is rejected and the stored one, if any, is left as it was.
func (s *Store) SaveTemplate(ctx context.Context, propertyID string, mailType mail.Type, lang string, c template.Content) error {
	if _, err := template.Compile(c); err != nil {
		return fmt.Errorf("template %s/%s/%s rejected: %w", propertyID, mailType, lang, err)
	}
	_, err := s.pool.Exec(ctx, `insert into mail_templates (property_id, mail_type, language, subject, html, text)
		values ($1, $2, $3, $4, $5, $6)
		on conflict (property_id, mail_type, language) do update
		set subject = excluded.subject, html = excluded.html, text = excluded.text, updated_at = now()`,
		propertyID, string(mailType), lang, c.Subject, c.HTML, c.Text)
	if err != nil && strings.Contains(err.Error(), "mail_templates_property_id_fkey") {
		return fmt.Errorf("template %s/%s/%s rejected: property %q: %w", propertyID, mailType, lang, propertyID, ErrNotFound)
	}
	return err
}

// TemplateKey names one stored template.
type TemplateKey struct {
	PropertyID string
	MailType   mail.Type
	Language   string
	UpdatedAt  time.Time
}

// Templates lists the property's own templates.
func (s *Store) Templates(ctx context.Context, propertyID string) ([]TemplateKey, error) {
	rows, err := s.pool.Query(ctx, `select property_id, mail_type, language, updated_at from mail_templates
		where property_id = $1 order by mail_type, language`, propertyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TemplateKey
	for rows.Next() {
		var k TemplateKey
		var mailType string
		if err := rows.Scan(&k.PropertyID, &mailType, &k.Language, &k.UpdatedAt); err != nil {
			return nil, err
		}
		k.MailType = mail.Type(mailType)
		out = append(out, k)
	}
	return out, rows.Err()
}

const deliveryColumns = `idempotency_key, workflow_id, reservation_id, property_id, mail_type, recipient, language, subject,
	automatic, status, transport, message_id, error, created_at, updated_at, sent_at`

func scanDelivery(row pgx.Row) (Delivery, error) {
	var d Delivery
	var mailType string
	err := row.Scan(&d.IdempotencyKey, &d.WorkflowID, &d.ReservationID, &d.PropertyID, &mailType, &d.Recipient, &d.Language, &d.Subject,
		&d.Automatic, &d.Status, &d.Transport, &d.MessageID, &d.Error, &d.CreatedAt, &d.UpdatedAt, &d.SentAt)
	d.MailType = mail.Type(mailType)
	return d, err
}

// Delivery returns the delivery with the idempotency key.
func (s *Store) Delivery(ctx context.Context, key string) (Delivery, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `select `+deliveryColumns+` from deliveries where idempotency_key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, fmt.Errorf("delivery %q: %w", key, ErrNotFound)
	}
	return d, err
}

// CreateDelivery inserts the row unless one with the same idempotency key
// exists. It returns the stored row and whether this call created it.
func (s *Store) CreateDelivery(ctx context.Context, d Delivery) (Delivery, bool, error) {
	row := s.pool.QueryRow(ctx, `insert into deliveries
		(idempotency_key, workflow_id, reservation_id, property_id, mail_type, recipient, language, subject, automatic, status, error)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		on conflict (idempotency_key) do nothing
		returning `+deliveryColumns,
		d.IdempotencyKey, d.WorkflowID, d.ReservationID, d.PropertyID, string(d.MailType), d.Recipient, d.Language, d.Subject,
		d.Automatic, d.Status, d.Error)
	created, err := scanDelivery(row)
	if err == nil {
		return created, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, false, err
	}
	existing, err := s.Delivery(ctx, d.IdempotencyKey)
	return existing, false, err
}

// FinishDelivery records the outcome of a send: status sent, failed or
// skipped, with the provider's message id or the error.
func (s *Store) FinishDelivery(ctx context.Context, key, status, transport, messageID, errText string) (Delivery, error) {
	d, err := scanDelivery(s.pool.QueryRow(ctx, `update deliveries
		set status = $2, transport = $3, message_id = $4, error = $5, updated_at = now(),
			sent_at = case when $2 = 'sent' then now() else sent_at end
		where idempotency_key = $1
		returning `+deliveryColumns, key, status, transport, messageID, errText))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, fmt.Errorf("delivery %q: %w", key, ErrNotFound)
	}
	return d, err
}

// Deliveries returns a reservation's mailing log, oldest first.
func (s *Store) Deliveries(ctx context.Context, reservationID string) ([]Delivery, error) {
	rows, err := s.pool.Query(ctx, `select `+deliveryColumns+` from deliveries
		where reservation_id = $1 order by created_at, idempotency_key`, reservationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountRecent returns how many automatic mails to the address were sent or
// are being sent since the instant, not counting the delivery with the key.
func (s *Store) CountRecent(ctx context.Context, address string, since time.Time, exceptKey string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `select count(*) from deliveries
		where lower(recipient) = lower($1) and created_at >= $2 and automatic
			and status in ('sending', 'sent') and idempotency_key <> $3`, address, since, exceptKey).Scan(&n)
	return n, err
}

// Suppression reasons.
const (
	SuppressHardBounce = "hard-bounce"
	SuppressComplaint  = "complaint"
	SuppressManual     = "manual"
)

// Suppression returns why the address is suppressed; found is false when
// it is not.
func (s *Store) Suppression(ctx context.Context, address string) (reason string, found bool, err error) {
	err = s.pool.QueryRow(ctx, `select reason from suppressions where address = $1`, normalizeAddress(address)).Scan(&reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// Suppress adds the address to the suppression list; an address already on
// it keeps its first reason.
func (s *Store) Suppress(ctx context.Context, address, reason, note string) error {
	switch reason {
	case SuppressHardBounce, SuppressComplaint, SuppressManual:
	default:
		return fmt.Errorf("invalid suppression reason %q: use %s, %s or %s", reason, SuppressHardBounce, SuppressComplaint, SuppressManual)
	}
	_, err := s.pool.Exec(ctx, `insert into suppressions (address, reason, note) values ($1, $2, $3)
		on conflict (address) do nothing`, normalizeAddress(address), reason, note)
	return err
}

func normalizeAddress(address string) string { return strings.ToLower(strings.TrimSpace(address)) }

// Suppressed is one entry of the suppression list.
type Suppressed struct {
	Address   string
	Reason    string
	Note      string
	CreatedAt time.Time
}

// Suppressions returns the suppression list, newest first.
func (s *Store) Suppressions(ctx context.Context) ([]Suppressed, error) {
	rows, err := s.pool.Query(ctx, `select address, reason, note, created_at from suppressions order by created_at desc, address`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Suppressed
	for rows.Next() {
		var e Suppressed
		if err := rows.Scan(&e.Address, &e.Reason, &e.Note, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Unsuppress removes the address from the suppression list.
func (s *Store) Unsuppress(ctx context.Context, address string) error {
	tag, err := s.pool.Exec(ctx, `delete from suppressions where address = $1`, normalizeAddress(address))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("address %q is not on the suppression list: %w", address, ErrNotFound)
	}
	return nil
}

// Profile is a customer profile.
type Profile struct {
	Email       string
	FirstName   string
	LastName    string
	Language    string
	Nationality string
	PropertyID  string
}

// UpsertProfiles creates or updates the profiles in one statement, keyed by
// the lower-cased, trimmed address, and returns the addresses it created.
// Callers pass each address once.
func (s *Store) UpsertProfiles(ctx context.Context, profiles []Profile) (created []string, err error) {
	if len(profiles) == 0 {
		return nil, nil
	}
	cols := make([][]string, 6)
	for _, p := range profiles {
		for i, v := range []string{normalizeAddress(p.Email), p.FirstName, p.LastName, p.Language, p.Nationality, p.PropertyID} {
			cols[i] = append(cols[i], v)
		}
	}
	rows, err := s.pool.Query(ctx, `insert into customer_profiles (email, first_name, last_name, language, nationality, property_id)
		select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
		on conflict (email) do update set
			first_name = coalesce(nullif(excluded.first_name, ''), customer_profiles.first_name),
			last_name = coalesce(nullif(excluded.last_name, ''), customer_profiles.last_name),
			language = coalesce(nullif(excluded.language, ''), customer_profiles.language),
			nationality = coalesce(nullif(excluded.nationality, ''), customer_profiles.nationality),
			property_id = coalesce(nullif(excluded.property_id, ''), customer_profiles.property_id),
			updated_at = now()
		returning email, xmax = 0`, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var email string
		var inserted bool
		if err := rows.Scan(&email, &inserted); err != nil {
			return nil, err
		}
		if inserted {
			created = append(created, email)
		}
	}
	return created, rows.Err()
}

// ProfileByEmail returns the profile of the address.
func (s *Store) ProfileByEmail(ctx context.Context, email string) (Profile, error) {
	var p Profile
	err := s.pool.QueryRow(ctx, `select email, first_name, last_name, language, nationality, property_id
		from customer_profiles where email = $1`, normalizeAddress(email)).
		Scan(&p.Email, &p.FirstName, &p.LastName, &p.Language, &p.Nationality, &p.PropertyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, fmt.Errorf("profile of %q: %w", email, ErrNotFound)
	}
	return p, err
}

// CountProfiles returns the number of profiles.
func (s *Store) CountProfiles(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `select count(*) from customer_profiles`).Scan(&n)
	return n, err
}

// EraseCustomer deletes the profile of the address and replaces the address
// in the mailing log with hashed, so that delivery rows the hotel must keep
// no longer name the customer. Subjects are cleared too, since a property's
// own template may put the guest's name there. It returns the number of
// delivery rows changed.
func (s *Store) EraseCustomer(ctx context.Context, email, hashed string) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		// Rollback after Commit is a no-op; an earlier error is returned below.
		_ = tx.Rollback(ctx)
	}()
	if _, err := tx.Exec(ctx, `delete from customer_profiles where email = $1`, normalizeAddress(email)); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, `update deliveries set recipient = $2, subject = '', updated_at = now()
		where lower(recipient) = $1`, normalizeAddress(email), hashed)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), tx.Commit(ctx)
}

// WebhookOutcome is the effect of applying a webhook message.
type WebhookOutcome struct {
	// Duplicate is set when the message id was processed before.
	Duplicate bool
	// Updated counts the delivery rows whose status changed.
	Updated int64
	// Suppressed is set when the recipient was added to the suppression list.
	Suppressed bool
}

// ApplyWebhook records a provider's webhook message once: it updates the
// status of the delivery with the provider's message id and, for a hard
// bounce or a complaint, suppresses the recipient. A message id seen before
// changes nothing. A delay does not overwrite a final status.
func (s *Store) ApplyWebhook(ctx context.Context, messageID, eventType, emailID, status, suppressReason string, recipients []string) (WebhookOutcome, error) {
	var out WebhookOutcome
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer func() {
		// Rollback after Commit is a no-op; an earlier error is returned below.
		_ = tx.Rollback(ctx)
	}()
	tag, err := tx.Exec(ctx, `insert into webhook_messages (id, event_type, email_id) values ($1, $2, $3)
		on conflict (id) do nothing`, messageID, eventType, emailID)
	if err != nil {
		return out, err
	}
	if tag.RowsAffected() == 0 {
		out.Duplicate = true
		return out, nil
	}
	if status != "" && emailID != "" {
		query := `update deliveries set status = $2, updated_at = now() where message_id = $1 and status <> $2`
		if status == "delayed" {
			query += ` and status = 'sent'`
		}
		tag, err := tx.Exec(ctx, query, emailID, status)
		if err != nil {
			return out, err
		}
		out.Updated = tag.RowsAffected()
	}
	if suppressReason != "" {
		for _, address := range recipients {
			tag, err := tx.Exec(ctx, `insert into suppressions (address, reason, note) values ($1, $2, $3)
				on conflict (address) do nothing`, normalizeAddress(address), suppressReason, "webhook "+messageID)
			if err != nil {
				return out, err
			}
			out.Suppressed = out.Suppressed || tag.RowsAffected() > 0
		}
	}
	return out, tx.Commit(ctx)
}
