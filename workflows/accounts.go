package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/schedule"
)

// A profile import run continues as new with its cursor once its history
// passes either bound, well under the server's own suggestion (by default
// 4,096 events or 4 MiB). Each batch adds about a dozen events and, with
// the new addresses of a thousand rows in two payloads, some 200 KB.
const (
	maxImportEvents = 1000
	maxImportBytes  = 2 << 20
)

// maxInvalidKept is how many invalid rows an import keeps for its query.
const maxInvalidKept = 100

// ProfileImportWorkflow imports customer profiles from a CSV file in
// batches and sends each new address its profile-created mail, once per
// address ever. It continues as new with its cursor to keep its history
// small, and reports its progress through QueryProgress.
func ProfileImportWorkflow(ctx workflow.Context, in ProfileImportInput) (ImportProgress, error) {
	logger := log.With(workflow.GetLogger(ctx), "importId", in.ImportID)
	if in.BatchSize <= 0 {
		in.BatchSize = 1000
	}
	in.Progress.Runs++
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (ImportProgress, error) { return in.Progress, nil }); err != nil {
		return in.Progress, err
	}

	batchCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrImportFile},
		},
	})
	mailOptions := sendActivityOptions
	mailOptions.TaskQueue = SendTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	// A batch of a thousand mails at the provider's rate takes minutes; the
	// heartbeat distinguishes a dead worker from a slow one.
	mailOptions.StartToCloseTimeout = 2 * time.Hour
	mailOptions.HeartbeatTimeout = time.Minute
	mailCtx := workflow.WithActivityOptions(ctx, mailOptions)
	var a *activities.Activities

	for !in.Progress.Done {
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > maxImportEvents || info.GetCurrentHistorySize() > maxImportBytes {
			logger.Info("Import continuing as new", "rows", in.Progress.Rows, "line", in.Cursor.Line)
			return in.Progress, workflow.NewContinueAsNewError(ctx, ProfileImportWorkflowName, in)
		}

		var batch activities.ImportBatchResult
		err := workflow.ExecuteActivity(batchCtx, a.ImportProfilesBatch, activities.ImportBatchInput{
			Path: in.Path, DefaultPropertyID: in.DefaultPropertyID, Cursor: in.Cursor, BatchSize: in.BatchSize,
		}).Get(ctx, &batch)
		if err != nil {
			logger.Error("Import batch failed", "line", in.Cursor.Line, "error", err)
			return in.Progress, err
		}

		if len(batch.Created) > 0 {
			var sent activities.ProfileMailsResult
			err := workflow.ExecuteActivity(mailCtx, a.SendProfileMails, activities.ProfileMailsInput{
				WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Profiles: batch.Created,
			}).Get(ctx, &sent)
			if err != nil {
				logger.Error("Profile mails failed", "line", batch.Next.Line, "error", err)
				return in.Progress, err
			}
			in.Progress.Mailed += sent.Sent
			in.Progress.Skipped += sent.Skipped
			in.Progress.Failed += sent.Failed
		}

		in.Cursor = batch.Next
		p := &in.Progress
		p.Rows += batch.Rows
		p.Created += len(batch.Created)
		p.Updated += batch.Updated
		p.InvalidCount += len(batch.Invalid)
		for _, row := range batch.Invalid {
			if len(p.Invalid) < maxInvalidKept {
				p.Invalid = append(p.Invalid, row)
			}
		}
		p.Done = batch.EOF
	}
	logger.Info("Import finished", "rows", in.Progress.Rows, "created", in.Progress.Created, "invalid", in.Progress.InvalidCount)
	return in.Progress, nil
}

// AccountMailWorkflow sends one password reset or magic link mail. The link
// carries a token, so it goes to the mail and to no log.
func AccountMailWorkflow(ctx workflow.Context, req AccountMailRequest) (MailResult, error) {
	data := activities.MailData{Guest: req.Customer}
	switch req.Mail {
	case mail.PasswordReset:
		data.ResetLink = req.Link
	case mail.MagicLink:
		data.MagicLink = req.Link
	default:
		return MailResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("mail %q is not an account mail: use %s or %s", req.Mail, mail.PasswordReset, mail.MagicLink), "InvalidRequest", nil)
	}
	return sendAccountMail(ctx, req.Mail, req.PropertyID, req.Customer, data)
}

func sendAccountMail(ctx workflow.Context, m mail.Type, propertyID string, customer Person, data activities.MailData) (MailResult, error) {
	options := sendActivityOptions
	options.TaskQueue = SendTaskQueue(workflow.GetInfo(ctx).TaskQueueName)
	// A person is waiting for an account mail, and a link that arrives hours
	// late is of no use, so retries stop after an hour.
	options.ScheduleToCloseTimeout = time.Hour
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	var a *activities.Activities
	var result MailResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, options), a.SendMail, activities.SendMailInput{
		IdempotencyKey: wfID + "/" + string(m),
		WorkflowID:     wfID,
		PropertyID:     propertyID,
		Mail:           m,
		To:             customer.Email,
		Recipient:      customer,
		Automatic:      false,
		Data:           data,
	}).Get(ctx, &result)
	return result, err
}

// DeletionRequestWorkflow confirms a deletion request by mail, waits the
// grace period, and then erases the customer's personal data from
// Bellhop's tables unless the request was withdrawn.
func DeletionRequestWorkflow(ctx workflow.Context, req DeletionRequest) (DeletionStatus, error) {
	logger := log.With(workflow.GetLogger(ctx), "requestId", req.RequestID)
	grace := req.Grace
	if grace <= 0 {
		grace = DefaultDeletionGrace
	}
	status := DeletionStatus{State: "pending", EraseAt: workflow.Now(ctx).Add(grace)}
	if err := workflow.SetQueryHandler(ctx, QueryDeletion, func() (DeletionStatus, error) { return status, nil }); err != nil {
		return status, err
	}

	eraseDay := schedule.DateOf(status.EraseAt, time.UTC)
	result, err := sendAccountMail(ctx, mail.DeletionRequest, req.PropertyID, req.Customer,
		activities.MailData{Guest: req.Customer, DeletionDate: eraseDay})
	if err != nil {
		// The request remains valid even if its confirmation could not be sent.
		logger.Error("Deletion confirmation not sent", "error", err)
	}
	status.Mail = result

	withdrawn := false
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	selector := workflow.NewSelector(ctx)
	selector.AddFuture(workflow.NewTimer(timerCtx, grace), func(workflow.Future) {})
	selector.AddReceive(workflow.GetSignalChannel(ctx, SignalWithdraw), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		withdrawn = true
	})
	selector.Select(ctx)
	cancelTimer()
	if withdrawn {
		status.State = "withdrawn"
		logger.Info("Deletion request withdrawn")
		return status, nil
	}

	eraseCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
	var a *activities.Activities
	if err := workflow.ExecuteActivity(eraseCtx, a.EraseCustomer, req.Customer.Email).Get(ctx, &status.DeliveriesErased); err != nil {
		logger.Error("Erasure failed", "error", err)
		return status, err
	}
	now := workflow.Now(ctx)
	status.State, status.ErasedAt = "erased", &now
	logger.Info("Customer data erased", "deliveries", status.DeliveriesErased)
	return status, nil
}
