package servertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-dev/switchboard/client"
)

// Received is one request a Receiver got.
type Received struct {
	Method    string
	Path      string
	Form      url.Values // POST body, or the query of a GET
	Header    http.Header
	Signature string
	// Valid: the official Go SDK's request validator (an implementation nobody here
	// wrote) accepts the signature for the receiver's auth token.
	Valid bool
}

// Receiver is an app's webhook endpoint on loopback: it records every request and checks
// its X-Twilio-Signature with twilio-go's RequestValidator.
type Receiver struct {
	URL string

	srv   *httptest.Server
	token string

	mu      sync.Mutex
	got     []Received
	respond func(n int, r Received) (status int, contentType, body string)
	arrived chan struct{}
}

// NewReceiver starts a receiver that answers 200 with an empty body until told otherwise
// (Respond); authToken is the token the requests must be signed with.
func NewReceiver(tb testing.TB, authToken string) *Receiver {
	tb.Helper()
	rc := &Receiver{token: authToken, arrived: make(chan struct{}, 1)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	rc.URL = rc.srv.URL
	tb.Cleanup(rc.srv.Close)
	return rc
}

// Respond sets how the receiver answers its n-th request (0-based).
func (rc *Receiver) Respond(fn func(n int, r Received) (status int, contentType, body string)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.respond = fn
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	got := Received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Signature: r.Header.Get("X-Twilio-Signature")}
	params := map[string]string{}
	if r.Method == http.MethodPost {
		got.Form = r.PostForm
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
	} else {
		got.Form = r.URL.Query()
	}
	v := twclient.NewRequestValidator(rc.token)
	got.Valid = v.Validate("http://"+r.Host+r.URL.RequestURI(), params, got.Signature)

	rc.mu.Lock()
	n := len(rc.got)
	rc.got = append(rc.got, got)
	respond := rc.respond
	rc.mu.Unlock()
	select {
	case rc.arrived <- struct{}{}:
	default:
	}

	status, ctype, body := http.StatusOK, "", ""
	if respond != nil {
		status, ctype, body = respond(n, got)
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// Requests returns a copy of what the receiver got so far.
func (rc *Receiver) Requests() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// WaitFor waits until the receiver has got n requests, or fails the test after timeout.
func (rc *Receiver) WaitFor(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if got := rc.Requests(); len(got) >= n {
			return got
		}
		select {
		case <-rc.arrived:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			tb.Fatalf("receiver got %d requests in %s, want %d: %+v", len(rc.Requests()), timeout, n, rc.Requests())
		}
	}
}

// WaitForStatus polls a message through the API until its status is one of statuses,
// and returns it; it fails the test after timeout.
func (e *Env) WaitForStatus(tb testing.TB, c *client.ClientWithResponses, account, sid string, timeout time.Duration, statuses ...string) client.Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.FetchMessageWithResponse(tb.Context(), account, sid)
		if err != nil || resp.JSON200 == nil {
			tb.Fatalf("fetch %s: %v %s", sid, err, resp.Body)
		}
		m := *resp.JSON200
		if slices.Contains(statuses, string(m.Status)) {
			return m
		}
		if time.Now().After(deadline) {
			tb.Fatalf("message %s is %s after %s, want one of %v", sid, m.Status, timeout, statuses)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FileServer serves one file at /file (and 404 elsewhere), for media fetches.
func FileServer(tb testing.TB, contentType string, content []byte) string {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/file" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		w.Write(content)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/file"
}
