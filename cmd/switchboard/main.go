// Command switchboard runs the Switchboard API server: a self-hosted, Twilio-compatible
// messaging and voice API backed by a SQLite file. It only wires the pieces together; see the
// server and store packages for the behaviour.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/switchboard-dev/switchboard/internal/app"
	"github.com/switchboard-dev/switchboard/internal/metrics"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

// config is the command line; every flag has an environment twin, and the flag wins.
type config struct {
	addr       string
	db         string
	accountSid string
	authToken  string
	rateLimit  float64
	rateBurst  int
	logFormat  string
	logLevel   slog.Level
	pprof      string
	check      bool

	baseURL         string
	deliveryDelay   time.Duration
	webhookTimeout  time.Duration
	webhookAttempts int
	webhookBackoff  time.Duration
	webhookTargets  string
	callSpeed       float64
	callAnswerDelay time.Duration
}

// logLevels are the names --log-level accepts.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, fallback string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return fallback
	}
	envFloat := func(name string, fallback float64) float64 {
		if v, err := strconv.ParseFloat(getenv(name), 64); err == nil {
			return v
		}
		return fallback
	}
	envDuration := func(name string, fallback time.Duration) time.Duration {
		if v, err := time.ParseDuration(getenv(name)); err == nil {
			return v
		}
		return fallback
	}
	var c config
	fs := flag.NewFlagSet("switchboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("SWITCHBOARD_ADDR", "127.0.0.1:8080"), "address to listen on (env SWITCHBOARD_ADDR)")
	fs.StringVar(&c.db, "db", env("SWITCHBOARD_DB", "switchboard.db"), "SQLite database file, created if missing (env SWITCHBOARD_DB)")
	fs.StringVar(&c.accountSid, "account-sid", env("SWITCHBOARD_ACCOUNT_SID", ""), "fixed main account SID, AC + 32 hex digits; needs --auth-token (env SWITCHBOARD_ACCOUNT_SID)")
	fs.StringVar(&c.authToken, "auth-token", env("SWITCHBOARD_AUTH_TOKEN", ""), "fixed main account auth token, letters and digits only (env SWITCHBOARD_AUTH_TOKEN)")
	fs.Float64Var(&c.rateLimit, "rate-limit", envFloat("SWITCHBOARD_RATE_LIMIT", 0), "API requests per second per account, 0 for no limit (env SWITCHBOARD_RATE_LIMIT)")
	fs.IntVar(&c.rateBurst, "rate-burst", int(envFloat("SWITCHBOARD_RATE_BURST", 0)), "requests an account may burst above --rate-limit (env SWITCHBOARD_RATE_BURST)")
	fs.BoolVar(&c.check, "check-responses", getenv("SWITCHBOARD_CHECK_RESPONSES") == "true", "check every API response against openapi.yaml and log mismatches, for test suites (env SWITCHBOARD_CHECK_RESPONSES=true)")
	fs.StringVar(&c.baseURL, "base-url", env("SWITCHBOARD_BASE_URL", ""), "where apps reach this server, for media URLs in webhooks; default http://<the --addr listened on> (env SWITCHBOARD_BASE_URL)")
	fs.DurationVar(&c.deliveryDelay, "delivery-delay", envDuration("SWITCHBOARD_DELIVERY_DELAY", 100*time.Millisecond), "time between two steps of a simulated delivery: queued, sending, sent, delivered (env SWITCHBOARD_DELIVERY_DELAY)")
	fs.DurationVar(&c.webhookTimeout, "webhook-timeout", envDuration("SWITCHBOARD_WEBHOOK_TIMEOUT", 15*time.Second), "timeout of each webhook request and media fetch (env SWITCHBOARD_WEBHOOK_TIMEOUT)")
	fs.IntVar(&c.webhookAttempts, "webhook-attempts", int(envFloat("SWITCHBOARD_WEBHOOK_ATTEMPTS", 5)), "tries of a webhook before giving up (env SWITCHBOARD_WEBHOOK_ATTEMPTS)")
	fs.DurationVar(&c.webhookBackoff, "webhook-backoff", envDuration("SWITCHBOARD_WEBHOOK_BACKOFF", time.Second), "wait before the first webhook retry; doubles for each later one, up to 5m (env SWITCHBOARD_WEBHOOK_BACKOFF)")
	fs.StringVar(&c.webhookTargets, "webhook-targets", env("SWITCHBOARD_WEBHOOK_TARGETS", "any"), "hosts webhooks and media fetches may reach: any, or public (no loopback or private networks, for shared deployments) (env SWITCHBOARD_WEBHOOK_TARGETS)")
	fs.Float64Var(&c.callSpeed, "call-speed", envFloat("SWITCHBOARD_CALL_SPEED", 1), "how many times faster than real time calls run: at 10 a ten-second <Say> takes one second; call times and durations stay in simulated seconds (env SWITCHBOARD_CALL_SPEED)")
	fs.DurationVar(&c.callAnswerDelay, "call-answer-delay", envDuration("SWITCHBOARD_CALL_ANSWER_DELAY", 2*time.Second), "how long a called phone rings before it answers, in simulated time; at or above a call's Timeout it is not answered (env SWITCHBOARD_CALL_ANSWER_DELAY)")
	fs.StringVar(&c.logFormat, "log-format", env("SWITCHBOARD_LOG_FORMAT", "text"), "request log format: text or json (env SWITCHBOARD_LOG_FORMAT)")
	logLevel := fs.String("log-level", env("SWITCHBOARD_LOG_LEVEL", "info"), "least severe log lines written: debug, info, warn or error; above info the request log keeps only 5xx answers (env SWITCHBOARD_LOG_LEVEL)")
	fs.StringVar(&c.pprof, "pprof", env("SWITCHBOARD_PPROF", ""), "serve Go's profiler (net/http/pprof) at /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060; off when empty (env SWITCHBOARD_PPROF)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: switchboard [flags]

Switchboard serves a Twilio-compatible REST API (2010-04-01 Accounts and Messages) from a
SQLite file, for building and testing messaging apps with no carrier and no cost.

On first start it creates the main account and prints its Account SID and auth token;
later starts reuse it. Pass --account-sid and --auth-token to fix the credentials (CI).
Swagger UI is served at /docs, the spec at /openapi.yaml and /openapi.json, and
Prometheus metrics at /metrics.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, not %q", c.logFormat)
	}
	if _, err := webhook.ParseTargets(c.webhookTargets); err != nil {
		return c, fmt.Errorf("--webhook-targets: %w", err)
	}
	if c.deliveryDelay <= 0 || c.webhookTimeout <= 0 || c.webhookBackoff <= 0 || c.webhookAttempts < 1 {
		return c, errors.New("--delivery-delay, --webhook-timeout and --webhook-backoff must be positive, --webhook-attempts at least 1")
	}
	// A clock a million times faster than real time still schedules whole milliseconds.
	if !(c.callSpeed >= 0.01 && c.callSpeed <= 1e6) || c.callAnswerDelay <= 0 {
		return c, errors.New("--call-speed must be between 0.01 and 1000000, --call-answer-delay positive")
	}
	level, ok := logLevels[*logLevel]
	if !ok {
		return c, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", *logLevel)
	}
	c.logLevel = level
	if c.pprof != "" {
		if err := checkLoopback(c.pprof); err != nil {
			return c, fmt.Errorf("--pprof: %w", err)
		}
	}
	return c, nil
}

