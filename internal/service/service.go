// Package service wires the worker together: PostgreSQL, the mail
// transport, the Temporal client and the two workers, one for workflows and
// one for the rate-limited send activities.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/bellhop/bellhop/activities"
	"github.com/bellhop/bellhop/internal/config"
	"github.com/bellhop/bellhop/internal/mail"
	"github.com/bellhop/bellhop/internal/metrics"
	"github.com/bellhop/bellhop/internal/outbox"
	"github.com/bellhop/bellhop/internal/resend"
	"github.com/bellhop/bellhop/internal/server"
	"github.com/bellhop/bellhop/internal/store"
	"github.com/bellhop/bellhop/internal/webhook"
	"github.com/bellhop/bellhop/schema"
	"github.com/bellhop/bellhop/workflows"
)

// NewSender returns Resend's transport when an API key is set, else the
// local outbox, with a description of it for the start-up log.
func NewSender(cfg config.Worker) (mail.Sender, string, error) {
	if cfg.ResendAPIKey != "" {
		s, err := resend.New(cfg.ResendAPIKey, cfg.ResendBaseURL, cfg.ResendTimeout)
		if err != nil {
			return nil, "", err
		}
		s.SetRate(cfg.SendRate)
		return s, "resend at " + cfg.ResendBaseURL, nil
	}
	o, err := outbox.New(cfg.OutboxDir)
	if err != nil {
		return nil, "", err
	}
	return o, "outbox in " + o.Dir(), nil
}

// NewWorkers returns the workflow worker and the send worker on the task
// queue. The send worker's activity rate limit (per second; 0 means none) is
// enforced by the Temporal server across every worker polling the queue, so
// a burst waits in the queue instead of failing at the provider.
func NewWorkers(c client.Client, taskQueue string, acts *activities.Activities, sendRate float64) (worker.Worker, worker.Worker) {
	main := worker.New(c, taskQueue, worker.Options{})
	send := worker.New(c, workflows.SendTaskQueue(taskQueue), worker.Options{TaskQueueActivitiesPerSecond: sendRate})
	Register(main, send, acts)
	return main, send
}

// QueueRate returns the send task queue's rate for a provider limit of
// sendRate per second. Each worker's Resend sender already spaces its
// requests at sendRate; the queue's limit, 10% above, only bounds a fleet
// of workers. Two limits at the same rate in series lost a fifth of the
// throughput in the send benchmark, since the queue's bursts and gaps add
// to the sender's spacing.
func QueueRate(sendRate float64) float64 { return sendRate * 1.1 }

// Register registers the workflows and light activities on the workflow
// worker and the mail-sending activities on the send worker.
func Register(main, send worker.Registry, acts *activities.Activities) {
	main.RegisterWorkflowWithOptions(workflows.ReservationWorkflow, workflow.RegisterOptions{Name: workflows.ReservationWorkflowName})
	main.RegisterWorkflowWithOptions(workflows.ProfileImportWorkflow, workflow.RegisterOptions{Name: workflows.ProfileImportWorkflowName})
	main.RegisterWorkflowWithOptions(workflows.AccountMailWorkflow, workflow.RegisterOptions{Name: workflows.AccountMailWorkflowName})
	main.RegisterWorkflowWithOptions(workflows.DeletionRequestWorkflow, workflow.RegisterOptions{Name: workflows.DeletionRequestWorkflowName})
	main.RegisterActivity(acts.LoadProperty)
	main.RegisterActivity(acts.ImportProfilesBatch)
	main.RegisterActivity(acts.EraseCustomer)

	send.RegisterActivity(acts.SendMail)
	send.RegisterActivity(acts.SendProfileMails)
}

