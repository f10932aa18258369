package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-dev/switchboard/client"
)

// Tests of the real binary as separate processes: killed with SIGKILL mid-work, and two
// of them sharing one database file.

const (
	procSid   = "AC0123456789abcdef0123456789abcdef"
	procToken = "processTestToken"
	procFrom  = "+14155550199"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds this command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "switchboard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running switchboard binary.
type process struct {
	cmd *exec.Cmd
	url string
	api *client.ClientWithResponses
}

// startProcess runs the binary over db with fixed credentials and extra flags, and waits
// until it listens. The process is killed when the test ends, if it still runs.
func startProcess(t *testing.T, db string, flags ...string) *process {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--db", db, "--account-sid", procSid, "--auth-token", procToken,
		"--log-level", "warn"}, flags...)
	cmd := exec.Command(binary(t), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-found:
		api, err := client.New(u, procSid, procToken)
		if err != nil {
			t.Fatal(err)
		}
		return &process{cmd: cmd, url: u, api: api}
	case <-time.After(15 * time.Second):
		t.Fatal("the binary did not start listening")
	}
	return nil
}

func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// callbackLog is a webhook receiver that counts each (message, status) callback.
type callbackLog struct {
	mu    sync.Mutex
	seen  map[string][]string // message SID -> statuses in arrival order
	bad   []string
	token string
}

func (c *callbackLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	sid, status := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[sid] = append(c.seen[sid], status)
	params := map[string]string{}
	for k := range r.PostForm {
		params[k] = r.PostForm.Get(k)
	}
	v := twclient.NewRequestValidator(c.token)
	if !v.Validate("http://"+r.Host+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
		c.bad = append(c.bad, sid+" "+status+": bad signature")
	}
}

func (c *callbackLog) snapshot() map[string][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string][]string, len(c.seen))
	for k, v := range c.seen {
		out[k] = slices.Clone(v)
	}
	return out
}

// expectedCallbacks is what a receiver must see, exactly once each and in this order,
// for a message to to: the simulated carrier's steps (docs/simulator.md).
func expectedCallbacks(to string) []string {
	switch to {
	case "+15553000006", "+15553000008":
		return []string{"failed"}
	case "+15553000003":
		return []string{"sending", "sent", "undelivered"}
	}
	return []string{"sending", "sent", "delivered"}
}

var destinations = []string{"+14155550100", "+14155550101", "+15553000003", "+15553000006", "+14155550102"}

// sendAll creates n messages through the given processes in turn, each with a status
// callback to cbURL, and returns their destinations by SID.
func sendAll(t *testing.T, procs []*process, n int, cbURL string) map[string]string {
	t.Helper()
	sent := map[string]string{}
	for i := range n {
		to, from, body := destinations[i%len(destinations)], procFrom, fmt.Sprintf("message %d", i)
		resp, err := procs[i%len(procs)].api.CreateMessageWithFormdataBodyWithResponse(context.Background(), procSid,
			client.CreateMessageRequest{To: to, From: &from, Body: &body, StatusCallback: &cbURL})
		if err != nil || resp.JSON201 == nil {
			t.Fatalf("create %d: %v %s", i, err, resp.Body)
		}
		sent[resp.JSON201.Sid] = to
	}
	return sent
}

// waitCallbacks waits until every message's callbacks have arrived, then checks that
// each arrived exactly once and in order.
func waitCallbacks(t *testing.T, log *callbackLog, sent map[string]string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		seen := log.snapshot()
		complete := true
		for sid, to := range sent {
			if len(seen[sid]) < len(expectedCallbacks(to)) {
				complete = false
			}
		}
		if complete || time.Now().After(deadline) {
			time.Sleep(300 * time.Millisecond) // room for a duplicate to show up
			seen = log.snapshot()
			for sid, to := range sent {
				if want := expectedCallbacks(to); !slices.Equal(seen[sid], want) {
					t.Errorf("message %s to %s: callbacks %v, want exactly %v", sid, to, seen[sid], want)
				}
			}
			if len(seen) != len(sent) {
				t.Errorf("callbacks for %d messages, want %d", len(seen), len(sent))
			}
			if len(log.bad) > 0 {
				t.Errorf("bad callbacks: %v", log.bad)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func buy(t *testing.T, p *process, number string) {
	t.Helper()
	resp, err := p.api.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), procSid,
		client.CreateIncomingPhoneNumberRequest{PhoneNumber: &number})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("buy %s: %v %s", number, err, resp.Body)
	}
}

// TestKill9MidDeliveryLosesNothing kills the server (SIGKILL) while messages are on their
// way and their callbacks are waiting for a receiver that is down; after a restart every
// message reaches its final status and every callback arrives exactly once.
func TestKill9MidDeliveryLosesNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sb.db")
	// A port nothing listens on yet: callbacks fail (connection refused) and wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	flags := []string{"--delivery-delay", "150ms", "--webhook-backoff", "20ms", "--webhook-attempts", "50"}
	first := startProcess(t, db, flags...)
	buy(t, first, procFrom)
	sent := sendAll(t, []*process{first}, 25, "http://"+addr+"/callbacks")
	time.Sleep(200 * time.Millisecond) // some messages mid-way, some callbacks tried and failed
	first.kill9(t)

	log := &callbackLog{seen: map[string][]string{}, token: procToken}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("reopen %s for the receiver: %v", addr, err)
	}
	receiver := httptest.NewUnstartedServer(log)
	receiver.Listener = ln
	receiver.Start()
	defer receiver.Close()

	second := startProcess(t, db, flags...)
	for sid, to := range sent {
		final := expectedCallbacks(to)[len(expectedCallbacks(to))-1]
		waitStatus(t, second, sid, final, 15*time.Second)
	}
	waitCallbacks(t, log, sent, 15*time.Second)
}

