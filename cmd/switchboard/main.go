// Command switchboard runs the Switchboard API server: a self-hosted, Twilio-compatible
// messaging API backed by a SQLite file. It only wires the pieces together; see the
// server and store packages for the behaviour.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

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
	check      bool
	minLead    time.Duration
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
	var envErr error
	envDuration := func(name string, fallback time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return fallback
		}
		d, err := time.ParseDuration(v)
		if err != nil && envErr == nil {
			envErr = fmt.Errorf("%s: %w", name, err)
		}
		return d
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
	fs.DurationVar(&c.minLead, "schedule-min-lead", envDuration("SWITCHBOARD_SCHEDULE_MIN_LEAD", server.DefaultScheduleMinLead),
		"how far ahead a scheduled message's SendAt must be, as Twilio's 15m; 0 lets tests schedule for right now (env SWITCHBOARD_SCHEDULE_MIN_LEAD)")
	fs.StringVar(&c.logFormat, "log-format", env("SWITCHBOARD_LOG_FORMAT", "text"), "request log format: text or json (env SWITCHBOARD_LOG_FORMAT)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: switchboard [flags]

Switchboard serves a Twilio-compatible REST API (2010-04-01 Accounts and Messages) from a
SQLite file, for building and testing messaging apps with no carrier and no cost.

On first start it creates the main account and prints its Account SID and auth token;
later starts reuse it. Pass --account-sid and --auth-token to fix the credentials (CI).
Swagger UI is served at /docs, the spec at /openapi.yaml and /openapi.json.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if envErr != nil {
		return c, envErr
	}
	if c.minLead < 0 {
		return c, fmt.Errorf("--schedule-min-lead must not be negative, not %s", c.minLead)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("--log-format must be text or json, not %q", c.logFormat)
	}
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if cfg.logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
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
	srv, err := server.New(server.Config{Store: db, Logger: logger, RateLimit: cfg.rateLimit, RateBurst: cfg.rateBurst, CheckResponses: cfg.check, ScheduleMinLead: cfg.minLead})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Switchboard is listening on %s (database %s)\n", base, cfg.db)
	fmt.Fprintf(stdout, "  API:        %s/2010-04-01/Accounts/%s/Messages.json\n", base, acct.Sid)
	fmt.Fprintf(stdout, "  Swagger UI: %s/docs/\n", base)
	fmt.Fprintf(stdout, "  Account SID: %s\n", acct.Sid)
	if created {
		fmt.Fprintf(stdout, "  Auth token:  %s   (shown once: keep it; later starts reuse this account)\n", acct.AuthToken)
	} else if cfg.authToken == "" {
		fmt.Fprintf(stdout, "  Auth token:  the one printed when %s was created\n", cfg.db)
	}

	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
