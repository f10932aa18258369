// Package metrics holds Switchboard's Prometheus metrics and serves them in the text
// exposition format (the server mounts Handler at /metrics).
//
// Each server process gets its own registry from New, never Prometheus's global one, so
// that tests may run several servers in one process and a library never adds metrics
// behind the server's back.
//
// Adding the metrics of another part (the store's commit batches, the webhook outbox):
//
//   - a value the part already keeps, such as a queue depth, is read at scrape time by a
//     collector registered with Register, e.g. prometheus.NewGaugeFunc;
//   - an event the part observes, such as one commit, gets a method here beside
//     ObserveRequest (ObserveCommit(size int, elapsed time.Duration), say) backed by
//     collectors created in New. The part declares a one-method interface for it where it
//     is used and never imports Prometheus; cmd/switchboard hands it this *Metrics.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OperationOther labels requests that are not an API operation of openapi.yaml: Swagger
// UI, the spec files, /metrics itself, and paths or methods no route matches. Labels
// come only from this fixed set and the spec's operationIds, never from the raw path, so
// the number of series stays bounded whatever clients send.
const OperationOther = "other"

// latencyBuckets are the upper bounds, in seconds, of the request latency histogram.
// Prometheus's defaults start at 5 ms, which is slower than most requests to a local
// SQLite server, so these start at 100 µs.
var latencyBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Metrics is one process's set of metrics.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	jobs     *prometheus.CounterVec
	batch    prometheus.Histogram
	commit   prometheus.Histogram
}

// New returns the metrics of one server, with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP requests answered, by operationId in openapi.yaml (or \"other\") and status code.",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time from receiving an HTTP request to having written its response, by operationId (or \"other\").",
			Buckets: latencyBuckets,
		}, []string{"operation"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_outbox_jobs_total",
			Help: "Outbox jobs run (delivery steps, webhooks, media fetches), by kind and result: done, retry, gave-up, or lost (lease ran out).",
		}, []string{"kind", "result"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_store_batch_writes",
			Help:    "Writes committed together in one transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 8), // 1 to 128, the largest batch
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_store_commit_seconds",
			Help:    "Time from beginning a batch's transaction to its commit, fsync included.",
			Buckets: latencyBuckets,
		}),
	}
	m.registry.MustRegister(
		m.requests,
		m.latency,
		m.jobs,
		m.batch,
		m.commit,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Register adds collectors that other parts of the server provide. It fails if one
// clashes with a metric already registered.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Handler serves every registered metric in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveRequest counts one answered request and its latency. operation is an
// operationId of openapi.yaml or OperationOther.
func (m *Metrics) ObserveRequest(operation string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(operation, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(operation).Observe(elapsed.Seconds())
}

// ObserveJob counts one outbox job run by its result (see outbox.Config.Observe).
func (m *Metrics) ObserveJob(kind, result string) {
	m.jobs.WithLabelValues(kind, result).Inc()
}

// ObserveOutboxDepth makes depth, read at every scrape, the gauge of jobs waiting or
// running in the outbox.
func (m *Metrics) ObserveOutboxDepth(depth func() float64) error {
	return m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "switchboard_outbox_depth",
		Help: "Outbox jobs waiting or running (delivery steps, webhooks, media fetches), across every process on the database.",
	}, depth))
}

// ObserveOutboxRunner makes running (by lane: steps, requests) and atCap (accounts and
// target hosts holding as many requests as they may), read at every scrape, gauges of
// this process's outbox runner.
func (m *Metrics) ObserveOutboxRunner(running func(lane string) float64, atCap func() (accounts, targets float64)) error {
	var cs []prometheus.Collector
	for _, lane := range []string{"steps", "requests"} {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "switchboard_outbox_running",
			Help:        "Outbox jobs running in this process, by lane: steps of the simulated networks, and requests to apps.",
			ConstLabels: prometheus.Labels{"lane": lane},
		}, func() float64 { return running(lane) }))
	}
	cs = append(cs,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_outbox_at_cap", Help: "Accounts, and target hosts, whose requests to apps wait for their cap in this process.",
			ConstLabels: prometheus.Labels{"cap": "account"},
		}, func() float64 { a, _ := atCap(); return a }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_outbox_at_cap", Help: "Accounts, and target hosts, whose requests to apps wait for their cap in this process.",
			ConstLabels: prometheus.Labels{"cap": "host"},
		}, func() float64 { _, t := atCap(); return t }))
	return m.Register(cs...)
}

// ObserveStoredMedia makes bytes, read at every scrape, the gauge of the media content
// stored, every account's together.
func (m *Metrics) ObserveStoredMedia(bytes func() float64) error {
	return m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "switchboard_media_bytes",
		Help: "Bytes of media content stored (MMS files, sent and received), every account's together, across every process on the database.",
	}, bytes))
}

// ObserveEventStreams makes open, read at every scrape, the gauge of event streams this
// process serves.
func (m *Metrics) ObserveEventStreams(open func() float64) error {
	return m.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "switchboard_event_streams",
		Help: "Event streams (GET .../Events) open on this process, every account's together.",
	}, open))
}

// ObserveCommit records one committed batch of the store (sqlite.BatchObserver).
func (m *Metrics) ObserveCommit(writes int, elapsed time.Duration) {
	m.batch.Observe(float64(writes))
	m.commit.Observe(elapsed.Seconds())
}
