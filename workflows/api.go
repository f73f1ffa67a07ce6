// Package workflows holds Bellhop's reservation workflow and its contract:
// the task queues, the workflow id, the signal, query and update names with
// their payloads, the states and the search attributes. The worker, the
// starter and the tests import these names; none is spelled twice.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/schedule"
)

// TaskQueue is the default task queue of the reservation workflows and
// their light activities.
const TaskQueue = "bellhop"

// SendTaskQueue returns the task queue of the send activities of workflows
// on taskQueue. It runs the send activities alone, so that its activity rate
// limit paces sends to the provider's limit without slowing workflows.
func SendTaskQueue(taskQueue string) string { return taskQueue + "-send" }

// ReservationWorkflowName is the registered name of the reservation workflow.
const ReservationWorkflowName = "Reservation"

// WorkflowID returns the id of a reservation's workflow. It is derived from
// the reservation id alone, so starting a reservation twice finds the
// running workflow instead of creating a second one.
func WorkflowID(reservationID string) string { return "reservation-" + reservationID }

// Signals sent by the reservation service. Each payload may carry an
// EventID; a signal whose EventID the workflow has seen is ignored, so a
// retried call changes nothing.
const (
	SignalConfirm                = "confirm"
	SignalCancel                 = "cancel"
	SignalChangeDates            = "change-dates"
	SignalChangeGuest            = "change-guest"
	SignalOnlineCheckInCompleted = "online-checkin-completed"
	SignalCheckIn                = "check-in"
	SignalCheckOut               = "check-out"
	SignalCloseBill              = "close-bill"
	SignalChargeSucceeded        = "charge-succeeded"
	SignalChargeFailed           = "charge-failed"
)

// Signals lists every signal name.
var Signals = []string{
	SignalConfirm, SignalCancel, SignalChangeDates, SignalChangeGuest, SignalOnlineCheckInCompleted,
	SignalCheckIn, SignalCheckOut, SignalCloseBill, SignalChargeSucceeded, SignalChargeFailed,
}

// QueryStatus returns a Status.
const QueryStatus = "status"

// Updates, with validators that reject what the state does not allow.
const (
	// UpdateResend sends a mail again; takes a ResendRequest.
	UpdateResend = "resend"
	// UpdateSendReleaseReminder sends the release reminder now; takes no
	// argument.
	UpdateSendReleaseReminder = "send-release-reminder"
)

// Search attributes set on every reservation workflow. The dev server and
// the docker-compose setup register them.
var (
	SearchReservationID = temporal.NewSearchAttributeKeyKeyword("BellhopReservationId")
	SearchPropertyID    = temporal.NewSearchAttributeKeyKeyword("BellhopPropertyId")
	SearchState         = temporal.NewSearchAttributeKeyKeyword("BellhopState")
	SearchArrivalDate   = temporal.NewSearchAttributeKeyTime("BellhopArrivalDate")
)

// State is a reservation's state. A reservation moves only forward along
// Optional, Confirmed, Started, Processed, or to Canceled from Optional or
// Confirmed.
type State string

// The reservation states.
const (
	Optional  State = "Optional"
	Confirmed State = "Confirmed"
	Started   State = "Started"
	Processed State = "Processed"
	Canceled  State = "Canceled"
)

// CancelReason is the reason a reservation was cancelled.
type CancelReason string

// The cancel reasons.
const (
	ReasonGuestRequest CancelReason = "guest-request"
	ReasonReleased     CancelReason = "released"
	ReasonNoShow       CancelReason = "no-show"
)

// Origin is the channel through which a reservation was made.
type Origin string

// The reservation origins.
const (
	OriginBookingEngine Origin = "booking-engine"
	OriginChannel       Origin = "channel"
	OriginStaff         Origin = "staff"
)

// SendOption is staff's choice for a mail of a reservation they create.
type SendOption string

// The send options.
const (
	OptionSend      SendOption = "send"
	OptionDoNotSend SendOption = "do-not-send"
	OptionCustom    SendOption = "custom"
)

// Person is a guest or a booker.
type Person = activities.Person

// Money is an amount in minor units of a currency.
type Money = activities.Money

// Date is a calendar date, carried in JSON as "2027-06-12".
type Date = schedule.Date

