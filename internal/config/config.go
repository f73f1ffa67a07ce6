// Package config reads the worker's and the starter's settings from
// environment variables. Both binaries print every variable with its
// default on -h.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/bellhop/bellhop/internal/codec"
)

// Temporal locates the Temporal service.
type Temporal struct {
	Address   string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" desc:"host:port of the Temporal frontend"`
	Namespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default" desc:"Temporal namespace of the reservation workflows"`
	TaskQueue string `envconfig:"BELLHOP_TASK_QUEUE" default:"bellhop" desc:"task queue of the workflows; send activities use this name plus -send"`
}

// Database locates PostgreSQL.
type Database struct {
	URL string `envconfig:"DATABASE_URL" default:"postgres://bellhop@127.0.0.1:5432/bellhop?sslmode=disable" desc:"PostgreSQL connection URL"`
}

// Logging sets the log output.
type Logging struct {
	Level  string `envconfig:"LOG_LEVEL" default:"info" desc:"log level: debug, info, warn or error"`
	Format string `envconfig:"LOG_FORMAT" default:"text" desc:"log format: text or json"`
}

// Codec configures the payload codec that encrypts workflow data.
type Codec struct {
	Keys  string `envconfig:"BELLHOP_CODEC_KEYS" desc:"payload encryption keys as id=base64key,id2=base64key (32-byte keys), oldest first; empty turns encryption off"`
	KeyID string `envconfig:"BELLHOP_CODEC_KEY_ID" desc:"id of the key that encrypts new payloads; default: the last key listed"`
}

// Load returns the configured codec, or nil when no keys are set.
func (c Codec) Load() (*codec.Codec, error) {
	if strings.TrimSpace(c.Keys) == "" {
		return nil, nil
	}
	keys, order, err := codec.ParseKeys(c.Keys)
	if err != nil {
		return nil, fmt.Errorf("invalid BELLHOP_CODEC_KEYS: %w", err)
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("BELLHOP_CODEC_KEYS contains no key: give id=base64key entries or leave it empty")
	}
	active := c.KeyID
	if active == "" {
		active = order[len(order)-1]
	}
	return codec.New(keys, active)
}

// Worker is the worker's configuration.
type Worker struct {
	Temporal
	Database
	Logging
	Codec
	HTTPAddr      string        `envconfig:"BELLHOP_HTTP_ADDR" default:"127.0.0.1:9090" desc:"address of the metrics, health, codec and webhook endpoint; empty turns it off"`
	CORSOrigin    string        `envconfig:"BELLHOP_CODEC_CORS_ORIGIN" default:"http://127.0.0.1:8233" desc:"the one browser origin (the Temporal Web UI) allowed to call the codec endpoint"`
	WebhookSecret string        `envconfig:"RESEND_WEBHOOK_SECRET" desc:"signing secret (whsec_...) of the Resend webhook; empty turns the webhook endpoint off"`
	ResendAPIKey  string        `envconfig:"RESEND_API_KEY" desc:"Resend API key; without one, mails go to the outbox folder"`
	ResendBaseURL string        `envconfig:"RESEND_BASE_URL" default:"https://api.resend.com/" desc:"Resend API base URL"`
	ResendTimeout time.Duration `envconfig:"RESEND_TIMEOUT" default:"30s" desc:"time limit of one request to Resend"`
	OutboxDir     string        `envconfig:"BELLHOP_OUTBOX_DIR" default:"outbox" desc:"folder of the local outbox, used without RESEND_API_KEY"`
	BillsDir      string        `envconfig:"BELLHOP_BILLS_DIR" default:"bills" desc:"folder that bill PDF paths in close-bill signals are relative to"`
	// Resend's default team limit was 2 requests per second when this was
	// written; a team with a raised limit sets its own.
	SendRate       float64 `envconfig:"BELLHOP_SEND_RATE" default:"2" desc:"send activities per second across all workers (the provider's rate limit; not applied to the outbox)"`
	RecipientLimit int     `envconfig:"BELLHOP_RECIPIENT_LIMIT" default:"20" desc:"automatic mails one address may get in 24 hours; 0 turns the guard off"`
}

// Starter is the starter's configuration.
type Starter struct {
	Temporal
	Database
	Logging
	Codec
}

// Load fills cfg from the environment. With -h or --help among args it
// prints the variables and their defaults to out and returns flag.ErrHelp.
func Load(program string, cfg any, args []string, out io.Writer) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			PrintUsage(program, cfg, out)
			return flag.ErrHelp
		}
	}
	if err := envconfig.Process("", cfg); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	return nil
}

// PrintUsage writes every environment variable of cfg with its default.
func PrintUsage(program string, cfg any, out io.Writer) {
	fmt.Fprintf(out, "%s reads its settings from these environment variables:\n\n", program)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	tmpl := `{{range .}}{{usage_key .}}	{{usage_default .}}	{{usage_description .}}
{{end}}`
	if err := envconfig.Usagef("", cfg, tw, tmpl); err != nil {
		fmt.Fprintf(out, "cannot list the variables: %v\n", err)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(out, "cannot list the variables: %v\n", err)
	}
}

// Logger returns a slog logger for the settings.
func (l Logging) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(l.Level))); err != nil {
		return nil, fmt.Errorf("invalid LOG_LEVEL %q: use debug, info, warn or error", l.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch l.Format {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid LOG_FORMAT %q: use text or json", l.Format)
}