// TestTwoProcessesShareOneDatabase runs two servers over one file: each message is
// advanced, and each callback delivered, by exactly one of them.
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sb.db")
	log := &callbackLog{seen: map[string][]string{}, token: procToken}
	receiver := httptest.NewServer(log)
	defer receiver.Close()

	flags := []string{"--delivery-delay", "50ms"}
	a := startProcess(t, db, flags...)
	b := startProcess(t, db, flags...)
	buy(t, a, procFrom)
	sent := sendAll(t, []*process{a, b}, 40, receiver.URL+"/callbacks")
	waitCallbacks(t, log, sent, 20*time.Second)
	for sid, to := range sent {
		final := expectedCallbacks(to)[len(expectedCallbacks(to))-1]
		waitStatus(t, a, sid, final, 5*time.Second)
	}
}

func waitStatus(t *testing.T, p *process, sid, status string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := p.api.FetchMessageWithResponse(context.Background(), procSid, sid)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("fetch %s: %v", sid, err)
		}
		if string(resp.JSON200.Status) == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s is %s after %s, want %s", sid, resp.JSON200.Status, timeout, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// voiceApp is an app's voice webhook: a document with a long pause before a menu, and
// the menu's action. It counts every request by path and checks each signature.
type voiceApp struct {
	mu    sync.Mutex
	got   map[string][]string // path -> Digits of each request
	bad   []string
	token string
}

func (a *voiceApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	params := map[string]string{}
	for k := range r.PostForm {
		params[k] = r.PostForm.Get(k)
	}
	v := twclient.NewRequestValidator(a.token)
	a.mu.Lock()
	a.got[r.URL.Path] = append(a.got[r.URL.Path], r.PostForm.Get("Digits"))
	if !v.Validate("http://"+r.Host+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
		a.bad = append(a.bad, r.URL.Path)
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	switch r.URL.Path {
	case "/voice":
		io.WriteString(w, `<Response><Say>One two three.</Say><Pause length="20"/>
			<Gather numDigits="1" action="/menu" timeout="600"><Say>Press a key.</Say></Gather></Response>`)
	case "/menu":
		io.WriteString(w, `<Response><Say>You pressed `+r.PostForm.Get("Digits")+`.</Say><Pause length="3"/><Hangup/></Response>`)
	}
}

func (a *voiceApp) snapshot() map[string][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string][]string{}
	for k, v := range a.got {
		out[k] = slices.Clone(v)
	}
	return out
}

// TestKill9MidCallResumes kills the server (SIGKILL) while a call is in the middle of its
// TwiML. Restarted, the call goes on from the verb it was at: nothing is fetched, said or
// sent twice, and it ends as it would have.
func TestKill9MidCallResumes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sb.db")
	app := &voiceApp{got: map[string][]string{}, token: procToken}
	receiver := httptest.NewServer(app)
	defer receiver.Close()

	// At ten times real time the 20 s pause lasts two seconds: the kill lands in it.
	flags := []string{"--call-speed", "10"}
	first := startProcess(t, db, flags...)
	resp, err := first.api.CreateCallWithFormdataBodyWithResponse(context.Background(), procSid, client.CreateCallRequest{
		To: "+14155550100", From: "+15005550006", Url: ptr(receiver.URL + "/voice"), StatusCallback: ptr(receiver.URL + "/status")})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create call: %v %s", err, resp.Body)
	}
	sid := resp.JSON201.Sid
	waitCallEvent(t, first, sid, "Pause", 10*time.Second)
	first.kill9(t)

	second := startProcess(t, db, flags...)
	waitCallEvent(t, second, sid, "Gather", 10*time.Second)
	if r, err := second.api.SendCallDigitsWithFormdataBodyWithResponse(context.Background(), procSid, sid,
		client.CallDigitsRequest{Digits: "7"}); err != nil || r.JSON200 == nil {
		t.Fatalf("digits: %v %s", err, r.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := second.api.FetchCallWithResponse(context.Background(), procSid, sid)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("fetch call: %v", err)
		}
		if r.JSON200.Status == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call is %s", r.JSON200.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // room for a duplicate callback to show up

	got := app.snapshot()
	if !slices.Equal(got["/voice"], []string{""}) || !slices.Equal(got["/menu"], []string{"7"}) || len(got["/status"]) != 1 {
		t.Errorf("requests %v: want the document once, the menu once with 7, one status callback", got)
	}
	if len(app.bad) > 0 {
		t.Errorf("badly signed requests: %v", app.bad)
	}
	var verbs []string
	for _, e := range callEvents(t, second, sid) {
		if e.Type == "verb" {
			verbs = append(verbs, e.Data["verb"])
		}
	}
	if want := []string{"Say", "Pause", "Gather", "Say", "Say", "Pause", "Hangup"}; !slices.Equal(verbs, want) {
		t.Errorf("verbs run %v, want each once: %v", verbs, want)
	}
}

func ptr[T any](v T) *T { return &v }

func callEvents(t *testing.T, p *process, sid string) []client.CallEvent {
	t.Helper()
	r, err := p.api.ListCallEventsWithResponse(context.Background(), procSid, sid, &client.ListCallEventsParams{PageSize: ptr(client.PageSize(1000))})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("call events: %v", err)
	}
	return r.JSON200.Events
}

// waitCallEvent waits until the call has run verb.
func waitCallEvent(t *testing.T, p *process, sid, verb string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range callEvents(t, p, sid) {
			if e.Type == "verb" && e.Data["verb"] == verb {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s did not run <%s>", sid, verb)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