// checkLoopback accepts only a host:port on the loopback interface. The profiler shows
// the command line (with any --auth-token), memory contents through heap profiles, and
// can keep a CPU busy: it is for someone already on the machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address: use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT", addr)
	}
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	logOpts := &slog.HandlerOptions{Level: cfg.logLevel}
	var handler slog.Handler = slog.NewTextHandler(stderr, logOpts)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, logOpts)
	}
	logger := slog.New(handler)

	db, err := store.Open(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer db.Close()

	acct, created, err := server.EnsureMainAccount(ctx, db, cfg.accountSid, cfg.authToken)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var pprofLn net.Listener
	if cfg.pprof != "" {
		if pprofLn, err = listenLoopback(cfg.pprof); err != nil {
			ln.Close()
			return fmt.Errorf("--pprof: %w", err)
		}
	}
	base := "http://" + ln.Addr().String()
	targets, _ := webhook.ParseTargets(cfg.webhookTargets) // checked by parseFlags
	sb, err := app.New(db, app.Config{
		Logger: logger, BaseURL: cmp.Or(cfg.baseURL, base), StepDelay: cfg.deliveryDelay,
		WebhookTimeout: cfg.webhookTimeout, WebhookAttempts: cfg.webhookAttempts, WebhookBackoff: cfg.webhookBackoff,
		WebhookTargets: targets, RateLimit: cfg.rateLimit, RateBurst: cfg.rateBurst, CheckResponses: cfg.check,
		CallSpeed: cfg.callSpeed, CallAnswerDelay: cfg.callAnswerDelay,
		Metrics: metrics.New(),
	})
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "Switchboard is listening on %s (database %s)\n", base, cfg.db)
	fmt.Fprintf(stdout, "  API:        %s/2010-04-01/Accounts/%s/Messages.json\n", base, acct.Sid)
	fmt.Fprintf(stdout, "  Swagger UI: %s/docs/\n", base)
	fmt.Fprintf(stdout, "  Metrics:    %s/metrics\n", base)
	fmt.Fprintf(stdout, "  Account SID: %s\n", acct.Sid)
	if created {
		fmt.Fprintf(stdout, "  Auth token:  %s   (shown once: keep it; later starts reuse this account)\n", acct.AuthToken)
	} else if cfg.authToken == "" {
		fmt.Fprintf(stdout, "  Auth token:  the one printed when %s was created\n", cfg.db)
	}
	if pprofLn != nil {
		fmt.Fprintf(stdout, "  Profiler:   http://%s/debug/pprof/\n", pprofLn.Addr())
	}

	stopWork := sb.Start()
	defer stopWork() // after the HTTP server has stopped: requests under way may add jobs
	httpServer := &http.Server{
		Handler:           sb.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	servers := []*http.Server{httpServer}
	serveErr := make(chan error, 2)
	go func() { serveErr <- httpServer.Serve(ln) }()
	if pprofLn != nil {
		// No write timeout: a CPU profile or trace streams for as long as it was asked to.
		pprofServer := &http.Server{
			Handler:           pprofHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
		}
		servers = append(servers, pprofServer)
		go func() { serveErr <- pprofServer.Serve(pprofLn) }()
	}

	select {
	case err := <-serveErr:
		for _, hs := range servers {
			hs.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return nil
}

// listenLoopback listens on addr and makes sure that what it got is a loopback address,
// since a name such as localhost could resolve to anything.
func listenLoopback(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%s is not a loopback address", ln.Addr())
	}
	return ln, nil
}

// pprofHandler serves net/http/pprof's pages on a mux of its own. (Importing the package
// also registers them on http.DefaultServeMux, which nothing here serves.)
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also the named profiles: heap, goroutine, allocs...
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