// Reservation is the input of the reservation workflow: the data the
// reservation service has when the reservation is created.
type Reservation struct {
	ID                 string `json:"id"`
	PropertyID         string `json:"propertyId"`
	ConfirmationNumber string `json:"confirmationNumber"`
	Origin             Origin `json:"origin"`
	// Optional marks a reservation held until ReleaseAt, not yet confirmed.
	Optional  bool      `json:"optional,omitempty"`
	ReleaseAt time.Time `json:"releaseAt,omitempty"`
	// ConfirmationOption and QuotationOption apply to staff-created
	// reservations; custom sends to the matching address instead of the guest.
	ConfirmationOption  SendOption `json:"confirmationOption,omitempty"`
	ConfirmationAddress string     `json:"confirmationAddress,omitempty"`
	QuotationOption     SendOption `json:"quotationOption,omitempty"`
	QuotationAddress    string     `json:"quotationAddress,omitempty"`
	Guest               Person     `json:"guest"`
	// Booker is the person who booked, when they do not stay themselves.
	Booker            *Person `json:"booker,omitempty"`
	Arrival           Date    `json:"arrival"`
	Departure         Date    `json:"departure"`
	Total             Money   `json:"total"`
	ConfirmLink       string  `json:"confirmLink,omitempty"`
	OnlineCheckInLink string  `json:"onlineCheckInLink,omitempty"`
}

// MailData returns the placeholder values the reservation gives its mails.
func (r Reservation) MailData() activities.MailData {
	d := activities.MailData{
		Guest:              r.Guest,
		ConfirmationNumber: r.ConfirmationNumber,
		Arrival:            r.Arrival,
		Departure:          r.Departure,
		Total:              r.Total,
		ReleaseAt:          r.ReleaseAt,
		ConfirmLink:        r.ConfirmLink,
		OnlineCheckInLink:  r.OnlineCheckInLink,
	}
	if r.Booker != nil {
		d.BookerName = r.Booker.FullName()
	}
	return d
}

// ConfirmSignal confirms an optional reservation.
type ConfirmSignal struct {
	EventID string `json:"eventId,omitempty"`
}

// CancelSignal cancels a reservation.
type CancelSignal struct {
	EventID string       `json:"eventId,omitempty"`
	Reason  CancelReason `json:"reason,omitempty"`
	// SendMail controls the cancellation mail; nil means yes.
	SendMail *bool `json:"sendMail,omitempty"`
	// CustomAddress, when set, receives the cancellation mail instead of the
	// owner and booker.
	CustomAddress string `json:"customAddress,omitempty"`
}

// ChangeDatesSignal moves a reservation. Every pending timer is re-armed.
type ChangeDatesSignal struct {
	EventID   string `json:"eventId,omitempty"`
	Arrival   Date   `json:"arrival"`
	Departure Date   `json:"departure"`
	// ReleaseAt, when set, moves an optional reservation's release time.
	ReleaseAt time.Time `json:"releaseAt,omitempty"`
}

// ChangeGuestSignal corrects the guest; empty fields are left as they were.
type ChangeGuestSignal struct {
	EventID string `json:"eventId,omitempty"`
	Person
}

// EventSignal is the payload of signals that carry nothing but an event id:
// online check-in completed, checked in, checked out.
type EventSignal struct {
	EventID string `json:"eventId,omitempty"`
}

// CloseBillSignal reports a closed bill. The PDF travels by reference so
// the workflow history stays small.
type CloseBillSignal struct {
	EventID string `json:"eventId,omitempty"`
	BillID  string `json:"billId"`
	Number  string `json:"number"`
	Total   Money  `json:"total"`
	// Owner receives the bill mail; nil means the guest.
	Owner *Person `json:"owner,omitempty"`
	// Link is the bill's download address.
	Link string `json:"link,omitempty"`
	// PDF, when set, is attached to the bill mail: inline content of at most
	// activities.MaxInlineAttachment bytes, or a path under the worker's
	// bills folder.
	PDF *activities.AttachmentRef `json:"pdf,omitempty"`
}

// ChargeSignal reports a card payment that succeeded or failed.
type ChargeSignal struct {
	EventID      string `json:"eventId,omitempty"`
	PaymentID    string `json:"paymentId"`
	Amount       Money  `json:"amount"`
	CardLastFour string `json:"cardLastFour,omitempty"`
	// Payer receives the mail; nil means the guest.
	Payer *Person `json:"payer,omitempty"`
	// AddCardLink is the link to add another card, for failures.
	AddCardLink string `json:"addCardLink,omitempty"`
}

// Receiver chooses who gets a resent mail.
type Receiver string

// The receivers of a resend.
const (
	ReceiverCustomer Receiver = "customer"
	ReceiverCustom   Receiver = "custom"
)

// ResendRequest is a request to send a mail of the reservation again.
type ResendRequest struct {
	Mail     mail.Type `json:"mail"`
	Receiver Receiver  `json:"receiver,omitempty"`
	// Address is the recipient when Receiver is custom.
	Address string `json:"address,omitempty"`
	// Language overrides the guest's language.
	Language string `json:"language,omitempty"`
}

// MailResult is the outcome of one mail.
type MailResult = activities.SendMailResult

// PlannedMail is a timed mail waiting for its moment.
type PlannedMail struct {
	Mail  mail.Type `json:"mail"`
	DueAt time.Time `json:"dueAt"`
}

