package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the command as main would, until the returned stop is called; it returns
// the server's URL, what it printed, and stop, which reports run's error.
func start(t *testing.T, args []string, env map[string]string) (string, *syncBuffer, func() error) {
	t.Helper()
	return startLogging(t, args, env, io.Discard)
}

// startLogging is start with the log written to stderr.
func startLogging(t *testing.T, args []string, env map[string]string, stderr io.Writer) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			stop := func() error {
				cancel()
				select {
				case err := <-done:
					return err
				case <-time.After(10 * time.Second):
					return errors.New("run did not return after cancel")
				}
			}
			return m[1], stdout, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run ended before listening: %v\n%s", err, stdout)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("not listening after 10s:\n%s", stdout)
		}
	}
}

func TestFirstStartCreatesAccountLaterStartsReuseIt(t *testing.T) {
	db := servertest.Database(t)
	url, out, stop := start(t, []string{"--addr", "127.0.0.1:0", "--db", db}, nil)
	sid := regexp.MustCompile(`Account SID: (AC[0-9a-f]{32})`).FindStringSubmatch(out.String())
	token := regexp.MustCompile(`Auth token:  ([0-9a-f]{32})`).FindStringSubmatch(out.String())
	if sid == nil || token == nil || !strings.Contains(out.String(), url+"/docs/") {
		t.Fatalf("first start did not print the credentials and URLs:\n%s", out)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/2010-04-01/Accounts/"+sid[1]+".json", nil)
	req.SetBasicAuth(sid[1], token[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("printed credentials do not work: %v %v", err, resp)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}

	// Same file, flags through their environment twins: the same account, token not reprinted.
	_, out2, stop2 := start(t, nil, map[string]string{"SWITCHBOARD_ADDR": "127.0.0.1:0", "SWITCHBOARD_DB": db})
	defer stop2()
	if !strings.Contains(out2.String(), sid[1]) || strings.Contains(out2.String(), token[1]) {
		t.Fatalf("second start should reuse %s without printing its token:\n%s", sid[1], out2)
	}
}

func TestFixedCredentials(t *testing.T) {
	db := servertest.Database(t)
	sid := "AC" + strings.Repeat("ab", 16)
	for _, token := range []string{"firstToken1", "rotatedToken2"} { // a restart may change the token
		url, _, stop := start(t, []string{"--addr", "127.0.0.1:0", "--db", db, "--account-sid", sid}, map[string]string{"SWITCHBOARD_AUTH_TOKEN": token})
		req, _ := http.NewRequest(http.MethodGet, url+"/2010-04-01/Accounts/"+sid+"/Messages.json", nil)
		req.SetBasicAuth(sid, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("token %s: %v %v", token, err, resp)
		}
		resp.Body.Close()
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMediaAuthFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want bool
	}{
		{nil, nil, false},
		{nil, map[string]string{"SWITCHBOARD_MEDIA_AUTH": "true"}, true},
		{nil, map[string]string{"SWITCHBOARD_MEDIA_AUTH": "false"}, false},
		{[]string{"--media-auth"}, nil, true},
		{[]string{"--media-auth=false"}, map[string]string{"SWITCHBOARD_MEDIA_AUTH": "true"}, false},
	} {
		c, err := parseFlags(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if err != nil || c.mediaAuth != tt.want {
			t.Errorf("%v %v: media auth %v, err %v; want %v", tt.args, tt.env, c.mediaAuth, err, tt.want)
		}
	}
}

func TestScheduleMinLeadFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want time.Duration
	}{
		{nil, nil, 15 * time.Minute},
		{nil, map[string]string{"SWITCHBOARD_SCHEDULE_MIN_LEAD": "0"}, 0},
		{nil, map[string]string{"SWITCHBOARD_SCHEDULE_MIN_LEAD": "90s"}, 90 * time.Second},
		{[]string{"--schedule-min-lead", "2s"}, map[string]string{"SWITCHBOARD_SCHEDULE_MIN_LEAD": "90s"}, 2 * time.Second},
	} {
		c, err := parseFlags(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
		if err != nil || c.minLead != tt.want {
			t.Errorf("%v %v: lead %s, err %v; want %s", tt.args, tt.env, c.minLead, err, tt.want)
		}
	}
}

// TestSubaccountIsNotAMainAccount: --account-sid naming a subaccount is refused, rather
// than serving it as a main account that could then create subaccounts of its own.
func TestSubaccountIsNotAMainAccount(t *testing.T) {
	db := servertest.Database(t)
	sid := "AC" + strings.Repeat("ab", 16)
	url, _, stop := start(t, []string{"--addr", "127.0.0.1:0", "--db", db, "--account-sid", sid, "--auth-token", "mainToken1"}, nil)
	req, _ := http.NewRequest(http.MethodPost, url+"/2010-04-01/Accounts.json", strings.NewReader("FriendlyName=sub"))
	req.SetBasicAuth(sid, "mainToken1")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create subaccount: %v %v", err, resp)
	}
	var sub struct{ Sid string }
	if err := json.NewDecoder(resp.Body).Decode(&sub); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--db", db, "--account-sid", sub.Sid, "--auth-token", "subToken1"},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is a subaccount") {
		t.Fatalf("starting with a subaccount as the main account: %v", err)
	}
}

