// Package testdb gives each integration test a fresh, migrated PostgreSQL
// database on the cluster that `make test` starts.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bellhop/bellhop/schema"
)

// URLVariable names the environment variable with the admin URL of the
// test cluster.
const URLVariable = "BELLHOP_TEST_DATABASE_URL"

// RequireIntegration reports whether missing test servers are a failure
// rather than a reason to skip; `make test` sets it.
func RequireIntegration() bool { return os.Getenv("BELLHOP_TEST_REQUIRE_INTEGRATION") == "1" }

// Skip skips the test, or fails it when RequireIntegration is set, because
// a server is not available.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if RequireIntegration() {
		t.Fatalf("%s; make test starts it", reason)
	}
	t.Skipf("%s; run make test for the integration tests", reason)
}

// Create makes a fresh database named prefix plus a random suffix on the
// cluster of adminURL, migrates it, and returns its URL and name.
func Create(ctx context.Context, adminURL, prefix string) (dbURL, name string, err error) {
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", "", fmt.Errorf("connect to the cluster: %w", err)
	}
	defer admin.Close(ctx)
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return "", "", err
	}
	name = prefix + hex.EncodeToString(suffix)
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		return "", "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	dbURL = u.String()
	if err := schema.MigrateURL(ctx, dbURL); err != nil {
		return "", "", fmt.Errorf("migrate %s: %w", name, err)
	}
	return dbURL, name, nil
}

// New creates a database for the test, migrates it, and returns its URL and
// a pool on it. Both are dropped when the test ends.
func New(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	adminURL := os.Getenv(URLVariable)
	if adminURL == "" {
		Skip(t, URLVariable+" is not set")
	}
	ctx := context.Background()
	dbURL, name, err := Create(ctx, adminURL, "test_")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		conn, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "drop database if exists "+name+" with (force)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	return dbURL, pool
}
