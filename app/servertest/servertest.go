// Package servertest starts a real Switchboard on a loopback port over a database of its
// own, for tests and benchmarks, and checks every response it serves against
// openapi.yaml so that the spec cannot drift from the behaviour.
//
// The database is a temporary SQLite file, or with SWITCHBOARD_TEST_STORE=postgres a new
// PostgreSQL database (internal/pgtest), so that the same tests run on either backend: a
// package whose tests start servers calls os.Exit(pgtest.Run(m)) from its TestMain.
// Tests of what only SQLite has (its file, its locks) call SQLiteOnly.
package servertest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/app"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/connguard"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/postgres"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// Env is one running server and what a test needs to talk to it.
type Env struct {
	URL string // e.g. http://127.0.0.1:41234
	// DBPath is the database: the SQLite file, or the PostgreSQL database's URL (see
	// Database); another server started with it shares it.
	DBPath string
	DB     store.Store                 // the server's store, for seeding fixtures
	Main   store.Account               // the main account
	HTTP   *http.Client                // checks every response against openapi.yaml (unless NoSpecCheck)
	Client *client.ClientWithResponses // authenticated as Main
	// Messaging and Voice are the simulated networks behind the server.
	Messaging *messaging.Service
	Voice     *voice.Service
	// Clock is the simulator's time: fixtures seeded straight into DB take their dates
	// from it, as the server would.
	Clock clock.Clock
	// Listener counts the connections the server holds.
	Listener *connguard.Listener

	local *app.Local
	drop  func() // drops a database Launch made, after Stop; nil if none
}

// Options tune Start; the zero value is a plain server.
type Options struct {
	DBPath      string                            // reuse this database (an Env's DBPath) instead of a new one
	RateLimit   float64                           // see server.Config
	RateBurst   int                               // see server.Config
	NoSpecCheck bool                              // benchmarks: measure the server, not the checker
	WrapStores  func(server.Stores) server.Stores // see app.Config; e.g. to inject faults
	// Logger receives the server's logs (default: discarded); CheckResponses is
	// server.Config's.
	Logger         *slog.Logger
	CheckResponses bool
	// The simulated network's timing (see app.Config); zero values take the app's
	// defaults, except WebhookBackoff, which defaults to 20 ms here so that retries are
	// quick in tests.
	StepDelay       time.Duration
	WebhookTimeout  time.Duration
	WebhookAttempts int
	WebhookBackoff  time.Duration
	// Calls' simulated clock (see app.Config): CallSpeed defaults to 100 here, so that a
	// call's seconds pass in tens of milliseconds; CallAnswerDelay to the app's default.
	CallSpeed       float64
	CallAnswerDelay time.Duration
	// MediaQuota is app.Config's (bytes of media one account stores; 0: none).
	MediaQuota int64
	// ScheduleMinLead is server.Config's; nil means messages.DefaultScheduleMinLead, as the
	// binary's default.
	ScheduleMinLead *time.Duration
	// MediaAuth is server.Config's: media files and recordings need credentials.
	MediaAuth bool
	// Limits and Timeouts guard the connections as in the binary; nil means the
	// binary's defaults.
	Limits   *connguard.Limits
	Timeouts *connguard.Timeouts
	// Clock is the simulator's time (see app.Config); nil means the store's clock.Sim,
	// which the Clock endpoint moves unless FixedClock (--movable-clock=false).
	Clock      clock.Clock
	FixedClock bool
}

// Start runs a server until the test ends; responses that do not match openapi.yaml
// fail the test.
func Start(tb testing.TB, opts Options) *Env {
	tb.Helper()
	if opts.DBPath == "" {
		// Owned by the test, so that the database outlives Stop (restart tests reopen it).
		opts.DBPath = Database(tb)
	}
	env, err := Launch(opts, tb.Errorf)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(env.Stop)
	return env
}

// Database returns a new database for a server of the test, removed when the test ends:
// a SQLite file in the test's temporary directory or, with SWITCHBOARD_TEST_STORE=postgres,
// the URL of a new PostgreSQL database (NewPostgresDatabase).
func Database(tb testing.TB) string {
	tb.Helper()
	if !pgtest.Wanted() {
		return filepath.Join(tb.TempDir(), "switchboard.db")
	}
	u, drop, err := NewPostgresDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return u
}

// template is the database NewPostgresDatabase copies, made once per test binary.
var template struct {
	once sync.Once
	url  string
	err  error
}

// spare is the next copy of the template, made while the test before is still running:
// making one takes longer than starting a server on it. After the first call there is
// always one copy either in it or being made, never more.
var spare = make(chan spareDB, 1)

type spareDB struct {
	url  string
	drop func()
	err  error
}

