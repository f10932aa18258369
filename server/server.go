// Package server is the HTTP side of Switchboard: one handler for the API (the strict
// server interface that oapi-codegen generates from openapi.yaml, package gen), the
// spec and Swagger UI, /metrics and the inbox.
//
// The operations are the handlers of the API families, a package each: accounts
// (Accounts, Keys), messages (Messages, Media), calls (Calls, Recordings), phonenumbers
// (IncomingPhoneNumbers, AvailablePhoneNumbers), messagingv1 (Messaging Services),
// lookupv2 (Lookup), verifyv2 (Verify), contentv1 (Content templates) and simulator
// (Switchboard's own /switchboard/v1), which share package api. This package is what
// runs around them.
//
// A request passes, in order: request logging, metrics (package internal/metrics) and
// panic recovery (for every route), then, for API routes only, the choice of operation by
// the path's extension (`.json`, or none for a media file), authentication, rate
// limiting and validation against openapi.yaml (see routes.go), and finally a family's
// typed handler. Whatever fails along the way is written as a Twilio error object by
// handleError, through toAPIError, the one place where Go errors become wire errors.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/inbox"
	"github.com/switchboard-dev/switchboard/internal/metrics"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/throttle"
	"github.com/switchboard-dev/switchboard/server/accounts"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/calls"
	"github.com/switchboard-dev/switchboard/server/contentv1"
	"github.com/switchboard-dev/switchboard/server/lookupv2"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/server/messagingv1"
	"github.com/switchboard-dev/switchboard/server/phonenumbers"
	"github.com/switchboard-dev/switchboard/server/simulator"
	"github.com/switchboard-dev/switchboard/server/verifyv2"
)

// Stores is what each part of the server reads and writes, one narrow interface each:
// the server itself, and each family of handlers. A store.Store is every one of them;
// tests replace one with a wrapper that overrides a method, to inject a fault.
type Stores struct {
	Server       ServerStore
	Accounts     accounts.Store
	Calls        calls.Store
	Messages     messages.Store
	PhoneNumbers phonenumbers.Store
	Services     messagingv1.Store
	Simulator    simulator.Store
	Verify       verifyv2.Store
	Content      contentv1.Store
}

