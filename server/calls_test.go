package server_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/servertest"
)

// Calls run at the servertest default speed (100 times real time): a simulated second
// passes in 10 ms.

const callerID = "+15005550006" // Twilio's magic caller ID: any account may use it

func placeCall(t *testing.T, env *servertest.Env, req client.CreateCallRequest) client.Call {
	t.Helper()
	resp, err := env.Client.CreateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create call: %v HTTP %d %s", err, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

func fetchCall(t *testing.T, env *servertest.Env, sid string) client.Call {
	t.Helper()
	resp, err := env.Client.FetchCallWithResponse(context.Background(), env.Main.Sid, sid)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("fetch call %s: %v %s", sid, err, resp.Body)
	}
	return *resp.JSON200
}

// waitForCall polls a call until its status is one of statuses.
func waitForCall(t *testing.T, env *servertest.Env, sid string, statuses ...string) client.Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := fetchCall(t, env, sid)
		if slices.Contains(statuses, string(c.Status)) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s is %s, want one of %v; events:\n%s", sid, c.Status, statuses, timeline(callEvents(t, env, sid)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// callEvents reads a call's whole timeline, following the pages.
func callEvents(t *testing.T, env *servertest.Env, sid string) []client.CallEvent {
	t.Helper()
	var all []client.CallEvent
	params := &client.ListCallEventsParams{PageSize: ptr(client.PageSize(20))}
	for {
		resp, err := env.Client.ListCallEventsWithResponse(context.Background(), env.Main.Sid, sid, params)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("call events: %v %s", err, resp.Body)
		}
		all = append(all, resp.JSON200.Events...)
		next := resp.JSON200.Meta.NextPageUrl
		if next == nil {
			return all
		}
		token := strings.SplitN(strings.SplitN(*next, "PageToken=", 2)[1], "&", 2)[0]
		page := resp.JSON200.Meta.Page + 1
		params = &client.ListCallEventsParams{PageSize: params.PageSize, Page: &page, PageToken: &token}
	}
}

// waitForEvent waits until the call's timeline has an event that match accepts.
func waitForEvent(t *testing.T, env *servertest.Env, sid string, match func(client.CallEvent) bool) client.CallEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := callEvents(t, env, sid)
		for _, e := range events {
			if match(e) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no such event on call %s; events:\n%s", sid, timeline(events))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func isVerb(verb string) func(client.CallEvent) bool {
	return func(e client.CallEvent) bool { return e.Type == "verb" && e.Data["verb"] == verb }
}

// timeline is the events as "type: description" lines, for failure messages and
// comparisons.
func timeline(events []client.CallEvent) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(string(e.Type) + ": " + e.Description + "\n")
	}
	return b.String()
}

// kinds is each event as "type" or "type:verb" for verbs.
func kinds(events []client.CallEvent) []string {
	var out []string
	for _, e := range events {
		k := string(e.Type)
		switch e.Type {
		case "verb":
			k += ":" + e.Data["verb"]
		case "status":
			k += ":" + e.Data["status"]
		case "webhook":
			k += ":" + e.Data["event"]
		}
		out = append(out, k)
	}
	return out
}

// app answers TwiML by path; anything else is answered 200 with an empty body.
func app(rc *servertest.Receiver, docs map[string]string) {
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		doc, ok := docs[r.Path]
		if !ok {
			return http.StatusOK, "", ""
		}
		return http.StatusOK, "text/xml", strings.ReplaceAll(doc, "{Digits}", r.Form.Get("Digits"))
	})
}

