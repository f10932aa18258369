package compat

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// sdkEnv is a running Switchboard and an official twilio-go client pointed at it.
type sdkEnv struct {
	*servertest.Env
	SDK *twilio.RestClient // authenticated as the main account
	log *requestLog
	rt  http.RoundTripper // rewriting, spec-checking transport shared by every client
}

// start runs a server for the test and builds an SDK client for its main account. Its
// simulated carrier is stopped (a step takes an hour), so that messages stay as created
// and each test decides their status (startLive runs it at full speed).
func start(t *testing.T) *sdkEnv {
	t.Helper()
	e := startWith(t, servertest.Options{StepDelay: time.Hour})
	e.buy(t, from)
	return e
}

// startLive is start with the simulated carrier delivering at its default pace.
func startLive(t *testing.T) *sdkEnv {
	t.Helper()
	e := startWith(t, servertest.Options{})
	e.buy(t, from)
	return e
}

// buy makes the main account own number, as an app's account owns the number it sends
// from.
func (e *sdkEnv) buy(t *testing.T, number string) {
	t.Helper()
	if err := e.BuyNumber(e.Main.Sid, e.Main.AuthToken, number); err != nil {
		t.Fatal(err)
	}
}

// startWith runs a server with opts; its main account owns no number yet.
func startWith(t *testing.T, opts servertest.Options) *sdkEnv {
	t.Helper()
	env := servertest.Start(t, opts)
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{MaxIdleConnsPerHost: 16}
	t.Cleanup(base.CloseIdleConnections)
	log := &requestLog{}
	e := &sdkEnv{
		Env: env,
		log: log,
		// The spec check sees what the SDK sends (host api.twilio.com) and what it gets back.
		rt: servertest.NewSpecTransport(t, &redirectTransport{t: t, target: target, log: log, next: base}),
	}
	e.SDK = e.clientFor(env.Main.Sid, env.Main.AuthToken)
	return e
}

// clientFor returns an SDK RestClient authenticated as sid/token, the way the SDK's
// README builds one, pointed at the server by configuration only: a *client.Client with
// credentials, an account SID and an HTTP client whose transport redirects.
func (e *sdkEnv) clientFor(sid, token string) *twilio.RestClient {
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: e.baseClient(sid, token)})
}

// apiFor returns the SDK's 2010 API service on a request handler of its own
// (api.NewApiServiceWithClient), which the SDK also offers.
func (e *sdkEnv) apiFor(sid, token string) *api.ApiService {
	return api.NewApiServiceWithClient(e.baseClient(sid, token))
}