func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"SID without token", []string{"--account-sid", "AC" + strings.Repeat("0", 32)}, "go together"},
		{"malformed SID", []string{"--account-sid", "ACnope", "--auth-token", "abc"}, "32 lowercase hex"},
		{"token with symbols", []string{"--account-sid", "AC" + strings.Repeat("0", 32), "--auth-token", "a-b"}, "letters and digits"},
		{"log format", []string{"--log-format", "xml"}, "text or json"},
		{"log level", []string{"--log-level", "verbose"}, "debug, info, warn or error"},
		{"log flush negative", []string{"--log-flush", "-1ms"}, "--log-flush must be between 0 and 10s"},
		{"log flush past 10s", []string{"--log-flush", "11s"}, "--log-flush must be between 0 and 10s"},
		{"pprof on every interface", []string{"--pprof", ":6060"}, "not a loopback address"},
		{"pprof on 0.0.0.0", []string{"--pprof", "0.0.0.0:6060"}, "not a loopback address"},
		{"pprof on [::]", []string{"--pprof", "[::]:6060"}, "not a loopback address"},
		{"pprof on another host", []string{"--pprof", "192.0.2.1:6060"}, "not a loopback address"},
		{"pprof on a name", []string{"--pprof", "example.com:6060"}, "not a loopback address"},
		{"pprof without port", []string{"--pprof", "127.0.0.1"}, "missing port"},
		{"unknown flag", []string{"--nope"}, "not defined"},
		{"negative lead time", []string{"--schedule-min-lead", "-1s"}, "must not be negative"},
		{"lead time not a duration", []string{"--schedule-min-lead", "soon"}, "invalid value"},
		{"rate limit NaN", []string{"--rate-limit", "NaN"}, "--rate-limit must be"},
		{"rate limit infinite", []string{"--rate-limit", "+Inf"}, "--rate-limit must be"},
		{"rate burst huge", []string{"--rate-burst", "99999999999"}, "--rate-burst must be"},
		{"no connections", []string{"--max-conns", "0"}, "--max-conns must be"},
		{"body rate zero", []string{"--min-body-rate", "0"}, "--min-body-rate must be"},
		{"zero timeout", []string{"--write-timeout", "0s"}, "must be positive"},
		{"timeout that would overflow a deadline", []string{"--read-timeout", "2000000h"}, "at most 24h"},
		{"lead time past the window", []string{"--schedule-min-lead", "900h"}, "at most 35 days"},
		{"call speed zero", []string{"--call-speed", "0"}, "--call-speed must be between"},
		{"call speed NaN", []string{"--call-speed", "NaN"}, "--call-speed must be between"},
		{"answer delay zero", []string{"--call-answer-delay", "0s"}, "--call-answer-delay must be positive"},
		{"answer delay that would overflow", []string{"--call-answer-delay", "2000000h"}, "--call-answer-delay must be positive and at most 24h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, tt.name+".db")}, tt.args...)
			var stderr bytes.Buffer
			err := run(context.Background(), args, func(string) string { return "" }, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error()+stderr.String(), tt.want) {
				t.Fatalf("got %v (stderr %q), want an error mentioning %q", err, stderr.String(), tt.want)
			}
		})
	}
	for name, value := range map[string]string{
		"SWITCHBOARD_SCHEDULE_MIN_LEAD": "5 minutes",
		"SWITCHBOARD_RATE_LIMIT":        "fast",
		"SWITCHBOARD_MAX_CONNS":         "many",
		"SWITCHBOARD_READ_TIMEOUT":      "10",
	} {
		err := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "env.db")},
			func(k string) string { return map[string]string{name: value}[k] }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a malformed %s: %v", name, err)
		}
	}
	if err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
}