// ServerStore is what the server reads for itself, around the families' handlers: the
// credentials every request authenticates with (through credentialCache), the
// database's health for /healthz and, once at start-up, the key that seals page tokens.
type ServerStore interface {
	credentialStore
	Ping(ctx context.Context) error
	EnsureSetting(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Messaging is the simulated messaging network (package messaging), as the families use
// it.
type Messaging interface {
	messages.Messaging
	simulator.Messaging
}

// Voice is the simulated telephone network (package voice), as the families use it.
type Voice interface {
	calls.Voice
	simulator.Voice
}

// Verify is Verify's network (package verify), as the families use it.
type Verify interface {
	verifyv2.Verify
	simulator.Verify
}

// MaxBodyBytes is the largest request body accepted; maxBodySize is the same in Echo's
// size syntax.
const (
	MaxBodyBytes = 1 << 20
	maxBodySize  = "1M"
)

// Config holds what New needs. Every store, Messaging, Voice, Verify and Feed are
// required.
type Config struct {
	Stores    Stores
	Messaging Messaging
	Voice     Voice
	Verify    Verify
	Feed      simulator.Feed
	Logger    *slog.Logger // nil: slog.Default()
	// Clock is the simulator's time, stamped on what the handlers write (nil:
	// clock.Real{}). A clock that can move (clock.Sim) is moved through the Clock
	// endpoint when MovableClock allows it.
	Clock        clock.Clock
	MovableClock bool
	// RateLimit is the number of API requests per second each account may make, with
	// bursts of up to RateBurst; 0 turns rate limiting off.
	RateLimit float64
	RateBurst int
	// CheckResponses validates every API response against openapi.yaml and logs each
	// mismatch as MsgResponseMismatch, for test suites that drive a real server.
	CheckResponses bool
	// Metrics receives the request metrics and is served at /metrics; nil: a set of the
	// server's own. cmd/switchboard passes one so that other parts can add theirs.
	Metrics *metrics.Metrics
	// ScheduleMinLead is how far ahead SendAt must be at least (Twilio:
	// messages.DefaultScheduleMinLead); 0 lets tests schedule a message for right now.
	ScheduleMinLead time.Duration
	// FailuresPerSource and FailuresPerAccount budget failed logins (see package
	// throttle); zero values mean throttle.DefaultPerSource and DefaultPerAccount.
	FailuresPerSource, FailuresPerAccount throttle.Budget
	// Inbox configures the web inbox, served at /inbox/ (and / leads there).
	Inbox inbox.Config
	// MediaAuth makes media files and recordings' audio need credentials for every
	// account (--media-auth), whatever the account's settings say; Twilio serves them
	// without, unless the account asks (see authenticateFile).
	MediaAuth bool
}

// pageTokenKey names the key of page tokens in the store's settings.
const pageTokenKey = "page_token_key"

// Server implements gen.StrictServerInterface: it embeds the handlers of each API
// family, and every operation of openapi.yaml is a method of exactly one of them (but
// CheckHealth, the server's own).
type Server struct {
	*accounts.Accounts
	*calls.Calls
	*contentv1.ContentV1
	lookupv2.Lookup
	*messages.Messages
	*messagingv1.Services
	*phonenumbers.PhoneNumbers
	*simulator.Simulator
	*verifyv2.VerifyV2

	store    ServerStore
	creds    *credentialCache
	log      *slog.Logger
	echo     *echo.Echo
	metrics  *metrics.Metrics
	tokens   *pagetoken.Sealer // seals page tokens with the key kept in the store
	failures *throttle.Failures
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New builds the HTTP handler for the whole service: the API, /healthz, the spec at
// /openapi.yaml and /openapi.json, and Swagger UI at /docs.
func New(cfg Config) (*Server, error) {
	st := cfg.Stores
	if st.Server == nil || st.Accounts == nil || st.Calls == nil || st.Messages == nil || st.PhoneNumbers == nil ||
		st.Services == nil || st.Simulator == nil || st.Verify == nil || st.Content == nil || cfg.Messaging == nil || cfg.Voice == nil || cfg.Verify == nil ||
		cfg.Feed == nil {
		return nil, fmt.Errorf("new server: every store, a messaging service, a voice service, a verify service and a change feed are required")
	}
	if cfg.ScheduleMinLead < 0 {
		return nil, fmt.Errorf("new server: negative schedule lead time %s", cfg.ScheduleMinLead)
	}
	s := &Server{store: st.Server, creds: &credentialCache{store: st.Server}, log: cfg.Logger, echo: echo.New(), metrics: cfg.Metrics}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	if cfg.FailuresPerSource == (throttle.Budget{}) {
		cfg.FailuresPerSource = throttle.DefaultPerSource
	}
	if cfg.FailuresPerAccount == (throttle.Budget{}) {
		cfg.FailuresPerAccount = throttle.DefaultPerAccount
	}
	s.failures = throttle.New(cfg.FailuresPerSource, cfg.FailuresPerAccount)

	// The key is made once per database and kept there, so tokens survive restarts and
	// work across every process serving the file. New has no context of its own: this
	// is start-up, before any request.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key, err := st.Server.EnsureSetting(ctx, pageTokenKey, randomKey(pagetoken.KeySize))
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	if s.tokens, err = pagetoken.New(key); err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}

	// The families' handlers check the account a path names against the credential
	// cache, and seal their page tokens with the one key.
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	s.Accounts = accounts.New(st.Accounts, s.creds, s.tokens, clk)
	s.Calls = calls.New(st.Calls, cfg.Voice, s.creds, s.tokens)
	s.Messages = messages.New(st.Messages, cfg.Messaging, s.creds, s.tokens, cfg.ScheduleMinLead, clk)
	s.PhoneNumbers = phonenumbers.New(st.PhoneNumbers, s.creds, s.tokens, clk)
	s.Services = messagingv1.New(st.Services, s.tokens, clk)
	simClock, movable := clk.(simulator.Clock)
	if !movable {
		simClock = fixedClock{clk}
	}
	s.Simulator = simulator.New(simulator.Config{Store: st.Simulator, Messaging: cfg.Messaging, Voice: cfg.Voice, Verify: cfg.Verify,
		Feed: cfg.Feed, Accounts: s.creds, Tokens: s.tokens, Logger: s.log, Clock: simClock, ClockMovable: movable && cfg.MovableClock})
	s.VerifyV2 = verifyv2.New(st.Verify, cfg.Verify, s.tokens)
	s.ContentV1 = contentv1.New(st.Content, clk, s.tokens)

	doc, err := loadSpec()
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	specJSON, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("new server: spec to JSON: %w", err)
	}

	e := s.echo
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.JSONSerializer = plainJSONSerializer{}
	e.Use(s.logRequests())
	e.Use(s.observeRequests)
	e.Use(sameOriginWrites())
	// The validator reads a body whole before anything else looks at it; no valid request
	// comes near this size.
	e.Use(middleware.BodyLimit(maxBodySize))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.ErrorContext(c.Request().Context(), "panic", slog.Any("error", err), slog.String("stack", string(stack)))
			return err
		},
	}))

	r := &apiRoutes{echo: e, doc: doc, auth: s.authenticate, limit: rateLimiter(cfg.RateLimit, cfg.RateBurst),
		fileAuth: func(keysRefused bool) echo.MiddlewareFunc { return s.authenticateFile(keysRefused, cfg.MediaAuth) }}
	if cfg.CheckResponses {
		r.check = s.checkResponse
	}
	gen.RegisterHandlers(r, gen.NewStrictHandler(s, nil))
	if r.err != nil {
		return nil, fmt.Errorf("new server: %w", r.err)
	}

	registerDocs(e, specJSON)
	// The inbox, like /docs, is pages of the binary, not API resources: they are not in
	// openapi.yaml. A browser pointed at the server lands in the inbox.
	toInbox := func(c echo.Context) error { return c.Redirect(http.StatusFound, inbox.Prefix) }
	e.GET("/", toInbox)
	e.GET("/inbox", toInbox)
	e.GET(inbox.Prefix+"*", echo.WrapHandler(inbox.Handler(cfg.Inbox)))
	// Not in openapi.yaml: an operator's endpoint in Prometheus's own format, like the
	// spec files and /docs (see docs/architecture.md).
	e.GET("/metrics", echo.WrapHandler(s.metrics.Handler()))
	return s, nil
}

