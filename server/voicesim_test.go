package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// The simulator's side of calls: a phone calling your number, keys, the far end answering
// and hanging up, and <Dial>.

// buyWithVoiceURL makes the main account own ourNumber, its calls going to voiceURL and
// their end to statusCallback.
func buyWithVoiceURL(t *testing.T, env *servertest.Env, voiceURL, statusCallback string) {
	t.Helper()
	req := client.CreateIncomingPhoneNumberRequest{PhoneNumber: ptr(ourNumber), VoiceUrl: &voiceURL}
	if statusCallback != "" {
		req.StatusCallback = &statusCallback
	}
	resp, err := env.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, req)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("buy: %v %s", err, resp.Body)
	}
}

func inboundCall(t *testing.T, env *servertest.Env, from string) client.Call {
	t.Helper()
	resp, err := env.Client.CreateInboundCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid,
		client.InboundCallRequest{From: from, To: ourNumber, CallerName: ptr("Alice")})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("inbound call: %v HTTP %d %s", err, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

// gathered tells whether a timeline shows at least n <Gather>s started. It looks at the
// whole timeline each time: a counter kept across polls (as this once was) counted the
// first <Gather> again on every poll, and let a test press keys before the menu they were
// meant for had started.
func gathered(n int) func([]client.CallEvent) bool {
	return func(events []client.CallEvent) bool {
		seen := 0
		for _, e := range events {
			if isVerb("Gather")(e) {
				seen++
			}
		}
		return seen >= n
	}
}

// TestInboundIVR: a phone calls the number; its VoiceUrl runs a menu driven by keys
// pressed through the Digits endpoint.
func TestInboundIVR(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		var doc string
		switch r.Path {
		case "/ivr":
			doc = `<Response><Gather numDigits="1" action="/menu" timeout="600">
				<Say>Welcome to Switchboard Pizza.</Say><Pause/><Say>For opening hours press 1. To order press 2.</Say>
			</Gather><Say>Goodbye.</Say></Response>`
		case "/menu":
			switch r.Form.Get("Digits") {
			case "1":
				doc = `<Response><Say>We open at noon.</Say><Redirect>/ivr</Redirect></Response>`
			case "2":
				doc = `<Response><Gather action="/order" timeout="600"><Say>Enter your customer number, then press hash.</Say></Gather></Response>`
			}
		case "/order":
			doc = `<Response><Say>Thank you, customer ` + r.Form.Get("Digits") + `.</Say><Hangup/></Response>`
		default:
			return http.StatusOK, "", ""
		}
		return http.StatusOK, "text/xml", doc
	})
	buyWithVoiceURL(t, env, rc.URL+"/ivr", rc.URL+"/status")

	call := inboundCall(t, env, "+14155550100")
	if call.Status != "ringing" || call.Direction != "inbound" || call.To != ourNumber || deref(call.CallerName) != "Alice" ||
		call.PhoneNumberSid == nil || call.StartTime == nil {
		t.Fatalf("inbound call %+v", call)
	}
	waitForEvents(t, env, call.Sid, gathered(1))
	if c := digits(t, env, call.Sid, "1"); c.Status != "in-progress" {
		t.Fatalf("after a key: %s", c.Status)
	}
	waitForEvents(t, env, call.Sid, gathered(2)) // heard the hours, back at the menu
	digits(t, env, call.Sid, "2")
	waitForEvents(t, env, call.Sid, gathered(3))
	digits(t, env, call.Sid, "4217")
	digits(t, env, call.Sid, "#")
	done := waitForCall(t, env, call.Sid, "completed")
	if deref(done.Price) == "" || !strings.HasPrefix(deref(done.Price), "-") {
		t.Errorf("price %v", deref(done.Price))
	}

	reqs := rc.WaitFor(t, 6, 5*time.Second)
	first := reqs[0]
	if first.Path != "/ivr" || first.Form.Get("CallStatus") != "ringing" || first.Form.Get("Direction") != "inbound" ||
		first.Form.Get("CallerName") != "Alice" || first.Form.Get("From") != "+14155550100" || !first.Valid {
		t.Errorf("first request %s %v", first.Path, first.Form)
	}
	var menu []string
	for _, r := range byPath(reqs, "/menu") {
		menu = append(menu, r.Form.Get("Digits"))
	}
	if !slices.Equal(menu, []string{"1", "2"}) {
		t.Errorf("menu got %v", menu)
	}
	order := byPath(reqs, "/order")
	if len(order) != 1 || order[0].Form.Get("Digits") != "4217" || order[0].Form.Get("FinishedOnKey") != "#" {
		t.Errorf("order requests %+v", order)
	}
	status := byPath(rc.WaitFor(t, 6, 5*time.Second), "/status")
	if len(status) != 1 || status[0].Form.Get("CallStatus") != "completed" || !status[0].Valid {
		t.Errorf("number's status callback %+v", status)
	}
	say := waitForEvent(t, env, call.Sid, func(e client.CallEvent) bool { return strings.HasPrefix(e.Data["text"], "Thank you") })
	if say.Data["text"] != "Thank you, customer 4217." {
		t.Errorf("said %q", say.Data["text"])
	}

	// Only an owned number with a VoiceUrl can be called.
	resp, err := env.Client.CreateInboundCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid,
		client.InboundCallRequest{From: "+14155550100", To: "+14155550123"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode(), resp.Body, http.StatusBadRequest, 20001)
	// Keys on a call that has ended are refused.
	r, err := env.Client.SendCallDigitsWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid, client.CallDigitsRequest{Digits: "1"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, 21220)
}