// keyClientFor returns an SDK RestClient authenticated with an API key, for account:
// the way Twilio's docs build a client for production (the key's SID and secret as
// credentials, the Account SID set beside them).
func (e *sdkEnv) keyClientFor(keySid, secret, account string) *twilio.RestClient {
	c := e.baseClient(keySid, secret)
	c.SetAccountSid(account)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

func (e *sdkEnv) baseClient(sid, token string) *twclient.Client {
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(sid, token),
		HTTPClient: &http.Client{
			Transport: e.rt,
			Timeout:   30 * time.Second,
			// As the SDK's default client: never follow redirects.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(sid)
	return c
}

// redirectTransport sends the requests the SDK addresses to Twilio's production hosts
// (api, lookups, messaging, verify and content.twilio.com) to the local server instead, and
// records them. The Host header stays the production one,
// as a reverse proxy in front of Switchboard would leave it.
type redirectTransport struct {
	t      *testing.T
	target *url.URL
	log    *requestLog
	next   http.RoundTripper
}

func (rt *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case "api.twilio.com", "lookups.twilio.com", "messaging.twilio.com", "verify.twilio.com", "content.twilio.com":
	default:
		rt.t.Errorf("SDK addressed an unexpected host: %s %s", req.Method, req.URL)
		return nil, fmt.Errorf("unexpected host %q", req.URL.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = rt.target.Scheme
	out.URL.Host = rt.target.Host
	resp, err := rt.next.RoundTrip(out)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	rt.log.add(req, status)
	return resp, err
}

// sentRequest is what the SDK put on the wire, before redirection, and the HTTP status
// it got back (0 if none).
type sentRequest struct {
	Method string
	URL    *url.URL
	Header http.Header
	Status int
}

// requestLog records requests; tests inspect it to check how the SDK talked to the server.
type requestLog struct {
	mu   sync.Mutex
	reqs []sentRequest
}

func (l *requestLog) add(req *http.Request, status int) {
	u := *req.URL
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, sentRequest{Method: req.Method, URL: &u, Header: req.Header.Clone(), Status: status})
}

// mark is the number of requests so far, for since.
func (l *requestLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// since returns the requests recorded after the first n.
func (l *requestLog) since(n int) []sentRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sentRequest(nil), l.reqs[n:]...)
}

// apiError is a Twilio error as the SDK hands it to the caller.
type apiError struct {
	Status   int // as the SDK reports it: 0 in a *client.RestErrorV1 (see wantError)
	Code     int
	Message  string
	MoreInfo string
}

// sdkError unpacks the SDK's two error types; ok is false for anything else.
func sdkError(err error) (e apiError, v1 bool, ok bool) {
	var legacy *twclient.TwilioRestError
	var std *twclient.RestErrorV1
	switch {
	case errors.As(err, &legacy):
		return apiError{legacy.Status, legacy.Code, legacy.Message, legacy.MoreInfo}, false, true
	case errors.As(err, &std):
		return apiError{Status: std.HttpStatusCode, Code: std.Code, Message: std.Message}, true, true
	}
	return e, false, false
}

// wantError asserts that err is the SDK's error for a Switchboard error response with
// this HTTP status and Twilio code, and that the last response on the wire had that status.
//
// Which of the SDK's error types comes back depends on the SDK, not on the server: since
// twilio-go v1.30.1 every service of a RestClient shares one RequestHandler, on which
// Verify v3 and Numbers v3 set X-Twilio-ApiVersion: v1.0, so every request carries that
// header and the SDK decodes every error body as *client.RestErrorV1 first. That type
// has code and message but no status or more_info (twilio/twilio-go#320; the same happens
// against api.twilio.com). A service on its own handler (api.NewApiServiceWithClient)
// gets *client.TwilioRestError with all four fields. TestErrorTypes pins both.
func (e *sdkEnv) wantError(t *testing.T, err error, status, code int) apiError {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d/%d, got none", status, code)
	}
	got, v1, ok := sdkError(err)
	if !ok {
		t.Fatalf("want the SDK's Twilio error %d/%d, got %T: %v", status, code, err, err)
	}
	if got.Code != code {
		t.Fatalf("code = %d, want %d (%s)", got.Code, code, got.Message)
	}
	if strings.TrimSpace(got.Message) == "" {
		t.Error("error message is empty")
	}
	if v1 {
		if got.Status != 0 && got.Status != status {
			t.Errorf("RestErrorV1.HttpStatusCode = %d, want %d", got.Status, status)
		}
	} else {
		if got.Status != status {
			t.Errorf("status = %d, want %d", got.Status, status)
		}
		if want := fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code); got.MoreInfo != want {
			t.Errorf("more_info = %q, want %q", got.MoreInfo, want)
		}
	}
	switch reqs := e.log.since(0); {
	case len(reqs) == 0:
		t.Errorf("no request reached the wire, want one answered HTTP %d", status)
	case reqs[len(reqs)-1].Status != status:
		last := reqs[len(reqs)-1]
		t.Errorf("last response on the wire: %s %s -> HTTP %d, want %d", last.Method, last.URL, last.Status, status)
	}
	return got
}

// parseDate parses a response timestamp the way the SDK documents them (RFC 2822, GMT).
func parseDate(t *testing.T, field string, s *string) time.Time {
	t.Helper()
	if s == nil {
		t.Fatalf("%s is null", field)
	}
	d, err := time.Parse(time.RFC1123Z, *s)
	if err != nil {
		t.Fatalf("%s %q is not RFC 2822: %v", field, *s, err)
	}
	if _, off := d.Zone(); off != 0 || !strings.HasSuffix(*s, " +0000") {
		t.Errorf("%s %q is not in GMT (+0000)", field, *s)
	}
	return d
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
