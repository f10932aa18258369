package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
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
	var found client.CallEvent
	waitForEvents(t, env, sid, func(events []client.CallEvent) bool {
		i := slices.IndexFunc(events, match)
		if i >= 0 {
			found = events[i]
		}
		return i >= 0
	})
	return found
}

// waitForEvents waits until done accepts the call's whole timeline, read afresh each time.
func waitForEvents(t *testing.T, env *servertest.Env, sid string, done func([]client.CallEvent) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := callEvents(t, env, sid)
		if done(events) {
			return
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
			"ApiVersion": "2010-04-01", "Direction": "outbound-api", "ToCountry": "US"} {
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

	// The account lists calls and recordings among its subresources.
	acct, err := env.Client.FetchAccountWithResponse(context.Background(), sid)
	if err != nil || acct.JSON200 == nil {
		t.Fatalf("fetch account: %v", err)
	}
	if u := acct.JSON200.SubresourceUris; u["calls"] != "/2010-04-01/Accounts/"+sid+"/Calls.json" ||
		u["recordings"] != "/2010-04-01/Accounts/"+sid+"/Recordings.json" {
		t.Errorf("subresource_uris %v", u)
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

func TestCallDestinations(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	tests := []struct {
		to        string
		status    string
		callbacks []string
		rang      bool
	}{
		{"+15554000001", "busy", []string{"initiated", "ringing", "busy"}, true},
		{"+15554000002", "no-answer", []string{"initiated", "ringing", "no-answer"}, true},
		{"+15554000003", "failed", []string{"initiated", "failed"}, false},
		{"+14155550100", "completed", []string{"initiated", "ringing", "in-progress", "completed"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			t.Parallel()
			rc := servertest.NewReceiver(t, env.Main.AuthToken)
			events := []client.StatusCallbackEvent{"initiated", "ringing", "answered", "completed"}
			call := placeCall(t, env, client.CreateCallRequest{To: tt.to, From: callerID, Twiml: ptr("<Response><Say>Hi</Say></Response>"),
				Timeout: ptr(5), StatusCallback: ptr(rc.URL), StatusCallbackEvent: &events})
			done := waitForCall(t, env, call.Sid, tt.status)
			if tt.status != "completed" && (deref(done.Duration) != "0" || deref(done.Price) != "0.00000") {
				t.Errorf("unanswered call: duration %q price %q", deref(done.Duration), deref(done.Price))
			}
			if (done.StartTime != nil) != tt.rang || done.EndTime == nil {
				t.Errorf("start_time %v end_time %v", deref(done.StartTime), deref(done.EndTime))
			}
			reqs := rc.WaitFor(t, len(tt.callbacks), 5*time.Second)
			var got []string
			for _, r := range reqs {
				got = append(got, r.Form.Get("CallStatus"))
				if !r.Valid {
					t.Errorf("callback %s not signed right", r.Form.Get("CallStatus"))
				}
			}
			if !slices.Equal(got, tt.callbacks) {
				t.Errorf("callbacks %v, want %v", got, tt.callbacks)
			}
		})
	}
}

// A phone that rings longer than the call's Timeout is not answered.
func TestCallTimeout(t *testing.T) {
	env := servertest.Start(t, servertest.Options{CallAnswerDelay: 30 * time.Second})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Twiml: ptr("<Response/>"), Timeout: ptr(10)})
	done := waitForCall(t, env, call.Sid, "no-answer", "completed")
	if done.Status != "no-answer" {
		t.Fatalf("status %s", done.Status)
	}
	events := callEvents(t, env, call.Sid)
	if last := events[len(events)-1]; last.ElapsedMs != 10000 {
		t.Errorf("no-answer at %d ms, want 10000 (Timeout 10 s)", last.ElapsedMs)
	}
}

// TimeLimit ends a call that would go on longer.
func TestCallTimeLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr(`<Response><Play loop="0">https://example.com/hold.mp3</Play></Response>`), TimeLimit: ptr(30)})
	done := waitForCall(t, env, call.Sid, "completed")
	if deref(done.Duration) != "30" {
		t.Errorf("duration %q, want 30", deref(done.Duration))
	}
	events := callEvents(t, env, call.Sid)
	if last := events[len(events)-1]; last.Data["reason"] != "time limit" || last.ElapsedMs != 32000 {
		t.Errorf("last event %+v", last)
	}
}

