package activities

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/bellhop/bellhop/internal/language"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
)

// providerKeyWindow is how long Resend remembers an idempotency key. A
// delivery row left in status sending for longer cannot be retried safely:
// the provider would treat the retry as a new mail.
const providerKeyWindow = 23 * time.Hour

// LoadProperty returns the property's settings. An unknown or invalid
// property is a non-retryable error that names it.
func (a *Activities) LoadProperty(ctx context.Context, propertyID string) (property.Property, error) {
	p, err := a.Store.Property(ctx, propertyID)
	if errors.Is(err, store.ErrNotFound) {
		return property.Property{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("property %q not found: add it with `starter properties set` before starting its reservations", propertyID),
			ErrPropertyNotFound, err)
	}
	if err != nil {
		return property.Property{}, fmt.Errorf("load property %q: %w", propertyID, err)
	}
	if err := p.Validate(); err != nil {
		return property.Property{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidProperty, err)
	}
	return p, nil
}

// SendMail renders and sends one mail, keeping its delivery row in step:
// the row is written with status sending before the provider is called and
// moves to sent, failed or skipped after. A row that already exists for the
// key is returned unchanged, so a retried or repeated activity never mails
// twice. Provider rejections (400, 422) end as status failed, not as
// an activity error; rate limits, server errors and timeouts are returned as
// retryable errors, honouring the provider's retry-after.
func (a *Activities) SendMail(ctx context.Context, in SendMailInput) (SendMailResult, error) {
	p, err := a.LoadProperty(ctx, in.PropertyID)
	if err != nil {
		return SendMailResult{}, err
	}
	return a.sendOne(ctx, p, in)
}

// sendOne is SendMail for a property already loaded.
func (a *Activities) sendOne(ctx context.Context, p property.Property, in SendMailInput) (SendMailResult, error) {
	logger := activity.GetLogger(ctx)
	msg, lang, err := a.render(ctx, p, in)
	if err != nil {
		return SendMailResult{}, err
	}

	row := store.Delivery{
		IdempotencyKey: in.IdempotencyKey,
		WorkflowID:     in.WorkflowID,
		ReservationID:  in.ReservationID,
		PropertyID:     in.PropertyID,
		MailType:       in.Mail,
		Recipient:      in.To,
		Language:       lang,
		Subject:        msg.Subject,
		Automatic:      in.Automatic,
		Status:         mail.StatusSending,
	}
	reason, skipKind, err := a.skipReason(ctx, in)
	if err != nil {
		return SendMailResult{}, err
	}
	if reason != "" {
		row.Status, row.Error = mail.StatusSkipped, reason
	}
	if _, err := netmail.ParseAddress(in.To); err != nil && row.Status == mail.StatusSending {
		row.Status = mail.StatusFailed
		row.Error = fmt.Sprintf("invalid e-mail address %q: correct the guest's address and resend the mail", in.To)
	}

	stored, created, err := a.Store.CreateDelivery(ctx, row)
	if err != nil {
		return SendMailResult{}, fmt.Errorf("write delivery %s: %w", in.IdempotencyKey, err)
	}
	metrics := a.recorder()
	if created && stored.Status == mail.StatusSkipped {
		logger.Info("Mail skipped", "mail", in.Mail, "key", in.IdempotencyKey, "reason", stored.Error)
		metrics.Skipped(skipKind)
		metrics.MailFinished(string(in.Mail), mail.StatusSkipped)
	}
	if created && stored.Status == mail.StatusFailed {
		logger.Error("Mail not sent", "mail", in.Mail, "key", in.IdempotencyKey, "error", stored.Error)
		metrics.MailFinished(string(in.Mail), mail.StatusFailed)
	}
	if stored.Status != mail.StatusSending {
		return resultOf(stored), nil
	}
	if msg.Attachments, err = a.loadAttachments(in.Attachments); err != nil {
		logger.Error("Attachment unavailable", "mail", in.Mail, "key", in.IdempotencyKey, "error", err)
		finished, ferr := a.Store.FinishDelivery(ctx, in.IdempotencyKey, mail.StatusFailed, "", "", err.Error())
		if ferr != nil {
			return SendMailResult{}, fmt.Errorf("update delivery %s: %w", in.IdempotencyKey, ferr)
		}
		metrics.MailFinished(string(in.Mail), mail.StatusFailed)
		return resultOf(finished), nil
	}
	if !created && a.now().Sub(stored.CreatedAt) > providerKeyWindow {
		// The earlier attempt may or may not have reached the provider, and
		// its idempotency key has expired there. Sending again risks a
		// duplicate, so the mail is left for an operator to check.
		reason := "send outcome unknown: the first attempt is older than the provider's idempotency window; check the provider's log and resend by hand if it is missing"
		logger.Error("Mail outcome unknown", "mail", in.Mail, "key", in.IdempotencyKey, "since", stored.CreatedAt)
		finished, err := a.Store.FinishDelivery(ctx, in.IdempotencyKey, mail.StatusFailed, "", "", reason)
		if err != nil {
			return SendMailResult{}, fmt.Errorf("update delivery %s: %w", in.IdempotencyKey, err)
		}
		metrics.MailFinished(string(in.Mail), mail.StatusFailed)
		return resultOf(finished), nil
	}

	began := time.Now()
	receipt, sendErr := a.Sender.Send(ctx, msg)
	if sendErr != nil {
		metrics.SendObserved(a.Transport, "error", time.Since(began))
		metrics.ProviderError(errorClass(sendErr))
		if mail.IsPermanent(sendErr) {
			var se *mail.SendError
			errors.As(sendErr, &se)
			logger.Error("Provider rejected mail", "mail", in.Mail, "key", in.IdempotencyKey, "status", se.Status, "error", se.Message)
			finished, err := a.Store.FinishDelivery(ctx, in.IdempotencyKey, mail.StatusFailed, "", "", se.Message)
			if err != nil {
				return SendMailResult{}, fmt.Errorf("update delivery %s: %w", in.IdempotencyKey, err)
			}
			metrics.MailFinished(string(in.Mail), mail.StatusFailed)
			return resultOf(finished), nil
		}
		return SendMailResult{}, retryable(sendErr)
	}

	metrics.SendObserved(a.Transport, "ok", time.Since(began))
	finished, err := a.Store.FinishDelivery(ctx, in.IdempotencyKey, mail.StatusSent, receipt.Transport, receipt.MessageID, "")
	if err != nil {
		// The provider has the mail; a retry finds the row still sending and
		// sends again with the same idempotency key, and the provider
		// deduplicates it without mailing twice.
		return SendMailResult{}, fmt.Errorf("update delivery %s after send: %w", in.IdempotencyKey, err)
	}
	logger.Info("Mail sent", "mail", in.Mail, "key", in.IdempotencyKey, "transport", receipt.Transport, "messageId", receipt.MessageID)
	metrics.MailFinished(string(in.Mail), mail.StatusSent)
	return resultOf(finished), nil
}

