package activities

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/mock/gomock"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/mocks"
	"github.com/bellhop/bellhop/internal/property"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/template"
)

var now = time.Date(2027, 5, 1, 11, 0, 0, 0, time.UTC)

func testProperty() property.Property {
	p := property.Defaults("lisbon")
	p.Name = "Hotel Avenida"
	p.TimeZone = "Europe/Lisbon"
	p.SenderAddress = "Hotel Avenida <reservas@avenida.example>"
	return p
}

func input() SendMailInput {
	return SendMailInput{
		IdempotencyKey: "reservation-r1/confirmation",
		WorkflowID:     "reservation-r1",
		ReservationID:  "r1",
		PropertyID:     "lisbon",
		Mail:           mail.Confirmation,
		To:             "ana@example.com",
		Recipient:      Person{FirstName: "Ana", Nationality: "PRT"},
		Automatic:      true,
		Data:           MailData{Guest: Person{FirstName: "Ana", LastName: "Silva"}, ConfirmationNumber: "AV-1"},
	}
}

// setup returns activities on mocks whose property, template, suppression
// and recipient-count look-ups return what an ordinary guest has.
func setup(t *testing.T) (*Activities, *mocks.MockStore, *mocks.MockSender, *testsuite.TestActivityEnvironment) {
	ctrl := gomock.NewController(t)
	st := mocks.NewMockStore(ctrl)
	sender := mocks.NewMockSender(ctrl)
	st.EXPECT().Property(gomock.Any(), "lisbon").Return(testProperty(), nil).AnyTimes()
	st.EXPECT().Template(gomock.Any(), "lisbon", gomock.Any(), gomock.Any()).Return(template.Content{}, false, nil).AnyTimes()
	st.EXPECT().Suppression(gomock.Any(), gomock.Any()).Return("", false, nil).AnyTimes()
	st.EXPECT().CountRecent(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Return(0, nil).AnyTimes()

	a := &Activities{Store: st, Sender: sender, RecipientLimit: 20, Now: func() time.Time { return now }}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return a, st, sender, env
}

func run(t *testing.T, env *testsuite.TestActivityEnvironment, a *Activities, in SendMailInput) (SendMailResult, error) {
	t.Helper()
	v, err := env.ExecuteActivity(a.SendMail, in)
	if err != nil {
		return SendMailResult{}, err
	}
	var r SendMailResult
	if err := v.Get(&r); err != nil {
		t.Fatal(err)
	}
	return r, nil
}

func TestSendMailExistingRowSendsNothing(t *testing.T) {
	a, st, _, env := setup(t)
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).Return(store.Delivery{
		IdempotencyKey: "reservation-r1/confirmation", MailType: mail.Confirmation, Status: mail.StatusSent, MessageID: "m-1", CreatedAt: now,
	}, false, nil)
	// The sender mock has no expectations: any Send call fails the test.

	r, err := run(t, env, a, input())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mail.StatusSent || r.MessageID != "m-1" {
		t.Errorf("result = %+v, want the stored row", r)
	}
}

func TestSendMailWritesSendingRowThenSent(t *testing.T) {
	a, st, sender, env := setup(t)
	gomock.InOrder(
		st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, d store.Delivery) (store.Delivery, bool, error) {
			if d.Status != mail.StatusSending || d.Language != "pt" || !strings.Contains(d.Subject, "AV-1") {
				t.Errorf("row before the send = %+v", d)
			}
			d.CreatedAt = now
			return d, true, nil
		}),
		sender.EXPECT().Send(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, m mail.Message) (mail.Receipt, error) {
			if m.IdempotencyKey != "reservation-r1/confirmation" || !strings.HasPrefix(m.Text, "Olá Ana,") {
				t.Errorf("message = %+v", m)
			}
			return mail.Receipt{MessageID: "re-1", Transport: "resend"}, nil
		}),
		st.EXPECT().FinishDelivery(gomock.Any(), "reservation-r1/confirmation", mail.StatusSent, "resend", "re-1", "").
			Return(store.Delivery{Status: mail.StatusSent, MessageID: "re-1"}, nil),
	)

	r, err := run(t, env, a, input())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mail.StatusSent {
		t.Errorf("status = %s", r.Status)
	}
}

