package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// Tests of the real binary as separate processes: killed with SIGKILL mid-work, and two
// of them sharing one database.

// procFrom is the number the delivery tests' account buys and sends from.
const procFrom = "+14155550199"

// sbProcess is a running binary and a client of its API, as its main account.
type sbProcess struct {
	*process
	api *client.ClientWithResponses
}

func startSB(t *testing.T, db string, flags ...string) *sbProcess {
	t.Helper()
	p := startProcess(t, db, append([]string{"--log-level", "warn"}, flags...)...)
	api, err := client.New(p.URL, p.SID, p.Token)
	if err != nil {
		t.Fatal(err)
	}
	return &sbProcess{process: p, api: api}
}

func (p *sbProcess) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
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
func sendAll(t *testing.T, procs []*sbProcess, n int, cbURL string) map[string]string {
	t.Helper()
	sent := map[string]string{}
	for i := range n {
		to, from, body := destinations[i%len(destinations)], procFrom, fmt.Sprintf("message %d", i)
		p := procs[i%len(procs)]
		resp, err := p.api.CreateMessageWithFormdataBodyWithResponse(context.Background(), p.SID,
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

func buy(t *testing.T, p *sbProcess, number string) {
	t.Helper()
	resp, err := p.api.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), p.SID,
		client.CreateIncomingPhoneNumberRequest{PhoneNumber: &number})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("buy %s: %v %s", number, err, resp.Body)
	}
}

// TestKill9MidDeliveryLosesNothing kills the server (SIGKILL) while messages are on their
// way and their callbacks are waiting for a receiver that is down; after a restart every
// message reaches its final status and every callback arrives exactly once.
func TestKill9MidDeliveryLosesNothing(t *testing.T) {
	db := servertest.Database(t)
	// A port nothing listens on yet: callbacks fail (connection refused) and wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	flags := []string{"--delivery-delay", "150ms", "--webhook-backoff", "20ms", "--webhook-attempts", "50"}
	first := startSB(t, db, flags...)
	buy(t, first, procFrom)
	sent := sendAll(t, []*sbProcess{first}, 25, "http://"+addr+"/callbacks")
	time.Sleep(200 * time.Millisecond) // some messages mid-way, some callbacks tried and failed
	first.kill9(t)

	log := &callbackLog{seen: map[string][]string{}, token: first.Token}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("reopen %s for the receiver: %v", addr, err)
	}
	receiver := httptest.NewUnstartedServer(log)
	receiver.Listener = ln
	receiver.Start()
	defer receiver.Close()

	second := startSB(t, db, flags...)
	for sid, to := range sent {
		final := expectedCallbacks(to)[len(expectedCallbacks(to))-1]
		waitStatus(t, second, sid, final, 15*time.Second)
	}
	waitCallbacks(t, log, sent, 15*time.Second)
}

// TestTwoProcessesShareOneDatabase runs two servers over one database: each message is
// advanced, and each callback delivered, by exactly one of them.
func TestTwoProcessesShareOneDatabase(t *testing.T) {
	db := servertest.Database(t)
	flags := []string{"--delivery-delay", "50ms"}
	a := startSB(t, db, flags...)
	b := startSB(t, db, flags...)
	log := &callbackLog{seen: map[string][]string{}, token: a.Token}
	receiver := httptest.NewServer(log)
	defer receiver.Close()

	buy(t, a, procFrom)
	sent := sendAll(t, []*sbProcess{a, b}, 40, receiver.URL+"/callbacks")
	waitCallbacks(t, log, sent, 20*time.Second)
	for sid, to := range sent {
		final := expectedCallbacks(to)[len(expectedCallbacks(to))-1]
		waitStatus(t, a, sid, final, 5*time.Second)
	}
}

func waitStatus(t *testing.T, p *sbProcess, sid, status string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := p.api.FetchMessageWithResponse(context.Background(), p.SID, sid)
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
