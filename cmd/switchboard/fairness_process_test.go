package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// stamps is a receiver that notes when each callback of interest arrived.
type stamps struct {
	mu   sync.Mutex
	seen map[string]time.Time // "sid status" -> first arrival
}

func (s *stamps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	sid, status := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	if sid == "" {
		sid, status = r.PostForm.Get("CallSid"), r.PostForm.Get("CallStatus")
	}
	if r.URL.Path == "/voice" {
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, "<Response><Say>Hello from the app</Say></Response>")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[sid+" "+status]; !ok {
		s.seen[sid+" "+status] = time.Now()
	}
}

// wait returns when sid's status callback arrived, or fails the test after limit.
func (s *stamps) wait(t *testing.T, sid, status string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		at, ok := s.seen[sid+" "+status]
		s.mu.Unlock()
		if ok {
			return at
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s callback for %s within %s", status, sid, limit)
	return time.Time{}
}

// slowApp answers every request one byte every half second, for longer than any webhook
// timeout: a slow or broken app. It counts the requests it holds.
type slowApp struct{ holding atomic.Int64 }

func (s *slowApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.holding.Add(1)
	defer s.holding.Add(-1)
	w.WriteHeader(http.StatusOK)
	for range 120 {
		if _, err := w.Write([]byte(" ")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// TestSlowTenantDoesNotStallAnother: tenant B's 32 messages have a status callback whose
// app answers one byte every half second, until the webhook timeout cuts it; meanwhile
// tenant A's message is delivered, its callbacks arrive, and A's call is answered, as
// they are on an idle server: before B's first slow webhook times out, and within the
// same order of time as on the idle server in this run. The steps of the simulated
// networks run in a lane of their own, and B's requests hold at most their cap of the
// request workers.
func TestSlowTenantDoesNotStallAnother(t *testing.T) {
	const timeout = 6 * time.Second
	p := startSB(t, servertest.Database(t), "--webhook-timeout", timeout.String(), "--call-answer-delay", "200ms")
	ctx := context.Background()
	fast := &stamps{seen: map[string]time.Time{}}
	fastSrv := httptest.NewServer(fast)
	defer fastSrv.Close()
	slow := &slowApp{}
	slowSrv := httptest.NewServer(slow)
	defer slowSrv.Close()
	defer slowSrv.CloseClientConnections() // first: its requests would run a minute

	// Tenant A is the main account; tenant B another main account's... a subaccount is
	// enough: the caps are per account, and B cannot see A's resources.
	buy := func(api *client.ClientWithResponses, account, number string) {
		t.Helper()
		voice := fastSrv.URL + "/voice"
		resp, err := api.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, account,
			client.CreateIncomingPhoneNumberRequest{PhoneNumber: &number, VoiceUrl: &voice})
		if err != nil || resp.JSON201 == nil {
			t.Fatalf("buy %s: %v %s", number, err, resp.Body)
		}
	}
	buy(p.api, p.SID, procFrom)
	sub, err := p.api.CreateAccountWithFormdataBodyWithResponse(ctx, client.CreateAccountRequest{FriendlyName: ptrTo("tenant B")})
	if err != nil || sub.JSON201 == nil {
		t.Fatalf("tenant B: %v %s", err, sub.Body)
	}
	b, err := client.New(p.URL, sub.JSON201.Sid, sub.JSON201.AuthToken)
	if err != nil {
		t.Fatal(err)
	}
	bSid := sub.JSON201.Sid
	buy(b, bSid, "+14155550198")

	// A's journey: a text delivered (its callback) and a call answered (its callback).
	journey := func(label string) (delivered, answered time.Duration) {
		t.Helper()
		cb, from, body := fastSrv.URL+"/status", procFrom, "hello "+label
		start := time.Now()
		msg, err := p.api.CreateMessageWithFormdataBodyWithResponse(ctx, p.SID,
			client.CreateMessageRequest{To: "+14155550100", From: &from, Body: &body, StatusCallback: &cb})
		if err != nil || msg.JSON201 == nil {
			t.Fatalf("%s: A's message: %v %s", label, err, msg.Body)
		}
		callStart := time.Now()
		voice := fastSrv.URL + "/voice"
		events := []client.StatusCallbackEvent{client.StatusCallbackEventAnswered}
		call, err := p.api.CreateCallWithFormdataBodyWithResponse(ctx, p.SID, client.CreateCallRequest{To: client.CallEndpoint("+14155550100"), From: procFrom,
			Url: &voice, StatusCallback: &cb, StatusCallbackEvent: &events})
		if err != nil || call.JSON201 == nil {
			t.Fatalf("%s: A's call: %v %s", label, err, call.Body)
		}
		delivered = fast.wait(t, msg.JSON201.Sid, "delivered", 2*timeout).Sub(start)
		answered = fast.wait(t, call.JSON201.Sid, "in-progress", 2*timeout).Sub(callStart)
		return delivered, answered
	}

	idleDelivered, idleAnswered := journey("idle")

	// B floods: 32 messages whose callbacks go to the slow app.
	slowCB := slowSrv.URL + "/status"
	for i := range 32 {
		from, body := "+14155550198", fmt.Sprintf("B %d", i)
		resp, err := b.CreateMessageWithFormdataBodyWithResponse(ctx, bSid,
			client.CreateMessageRequest{To: "+14155550101", From: &from, Body: &body, StatusCallback: &slowCB})
		if err != nil || resp.JSON201 == nil {
			t.Fatalf("B's message %d: %v %s", i, err, resp.Body)
		}
	}
	deadline := time.Now().Add(timeout)
	for slow.holding.Load() < 8 {
		if time.Now().After(deadline) {
			t.Fatalf("the slow app holds %d requests, want B's webhooks under way", slow.holding.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	firstSlow := time.Now() // B's first slow webhooks time out about timeout from here

	busyDelivered, busyAnswered := journey("busy")
	t.Logf("A's message delivered after %s idle, %s with B's slow webhooks held (%d); call answered after %s idle, %s busy",
		idleDelivered, busyDelivered, slow.holding.Load(), idleAnswered, busyAnswered)
	if time.Since(firstSlow) >= timeout {
		t.Errorf("A's journey ended %s after B's slow webhooks started: after the first of them timed out (%s)", time.Since(firstSlow), timeout)
	}
	// Generous against the idle run of the same test, so that a busy machine does not
	// fail it; a stall behind B's webhooks is seconds.
	for _, c := range []struct {
		what       string
		idle, busy time.Duration
	}{{"delivery", idleDelivered, busyDelivered}, {"answer", idleAnswered, busyAnswered}} {
		if c.busy > 3*c.idle+time.Second {
			t.Errorf("A's %s took %s beside B's slow webhooks, %s on the idle server", c.what, c.busy, c.idle)
		}
	}
	if n := slow.holding.Load(); n > 32 {
		t.Errorf("the slow app holds %d of B's requests, over the per-account cap of 32", n)
	}
}

func ptrTo[T any](v T) *T { return &v }