func TestSendMailProviderRejectionMarksFailed(t *testing.T) {
	a, st, sender, env := setup(t)
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, d store.Delivery) (store.Delivery, bool, error) {
		return d, true, nil
	})
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).Return(mail.Receipt{}, &mail.SendError{Status: 422, Message: "The to address is invalid"})
	st.EXPECT().FinishDelivery(gomock.Any(), gomock.Any(), mail.StatusFailed, "", "", "The to address is invalid").
		Return(store.Delivery{Status: mail.StatusFailed, Error: "The to address is invalid"}, nil)

	r, err := run(t, env, a, input())
	if err != nil {
		t.Fatalf("a rejection must not fail the activity: %v", err)
	}
	if r.Status != mail.StatusFailed || r.Reason != "The to address is invalid" {
		t.Errorf("result = %+v", r)
	}
}

func TestSendMailRateLimitSetsNextRetryDelay(t *testing.T) {
	a, st, sender, env := setup(t)
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, d store.Delivery) (store.Delivery, bool, error) {
		return d, true, nil
	})
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).Return(mail.Receipt{}, &mail.SendError{Status: 429, Retryable: true, RetryAfter: 2 * time.Second, Message: "slow down"})

	_, err := run(t, env, a, input())
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error = %v, want an application error", err)
	}
	if appErr.NonRetryable() || appErr.NextRetryDelay() != 2*time.Second {
		t.Errorf("non-retryable %v, next retry delay %v; want retryable after 2s", appErr.NonRetryable(), appErr.NextRetryDelay())
	}
}

func TestSendMailStaleRowNotResent(t *testing.T) {
	a, st, _, env := setup(t)
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).Return(store.Delivery{
		IdempotencyKey: "reservation-r1/confirmation", Status: mail.StatusSending, CreatedAt: now.Add(-30 * time.Hour),
	}, false, nil)
	st.EXPECT().FinishDelivery(gomock.Any(), "reservation-r1/confirmation", mail.StatusFailed, "", "", gomock.Any()).
		DoAndReturn(func(_ any, key, status, transport, messageID, reason string) (store.Delivery, error) {
			return store.Delivery{IdempotencyKey: key, Status: status, Error: reason}, nil
		})

	r, err := run(t, env, a, input())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mail.StatusFailed || !strings.Contains(r.Reason, "outcome unknown") {
		t.Errorf("result = %+v", r)
	}
}

func TestSendMailRecentRowRetriedSameKey(t *testing.T) {
	a, st, sender, env := setup(t)
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).Return(store.Delivery{
		IdempotencyKey: "reservation-r1/confirmation", Status: mail.StatusSending, CreatedAt: now.Add(-time.Minute),
	}, false, nil)
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, m mail.Message) (mail.Receipt, error) {
		if m.IdempotencyKey != "reservation-r1/confirmation" {
			t.Errorf("retry used key %q", m.IdempotencyKey)
		}
		return mail.Receipt{MessageID: "re-1", Transport: "resend"}, nil
	})
	st.EXPECT().FinishDelivery(gomock.Any(), gomock.Any(), mail.StatusSent, "resend", "re-1", "").Return(store.Delivery{Status: mail.StatusSent}, nil)

	if _, err := run(t, env, a, input()); err != nil {
		t.Fatal(err)
	}
}

func TestSendMailInvalidAddressFailsWithoutSend(t *testing.T) {
	a, st, _, env := setup(t)
	in := input()
	in.To = "ana at example"
	st.EXPECT().CreateDelivery(gomock.Any(), gomock.Any()).DoAndReturn(func(_ any, d store.Delivery) (store.Delivery, bool, error) {
		return d, true, nil
	})

	r, err := run(t, env, a, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != mail.StatusFailed || !strings.Contains(r.Reason, `"ana at example"`) {
		t.Errorf("result = %+v", r)
	}
}

func TestValuesFormatForLanguage(t *testing.T) {
	in := input()
	in.Data.Total = Money{Amount: 123450, Currency: "EUR"}
	v := Values(testProperty(), in, "de")
	if v["totalAmount"] != "1.234,50\u00a0€" {
		t.Errorf("totalAmount = %q", v["totalAmount"])
	}
	if v["greeting"] != "Hallo Ana" || v["name"] != "Ana Silva" {
		t.Errorf("greeting %q, name %q", v["greeting"], v["name"])
	}
}