// Run starts the worker and blocks until ctx is cancelled, then stops the
// workers, letting running activities finish.
func Run(ctx context.Context, cfg config.Worker, logger *slog.Logger) error {
	pool, err := pgxpool.New(ctx, cfg.Database.URL)
	if err != nil {
		return fmt.Errorf("invalid DATABASE_URL %s: %w", redact(cfg.Database.URL), err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("connect to PostgreSQL at %s: %w (is it running? set DATABASE_URL)", redact(cfg.Database.URL), err)
	}
	if err := schema.MigrateURL(ctx, cfg.Database.URL); err != nil {
		return err
	}
	logger.Info("Database ready", "database", redact(cfg.Database.URL))

	sender, senderName, err := NewSender(cfg)
	if err != nil {
		return err
	}
	logger.Info("Mail transport ready", "transport", senderName)

	m, err := metrics.New()
	if err != nil {
		return fmt.Errorf("set up metrics: %w", err)
	}
	payloadCodec, err := cfg.Codec.Load()
	if err != nil {
		return err
	}
	options := client.Options{
		HostPort:       cfg.Temporal.Address,
		Namespace:      cfg.Temporal.Namespace,
		Logger:         temporallog.NewStructuredLogger(logger),
		MetricsHandler: m.TemporalHandler(),
	}
	if payloadCodec != nil {
		options.DataConverter = payloadCodec.DataConverter()
		logger.Info("Payload encryption on", "activeKey", payloadCodec.ActiveKeyID(), "keys", payloadCodec.KeyIDs())
	} else {
		logger.Warn("Payload encryption off: workflow histories hold guests' personal data in clear; set BELLHOP_CODEC_KEYS")
	}
	c, err := client.Dial(options)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w (is it running? set TEMPORAL_ADDRESS)", cfg.Temporal.Address, err)
	}
	defer c.Close()

	sendRate := cfg.SendRate
	if cfg.ResendAPIKey == "" {
		// The rate is the provider's limit; the outbox has none.
		sendRate = 0
	}
	st := store.New(pool)
	acts := &activities.Activities{
		Store: st, Profiles: st, Sender: sender, RecipientLimit: cfg.RecipientLimit,
		BillsDir: cfg.BillsDir, BatchSendRate: sendRate, Metrics: m, Transport: transportName(cfg),
	}
	main, send := NewWorkers(c, cfg.Temporal.TaskQueue, acts, QueueRate(sendRate))
	if err := main.Start(); err != nil {
		return fmt.Errorf("start workflow worker: %w", err)
	}
	defer main.Stop()
	if err := send.Start(); err != nil {
		return fmt.Errorf("start send worker: %w", err)
	}
	defer send.Stop()
	logger.Info("Worker started", "temporal", cfg.Temporal.Address, "namespace", cfg.Temporal.Namespace,
		"taskQueue", cfg.Temporal.TaskQueue, "sendRate", sendRate)

	if cfg.HTTPAddr != "" {
		opts := server.Options{
			Addr:    cfg.HTTPAddr,
			Metrics: m.Handler(),
			Health: func(ctx context.Context) error {
				if err := pool.Ping(ctx); err != nil {
					return fmt.Errorf("PostgreSQL: %w", err)
				}
				if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
					return fmt.Errorf("temporal: %w", err)
				}
				return nil
			},
			CORSOrigin: cfg.CORSOrigin,
		}
		if payloadCodec != nil {
			opts.Codec = payloadCodec
		}
		if cfg.WebhookSecret != "" {
			opts.Webhook = webhook.New(st, cfg.WebhookSecret, logger, m)
		}
		srv := server.New(opts)
		listener, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on BELLHOP_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		go func() {
			if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("HTTP endpoint stopped", "error", err)
			}
		}()
		defer func() {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdownCtx); err != nil {
				logger.Error("HTTP endpoint shutdown", "error", err)
			}
		}()
		logger.Info("HTTP endpoint listening", "address", listener.Addr().String(),
			"codec", payloadCodec != nil, "webhook", cfg.WebhookSecret != "")
	}

	<-ctx.Done()
	logger.Info("Worker stopping")
	return nil
}

func transportName(cfg config.Worker) string {
	if cfg.ResendAPIKey != "" {
		return "resend"
	}
	return "outbox"
}

// redact hides the password of a database URL for logs and errors.
func redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