func byPath(reqs []servertest.Received, path string) []servertest.Received {
	var out []servertest.Received
	for _, r := range reqs {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestCallGatherSayHangup(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	app(rc, map[string]string{
		"/voice": `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" action="/menu" timeout="10"><Say>For sales, press 1.</Say></Gather>
  <Say>We did not get a key.</Say>
</Response>`,
		"/menu": `<Response><Say>You pressed {Digits}.</Say><Hangup/><Say>never said</Say></Response>`,
	})
	events := []client.StatusCallbackEvent{"initiated", "ringing", "answered", "completed"}
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice"),
		SendDigits: ptr("1"), StatusCallback: ptr(rc.URL + "/status?leg=a"), StatusCallbackEvent: &events})
	if call.Status != "queued" || call.Direction != "outbound-api" || call.StartTime != nil || call.EndTime != nil ||
		call.Duration != nil || call.Price != nil || call.ToFormatted != "(415) 555-0100" || call.QueueTime != "0" ||
		call.Uri != "/2010-04-01/Accounts/"+sid+"/Calls/"+call.Sid+".json" {
		t.Fatalf("created: %+v", call)
	}

	done := waitForCall(t, env, call.Sid, "completed", "busy", "failed", "no-answer", "canceled")
	// Answered after the 2 s answer delay; "You pressed 1." is three words at 0.4 s each:
	// 1.2 s on the line, billed as 2 s, one started minute.
	if done.Status != "completed" || deref(done.Duration) != "2" || deref(done.Price) != "-0.01400" ||
		done.StartTime == nil || done.EndTime == nil {
		t.Fatalf("ended: status %s duration %v price %v start %v end %v", done.Status, deref(done.Duration), deref(done.Price),
			deref(done.StartTime), deref(done.EndTime))
	}

	got := callEvents(t, env, call.Sid)
	want := []string{"status:queued", "status:ringing", "status:in-progress", "digits", "webhook:call-twiml", "verb:Gather",
		"gather", "webhook:gather-action", "verb:Say", "verb:Hangup", "status:completed"}
	if k := kinds(got); !slices.Equal(k, want) {
		t.Fatalf("timeline\n%v\nwant\n%v\n%s", k, want, timeline(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].ElapsedMs < got[i-1].ElapsedMs {
			t.Errorf("event %d at %d ms comes before event %d at %d ms", i, got[i].ElapsedMs, i-1, got[i-1].ElapsedMs)
		}
	}
	if e := got[8]; e.Data["text"] != "You pressed 1." || e.ElapsedMs != 2000 || e.Data["duration_ms"] != "1200" {
		t.Errorf("say event %+v", e)
	}
	if e := got[6]; e.Data["digits"] != "1" || e.Data["result"] != "digits" {
		t.Errorf("gather event %+v", e)
	}

	// Every request the call made is signed for the account's token, and carries
	// Twilio's parameters.
	reqs := rc.WaitFor(t, 6, 5*time.Second)
	for _, r := range reqs {
		if !r.Valid || r.Method != http.MethodPost {
			t.Errorf("%s %s: signature %q valid=%v", r.Method, r.Path, r.Signature, r.Valid)
		}
		for k, v := range map[string]string{"CallSid": call.Sid, "AccountSid": sid, "From": callerID, "To": "+14155550100",
			"ApiVersion": "2010-04-01", "Direction": "outbound-api"} {
			if r.Form.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", r.Path, k, r.Form.Get(k), v)
			}
		}
	}
	if v := byPath(reqs, "/voice"); len(v) != 1 || v[0].Form.Get("CallStatus") != "in-progress" {
		t.Errorf("voice requests %+v", v)
	}
	if m := byPath(reqs, "/menu"); len(m) != 1 || m[0].Form.Get("Digits") != "1" {
		t.Errorf("gather action requests %+v", m)
	}

	// The status callbacks, in order, numbered, the last with the call's duration.
	status := byPath(reqs, "/status")
	var statuses []string
	for i, r := range status {
		statuses = append(statuses, r.Form.Get("CallStatus"))
		if r.Form.Get("SequenceNumber") != strconv.Itoa(i) || r.Form.Get("CallbackSource") != "call-progress-events" ||
			r.Form.Get("Timestamp") == "" {
			t.Errorf("callback %d: %v", i, r.Form)
		}
	}
	if !slices.Equal(statuses, []string{"initiated", "ringing", "in-progress", "completed"}) {
		t.Fatalf("callbacks %v", statuses)
	}
	if d := status[3].Form.Get("CallDuration"); d != "2" {
		t.Errorf("completed callback CallDuration %q", d)
	}

	// Each request is in WebhookDeliveries, under the call.
	ds := deliveriesOf(t, env, call.Sid, 6)
	var kinds []string
	for _, d := range ds {
		kinds = append(kinds, string(d.Event))
	}
	for _, want := range []string{"call-twiml", "gather-action", "call-status"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("deliveries %v lack %s", kinds, want)
		}
	}
}