func TestInboundReject(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	reason := "busy"
	rc.Respond(func(int, servertest.Received) (int, string, string) {
		return http.StatusOK, "text/xml", `<Response><Reject reason="` + reason + `"/><Say>never</Say></Response>`
	})
	buyWithVoiceURL(t, env, rc.URL+"/voice", "")
	if done := waitForCall(t, env, inboundCall(t, env, "+14155550100").Sid, "busy", "no-answer", "completed"); done.Status != "busy" ||
		deref(done.Duration) != "0" || deref(done.Price) != "0.00000" {
		t.Errorf("rejected as busy: %s %v %v", done.Status, deref(done.Duration), deref(done.Price))
	}
	reason = "rejected"
	if done := waitForCall(t, env, inboundCall(t, env, "+14155550100").Sid, "busy", "no-answer", "completed"); done.Status != "no-answer" {
		t.Errorf("rejected: %s", done.Status)
	}
}

func TestAnswerAndHangUpAsTheFarEnd(t *testing.T) {
	env := servertest.Start(t, servertest.Options{CallAnswerDelay: time.Hour})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Timeout: ptr(600),
		Twiml: ptr(`<Response><Pause length="600"/></Response>`)})
	waitForCall(t, env, call.Sid, "ringing")
	resp, err := env.Client.AnswerCallWithResponse(context.Background(), env.Main.Sid, call.Sid)
	if err != nil || resp.JSON200 == nil || resp.JSON200.Status != "in-progress" {
		t.Fatalf("answer: %v %s", err, resp.Body)
	}
	waitForEvent(t, env, call.Sid, isVerb("Pause"))
	// Answered already: cannot be answered again.
	again, err := env.Client.AnswerCallWithResponse(context.Background(), env.Main.Sid, call.Sid)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, again.StatusCode(), again.Body, http.StatusBadRequest, 21220)

	hung, err := env.Client.HangUpCallWithResponse(context.Background(), env.Main.Sid, call.Sid)
	if err != nil || hung.JSON200 == nil || hung.JSON200.Status != "completed" {
		t.Fatalf("hang up: %v %s", err, hung.Body)
	}
	again2, err := env.Client.HangUpCallWithResponse(context.Background(), env.Main.Sid, call.Sid)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, again2.StatusCode(), again2.Body, http.StatusBadRequest, 21220)

	// A ringing call the far end hangs up on is declined: busy.
	declined := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Timeout: ptr(600), Twiml: ptr("<Response/>")})
	waitForCall(t, env, declined.Sid, "ringing")
	if r, err := env.Client.HangUpCallWithResponse(context.Background(), env.Main.Sid, declined.Sid); err != nil || r.JSON200 == nil || r.JSON200.Status != "busy" {
		t.Fatalf("decline: %v %s", err, r.Body)
	}
}