// randomKey returns n bytes from crypto/rand.
func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

// ServeHTTP makes the server an http.Handler.
//
// HEAD is answered like GET without the body, on every GET route (Echo routes HEAD only
// where registered): the request goes on as a GET copy, and http.Server, which sees the
// original HEAD, drops whatever body is written.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Responses are JSON, YAML and the Swagger UI's files: never to be sniffed as HTML.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		r = r.WithContext(r.Context()) // a shallow copy; the original stays HEAD
		r.Method = http.MethodGet
	}
	s.echo.ServeHTTP(w, r)
}

// loadSpec parses and checks the embedded openapi.yaml.
func loadSpec() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(bytes.Clone(switchboard.OpenAPI))
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	// kin-openapi keeps one compiled form of each pattern for the process, made when
	// first needed: here, so with the same compiler as the request validator's.
	if err := doc.Validate(loader.Context, openapi3.SetRegexCompiler(compilePattern)); err != nil {
		return nil, fmt.Errorf("invalid openapi.yaml: %w", err)
	}
	return doc, nil
}

// logRequests writes one structured line per request, after the error handler has
// chosen the status.
func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError: true,
		LogMethod:   true,
		LogURI:      true,
		LogStatus:   true,
		LogLatency:  true,
		LogError:    true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			if !s.log.Enabled(c.Request().Context(), level) { // --log-level turned it down
				return nil
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("uri", v.URI),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
			}
			if code, ok := c.Get(errorCodeKey).(int); ok {
				attrs = append(attrs, slog.Int("code", code)) // Twilio's error code, as answered
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// observeRequests counts every request in the metrics, by operationId and status. Like
// the request logger it writes a returned error itself, so that the status counted is
// the one sent; the error handler skips a response already written.
func (s *Server) observeRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		op, ok := c.Get(operationKey).(string)
		if !ok {
			op = metrics.OperationOther
		}
		s.metrics.ObserveRequest(op, c.Response().Status, time.Since(start))
		return err
	}
}

// CheckHealth implements gen.StrictServerInterface.
func (s *Server) CheckHealth(ctx context.Context, _ gen.CheckHealthRequestObject) (gen.CheckHealthResponseObject, error) {
	if err := s.store.Ping(ctx); err != nil {
		s.log.ErrorContext(ctx, "health check", slog.Any("error", err))
		return nil, &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeUnavailable, Message: "Database unavailable"}
	}
	return gen.CheckHealth200JSONResponse{Status: gen.HealthStatusOk}, nil
}

// fixedClock is a clock that cannot be moved, for the Clock endpoint of a server given
// one (a test's).
type fixedClock struct{ clock.Clock }

func (fixedClock) Advance(context.Context, time.Duration) (time.Time, error) {
	return time.Time{}, clock.ErrBackward
}

func (fixedClock) Set(context.Context, time.Time) (time.Time, error) {
	return time.Time{}, clock.ErrBackward
}
