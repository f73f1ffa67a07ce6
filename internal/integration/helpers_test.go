package integration

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/bellhop/bellhop/internal/config"
)

// workerConfig is the configuration the worker binary would read for this
// stack, with the outbox as transport.
func (s *stack) workerConfig(outboxDir string) config.Worker {
	var cfg config.Worker
	cfg.Temporal.Address = server.FrontendHostPort()
	cfg.Temporal.Namespace = "default"
	cfg.Temporal.TaskQueue = s.queue
	cfg.Database.URL = s.dbURL
	cfg.OutboxDir = outboxDir
	cfg.ResendTimeout = 5 * time.Second
	cfg.SendRate = 50
	cfg.RecipientLimit = 20
	return cfg
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// recordHistory saves the workflow's history as JSON into the folder named
// by BELLHOP_RECORD_HISTORIES, for the replay test of the workflows
// package. Without the variable it does nothing.
func (s *stack) recordHistory(workflowID, runID, name string) {
	s.t.Helper()
	dir := os.Getenv("BELLHOP_RECORD_HISTORIES")
	if dir == "" {
		return
	}
	history := &historypb.History{}
	iter := s.tc.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		history.Events = append(history.Events, event)
	}
	raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(history)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), raw, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func listRequest(query string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: query, PageSize: 1000}
}