func TestDial(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/voice":
			return http.StatusOK, "text/xml", `<Response><Say>Connecting you.</Say>
				<Dial action="/dialed" timeout="20"><Number statusCallback="/child-status">+14155550123</Number></Dial>
				<Say>not reached</Say></Response>`
		case "/dialed":
			return http.StatusOK, "text/xml", `<Response><Say>The other side hung up after ` + r.Form.Get("DialCallDuration") + ` seconds.</Say></Response>`
		case "/busy":
			return http.StatusOK, "text/xml", `<Response><Dial>+15554000001</Dial><Say>They are busy.</Say></Response>`
		case "/hold":
			return http.StatusOK, "text/xml", `<Response><Dial hangupOnStar="true" action="/after-star">+14155550124</Dial></Response>`
		case "/after-star":
			return http.StatusOK, "text/xml", `<Response><Say>Back with you.</Say></Response>`
		}
		return http.StatusOK, "", ""
	})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice")})
	child := waitForChild(t, env, call.Sid, "in-progress")
	if child.Direction != "outbound-dial" || child.To != "+14155550123" || child.From != callerID || deref(child.ParentCallSid) != call.Sid {
		t.Fatalf("dialed call %+v", child)
	}
	time.Sleep(50 * time.Millisecond) // five simulated seconds of conversation
	if r, err := env.Client.HangUpCallWithResponse(context.Background(), sid, child.Sid); err != nil || r.JSON200 == nil {
		t.Fatalf("hang up the dialed call: %v %s", err, r.Body)
	}
	waitForCall(t, env, call.Sid, "completed")
	child = fetchCall(t, env, child.Sid)
	dialed := byPath(rc.WaitFor(t, 3, 5*time.Second), "/dialed")
	if len(dialed) != 1 || dialed[0].Form.Get("DialCallStatus") != "completed" || dialed[0].Form.Get("DialCallSid") != child.Sid ||
		dialed[0].Form.Get("DialCallDuration") != deref(child.Duration) || dialed[0].Form.Get("CallSid") != call.Sid {
		t.Errorf("dial action %+v (child duration %v)", dialed, deref(child.Duration))
	}
	childStatus := byPath(rc.Requests(), "/child-status")
	if len(childStatus) != 1 || childStatus[0].Form.Get("CallSid") != child.Sid || childStatus[0].Form.Get("ParentCallSid") != call.Sid {
		t.Errorf("dialed call's status callback %+v", childStatus)
	}
	events := callEvents(t, env, call.Sid)
	if !containsInOrder(kinds(events), []string{"verb:Say", "verb:Dial", "dial", "webhook:dial-action", "verb:Say", "status:completed"}) ||
		slices.ContainsFunc(events, func(e client.CallEvent) bool { return e.Data["text"] == "not reached" }) {
		t.Errorf("timeline:\n%s", timeline(events))
	}
	// The dial event names the call it made.
	if i := slices.IndexFunc(events, func(e client.CallEvent) bool { return e.Type == "dial" }); i < 0 || events[i].Data["call_sid"] != child.Sid {
		t.Errorf("dial event does not name the dialed call %s:\n%s", child.Sid, timeline(events))
	}

	// A busy number: DialCallStatus busy, and with no action the call goes on.
	busy := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/busy")})
	waitForCall(t, env, busy.Sid, "completed")
	ev := waitForEvent(t, env, busy.Sid, func(e client.CallEvent) bool { return e.Type == "dial" })
	if ev.Data["dial_call_status"] != "busy" {
		t.Errorf("dial event %+v", ev)
	}
	waitForEvent(t, env, busy.Sid, func(e client.CallEvent) bool { return e.Data["text"] == "They are busy." })

	// * ends a <Dial hangupOnStar>; the caller hanging up ends the dialed call too.
	held := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/hold")})
	first := waitForChild(t, env, held.Sid, "in-progress")
	digits(t, env, held.Sid, "*")
	waitForEvent(t, env, held.Sid, func(e client.CallEvent) bool { return e.Data["text"] == "Back with you." })
	if c := waitForCall(t, env, first.Sid, "completed"); c.Status != "completed" {
		t.Errorf("dialed call after *: %s", c.Status)
	}

	parent := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/hold")})
	second := waitForChild(t, env, parent.Sid, "in-progress")
	if r, err := env.Client.HangUpCallWithResponse(context.Background(), sid, parent.Sid); err != nil || r.JSON200 == nil {
		t.Fatalf("hang up the caller: %v %s", err, r.Body)
	}
	waitForCall(t, env, second.Sid, "completed")
}