// The far end of +15554000004 hangs up ten seconds after answering.
func TestCallFarEndHangsUp(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	call := placeCall(t, env, client.CreateCallRequest{To: "+15554000004", From: callerID,
		Twiml: ptr(`<Response><Pause length="60"/></Response>`)})
	done := waitForCall(t, env, call.Sid, "completed")
	if deref(done.Duration) != "10" {
		t.Errorf("duration %q, want 10", deref(done.Duration))
	}
}

func TestCancelRingingCall(t *testing.T) {
	env := servertest.Start(t, servertest.Options{CallAnswerDelay: time.Hour})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice"),
		Timeout: ptr(600), StatusCallback: ptr(rc.URL + "/status")})
	waitForCall(t, env, call.Sid, "ringing")
	status := client.UpdateCallRequestStatusCanceled
	resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid, client.UpdateCallRequest{Status: &status})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("cancel: %v %s", err, resp.Body)
	}
	if c := resp.JSON200; c.Status != "canceled" || deref(c.Duration) != "0" || c.EndTime == nil {
		t.Fatalf("canceled call %+v", c)
	}
	// The callback says so; the call never fetched its TwiML.
	reqs := rc.WaitFor(t, 1, 5*time.Second)
	if reqs[0].Path != "/status" || reqs[0].Form.Get("CallStatus") != "canceled" {
		t.Errorf("request %s %v", reqs[0].Path, reqs[0].Form)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.Requests()); n != 1 {
		t.Errorf("%d requests, want only the callback", n)
	}
	// Once ended, a call cannot be changed (21220), and can be deleted.
	code, body := updateCallRaw(t, env, call.Sid, "Status=completed")
	wantError(t, code, body, http.StatusBadRequest, 21220)
	if r, err := env.Client.DeleteCallWithResponse(context.Background(), env.Main.Sid, call.Sid); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %s", err, r.Body)
	}
	if r, _ := env.Client.FetchCallWithResponse(context.Background(), env.Main.Sid, call.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("fetch after delete: HTTP %d", r.StatusCode())
	}
}

func updateCallRaw(t *testing.T, env *servertest.Env, sid, form string) (int, []byte) {
	t.Helper()
	return env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+env.Main.Sid+"/Calls/"+sid+".json", env.Main.Sid, env.Main.AuthToken,
		strings.NewReader(form), formType)
}

func TestCompleteCallInProgress(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr(`<Response><Pause length="600"/><Say>never</Say></Response>`)})
	waitForEvent(t, env, call.Sid, isVerb("Pause"))

	// A call in progress cannot be canceled (21220), nor deleted (20009).
	code, body := updateCallRaw(t, env, call.Sid, "Status=canceled")
	wantError(t, code, body, http.StatusBadRequest, 21220)
	r, err := env.Client.DeleteCallWithResponse(context.Background(), env.Main.Sid, call.Sid)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, 20009)

	status := client.UpdateCallRequestStatusCompleted
	resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid, client.UpdateCallRequest{Status: &status})
	if err != nil || resp.JSON200 == nil || resp.JSON200.Status != "completed" || resp.JSON200.Duration == nil {
		t.Fatalf("hang up: %v %s", err, resp.Body)
	}
	time.Sleep(100 * time.Millisecond) // the Pause would have ended by now, had the call gone on
	events := callEvents(t, env, call.Sid)
	if slices.ContainsFunc(events, isVerb("Say")) {
		t.Errorf("the call went on after it was hung up:\n%s", timeline(events))
	}
	if last := events[len(events)-1]; last.Type != "status" || last.Data["status"] != "completed" {
		t.Errorf("last event %+v", last)
	}
}