// NewPostgresDatabase returns the URL of a new PostgreSQL database for a server, on the
// test run's cluster (pgtest.NewDatabase), with the store's schema already in it: a copy
// of a database migrated once per test binary, made ahead. drop, which the caller must
// call, drops it.
func NewPostgresDatabase(ctx context.Context) (url string, drop func(), err error) {
	template.once.Do(func() {
		if template.url, template.err = migratedTemplate(ctx); template.err == nil {
			go makeSpare()
		}
	})
	if template.err != nil {
		return "", nil, template.err
	}
	var next spareDB
	select {
	case next = <-spare:
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
	go makeSpare()
	return next.url, next.drop, next.err
}

// makeSpare makes the next copy. The last one a test binary makes is not dropped: it
// goes with the cluster.
func makeSpare() {
	var d spareDB
	d.url, d.drop, d.err = pgtest.NewDatabaseFrom(context.Background(), template.url)
	spare <- d
}

// migratedTemplate makes a database that a store has migrated and then closed. It stays
// until the cluster goes.
func migratedTemplate(ctx context.Context) (string, error) {
	u, _, err := pgtest.NewDatabase(ctx)
	if err != nil {
		return "", err
	}
	s, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		return "", fmt.Errorf("migrate the template database: %w", err)
	}
	s.Close()
	// Opening gave the database its identity, a row of settings, which each copy must make
	// its own (Ping tells databases apart by it): no setting stays in the template.
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return "", fmt.Errorf("template database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM settings"); err != nil {
		return "", fmt.Errorf("template database: %w", err)
	}
	return u, nil
}

// SQLiteOnly skips the test when the run's servers are on PostgreSQL: for tests of what
// only SQLite has (its file, its lock, its connections), and for tests whose subject is
// not the store at all (connections, flags), which the SQLite run covers once. The
// caller says why in a comment.
func SQLiteOnly(tb testing.TB) {
	tb.Helper()
	if pgtest.Wanted() {
		tb.Skip("SQLite only (SWITCHBOARD_TEST_STORE=postgres)")
	}
}

// Launch runs a server until Stop, for callers with no testing.TB (TestMain, examples).
// report receives every response that does not match openapi.yaml. With no DBPath, the
// database is new (as Database's), and Stop removes it.
func Launch(opts Options, report func(format string, args ...any)) (*Env, error) {
	var drop func()
	if opts.DBPath == "" && pgtest.Wanted() {
		var err error
		if opts.DBPath, drop, err = NewPostgresDatabase(context.Background()); err != nil {
			return nil, err
		}
	}
	env, err := launch(opts, report)
	if err != nil {
		if drop != nil {
			drop()
		}
		return nil, err
	}
	env.drop = drop
	return env, nil
}

func launch(opts Options, report func(format string, args ...any)) (*Env, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	local, err := app.StartLocal(opts.DBPath, app.Config{
		Logger: logger, StepDelay: opts.StepDelay, WebhookTimeout: opts.WebhookTimeout,
		WebhookAttempts: opts.WebhookAttempts, WebhookBackoff: cmp.Or(opts.WebhookBackoff, 20*time.Millisecond),
		PollInterval: 50 * time.Millisecond,
		CallSpeed:    cmp.Or(opts.CallSpeed, 100), CallAnswerDelay: opts.CallAnswerDelay, MediaQuota: opts.MediaQuota,
		RateLimit: opts.RateLimit, RateBurst: opts.RateBurst, CheckResponses: opts.CheckResponses, WrapStores: opts.WrapStores,
		ScheduleMinLead: opts.ScheduleMinLead, Clock: opts.Clock, MovableClock: !opts.FixedClock, MediaAuth: opts.MediaAuth,
	}, app.LocalOptions{Limits: opts.Limits, Timeouts: opts.Timeouts})
	if err != nil {
		return nil, err
	}
	env := &Env{URL: local.URL, DBPath: opts.DBPath, DB: local.DB, Main: local.Main, Messaging: local.App.Messaging,
		Voice: local.App.Voice, Clock: local.App.Clock, Listener: local.Listener, local: local}

	transport := http.RoundTripper(&http.Transport{MaxIdleConnsPerHost: 64})
	if !opts.NoSpecCheck {
		if transport, err = newSpecTransport(transport, report); err != nil {
			env.Stop()
			return nil, err
		}
	}
	env.HTTP = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	env.Client = env.ClientFor(local.Main.Sid, local.Main.AuthToken)
	return env, nil
}

// Stop shuts the server down and closes its database; safe to call twice.
func (e *Env) Stop() {
	e.local.Stop()
	if e.drop != nil {
		e.drop()
		e.drop = nil
	}
}

// Postgres reports whether the server's database is PostgreSQL's (else a SQLite file).
func (e *Env) Postgres() bool { return app.IsPostgres(e.DBPath) }

// OpenStore opens the server's database as another process would, with connections of
// its own; the store is closed when the test ends.
func (e *Env) OpenStore(tb testing.TB) store.Store {
	tb.Helper()
	s, err := app.OpenStore(context.Background(), e.DBPath, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// ClientFor returns a generated client that authenticates as sid/token.
func (e *Env) ClientFor(sid, token string) *client.ClientWithResponses {
	c, err := client.NewClientWithResponses(e.URL,
		client.WithHTTPClient(e.HTTP),
		client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.SetBasicAuth(sid, token)
			return nil
		}))
	if err != nil {
		panic(err) // only fails on a malformed URL, which Start never builds
	}
	return c
}

