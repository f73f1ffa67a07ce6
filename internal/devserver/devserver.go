// Package devserver starts the Temporal dev server for integration tests,
// from the CLI binary that `make test` builds into bin/, with Bellhop's
// search attributes registered.
package devserver

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/bellhop/bellhop/workflows"
)

// PathVariable names the environment variable with the Temporal CLI's path.
const PathVariable = "BELLHOP_TEST_TEMPORAL_CLI"

// Start starts a dev server on a free loopback port with no UI. It never
// downloads a CLI: without the variable set it returns an error.
func Start(ctx context.Context, logOutput io.Writer) (*testsuite.DevServer, error) {
	path := os.Getenv(PathVariable)
	if path == "" {
		return nil, fmt.Errorf("%s is not set", PathVariable)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("temporal CLI at %s: %w", path, err)
	}
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: path,
		// An empty HostPort makes the SDK pick a free port on 127.0.0.1.
		ClientOptions: &client.Options{Namespace: "default"},
		LogLevel:      "warn",
		SearchAttributes: temporal.NewSearchAttributes(
			workflows.SearchReservationID.ValueSet(""),
			workflows.SearchPropertyID.ValueSet(""),
			workflows.SearchState.ValueSet(""),
			workflows.SearchArrivalDate.ValueSet(time.Time{}),
		),
		Stdout: logOutput,
		Stderr: logOutput,
	})
}