// LogEntry is one mail of the reservation's mailing log.
type LogEntry struct {
	At time.Time `json:"at"`
	MailResult
}

// Rejection is a signal or update the state did not allow.
type Rejection struct {
	At     time.Time `json:"at"`
	Signal string    `json:"signal"`
	State  State     `json:"state"`
	Reason string    `json:"reason"`
}

// Status is the result of QueryStatus.
type Status struct {
	// Reservation is the reservation with every change applied.
	Reservation   Reservation   `json:"reservation"`
	ReservationID string        `json:"reservationId"`
	PropertyID    string        `json:"propertyId"`
	State         State         `json:"state"`
	CancelReason  CancelReason  `json:"cancelReason,omitempty"`
	Arrival       Date          `json:"arrival"`
	Departure     Date          `json:"departure"`
	ReleaseAt     *time.Time    `json:"releaseAt,omitempty"`
	Planned       []PlannedMail `json:"planned"`
	Log           []LogEntry    `json:"log"`
	Rejections    []Rejection   `json:"rejections,omitempty"`
	// ClosesAt is when the workflow completes, once the stay ended or the
	// reservation was cancelled.
	ClosesAt *time.Time `json:"closesAt,omitempty"`
}

// Account workflows: a profile import, one account mail, a deletion request.
const (
	ProfileImportWorkflowName   = "ProfileImport"
	AccountMailWorkflowName     = "AccountMail"
	DeletionRequestWorkflowName = "DeletionRequest"
)

// QueryProgress returns an ImportProgress from a profile import.
const QueryProgress = "progress"

// SignalWithdraw withdraws a deletion request before its grace period ends.
const SignalWithdraw = "withdraw"

// QueryDeletion returns a DeletionStatus.
const QueryDeletion = "deletion"

// DefaultDeletionGrace is how long a deletion request waits before the data
// is erased, so that a customer can withdraw a request made by mistake.
const DefaultDeletionGrace = 30 * 24 * time.Hour

// ImportWorkflowID returns the id of a profile import's workflow.
func ImportWorkflowID(importID string) string { return "profile-import-" + importID }

// AccountMailWorkflowID returns the id of an account mail's workflow. The
// request id is the caller's, and must carry no personal data.
func AccountMailWorkflowID(m mail.Type, requestID string) string {
	return "account-" + string(m) + "-" + requestID
}

// DeletionWorkflowID returns the id of a deletion request's workflow.
func DeletionWorkflowID(requestID string) string { return "deletion-request-" + requestID }

// ProfileImportInput starts a profile import, or continues one.
type ProfileImportInput struct {
	ImportID string `json:"importId"`
	// Path is the CSV file on the worker's machine.
	Path string `json:"path"`
	// DefaultPropertyID is the property of rows without property_id.
	DefaultPropertyID string `json:"defaultPropertyId"`
	// BatchSize is the number of rows per batch; 0 means 1,000.
	BatchSize int                     `json:"batchSize,omitempty"`
	Cursor    activities.ImportCursor `json:"cursor"`
	Progress  ImportProgress          `json:"progress"`
}

// ImportProgress is the state of a profile import.
type ImportProgress struct {
	Rows    int `json:"rows"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Mailed  int `json:"mailed"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// InvalidCount counts every invalid row; Invalid keeps the first 100.
	InvalidCount int                     `json:"invalidCount"`
	Invalid      []activities.InvalidRow `json:"invalid,omitempty"`
	Done         bool                    `json:"done"`
	// Runs counts the workflow runs, one more after each continue-as-new.
	Runs int `json:"runs"`
}

// AccountMailRequest is a request for a password reset or magic link mail.
type AccountMailRequest struct {
	// RequestID identifies the request for good: a repeated request with
	// the same id sends nothing. It must carry no personal data.
	RequestID  string    `json:"requestId"`
	Mail       mail.Type `json:"mail"`
	PropertyID string    `json:"propertyId"`
	Customer   Person    `json:"customer"`
	// Link is the caller's link with its token. It reaches the mail only.
	Link string `json:"link"`
}

// DeletionRequest is a request to erase a customer's personal data.
type DeletionRequest struct {
	RequestID  string `json:"requestId"`
	PropertyID string `json:"propertyId"`
	Customer   Person `json:"customer"`
	// Grace is how long to wait before erasing; 0 means DefaultDeletionGrace.
	Grace time.Duration `json:"grace,omitempty"`
}

// DeletionStatus is the result of QueryDeletion.
type DeletionStatus struct {
	// State is pending, withdrawn or erased.
	State    string     `json:"state"`
	EraseAt  time.Time  `json:"eraseAt"`
	Mail     MailResult `json:"mail"`
	ErasedAt *time.Time `json:"erasedAt,omitempty"`
	// DeliveriesErased counts the delivery rows whose address was hashed.
	DeliveriesErased int64 `json:"deliveriesErased"`
}