// waitForChild waits for the call that parent dialed to reach status.
func waitForChild(t *testing.T, env *servertest.Env, parent, status string) client.Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := env.Client.ListCallsWithResponse(context.Background(), env.Main.Sid, &client.ListCallsParams{ParentCallSid: &parent})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list: %v", err)
		}
		if cs := resp.JSON200.Calls; len(cs) == 1 && string(cs[0].Status) == status {
			return cs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dialed call of %s in %s:\n%s", parent, status, timeline(callEvents(t, env, parent)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCreateCallErrors(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	if err := env.BuyNumber(env.Main.Sid, env.Main.AuthToken, "+14155550199"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"empty body", url.Values{}, 21201},
		{"no From", url.Values{"To": {"+14155550100"}}, 21213},
		{"no To", url.Values{"From": {callerID}, "Url": {"https://x/"}}, 21201},
		{"To not a number", url.Values{"To": {"14155550100"}, "From": {callerID}, "Url": {"https://x/"}}, 21211},
		{"To too short", url.Values{"To": {"+1555"}, "From": {callerID}, "Url": {"https://x/"}}, 21211},
		{"From not a number", url.Values{"To": {"+14155550100"}, "From": {"+1555"}, "Url": {"https://x/"}}, 21212},
		{"From not the account's", url.Values{"To": {"+14155550100"}, "From": {"+14155550123"}, "Url": {"https://x/"}}, 21210},
		{"magic From", url.Values{"To": {"+14155550100"}, "From": {"+15005550001"}, "Url": {"https://x/"}}, 21212},
		{"magic To 1", url.Values{"To": {"+15005550001"}, "From": {callerID}, "Url": {"https://x/"}}, 21217},
		{"magic To 2", url.Values{"To": {"+15005550002"}, "From": {callerID}, "Url": {"https://x/"}}, 21214},
		{"magic To 3", url.Values{"To": {"+15005550003"}, "From": {callerID}, "Url": {"https://x/"}}, 21215},
		{"magic To 4", url.Values{"To": {"+15005550004"}, "From": {callerID}, "Url": {"https://x/"}}, 21216},
		{"no Url", url.Values{"To": {"+14155550100"}, "From": {callerID}}, 21205},
		{"bad Url", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"example.com/voice"}}, 21205},
		{"Url and Twiml", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"https://x/"}, "Twiml": {"<Response/>"}}, 20001},
		{"ApplicationSid", url.Values{"To": {"+14155550100"}, "From": {callerID}, "ApplicationSid": {"AP" + strings.Repeat("a", 32)}}, 21218},
		{"bad SendDigits", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"https://x/"}, "SendDigits": {"12x"}}, 20001},
		{"bad StatusCallbackEvent", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"https://x/"}, "StatusCallbackEvent": {"hungup"}}, 20001},
		{"bad StatusCallback", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"https://x/"}, "StatusCallback": {"nope"}}, 20001},
		{"Timeout 0", url.Values{"To": {"+14155550100"}, "From": {callerID}, "Url": {"https://x/"}, "Timeout": {"0"}}, 20001},
	}
	path := "/2010-04-01/Accounts/" + env.Main.Sid + "/Calls.json"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := env.Do(t, http.MethodPost, path, env.Main.Sid, env.Main.AuthToken, strings.NewReader(tt.form.Encode()), formType)
			wantError(t, code, body, http.StatusBadRequest, tt.code)
		})
	}
	// The account's own voice number, a Client identifier and a SIP address are fine.
	for _, form := range []url.Values{
		{"To": {"+14155550100"}, "From": {"+14155550199"}, "Twiml": {"<Response/>"}},
		{"To": {"client:alice"}, "From": {callerID}, "Twiml": {"<Response/>"}},
		{"To": {"sip:alice@example.com"}, "From": {callerID}, "Twiml": {"<Response/>"}},
	} {
		code, body := env.Do(t, http.MethodPost, path, env.Main.Sid, env.Main.AuthToken, strings.NewReader(form.Encode()), formType)
		if code != http.StatusCreated {
			t.Errorf("%v: HTTP %d %s", form, code, body)
		}
	}
}

