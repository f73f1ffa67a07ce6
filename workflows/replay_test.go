package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplaySavedHistories replays histories recorded from the dev server by
// the integration tests (BELLHOP_RECORD_HISTORIES=workflows/testdata/histories
// make test). A change to the workflow that breaks one of them must be
// guarded with workflow.GetVersion, or running workflows would fail on the
// next deploy.
func TestReplaySavedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no saved histories in testdata/histories")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(ReservationWorkflow, workflow.RegisterOptions{Name: ReservationWorkflowName})
			if err := replayer.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatalf("replay of %s: %v", file, err)
			}
		})
	}
}