// skipReason returns why the mail must not go out and the kind of reason
// for metrics (workflow, suppressed or recipient-limit), or "" for both.
func (a *Activities) skipReason(ctx context.Context, in SendMailInput) (reason, kind string, err error) {
	if in.SkipReason != "" {
		return in.SkipReason, "workflow", nil
	}
	suppression, suppressed, err := a.Store.Suppression(ctx, in.To)
	if err != nil {
		return "", "", fmt.Errorf("check suppression list: %w", err)
	}
	if suppressed {
		return "address is on the suppression list (" + suppression + ")", "suppressed", nil
	}
	if in.Automatic && a.RecipientLimit > 0 {
		n, err := a.Store.CountRecent(ctx, in.To, a.now().Add(-24*time.Hour), in.IdempotencyKey)
		if err != nil {
			return "", "", fmt.Errorf("count recent mails: %w", err)
		}
		if n >= a.RecipientLimit {
			activity.GetLogger(ctx).Error("Recipient limit reached, automatic mail not sent",
				"mail", in.Mail, "key", in.IdempotencyKey, "recent", n, "limit", a.RecipientLimit)
			return fmt.Sprintf("recipient limit reached: %d automatic mails to this address in 24 hours (limit %d)", n, a.RecipientLimit), "recipient-limit", nil
		}
	}
	return "", "", nil
}

// errorClass names a transport failure for metrics.
func errorClass(err error) string {
	var se *mail.SendError
	switch {
	case !errors.As(err, &se):
		return "other"
	case se.Status == 429:
		return "rate-limited"
	case se.Status >= 500:
		return "server-error"
	case se.Status == 0:
		return "network"
	case !se.Retryable:
		return "rejected"
	}
	return "other"
}

func retryable(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return temporal.NewApplicationErrorWithOptions(se.Error(), "ProviderUnavailable", temporal.ApplicationErrorOptions{
			NextRetryDelay: se.RetryAfter,
			Cause:          err,
		})
	}
	return temporal.NewApplicationErrorWithOptions(err.Error(), "ProviderUnavailable", temporal.ApplicationErrorOptions{Cause: err})
}

func resultOf(d store.Delivery) SendMailResult {
	return SendMailResult{
		IdempotencyKey: d.IdempotencyKey,
		Mail:           d.MailType,
		To:             d.Recipient,
		Language:       d.Language,
		Subject:        d.Subject,
		Status:         d.Status,
		Transport:      d.Transport,
		MessageID:      d.MessageID,
		Reason:         d.Error,
	}
}

// render chooses the language and template for the mail and fills it in.
func (a *Activities) render(ctx context.Context, p property.Property, in SendMailInput) (mail.Message, string, error) {
	chain := language.Chain(in.Recipient.Language, in.Recipient.Nationality, p.DefaultLanguage)
	if in.Language != "" {
		chain = append([]string{language.Normalize(in.Language)}, chain...)
	}
	tpl, lang, err := a.chooseTemplate(ctx, p.ID, in.Mail, chain)
	if err != nil {
		return mail.Message{}, "", err
	}
	rendered := tpl.Render(Values(p, in, lang))
	return mail.Message{
		From:           p.SenderAddress,
		To:             in.To,
		ReplyTo:        p.Email,
		Subject:        rendered.Subject,
		HTML:           template.Document(lang, rendered.Subject, rendered.HTML),
		Text:           rendered.Text,
		IdempotencyKey: in.IdempotencyKey,
		Tags:           map[string]string{"mail": string(in.Mail)},
	}, lang, nil
}

