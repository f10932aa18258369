// Command switchboard runs the Switchboard API server: a self-hosted, Twilio-compatible
// messaging and voice API backed by a SQLite file or a PostgreSQL database. It only
// wires the pieces together; see the server and store packages for the behaviour.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/switchboard-dev/switchboard/app"
	"github.com/switchboard-dev/switchboard/internal/connguard"
	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/internal/inbox"
	"github.com/switchboard-dev/switchboard/internal/logbuf"
	"github.com/switchboard-dev/switchboard/internal/metrics"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/accounts"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) { // --help or --version: printed, and a success
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
	logFlush   time.Duration
	pprof      string
	check      bool
	minLead    time.Duration
	mediaAuth  bool

	limits          connguard.Limits
	timeouts        connguard.Timeouts
	shutdownTimeout time.Duration

	synchronous   string
	noGroupCommit bool

	baseURL         string
	deliveryDelay   time.Duration
	webhookTimeout  time.Duration
	webhookAttempts int
	webhookBackoff  time.Duration
	webhookTargets  string

	// tokenFrom names where authToken came from (the flag or its environment twin), for
	// the banner.
	tokenFrom       string
	inboxAutoSignIn bool
	version         bool
	callSpeed       float64
	callAnswerDelay time.Duration
	maxEventStreams int
	workers         outboxWorkers
	mediaQuotaMB    int64
	movableClock    bool
}

// outboxWorkers are the outbox's sizes (outbox.Config).
type outboxWorkers struct {
	steps, requests, perAccount, perHost int
}

