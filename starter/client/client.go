// Package client is the reservation service's typed client for Bellhop: it
// starts reservation workflows, signals every change to them, and queries
// and updates them.
package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/workflows"
)

// Client wraps a Temporal client.
type Client struct {
	temporal  temporalclient.Client
	taskQueue string
}

// New returns a client that starts workflows on taskQueue ("" means the
// default, workflows.TaskQueue).
func New(c temporalclient.Client, taskQueue string) *Client {
	if taskQueue == "" {
		taskQueue = workflows.TaskQueue
	}
	return &Client{temporal: c, taskQueue: taskQueue}
}

// Started is the result of Start.
type Started struct {
	WorkflowID string
	RunID      string
	// Created is false when the reservation's workflow already existed, in
	// which case nothing was started and no mail was sent.
	Created bool
}

// Start starts the reservation's workflow. Starting a reservation that
// already has a workflow, running or closed, starts nothing and returns
// that workflow.
func (c *Client) Start(ctx context.Context, r workflows.Reservation) (Started, error) {
	if err := r.Validate(); err != nil {
		return Started{}, err
	}
	id := workflows.WorkflowID(r.ID)
	arrival := time.Date(r.Arrival.Year, r.Arrival.Month, r.Arrival.Day, 0, 0, 0, 0, time.UTC)
	options := temporalclient.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                c.taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchReservationID.ValueSet(r.ID),
			workflows.SearchPropertyID.ValueSet(r.PropertyID),
			workflows.SearchState.ValueSet(string(initialState(r))),
			workflows.SearchArrivalDate.ValueSet(arrival),
		),
	}
	run, err := c.temporal.ExecuteWorkflow(ctx, options, workflows.ReservationWorkflowName, r)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return Started{WorkflowID: id, RunID: already.RunId, Created: false}, nil
	}
	if err != nil {
		return Started{}, fmt.Errorf("start reservation %s: %w", r.ID, err)
	}
	return Started{WorkflowID: id, RunID: run.GetRunID(), Created: true}, nil
}

func initialState(r workflows.Reservation) workflows.State {
	if r.Optional {
		return workflows.Optional
	}
	return workflows.Confirmed
}

// Signal sends a signal by name. The typed methods below are preferred; this
// one serves the command line, where the name comes from the user.
func (c *Client) Signal(ctx context.Context, reservationID, name string, payload any) error {
	known := false
	for _, s := range workflows.Signals {
		known = known || s == name
	}
	if !known {
		return fmt.Errorf("unknown signal %q: use one of %v", name, workflows.Signals)
	}
	if err := c.temporal.SignalWorkflow(ctx, workflows.WorkflowID(reservationID), "", name, payload); err != nil {
		return fmt.Errorf("signal %s to reservation %s: %w", name, reservationID, err)
	}
	return nil
}

// Confirm confirms an optional reservation.
func (c *Client) Confirm(ctx context.Context, reservationID string, s workflows.ConfirmSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalConfirm, s)
}

// Cancel cancels a reservation.
func (c *Client) Cancel(ctx context.Context, reservationID string, s workflows.CancelSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalCancel, s)
}

// ChangeDates moves a reservation.
func (c *Client) ChangeDates(ctx context.Context, reservationID string, s workflows.ChangeDatesSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalChangeDates, s)
}

// ChangeGuest corrects the guest's details.
func (c *Client) ChangeGuest(ctx context.Context, reservationID string, s workflows.ChangeGuestSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalChangeGuest, s)
}

// CompleteOnlineCheckIn reports that the guest completed online check-in.
func (c *Client) CompleteOnlineCheckIn(ctx context.Context, reservationID string, s workflows.EventSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalOnlineCheckInCompleted, s)
}

// CheckIn reports that the guest checked in.
func (c *Client) CheckIn(ctx context.Context, reservationID string, s workflows.EventSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalCheckIn, s)
}

// CheckOut reports that the guest checked out.
func (c *Client) CheckOut(ctx context.Context, reservationID string, s workflows.EventSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalCheckOut, s)
}

// CloseBill reports a closed bill.
func (c *Client) CloseBill(ctx context.Context, reservationID string, s workflows.CloseBillSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalCloseBill, s)
}

// ChargeSucceeded reports a successful card payment.
func (c *Client) ChargeSucceeded(ctx context.Context, reservationID string, s workflows.ChargeSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalChargeSucceeded, s)
}

// ChargeFailed reports a failed card payment.
func (c *Client) ChargeFailed(ctx context.Context, reservationID string, s workflows.ChargeSignal) error {
	return c.Signal(ctx, reservationID, workflows.SignalChargeFailed, s)
}

// Status queries the reservation's state, planned mails and mailing log.
func (c *Client) Status(ctx context.Context, reservationID string) (workflows.Status, error) {
	v, err := c.temporal.QueryWorkflow(ctx, workflows.WorkflowID(reservationID), "", workflows.QueryStatus)
	if err != nil {
		return workflows.Status{}, fmt.Errorf("query reservation %s: %w", reservationID, err)
	}
	var st workflows.Status
	if err := v.Get(&st); err != nil {
		return workflows.Status{}, fmt.Errorf("decode status of reservation %s: %w", reservationID, err)
	}
	return st, nil
}

