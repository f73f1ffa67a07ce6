// Package metrics exposes Bellhop's Prometheus metrics: the Temporal SDK's
// own, through its OpenTelemetry contrib handler, and Bellhop's counters and
// histograms of mails, skips, suppressions and provider errors, all on one
// registry served at /metrics.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// Metrics holds the registry and Bellhop's own metrics.
type Metrics struct {
	registry       *prometheus.Registry
	temporal       client.MetricsHandler
	mails          *prometheus.CounterVec
	sendSeconds    *prometheus.HistogramVec
	skips          *prometheus.CounterVec
	suppressions   *prometheus.CounterVec
	providerErrors *prometheus.CounterVec
	webhooks       *prometheus.CounterVec
}

// New returns metrics on a fresh registry, with Go runtime and process
// collectors.
func New() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bellhop_mails_total", Help: "Mails whose delivery finished, by mail type and status (sent, failed, skipped).",
		}, []string{"mail", "status"}),
		sendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bellhop_send_duration_seconds", Help: "Time one call to the mail transport took, by transport and outcome.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"transport", "outcome"}),
		skips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bellhop_skips_total", Help: "Mails skipped on purpose, by reason (suppressed, recipient-limit, workflow).",
		}, []string{"reason"}),
		suppressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bellhop_suppressions_total", Help: "Addresses added to the suppression list by webhooks, by reason.",
		}, []string{"reason"}),
		providerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bellhop_provider_errors_total", Help: "Failed calls to the mail provider, by class (rate-limited, server-error, network, rejected).",
		}, []string{"class"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bellhop_webhooks_total", Help: "Resend webhook requests, by event type and outcome.",
		}, []string{"type", "outcome"}),
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.mails, m.sendSeconds, m.skips, m.suppressions, m.providerErrors, m.webhooks,
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}

	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	m.temporal = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		// A metric the exporter cannot take must not stop the worker.
		OnError: func(error) {},
	})
	return m, nil
}

// TemporalHandler returns the handler to give the Temporal client.
func (m *Metrics) TemporalHandler() client.MetricsHandler { return m.temporal }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// MailFinished counts a delivery that reached a final status.
func (m *Metrics) MailFinished(mailType, status string) {
	m.mails.WithLabelValues(mailType, status).Inc()
}

// SendObserved records one transport call.
func (m *Metrics) SendObserved(transport, outcome string, d time.Duration) {
	m.sendSeconds.WithLabelValues(transport, outcome).Observe(d.Seconds())
}

// Skipped counts a skipped mail.
func (m *Metrics) Skipped(reason string) { m.skips.WithLabelValues(reason).Inc() }

// Suppressed counts an address added to the suppression list.
func (m *Metrics) Suppressed(reason string) { m.suppressions.WithLabelValues(reason).Inc() }

// ProviderError counts a failed provider call.
func (m *Metrics) ProviderError(class string) { m.providerErrors.WithLabelValues(class).Inc() }

// Webhook counts a webhook request.
func (m *Metrics) Webhook(eventType, outcome string) {
	m.webhooks.WithLabelValues(eventType, outcome).Inc()
}
