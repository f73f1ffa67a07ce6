// Package server is the worker's HTTP endpoint for operations: Prometheus
// metrics, a health check, the payload codec endpoint for the Temporal Web
// UI and CLI, and Resend's webhooks.
package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"go.temporal.io/sdk/converter"
)

// Options configure the server. A nil handler leaves its route out.
type Options struct {
	Addr    string
	Metrics http.Handler
	// Health reports whether the worker's dependencies respond.
	Health func(ctx context.Context) error
	// Codec, when set, is served at /codec/encode and /codec/decode.
	Codec converter.PayloadCodec
	// CORSOrigin is the only browser origin allowed to call the codec
	// endpoint, normally the Temporal Web UI's.
	CORSOrigin string
	// Webhook serves POST /webhooks/resend.
	Webhook http.Handler
}

// New returns the server; the caller runs ListenAndServe and Shutdown.
func New(opts Options) *http.Server {
	mux := http.NewServeMux()
	if opts.Metrics != nil {
		mux.Handle("GET /metrics", opts.Metrics)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if opts.Health != nil {
			if err := opts.Health(ctx); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				// The client went away if this fails; nothing to do.
				_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable", "error": err.Error()})
				return
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	if opts.Codec != nil {
		codecHandler := http.StripPrefix("/codec", converter.NewPayloadCodecHTTPHandler(opts.Codec))
		mux.Handle("/codec/", cors(opts.CORSOrigin, codecHandler))
	}
	if opts.Webhook != nil {
		mux.Handle("/webhooks/resend", opts.Webhook)
	}
	return &http.Server{Addr: opts.Addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
}

// cors lets the one allowed browser origin call next, responds to its
// preflight requests, and rejects other origins. Requests without an Origin
// header, such as the temporal CLI's, pass.
func cors(allowed string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			if origin != allowed {
				http.Error(w, "origin "+origin+" is not allowed; set BELLHOP_CODEC_CORS_ORIGIN to the Web UI's origin", http.StatusForbidden)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}