// Resend sends a mail of the reservation again and waits for the outcome.
// A resend the reservation's state does not allow returns the validator's
// reason as the error.
func (c *Client) Resend(ctx context.Context, reservationID string, req workflows.ResendRequest) (workflows.MailResult, error) {
	if _, err := mail.ParseType(string(req.Mail)); err != nil {
		return workflows.MailResult{}, err
	}
	return c.update(ctx, reservationID, workflows.UpdateResend, req)
}

// SendReleaseReminder sends an optional reservation's release reminder now.
func (c *Client) SendReleaseReminder(ctx context.Context, reservationID string) (workflows.MailResult, error) {
	return c.update(ctx, reservationID, workflows.UpdateSendReleaseReminder)
}

func (c *Client) update(ctx context.Context, reservationID, name string, args ...any) (workflows.MailResult, error) {
	handle, err := c.temporal.UpdateWorkflow(ctx, temporalclient.UpdateWorkflowOptions{
		WorkflowID:   workflows.WorkflowID(reservationID),
		UpdateName:   name,
		Args:         args,
		WaitForStage: temporalclient.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflows.MailResult{}, fmt.Errorf("%s for reservation %s: %w", name, reservationID, err)
	}
	var result workflows.MailResult
	if err := handle.Get(ctx, &result); err != nil {
		return workflows.MailResult{}, fmt.Errorf("%s for reservation %s: %w", name, reservationID, err)
	}
	return result, nil
}

// ImportProfiles starts a profile import of a CSV file on the worker's
// machine and returns its workflow id. Progress comes from ImportProgress.
func (c *Client) ImportProfiles(ctx context.Context, in workflows.ProfileImportInput) (string, error) {
	if in.ImportID == "" || in.Path == "" {
		return "", errors.New("invalid profile import: importId and path are required")
	}
	id := workflows.ImportWorkflowID(in.ImportID)
	_, err := c.temporal.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{
		ID:                                       id,
		TaskQueue:                                c.taskQueue,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, workflows.ProfileImportWorkflowName, in)
	if err != nil {
		return "", fmt.Errorf("start profile import %s: %w", in.ImportID, err)
	}
	return id, nil
}

// ImportProgress queries a profile import's progress. Once the import has
// finished, it returns the final result.
func (c *Client) ImportProgress(ctx context.Context, importID string) (workflows.ImportProgress, error) {
	id := workflows.ImportWorkflowID(importID)
	var p workflows.ImportProgress
	v, err := c.temporal.QueryWorkflow(ctx, id, "", workflows.QueryProgress)
	if err != nil {
		return p, fmt.Errorf("query profile import %s: %w", importID, err)
	}
	return p, v.Get(&p)
}

// WaitImport waits for a profile import to finish and returns its result.
func (c *Client) WaitImport(ctx context.Context, importID string) (workflows.ImportProgress, error) {
	var p workflows.ImportProgress
	err := c.temporal.GetWorkflow(ctx, workflows.ImportWorkflowID(importID), "").Get(ctx, &p)
	return p, err
}

// SendAccountMail starts the workflow of a password reset or magic link
// mail and waits for the mail's outcome. A repeated request id sends nothing
// and returns the first outcome.
func (c *Client) SendAccountMail(ctx context.Context, req workflows.AccountMailRequest) (workflows.MailResult, error) {
	if req.RequestID == "" || req.Link == "" || req.Customer.Email == "" || req.PropertyID == "" {
		return workflows.MailResult{}, errors.New("invalid account mail request: requestId, propertyId, customer.email and link are required")
	}
	id := workflows.AccountMailWorkflowID(req.Mail, req.RequestID)
	run, err := c.temporal.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                c.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.AccountMailWorkflowName, req)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		run = c.temporal.GetWorkflow(ctx, id, "")
	} else if err != nil {
		return workflows.MailResult{}, fmt.Errorf("start %s request %s: %w", req.Mail, req.RequestID, err)
	}
	var result workflows.MailResult
	if err := run.Get(ctx, &result); err != nil {
		return result, fmt.Errorf("%s request %s: %w", req.Mail, req.RequestID, err)
	}
	return result, nil
}

// RequestDeletion starts a deletion request. A repeated request id starts
// nothing.
func (c *Client) RequestDeletion(ctx context.Context, req workflows.DeletionRequest) (string, error) {
	if req.RequestID == "" || req.Customer.Email == "" || req.PropertyID == "" {
		return "", errors.New("invalid deletion request: requestId, propertyId and customer.email are required")
	}
	id := workflows.DeletionWorkflowID(req.RequestID)
	_, err := c.temporal.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                c.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.DeletionRequestWorkflowName, req)
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &already) {
		return "", fmt.Errorf("start deletion request %s: %w", req.RequestID, err)
	}
	return id, nil
}

// WithdrawDeletion withdraws a pending deletion request.
func (c *Client) WithdrawDeletion(ctx context.Context, requestID string) error {
	if err := c.temporal.SignalWorkflow(ctx, workflows.DeletionWorkflowID(requestID), "", workflows.SignalWithdraw, nil); err != nil {
		return fmt.Errorf("withdraw deletion request %s: %w", requestID, err)
	}
	return nil
}

// DeletionStatus queries a deletion request.
func (c *Client) DeletionStatus(ctx context.Context, requestID string) (workflows.DeletionStatus, error) {
	var st workflows.DeletionStatus
	v, err := c.temporal.QueryWorkflow(ctx, workflows.DeletionWorkflowID(requestID), "", workflows.QueryDeletion)
	if err != nil {
		return st, fmt.Errorf("query deletion request %s: %w", requestID, err)
	}
	return st, v.Get(&st)
}