// logLevels are the names --log-level accepts.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (config, error) {
	env := func(name, fallback string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return fallback
	}
	// Malformed environment values are refused rather than ignored: a limit silently left
	// at its default is a limit nobody set.
	var envErr error
	envParse := func(name string, parse func(string) error) {
		if v := getenv(name); v != "" {
			if err := parse(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	}
	envDuration := func(name string, fallback time.Duration) time.Duration {
		envParse(name, func(v string) (err error) { fallback, err = time.ParseDuration(v); return err })
		return fallback
	}
	envFloat := func(name string, fallback float64) float64 {
		envParse(name, func(v string) (err error) { fallback, err = strconv.ParseFloat(v, 64); return err })
		return fallback
	}
	envInt := func(name string, fallback int64) int64 {
		envParse(name, func(v string) (err error) { fallback, err = strconv.ParseInt(v, 10, 32); return err })
		return fallback
	}
	var c config
	fs := flag.NewFlagSet("switchboard", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a mistake is returned, and printed once, by main
	fs.StringVar(&c.addr, "addr", env("SWITCHBOARD_ADDR", "127.0.0.1:8080"), "address to listen on (env SWITCHBOARD_ADDR)")
	fs.StringVar(&c.db, "db", env("SWITCHBOARD_DB", "switchboard.db"), "the database: a SQLite file, created if missing, or a PostgreSQL database's URL, postgres://user:password@host:port/name (the database must exist; its schema is created or migrated) (env SWITCHBOARD_DB)")
	fs.StringVar(&c.accountSid, "account-sid", env("SWITCHBOARD_ACCOUNT_SID", ""), "fixed main account SID, AC + 32 hex digits; needs --auth-token (env SWITCHBOARD_ACCOUNT_SID)")
	fs.StringVar(&c.authToken, "auth-token", env("SWITCHBOARD_AUTH_TOKEN", ""), "fixed main account auth token, letters and digits only (env SWITCHBOARD_AUTH_TOKEN)")
	fs.Float64Var(&c.rateLimit, "rate-limit", envFloat("SWITCHBOARD_RATE_LIMIT", 0), "API requests per second per account, 0 for no limit (env SWITCHBOARD_RATE_LIMIT)")
	var rateBurst int64
	fs.Int64Var(&rateBurst, "rate-burst", envInt("SWITCHBOARD_RATE_BURST", 0), "requests an account may burst above --rate-limit (env SWITCHBOARD_RATE_BURST)")
	fs.BoolVar(&c.check, "check-responses", getenv("SWITCHBOARD_CHECK_RESPONSES") == "true", "check every API response against openapi.yaml and log mismatches, for test suites (env SWITCHBOARD_CHECK_RESPONSES=true)")
	fs.StringVar(&c.synchronous, "sync", env("SWITCHBOARD_SYNC", "full"), "SQLite only: full: an acknowledged write survives a power failure; normal: it survives the process being killed, not always a power failure (env SWITCHBOARD_SYNC)")
	groupCommit := fs.Bool("group-commit", getenv("SWITCHBOARD_GROUP_COMMIT") != "false", "SQLite only: commit concurrent writes together, one fsync for many; false commits each on its own, the old mode (env SWITCHBOARD_GROUP_COMMIT=false)")
	fs.StringVar(&c.baseURL, "base-url", env("SWITCHBOARD_BASE_URL", ""), "where apps reach this server, for media URLs in webhooks; default http://<the --addr listened on> (env SWITCHBOARD_BASE_URL)")
	fs.DurationVar(&c.deliveryDelay, "delivery-delay", envDuration("SWITCHBOARD_DELIVERY_DELAY", 100*time.Millisecond), "time between two steps of a simulated delivery: queued, sending, sent, delivered (env SWITCHBOARD_DELIVERY_DELAY)")
	fs.DurationVar(&c.webhookTimeout, "webhook-timeout", envDuration("SWITCHBOARD_WEBHOOK_TIMEOUT", 15*time.Second), "timeout of each webhook request and media fetch (env SWITCHBOARD_WEBHOOK_TIMEOUT)")
	var webhookAttempts int64
	fs.Int64Var(&webhookAttempts, "webhook-attempts", envInt("SWITCHBOARD_WEBHOOK_ATTEMPTS", 5), "tries of a webhook before giving up (env SWITCHBOARD_WEBHOOK_ATTEMPTS)")
	fs.DurationVar(&c.webhookBackoff, "webhook-backoff", envDuration("SWITCHBOARD_WEBHOOK_BACKOFF", time.Second), "wait before the first webhook retry; doubles for each later one, up to 5m (env SWITCHBOARD_WEBHOOK_BACKOFF)")
	fs.StringVar(&c.webhookTargets, "webhook-targets", env("SWITCHBOARD_WEBHOOK_TARGETS", "any"), "hosts webhooks and media fetches may reach: any, or public (no loopback or private networks, for shared deployments) (env SWITCHBOARD_WEBHOOK_TARGETS)")
	fs.DurationVar(&c.minLead, "schedule-min-lead", envDuration("SWITCHBOARD_SCHEDULE_MIN_LEAD", messages.DefaultScheduleMinLead),
		"how far ahead a scheduled message's SendAt must be, as Twilio's 15m; 0 lets tests schedule for right now (env SWITCHBOARD_SCHEDULE_MIN_LEAD)")
	var maxConns, maxPerIP, minRate int64
	fs.Int64Var(&maxConns, "max-conns", envInt("SWITCHBOARD_MAX_CONNS", connguard.DefaultMaxConns),
		"connections served at once; more are refused with 503 (env SWITCHBOARD_MAX_CONNS)")
	fs.Int64Var(&maxPerIP, "max-conns-per-ip", envInt("SWITCHBOARD_MAX_CONNS_PER_IP", connguard.DefaultMaxConns/2),
		"of --max-conns, the most one source address may hold; 0 for no separate limit (env SWITCHBOARD_MAX_CONNS_PER_IP)")
	fs.DurationVar(&c.timeouts.Grace, "read-timeout", envDuration("SWITCHBOARD_READ_TIMEOUT", connguard.DefaultGrace),
		"time for a request's headers, and for its body before --min-body-rate applies (env SWITCHBOARD_READ_TIMEOUT)")
	fs.Int64Var(&minRate, "min-body-rate", envInt("SWITCHBOARD_MIN_BODY_RATE", connguard.DefaultMinBodyRate),
		"bytes per second a request body must keep up after --read-timeout (env SWITCHBOARD_MIN_BODY_RATE)")
	fs.DurationVar(&c.timeouts.Write, "write-timeout", envDuration("SWITCHBOARD_WRITE_TIMEOUT", connguard.DefaultWrite),
		"time for a response to be written, once the request has arrived (env SWITCHBOARD_WRITE_TIMEOUT)")
	fs.DurationVar(&c.timeouts.Idle, "idle-timeout", envDuration("SWITCHBOARD_IDLE_TIMEOUT", connguard.DefaultIdle),
		"how long an idle keep-alive connection is kept (env SWITCHBOARD_IDLE_TIMEOUT)")
	var workers, requestWorkers, perAccount, perHost int64
	fs.Int64Var(&workers, "outbox-workers", envInt("SWITCHBOARD_OUTBOX_WORKERS", outbox.DefaultWorkers),
		"steps of the simulated networks (a delivery's next status, a call's next verb) run at once (env SWITCHBOARD_OUTBOX_WORKERS)")
	fs.Int64Var(&requestWorkers, "webhook-workers", envInt("SWITCHBOARD_WEBHOOK_WORKERS", outbox.DefaultRequestWorkers),
		"requests to apps (webhooks, TwiML, media) made at once (env SWITCHBOARD_WEBHOOK_WORKERS)")
	fs.Int64Var(&perAccount, "webhook-per-account", envInt("SWITCHBOARD_WEBHOOK_PER_ACCOUNT", outbox.DefaultRequestsPerAccount),
		"of --webhook-workers, the most one account's requests hold at once; its others wait (env SWITCHBOARD_WEBHOOK_PER_ACCOUNT)")
	fs.Int64Var(&perHost, "webhook-per-host", envInt("SWITCHBOARD_WEBHOOK_PER_HOST", outbox.DefaultRequestsPerTarget),
		"of --webhook-workers, the most requests to one host (host:port) at once; the others wait (env SWITCHBOARD_WEBHOOK_PER_HOST)")
	fs.Int64Var(&c.mediaQuotaMB, "media-quota-mb", envInt("SWITCHBOARD_MEDIA_QUOTA_MB", 100),
		"megabytes of media (MMS files, sent and received) one account may store; at it, a message with media is refused (413, 11751) until media or messages are deleted; 0 for no quota (env SWITCHBOARD_MEDIA_QUOTA_MB)")
	var maxStreams int64
	fs.Int64Var(&maxStreams, "max-event-streams", envInt("SWITCHBOARD_MAX_EVENT_STREAMS", feed.DefaultMaxPerAccount),
		"event streams (GET .../Events) one account may hold open at once; one more is refused with 429 (env SWITCHBOARD_MAX_EVENT_STREAMS)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envDuration("SWITCHBOARD_SHUTDOWN_TIMEOUT", 10*time.Second),
		"on SIGTERM, how long requests in flight may finish before connections are closed (env SWITCHBOARD_SHUTDOWN_TIMEOUT)")
	fs.Float64Var(&c.callSpeed, "call-speed", envFloat("SWITCHBOARD_CALL_SPEED", 1), "how many times faster than real time calls run: at 10 a ten-second <Say> takes one second; call times and durations stay in simulated seconds (env SWITCHBOARD_CALL_SPEED)")
	fs.DurationVar(&c.callAnswerDelay, "call-answer-delay", envDuration("SWITCHBOARD_CALL_ANSWER_DELAY", 2*time.Second), "how long a called phone rings before it answers, in simulated time; at or above a call's Timeout it is not answered (env SWITCHBOARD_CALL_ANSWER_DELAY)")
	fs.StringVar(&c.logFormat, "log-format", env("SWITCHBOARD_LOG_FORMAT", "text"), "request log format: text or json (env SWITCHBOARD_LOG_FORMAT)")
	fs.DurationVar(&c.logFlush, "log-flush", envDuration("SWITCHBOARD_LOG_FLUSH", 100*time.Millisecond), "how long info and debug log lines may wait to be written together, one write instead of one per request; warnings and errors are written at once, and 0 writes every line at once (env SWITCHBOARD_LOG_FLUSH)")
	logLevel := fs.String("log-level", env("SWITCHBOARD_LOG_LEVEL", "info"), "least severe log lines written: debug, info, warn or error; above info the request log keeps only 5xx answers (env SWITCHBOARD_LOG_LEVEL)")
	fs.StringVar(&c.pprof, "pprof", env("SWITCHBOARD_PPROF", ""), "serve Go's profiler (net/http/pprof) at /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060; off when empty (env SWITCHBOARD_PPROF)")
	fs.BoolVar(&c.mediaAuth, "media-auth", getenv("SWITCHBOARD_MEDIA_AUTH") == "true", "media files and recordings' audio need credentials for every account, whatever its settings say (Twilio serves them without, unless the account asks; env SWITCHBOARD_MEDIA_AUTH=true)")
	fs.BoolVar(&c.inboxAutoSignIn, "inbox-auto-signin", getenv("SWITCHBOARD_INBOX_AUTO_SIGNIN") == "true", "the web inbox signs in as the main account without asking; only with a loopback --addr (env SWITCHBOARD_INBOX_AUTO_SIGNIN=true)")
	fs.BoolVar(&c.movableClock, "movable-clock", getenv("SWITCHBOARD_MOVABLE_CLOCK") != "false",
		"POST /switchboard/v1/Clock may move the simulator's clock forward; it is one clock for every account, so a server several teams share may turn this off (env SWITCHBOARD_MOVABLE_CLOCK=false)")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	// --help shows SWITCHBOARD_DB as --db's default: without a URL's password.
	fs.Lookup("db").DefValue = app.RedactDB(c.db)
	// The usage goes to standard output for --help (a success); after a mistake, the
	// error names the mistake and points at --help.
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return c, err
		}
		return c, fmt.Errorf("%w (switchboard --help lists the flags)", err)
	}
	if c.version {
		fmt.Fprintln(stdout, versionLine())
		return c, flag.ErrHelp
	}
	switch {
	case isSet(fs, "auth-token"):
		c.tokenFrom = "--auth-token"
	case c.authToken != "":
		c.tokenFrom = "SWITCHBOARD_AUTH_TOKEN"
	}
	if envErr != nil {
		return c, envErr
	}
	c.rateBurst = int(rateBurst)
	c.maxEventStreams = int(maxStreams)
	c.workers = outboxWorkers{steps: int(workers), requests: int(requestWorkers), perAccount: int(perAccount), perHost: int(perHost)}
	c.limits = connguard.DefaultLimits()
	c.limits.MaxConns, c.limits.MaxConnsPerIP, c.timeouts.MinBodyRate = int(maxConns), int(maxPerIP), minRate
	c.timeouts.MaxBody = server.MaxBodyBytes
	// Every number is bounded here, so that nothing downstream converts or adds its way
	// past a type's range.
	switch {
	case math.IsNaN(c.rateLimit) || math.IsInf(c.rateLimit, 0) || c.rateLimit < 0: // NaN and Inf parse as floats
		return c, fmt.Errorf("--rate-limit must be a number of requests a second, 0 or more, not %v", c.rateLimit)
	case rateBurst < 0 || rateBurst > 1<<20:
		return c, fmt.Errorf("--rate-burst must be between 0 and %d, not %d", 1<<20, rateBurst)
	case workers < 1 || workers > 4096, requestWorkers < 1 || requestWorkers > 4096:
		return c, fmt.Errorf("--outbox-workers and --webhook-workers must be between 1 and 4096, not %d and %d", workers, requestWorkers)
	case perAccount < 1 || perAccount > requestWorkers, perHost < 1 || perHost > requestWorkers:
		return c, fmt.Errorf("--webhook-per-account and --webhook-per-host must be between 1 and --webhook-workers (%d), not %d and %d", requestWorkers, perAccount, perHost)
	case c.mediaQuotaMB < 0 || c.mediaQuotaMB > 1<<30:
		return c, fmt.Errorf("--media-quota-mb must be between 0 and %d, not %d", 1<<30, c.mediaQuotaMB)
	case maxStreams < 1 || maxStreams > 1<<20:
		return c, fmt.Errorf("--max-event-streams must be between 1 and %d, not %d", 1<<20, maxStreams)
	case maxConns < 1 || maxConns > 1<<20:
		return c, fmt.Errorf("--max-conns must be between 1 and %d, not %d", 1<<20, maxConns)
	case maxPerIP < 0:
		return c, fmt.Errorf("--max-conns-per-ip must not be negative, not %d", maxPerIP)
	case minRate < 1:
		return c, fmt.Errorf("--min-body-rate must be at least 1 byte a second, not %d", minRate)
	case c.timeouts.Grace <= 0 || c.timeouts.Write <= 0 || c.timeouts.Idle <= 0 || c.shutdownTimeout <= 0:
		return c, errors.New("--read-timeout, --write-timeout, --idle-timeout and --shutdown-timeout must be positive")
	case c.logFlush < 0 || c.logFlush > 10*time.Second:
		return c, fmt.Errorf("--log-flush must be between 0 and 10s, not %s", c.logFlush)
	case max(c.timeouts.Grace, c.timeouts.Write, c.timeouts.Idle, c.shutdownTimeout) > 24*time.Hour:
		// Deadlines add these to the current time and to each other; bounded, no sum
		// can overflow into a deadline in the past.
		return c, errors.New("--read-timeout, --write-timeout, --idle-timeout and --shutdown-timeout must be at most 24h")
	case c.minLead < 0:
		return c, fmt.Errorf("--schedule-min-lead must not be negative, not %s", c.minLead)
	case c.minLead > 35*24*time.Hour:
		return c, fmt.Errorf("--schedule-min-lead must be at most 35 days (840h), Twilio's longest lead, not %s", c.minLead)
	}
	c.noGroupCommit = !*groupCommit
	if c.synchronous != "full" && c.synchronous != "normal" {
		return c, fmt.Errorf("--sync must be full or normal, not %q", c.synchronous)
	}
	if app.IsPostgres(c.db) {
		// Settings of SQLite's writer: with PostgreSQL a commit's durability is the
		// server's synchronous_commit, which Switchboard leaves on. Given anyway, they
		// would seem to do what they cannot.
		for _, f := range []struct{ flag, env string }{{"sync", "SWITCHBOARD_SYNC"}, {"group-commit", "SWITCHBOARD_GROUP_COMMIT"}} {
			if isSet(fs, f.flag) || getenv(f.env) != "" {
				return c, fmt.Errorf("--%s (or %s) is a setting of SQLite, and --db names a PostgreSQL database, whose durability is the server's synchronous_commit (left on): remove it", f.flag, f.env)
			}
		}
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, not %q", c.logFormat)
	}
	if _, err := webhook.ParseTargets(c.webhookTargets); err != nil {
		return c, fmt.Errorf("--webhook-targets: %w", err)
	}
	switch {
	case c.deliveryDelay <= 0 || c.webhookTimeout <= 0 || c.webhookBackoff <= 0:
		return c, errors.New("--delivery-delay, --webhook-timeout and --webhook-backoff must be positive")
	case max(c.deliveryDelay, c.webhookTimeout, c.webhookBackoff) > 24*time.Hour:
		// They are added to the current time: bounded, no sum overflows.
		return c, errors.New("--delivery-delay, --webhook-timeout and --webhook-backoff must be at most 24h")
	case webhookAttempts < 1 || webhookAttempts > 1000:
		return c, fmt.Errorf("--webhook-attempts must be between 1 and 1000, not %d", webhookAttempts)
	case !(c.callSpeed >= 0.01 && c.callSpeed <= 1e6): // NaN too
		// A clock a million times faster than real time still schedules whole milliseconds.
		return c, fmt.Errorf("--call-speed must be between 0.01 and 1000000, not %v", c.callSpeed)
	case c.callAnswerDelay <= 0 || c.callAnswerDelay > 24*time.Hour:
		return c, errors.New("--call-answer-delay must be positive and at most 24h")
	}
	c.webhookAttempts = int(webhookAttempts)
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
	if len(args) > 0 && args[0] == "copy" {
		return runCopy(ctx, args[1:], getenv, stdout)
	}
	cfg, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	logOpts := &slog.HandlerOptions{Level: cfg.logLevel}
	logOut := logbuf.New(stderr, cfg.logFlush)
	defer logOut.Flush()
	var handler slog.Handler = slog.NewTextHandler(logOut, logOpts)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(logOut, logOpts)
	}
	logger := slog.New(logbuf.Handler(handler, logOut))

	if !app.IsPostgres(cfg.db) {
		if err := checkDBDir(cfg.db); err != nil {
			return err
		}
	}
	m := metrics.New()
	db, err := app.OpenStore(ctx, cfg.db, sqlite.Options{Synchronous: cfg.synchronous, NoGroupCommit: cfg.noGroupCommit, Batches: m})
	if err != nil {
		return fmt.Errorf("database %s: %w", app.RedactDB(cfg.db), err)
	}
	defer db.Close()

	acct, outcome, err := accounts.EnsureMainAccount(ctx, db, cfg.accountSid, cfg.authToken)
	if err != nil {
		return err
	}
	rawLn, err := listen(cfg.addr)
	if err != nil {
		return err
	}
	var autoSignIn func(context.Context) (string, string, error)
	if cfg.inboxAutoSignIn {
		if tcp, ok := rawLn.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
			rawLn.Close()
			return fmt.Errorf("--inbox-auto-signin gives the main account to anyone who opens the inbox, so it needs a loopback --addr (such as 127.0.0.1:8080), not %s", cfg.addr)
		}
		sid := acct.Sid
		autoSignIn = func(ctx context.Context) (string, string, error) {
			a, err := db.GetAccount(ctx, sid) // its token as it is now
			return a.Sid, a.AuthToken, err
		}
	}
	limits, lowered := connguard.FitFileLimit(cfg.limits)
	if lowered {
		logger.Warn("the open-file limit (ulimit -n) is too low for --max-conns: serving fewer connections",
			slog.Int("max_conns", cfg.limits.MaxConns), slog.Int("serving", limits.MaxConns),
			slog.Int("per_ip", limits.MaxConnsPerIP))
	}
	ln := connguard.NewListener(rawLn, limits, logger)
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
		CallSpeed: cfg.callSpeed, CallAnswerDelay: cfg.callAnswerDelay, MaxEventStreams: cfg.maxEventStreams, MediaQuota: cfg.mediaQuotaMB << 20,
		Workers: cfg.workers.steps, RequestWorkers: cfg.workers.requests, RequestsPerAccount: cfg.workers.perAccount, RequestsPerTarget: cfg.workers.perHost,
		ScheduleMinLead: &cfg.minLead, Metrics: m, MovableClock: cfg.movableClock, Inbox: inbox.Config{AutoSignIn: autoSignIn}, MediaAuth: cfg.mediaAuth,
	})
	if err != nil {
		ln.Close()
		return err
	}
	printBanner(stdout, banner{base: base, cfg: cfg, account: acct, outcome: outcome})
	if pprofLn != nil {
		fmt.Fprintf(stdout, "  Profiler:    http://%s/debug/pprof/\n", pprofLn.Addr())
	}

	stopWork := sb.Start()
	defer stopWork() // after the HTTP server has stopped: requests under way may add jobs
	httpServer := &http.Server{
		Handler:  connguard.Deadlines(sb.Handler, cfg.timeouts),
		ErrorLog: slog.NewLogLogger(handler, slog.LevelWarn),
	}
	connguard.ConfigureServer(httpServer, cfg.timeouts)
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(shutdownCtx); err != nil {
			// A client that holds a request open (a slow body, say) must not turn a
			// normal stop into a failure: past the grace period its connection is closed.
			open, _ := ln.Held()
			logger.Warn("shutdown: closing connections still open", slog.Int("connections", open), slog.Any("error", err))
			if err := hs.Close(); err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
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