// chooseTemplate walks the language chain and takes, for the first language
// that has one, the property's own template or else the shipped one.
func (a *Activities) chooseTemplate(ctx context.Context, propertyID string, mailType mail.Type, chain []string) (template.Template, string, error) {
	for _, lang := range chain {
		own, found, err := a.Store.Template(ctx, propertyID, mailType, lang)
		if err != nil {
			return template.Template{}, "", fmt.Errorf("load template %s/%s/%s: %w", propertyID, mailType, lang, err)
		}
		if found {
			tpl, err := template.Compile(own)
			if err == nil {
				return tpl, lang, nil
			}
			// Templates are checked when saved, so this one was edited in
			// the database directly. The guest still gets a mail.
			activity.GetLogger(ctx).Error("Stored template is invalid, using the shipped one",
				"property", propertyID, "mail", mailType, "language", lang, "error", err)
		}
		if shipped, ok := template.Default(mailType, lang); ok {
			tpl, err := template.Compile(shipped)
			if err != nil {
				return template.Template{}, "", fmt.Errorf("shipped template %s/%s is invalid: %w", lang, mailType, err)
			}
			return tpl, lang, nil
		}
	}
	return template.Template{}, "", temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("no template for mail %s in any of %v at property %s", mailType, chain, propertyID), ErrNoTemplate, nil)
}

// Values returns the placeholder values of a mail in lang.
func Values(p property.Property, in SendMailInput, lang string) map[string]string {
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	d := in.Data
	guest := d.Guest
	v := map[string]string{
		"greeting":            template.Greeting(lang, in.Recipient.FirstName),
		"titlePrefix":         guest.TitlePrefix,
		"firstName":           guest.FirstName,
		"lastName":            guest.LastName,
		"name":                guest.FullName(),
		"bookerName":          d.BookerName,
		"enterpriseName":      p.Name,
		"enterpriseEmail":     p.Email,
		"enterpriseTelephone": p.Telephone,
		"city":                p.City,
		"confirmationNumber":  d.ConfirmationNumber,
		"confirmLink":         d.ConfirmLink,
		"onlineCheckInLink":   d.OnlineCheckInLink,
		"reviewLink":          p.ReviewLink,
		"bill":                d.BillNumber,
		"billLink":            d.BillLink,
		"cardLastFour":        d.CardLastFour,
		"addCardLink":         d.AddCardLink,
		"resetLink":           d.ResetLink,
		"magicLink":           d.MagicLink,
	}
	if !d.DeletionDate.IsZero() {
		v["deletionDate"] = language.FormatDate(lang, d.DeletionDate.Year, d.DeletionDate.Month, d.DeletionDate.Day)
	}
	if !d.Arrival.IsZero() {
		v["arrivalDate"] = language.FormatDate(lang, d.Arrival.Year, d.Arrival.Month, d.Arrival.Day)
	}
	if !d.Departure.IsZero() {
		v["departureDate"] = language.FormatDate(lang, d.Departure.Year, d.Departure.Month, d.Departure.Day)
	}
	if !d.Arrival.IsZero() && !d.Departure.IsZero() {
		v["nights"] = strconv.Itoa(d.Arrival.DaysUntil(d.Departure))
	}
	if !d.ReleaseAt.IsZero() {
		v["releaseDate"] = language.FormatDateTime(lang, d.ReleaseAt, loc)
	}
	for name, m := range map[string]Money{"totalAmount": d.Total, "billAmount": d.BillTotal, "paymentAmount": d.PaymentAmount} {
		if !m.IsZero() {
			v[name] = language.FormatAmount(lang, m.Amount, m.Currency)
		}
	}
	return v
}

// loadAttachments reads each attachment's content, from the reference's
// file under BillsDir when it has no inline content.
func (a *Activities) loadAttachments(refs []AttachmentRef) ([]mail.Attachment, error) {
	var out []mail.Attachment
	for _, ref := range refs {
		content := ref.Content
		if len(content) == 0 {
			if ref.Path == "" || !filepath.IsLocal(ref.Path) {
				return nil, fmt.Errorf("invalid attachment path %q: give a path relative to the bills folder", ref.Path)
			}
			full := filepath.Join(a.BillsDir, ref.Path)
			raw, err := os.ReadFile(full)
			if err != nil {
				return nil, fmt.Errorf("attachment %s not readable at %s: store it under the bills folder (BELLHOP_BILLS_DIR) and resend the mail: %w", ref.Filename, full, err)
			}
			content = raw
		}
		out = append(out, mail.Attachment{Filename: ref.Filename, ContentType: ref.ContentType, Content: content})
	}
	return out, nil
}