// TestUpdateCallChecksItsParameters: a live call's update is refused whole when its
// parameters conflict or a URL is not one; an empty callback URL is allowed.
func TestUpdateCallChecksItsParameters(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr(`<Response><Pause length="600"/></Response>`)})
	waitForEvent(t, env, call.Sid, isVerb("Pause"))
	twiml := "Twiml=%3CResponse%2F%3E"
	for _, tt := range []struct {
		form         string
		status, code int
	}{
		{"Url=https%3A%2F%2Fexample.com%2Fa&" + twiml, 400, 20001},
		{"Status=completed&" + twiml, 400, 20001},
		{"Url=example.com%2Fnext", 400, 21205},
		{"StatusCallback=ftp%3A%2F%2Fexample.com%2Fcb", 400, 20001},
		{"FallbackUrl=example.com%2Ffallback", 400, 20001},
	} {
		code, body := updateCallRaw(t, env, call.Sid, tt.form)
		t.Run(tt.form, func(t *testing.T) { wantError(t, code, body, tt.status, tt.code) })
	}
	if code, body := updateCallRaw(t, env, call.Sid, "StatusCallback=&FallbackUrl="); code != http.StatusOK {
		t.Errorf("empty callback URLs: HTTP %d %s", code, body)
	}
	if got := fetchCall(t, env, call.Sid); got.Status != "in-progress" {
		t.Errorf("after the refused updates the call is %s, want in-progress", got.Status)
	}
}

func TestRedirectLiveCall(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	app(rc, map[string]string{
		"/hold": `<Response><Play loop="0">hold.mp3</Play></Response>`,
		"/next": `<Response><Say>Thanks for holding.</Say></Response>`,
	})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/hold")})
	hold := waitForEvent(t, env, call.Sid, isVerb("Play"))
	if hold.Data["url"] != rc.URL+"/hold.mp3" || hold.Data["duration_ms"] != "forever" {
		t.Errorf("play event %+v", hold)
	}
	next := rc.URL + "/next"
	method := client.HttpMethodGET
	resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid,
		client.UpdateCallRequest{Url: &next, Method: &method})
	if err != nil || resp.JSON200 == nil || resp.JSON200.Status != "in-progress" {
		t.Fatalf("redirect: %v %s", err, resp.Body)
	}
	waitForCall(t, env, call.Sid, "completed")
	events := callEvents(t, env, call.Sid)
	want := []string{"api", "webhook:call-twiml", "verb:Say", "verb:(end)", "status:completed"}
	if k := kinds(events); !slices.Equal(k[len(k)-len(want):], want) {
		t.Fatalf("timeline ends %v, want %v\n%s", k, want, timeline(events))
	}
	if r := byPath(rc.Requests(), "/next"); len(r) != 1 || r[0].Method != http.MethodGet || !r[0].Valid {
		t.Errorf("redirect request %+v", r)
	}

	// Inline TwiML redirects too.
	call = placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/hold")})
	waitForEvent(t, env, call.Sid, isVerb("Play"))
	code, body := updateCallRaw(t, env, call.Sid, "Twiml="+"%3CResponse%3E%3CSay%3EBye%3C%2FSay%3E%3C%2FResponse%3E")
	if code != http.StatusOK {
		t.Fatalf("twiml redirect: %d %s", code, body)
	}
	waitForCall(t, env, call.Sid, "completed")
	say := waitForEvent(t, env, call.Sid, isVerb("Say"))
	if say.Data["text"] != "Bye" {
		t.Errorf("say %+v", say)
	}
}