func TestListCalls(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	var sids []string
	for i := range 5 {
		to := "+14155550100"
		if i%2 == 1 {
			to = "+14155550101"
		}
		sids = append(sids, placeCall(t, env, client.CreateCallRequest{To: to, From: callerID, Twiml: ptr("<Response><Say>Hello there</Say></Response>")}).Sid)
	}
	for _, s := range sids {
		waitForCall(t, env, s, "completed")
	}
	list := func(p *client.ListCallsParams) []client.Call {
		t.Helper()
		resp, err := env.Client.ListCallsWithResponse(context.Background(), sid, p)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list: %v %s", err, resp.Body)
		}
		return resp.JSON200.Calls
	}
	if got := list(&client.ListCallsParams{To: ptr("+14155550101")}); len(got) != 2 || got[0].Sid != sids[3] || got[1].Sid != sids[1] {
		t.Errorf("to filter: %d calls", len(got))
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if got := list(&client.ListCallsParams{Status: ptr(client.CallStatus("completed")), StartTime: &today}); len(got) != 5 {
		t.Errorf("completed today: %d", len(got))
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	if got := list(&client.ListCallsParams{EndTimeAfter: &tomorrow}); len(got) != 0 {
		t.Errorf("ended after tomorrow: %d", len(got))
	}
	if got := list(&client.ListCallsParams{Status: ptr(client.CallStatus("busy"))}); len(got) != 0 {
		t.Errorf("busy: %d", len(got))
	}

	// Paging follows next_page_uri, newest first.
	var seen []string
	next := "/2010-04-01/Accounts/" + sid + "/Calls.json?PageSize=2"
	for next != "" {
		code, body := env.Do(t, http.MethodGet, next, sid, env.Main.AuthToken, nil, "")
		if code != http.StatusOK {
			t.Fatalf("page: %d %s", code, body)
		}
		var page client.CallList
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Calls {
			seen = append(seen, c.Sid)
		}
		next = deref(page.NextPageUri)
	}
	want := slices.Clone(sids)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Errorf("paged %v\nwant  %v", seen, want)
	}

	code, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Calls.json?StartTime%3E=yesterday", sid, env.Main.AuthToken, nil, "")
	wantError(t, code, body, http.StatusBadRequest, 20001)
}

// TestInboundTimeLimitUpdate: a call answered at once (an inbound call's app answers at
// the first moment of the call) takes a new TimeLimit from its answer, as an outbound
// call does.
func TestInboundTimeLimitUpdate(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(int, servertest.Received) (int, string, string) {
		return http.StatusOK, "text/xml", `<Response><Pause length="600"/></Response>`
	})
	buyWithVoiceURL(t, env, rc.URL+"/voice", "")
	call := inboundCall(t, env, "+14155550100")
	waitForEvent(t, env, call.Sid, isVerb("Pause"))
	resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, call.Sid,
		client.UpdateCallRequest{TimeLimit: ptr(20)})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("update: %v %s", err, resp.Body)
	}
	if done := waitForCall(t, env, call.Sid, "completed"); deref(done.Duration) != "20" {
		t.Errorf("duration %v, want 20 (the new limit)", deref(done.Duration))
	}
}
