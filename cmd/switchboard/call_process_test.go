package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// A call killed with SIGKILL in the middle of its TwiML, with the real binary.

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
	db := servertest.Database(t)
	// At ten times real time the 20 s pause lasts two seconds: the kill lands in it.
	flags := []string{"--call-speed", "10"}
	first := startSB(t, db, flags...)
	app := &voiceApp{got: map[string][]string{}, token: first.Token}
	receiver := httptest.NewServer(app)
	defer receiver.Close()
	resp, err := first.api.CreateCallWithFormdataBodyWithResponse(context.Background(), first.SID, client.CreateCallRequest{
		To: "+14155550100", From: "+15005550006", Url: ptr(receiver.URL + "/voice"), StatusCallback: ptr(receiver.URL + "/status")})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create call: %v %s", err, resp.Body)
	}
	sid := resp.JSON201.Sid
	waitCallEvent(t, first, sid, "Pause", 10*time.Second)
	first.kill9(t)

	second := startSB(t, db, flags...)
	waitCallEvent(t, second, sid, "Gather", 10*time.Second)
	if r, err := second.api.SendCallDigitsWithFormdataBodyWithResponse(context.Background(), second.SID, sid,
		client.CallDigitsRequest{Digits: "7"}); err != nil || r.JSON200 == nil {
		t.Fatalf("digits: %v %s", err, r.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := second.api.FetchCallWithResponse(context.Background(), second.SID, sid)
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

func callEvents(t *testing.T, p *sbProcess, sid string) []client.CallEvent {
	t.Helper()
	r, err := p.api.ListCallEventsWithResponse(context.Background(), p.SID, sid, &client.ListCallEventsParams{PageSize: ptr(client.PageSize(1000))})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("call events: %v", err)
	}
	return r.JSON200.Events
}

// waitCallEvent waits until the call has run verb.
func waitCallEvent(t *testing.T, p *sbProcess, sid, verb string, timeout time.Duration) {
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