func TestCallFallbackAndApplicationError(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/broken":
			return http.StatusInternalServerError, "text/plain", "boom"
		case "/notxml":
			return http.StatusOK, "text/plain", "hello"
		case "/fallback":
			return http.StatusOK, "text/xml", "<Response><Say>From the fallback</Say></Response>"
		case "/loop":
			return http.StatusOK, "text/xml", "<Response><Redirect>/loop</Redirect></Response>"
		}
		return http.StatusNotFound, "", ""
	})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/broken"),
		FallbackUrl: ptr(rc.URL + "/fallback")})
	waitForCall(t, env, call.Sid, "completed")
	if say := waitForEvent(t, env, call.Sid, isVerb("Say")); say.Data["text"] != "From the fallback" {
		t.Errorf("say %+v", say)
	}

	for path, code := range map[string]string{"/broken": "11200", "/notxml": "12300", "/loop": "12100"} {
		call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + path)})
		done := waitForCall(t, env, call.Sid, "completed")
		e := waitForEvent(t, env, call.Sid, func(e client.CallEvent) bool { return e.Type == "error" })
		if e.Data["error_code"] != code || deref(done.Duration) != "0" {
			t.Errorf("%s: error event %+v, duration %v", path, e, deref(done.Duration))
		}
	}
}

// A new TimeLimit applies from then on, raised or lowered, counted from the answer.
func TestUpdateTimeLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for _, tt := range []struct{ first, then, want int }{{30, 60, 60}, {300, 20, 20}} {
		call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, TimeLimit: ptr(tt.first),
			Twiml: ptr(`<Response><Pause length="600"/></Response>`)})
		waitForEvent(t, env, call.Sid, isVerb("Pause"))
		resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid,
			client.UpdateCallRequest{TimeLimit: ptr(tt.then)})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("update: %v %s", err, resp.Body)
		}
		if done := waitForCall(t, env, call.Sid, "completed"); deref(done.Duration) != strconv.Itoa(tt.want) {
			t.Errorf("TimeLimit %d then %d: duration %v, want %d", tt.first, tt.then, deref(done.Duration), tt.want)
		}
	}
}

// TestGatherPlaysEachPrompt: a <Gather>'s prompts play once each, in order, before it
// waits for keys; then, with none pressed, the document goes on after it.
func TestGatherPlaysEachPrompt(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	app(rc, map[string]string{"/voice": `<Response>
  <Gather numDigits="1" timeout="1"><Say>one</Say><Pause length="1"/><Say>two</Say></Gather>
  <Say>after</Say>
</Response>`})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice")})
	waitForCall(t, env, call.Sid, "completed", "busy", "failed", "no-answer", "canceled")
	var said []string
	for _, e := range callEvents(t, env, call.Sid) {
		if e.Type == "verb" && e.Data["verb"] != "Gather" && e.Data["verb"] != "(end)" {
			said = append(said, e.Description)
		}
	}
	if want := []string{"Say: one", "Pause 1 s", "Say: two", "Say: after"}; !slices.Equal(said, want) {
		t.Errorf("prompts %q, want %q", said, want)
	}
}

// TestAcceptedCallParametersAreKept: parameters accepted for compatibility but not
// simulated are kept with the call as given; the SIP password is not kept at all.
func TestAcceptedCallParametersAreKept(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	detection := client.CreateCallRequestMachineDetectionEnable
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr("<Response><Hangup/></Response>"), MachineDetection: &detection, CallerId: ptr("Alice"),
		SipAuthUsername: ptr("alice"), SipAuthPassword: ptr("hunter2-secret")})
	stored, err := env.DB.GetCall(context.Background(), env.Main.Sid, call.Sid)
	if err != nil {
		t.Fatal(err)
	}
	var settings struct {
		Extra map[string]string `json:"extra"`
	}
	if err := json.Unmarshal(stored.Settings, &settings); err != nil {
		t.Fatalf("call settings %s: %v", stored.Settings, err)
	}
	want := map[string]string{"MachineDetection": "Enable", "CallerId": "Alice", "SipAuthUsername": "alice"}
	if !maps.Equal(settings.Extra, want) {
		t.Errorf("kept %v, want %v", settings.Extra, want)
	}
	if strings.Contains(string(stored.Settings)+string(stored.State), "hunter2-secret") {
		t.Error("the SIP password was stored")
	}
}
