// Package app assembles a whole Switchboard from its parts: the store, the simulated
// messaging and voice networks and Verify over them, the outbox runner that runs their
// jobs, and the HTTP server. The command, the test harnesses and the public
// switchboardtest package all start Switchboard through here, so that they run the same
// thing.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/internal/inbox"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/metrics"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/verify"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store"
)

// Config holds the settings of a Switchboard; zero values take the defaults noted.
type Config struct {
	Logger *slog.Logger // default slog.Default()
	// BaseURL is where apps reach the server (media URLs in webhooks point there).
	BaseURL string
	// StepDelay is the time between two steps of a simulated delivery (default 100 ms).
	StepDelay time.Duration
	// WebhookTimeout bounds each webhook request and media fetch (default 15 s, as Twilio).
	WebhookTimeout time.Duration
	// WebhookAttempts bounds the tries of one webhook (default 5); WebhookBackoff is the
	// wait before the first retry, doubling after (default 1 s).
	WebhookAttempts int
	WebhookBackoff  time.Duration
	// WebhookTargets says which hosts webhooks may reach (default any).
	WebhookTargets webhook.Targets
	// PollInterval is how often the runner looks for jobs other processes wrote.
	PollInterval time.Duration
	// CallSpeed is how many times faster than real time calls' simulated clock runs
	// (default 1); CallAnswerDelay how long, on that clock, a phone rings before it is
	// answered (default 2 s).
	CallSpeed       float64
	CallAnswerDelay time.Duration
	// Workers, RequestWorkers, RequestsPerAccount and RequestsPerTarget are the outbox's
	// (outbox.Config: the jobs of the simulated networks at once, the requests to apps at
	// once, and of those the most one account and one host hold); zero takes its
	// defaults.
	Workers, RequestWorkers, RequestsPerAccount, RequestsPerTarget int
	// MediaQuota bounds the media content one account stores, in bytes (messaging's;
	// 0: no bound).
	MediaQuota int64
	// MaxEventStreams is how many event streams one account may hold open at once
	// (default feed.DefaultMaxPerAccount).
	MaxEventStreams int
	// Clock is the simulator's time. Nil (the default) is a clock.Sim over the store:
	// real time plus the offset the Clock endpoint moves forward when MovableClock
	// allows it. A test may give a clock of its own, which the endpoint cannot move.
	// WhatsApp's 24-hour window and Sandbox memberships are measured on it too.
	Clock        clock.Clock
	MovableClock bool

	// Server settings, passed on to server.Config.
	RateLimit      float64
	RateBurst      int
	CheckResponses bool
	Metrics        *metrics.Metrics // nil: a new set
	// ScheduleMinLead is server.Config's; nil means messages.DefaultScheduleMinLead.
	ScheduleMinLead *time.Duration
	// WrapStores, when set, is given the stores the HTTP server uses and returns those
	// it is to use instead: tests wrap one to inject a fault.
	WrapStores func(server.Stores) server.Stores
	// Inbox configures the web inbox at /inbox/ (see package inbox).
	Inbox inbox.Config
	// MediaAuth is server.Config's: media files and recordings need credentials.
	MediaAuth bool
}

// App is an assembled Switchboard over an open store.
type App struct {
	Handler   http.Handler
	Messaging *messaging.Service
	Voice     *voice.Service
	Verify    *verify.Service
	// Clock is the simulator's time that all of them read.
	Clock  clock.Clock
	runner *outbox.Runner
	feed   *feed.Hub
	clock  *clock.Sim // nil when the config gave a clock
}

func (cfg Config) logger() *slog.Logger {
	if cfg.Logger == nil {
		return slog.Default()
	}
	return cfg.Logger
}