func TestLogLevel(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantRequest bool // the request log line for GET /healthz
	}{
		{"default", nil, nil, true},
		{"debug", []string{"--log-level", "debug"}, nil, true},
		{"warn", []string{"--log-level", "warn"}, nil, false},
		{"error through the environment", nil, map[string]string{"SWITCHBOARD_LOG_LEVEL": "error"}, false},
		{"flag wins over environment", []string{"--log-level", "info"}, map[string]string{"SWITCHBOARD_LOG_LEVEL": "error"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "sb.db")}, tt.args...)
			stderr := &syncBuffer{}
			url, _, stop := startLogging(t, args, tt.env, stderr)
			resp, err := http.Get(url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if err := stop(); err != nil { // after shutdown, every line is written
				t.Fatal(err)
			}
			logged := strings.Contains(stderr.String(), "msg=request") && strings.Contains(stderr.String(), "uri=/healthz")
			if logged != tt.wantRequest {
				t.Fatalf("request logged: %v, want %v; log:\n%s", logged, tt.wantRequest, stderr)
			}
			// "shutting down" is an info line too.
			if strings.Contains(stderr.String(), "shutting down") != tt.wantRequest {
				t.Fatalf("info lines do not follow the level; log:\n%s", stderr)
			}
		})
	}
}

var profilerURL = regexp.MustCompile(`Profiler:\s+(http://\S+)/debug/pprof/`)

func TestPprof(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sb.db")

	// Off by default: no profiler line, and the API listener has no pprof pages.
	url, out, stop := start(t, []string{"--addr", "127.0.0.1:0", "--db", db}, nil)
	if strings.Contains(out.String(), "Profiler") {
		t.Fatalf("profiler announced without --pprof:\n%s", out)
	}
	if status := get(t, url+"/debug/pprof/"); status != http.StatusNotFound {
		t.Fatalf("API listener serves /debug/pprof/: HTTP %d", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// On, through the environment twin: served on its own listener only.
	url, out, stop = start(t, []string{"--addr", "127.0.0.1:0", "--db", db}, map[string]string{"SWITCHBOARD_PPROF": "127.0.0.1:0"})
	defer stop()
	deadline := time.Now().Add(5 * time.Second)
	m := profilerURL.FindStringSubmatch(out.String())
	for m == nil { // printed just after the "listening on" line that start waits for
		if time.Now().After(deadline) {
			t.Fatalf("no profiler URL printed:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
		m = profilerURL.FindStringSubmatch(out.String())
	}
	if m[1] == url {
		t.Fatalf("profiler shares the API listener %s", url)
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
		if status := get(t, m[1]+path); status != http.StatusOK {
			t.Errorf("GET %s: HTTP %d", path, status)
		}
	}
	if status := get(t, url+"/debug/pprof/"); status != http.StatusNotFound {
		t.Fatalf("API listener serves /debug/pprof/: HTTP %d", status)
	}
}

// get returns the status of GET url, having read the body.
func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

// TestLogFlush: request lines wait for --log-flush (here from its environment twin), and
// are written once it has passed, while the server runs.
func TestLogFlush(t *testing.T) {
	args := []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "sb.db")}
	stderr := &syncBuffer{}
	url, _, stop := startLogging(t, args, map[string]string{"SWITCHBOARD_LOG_FLUSH": "1s"}, stderr)
	defer stop()
	logged := func() bool { return strings.Contains(stderr.String(), "uri=/healthz") }
	start := time.Now()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if logged() && time.Since(start) < 900*time.Millisecond {
		t.Fatalf("the request line was written before --log-flush passed:\n%s", stderr)
	}
	for !logged() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the request line was not written within 10s:\n%s", stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