// Do sends a raw request (path relative to the server) with the given credentials
// ("" sid: none) through the spec-checking client, and returns status and body.
func (e *Env) Do(tb testing.TB, method, path, sid, token string, body io.Reader, contentType string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	if sid != "" {
		req.SetBasicAuth(sid, token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, data
}

// SeedHourly stores n messages for account straight into the database, one an hour from
// start (so their dates are known), alternating between the recipients +14155550100 and
// +14155550111, with SIDs SM000…001 upwards. Tests of date filters and benchmarks of
// large lists use it.
func (e *Env) SeedHourly(tb testing.TB, account string, start time.Time, n int) {
	tb.Helper()
	ms := make([]store.Message, n)
	for i := range ms {
		sent := start.Add(time.Duration(i) * time.Hour)
		to := "+14155550100"
		if i%2 == 1 {
			to = "+14155550111"
		}
		ms[i] = store.Message{
			Sid: fmt.Sprintf("SM%032x", i+1), AccountSid: account, To: to, From: "+14155550199",
			Body: fmt.Sprintf("seeded %d", i), Status: "delivered", Direction: "outbound-api",
			NumSegments: 1, DateCreated: sent, DateUpdated: sent, DateSent: sent,
		}
	}
	if err := e.DB.Apply(context.Background(), store.Writes{Messages: ms}); err != nil {
		tb.Fatal(err)
	}
}

// SpecTransport validates every response against openapi.yaml and reports mismatches
// as test errors: status codes the operation does not document, bodies that do not
// match their schema, and error bodies (even from unknown routes) that are not the
// documented error object.
type SpecTransport struct {
	report func(format string, args ...any)
	next   http.RoundTripper
	router routers.Router
	errDoc *openapi3.Schema
}

// NewSpecTransport wraps next; mismatches fail tb.
func NewSpecTransport(tb testing.TB, next http.RoundTripper) *SpecTransport {
	t, err := newSpecTransport(next, tb.Errorf)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// NewSpecTransportFunc wraps next; mismatches go to report. Fuzz targets use it, since a
// fuzz function may not report through the *testing.F that built the transport.
func NewSpecTransportFunc(next http.RoundTripper, report func(format string, args ...any)) (*SpecTransport, error) {
	return newSpecTransport(next, report)
}

func newSpecTransport(next http.RoundTripper, report func(format string, args ...any)) (*SpecTransport, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(bytes.Clone(switchboard.OpenAPI))
	if err != nil {
		return nil, err
	}
	// Match paths whatever host and port the test server got.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &SpecTransport{report: report, next: next, router: router, errDoc: doc.Components.Schemas["Error"].Value}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *SpecTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.check(req, resp, body); err != nil {
		t.report("%s %s -> %d: response does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.RequestURI(), resp.StatusCode, err, body)
	}
	return resp, nil
}

func (t *SpecTransport) check(req *http.Request, resp *http.Response, body []byte) error {
	route, params, err := t.router.FindRoute(req)
	if err != nil {
		// Not an API route (unknown path or method): it must still answer with the error
		// object, or be one of the documentation pages.
		if resp.StatusCode < 400 {
			return nil
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("error body is not JSON: %w", err)
		}
		return t.errDoc.VisitJSON(v)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(req.Context(), in)
}

// BuyNumber buys number (from the pool, docs/numbers.md) for account through the API, so
// that the account may send from it; it returns the error of a refused purchase.
func (e *Env) BuyNumber(accountSid, authToken, number string) error {
	resp, err := e.ClientFor(accountSid, authToken).CreateIncomingPhoneNumberWithFormdataBodyWithResponse(
		context.Background(), accountSid, client.CreateIncomingPhoneNumberRequest{PhoneNumber: &number})
	if err != nil {
		return fmt.Errorf("buy %s: %w", number, err)
	}
	if resp.JSON201 == nil {
		return fmt.Errorf("buy %s: HTTP %d %s", number, resp.StatusCode(), resp.Body)
	}
	return nil
}

// Advance moves the simulator's clock forward by d through the Clock endpoint, as a test
// of an app would, and returns the time the clock reads after the move.
func (e *Env) Advance(tb testing.TB, d time.Duration) time.Time {
	tb.Helper()
	by := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	resp, err := e.Client.UpdateClockWithFormdataBodyWithResponse(tb.Context(), client.UpdateClockRequest{Advance: &by})
	if err != nil {
		tb.Fatalf("advance the clock by %s: %v", d, err)
	}
	if resp.JSON200 == nil {
		tb.Fatalf("advance the clock by %s: HTTP %d %s", d, resp.StatusCode(), resp.Body)
	}
	return resp.JSON200.Now
}