// New assembles a Switchboard over db.
func New(db store.Store, cfg Config) (*App, error) {
	log := cfg.logger()
	timeout := cfg.WebhookTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	targets := cfg.WebhookTargets
	if targets == "" {
		targets = webhook.AnyTarget
	}
	// A TwiML answer is read whole (bounded); only its first bytes are recorded.
	client := webhook.NewClient(timeout, 1<<20, targets)
	clk := cfg.Clock
	var sim *clock.Sim
	if clk == nil {
		var err error
		if sim, err = clock.NewSim(context.Background(), db, log); err != nil {
			return nil, fmt.Errorf("assemble: %w", err)
		}
		clk = sim
	}
	msg := messaging.New(messaging.Config{Store: db, Webhook: client, Logger: log, StepDelay: cfg.StepDelay, BaseURL: cfg.BaseURL,
		MediaQuota: cfg.MediaQuota, Clock: clk})
	calls := voice.New(voice.Config{Store: db, Webhook: client, Logger: log, Speed: cfg.CallSpeed,
		AnswerDelay: cfg.CallAnswerDelay, BaseURL: cfg.BaseURL, Clock: clk})
	codes := verify.New(verify.Config{Store: db, Texts: msg, Calls: calls, Clock: clk})
	kinds := msg.Kinds()
	for kind, k := range calls.Kinds() {
		kinds[kind] = k
	}
	m := cfg.Metrics
	if m == nil {
		m = metrics.New()
	}
	if err := m.ObserveStoredMedia(func() float64 {
		n, err := db.StoredMediaBytes(context.Background())
		if err != nil {
			log.Error("stored media bytes", "error", err)
		}
		return float64(n)
	}); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	if err := m.ObserveOutboxDepth(func() float64 {
		n, err := db.CountJobs(context.Background(), "")
		if err != nil {
			log.Error("outbox depth", "error", err)
		}
		return float64(n)
	}); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	runner := outbox.New(outbox.Config{
		Store: db, Kinds: kinds, Logger: log, Observe: m.ObserveJob,
		MaxAttempts:  cfg.WebhookAttempts,
		Backoff:      cfg.WebhookBackoff,
		PollInterval: cfg.PollInterval,
		Workers:      cfg.Workers, RequestWorkers: cfg.RequestWorkers,
		RequestsPerAccount: cfg.RequestsPerAccount, RequestsPerTarget: cfg.RequestsPerTarget,
		Clock: clk,
	})
	if err := m.ObserveOutboxRunner(
		func(lane string) float64 {
			if lane == outbox.Requests.String() {
				return float64(runner.Running(outbox.Requests))
			}
			return float64(runner.Running(outbox.Steps))
		},
		func() (float64, float64) { a, t := runner.AtCap(); return float64(a), float64(t) },
	); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	hub := feed.New(feed.Config{Store: db, Logger: log, MaxPerAccount: cfg.MaxEventStreams})
	if err := m.ObserveEventStreams(func() float64 { return float64(hub.Subscriptions()) }); err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	minLead := messages.DefaultScheduleMinLead
	if cfg.ScheduleMinLead != nil {
		minLead = *cfg.ScheduleMinLead
	}
	stores := server.Stores{Server: db, Accounts: db, Calls: db, Messages: db, PhoneNumbers: db, Services: db, Simulator: db, Verify: db,
		Content: db}
	if cfg.WrapStores != nil {
		stores = cfg.WrapStores(stores)
	}
	srv, err := server.New(server.Config{Stores: stores, Messaging: msg, Voice: calls, Verify: codes, Feed: hub, Logger: log, RateLimit: cfg.RateLimit,
		Clock: clk, MovableClock: cfg.MovableClock,
		RateBurst: cfg.RateBurst, CheckResponses: cfg.CheckResponses, Metrics: m,
		ScheduleMinLead: minLead, Inbox: cfg.Inbox, MediaAuth: cfg.MediaAuth})
	if err != nil {
		return nil, fmt.Errorf("assemble: %w", err)
	}
	return &App{Handler: srv, Messaging: msg, Voice: calls, Verify: codes, Clock: clk, runner: runner, feed: hub, clock: sim}, nil
}

// Start runs the background work (simulated delivery, webhooks, media fetches) until
// the returned stop is called; stop waits for the jobs under way.
func (a *App) Start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.runner.Run(ctx) })
	wg.Go(func() { a.feed.Run(ctx) })
	if a.clock != nil {
		// Another process serving the database may move the clock.
		wg.Go(func() { a.clock.Run(ctx) })
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			wg.Wait()
		})
	}
}
