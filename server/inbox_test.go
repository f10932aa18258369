package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/store"
)

// The endpoints the web inbox stands on: threads, clearing, replaying a webhook, the live
// event stream, and the guard against cross-origin writes.

func TestThreads(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	buyWithSmsURL(t, env, "http://127.0.0.1:1/never", "", "")
	for _, body := range []string{"one", "two"} {
		send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), Body: ptr(body)})
	}
	send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550111", From: ptr(ourNumber), Body: ptr("Grüße 😀")})
	receive(t, env, "+14155550100", "three, from the customer")

	threads := func(query url.Values) client.ThreadList {
		t.Helper()
		status, body := env.Do(t, http.MethodGet, "/switchboard/v1/Accounts/"+env.Main.Sid+"/Threads?"+query.Encode(), env.Main.Sid, env.Main.AuthToken, nil, "")
		if status != http.StatusOK {
			t.Fatalf("threads %v: HTTP %d %s", query, status, body)
		}
		var list client.ThreadList
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		return list
	}
	all := threads(nil)
	if len(all.Threads) != 2 {
		t.Fatalf("want 2 threads, got %+v", all.Threads)
	}
	first := all.Threads[0] // the newest message is the customer's
	if first.Party != "+14155550100" || first.Number != ourNumber || first.MessageCount != 3 || first.InboundCount != 1 || first.LastMessage.Body != "three, from the customer" {
		t.Fatalf("first thread: %+v", first)
	}
	for _, tt := range []struct {
		query url.Values
		want  []string // parties
	}{
		{url.Values{"Search": {"gRÜße"}}, nil}, // only ASCII letters match in any case
		{url.Values{"Search": {"Grüße"}}, []string{"+14155550111"}},
		{url.Values{"Search": {"5550111"}}, []string{"+14155550111"}},
		{url.Values{"Search": {"THREE"}}, []string{"+14155550100"}},
		{url.Values{"Direction": {"inbound"}}, []string{"+14155550100"}},
		{url.Values{"Direction": {"outbound"}}, []string{"+14155550111", "+14155550100"}},
		{url.Values{"Status": {"received"}}, []string{"+14155550100"}},
		{url.Values{"Status": {"delivered"}}, nil},
		{url.Values{"Search": {"%"}}, nil}, // a wildcard is a character like any other
	} {
		var got []string
		for _, th := range threads(tt.query).Threads {
			got = append(got, th.Party)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%v: got %v, want %v", tt.query, got, tt.want)
		}
	}
	// Paging: one thread a page.
	page := threads(url.Values{"PageSize": {"1"}})
	if len(page.Threads) != 1 || page.Meta.NextPageUrl == nil {
		t.Fatalf("first page: %+v", page)
	}
	next, _ := url.Parse(*page.Meta.NextPageUrl)
	if second := threads(next.Query()); len(second.Threads) != 1 || second.Threads[0].Party != "+14155550111" {
		t.Fatalf("second page: %+v", second)
	}

	// One thread's messages, each with its encoding.
	q := url.Values{"Number": {ourNumber}, "Party": {"+14155550111"}}
	status, body := env.Do(t, http.MethodGet, "/switchboard/v1/Accounts/"+env.Main.Sid+"/Threads/Messages?"+q.Encode(), env.Main.Sid, env.Main.AuthToken, nil, "")
	var msgs client.ThreadMessageList
	if status != http.StatusOK || json.Unmarshal(body, &msgs) != nil || len(msgs.Messages) != 1 {
		t.Fatalf("thread messages: HTTP %d %s", status, body)
	}
	enc := msgs.Messages[0].Encoding
	if enc.Name != "UCS-2" || enc.Segments != 1 || strings.Join(enc.NonGsmCharacters, "") != "😀" {
		t.Fatalf("encoding of %q: %+v", msgs.Messages[0].Message.Body, enc) // ü and ß are GSM-7
	}
}

func TestClearMessages(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	buyWithSmsURL(t, env, rc.URL+"/sms", "", "")
	sent := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), Body: ptr("queued still")})
	receive(t, env, "+14155550100", "hi")
	rc.WaitFor(t, 1, 5*time.Second)
	sub := createSubaccount(t, env, "kept")
	subClient := env.ClientFor(sub.Sid, sub.AuthToken)
	if err := env.BuyNumber(sub.Sid, sub.AuthToken, "+14155550198"); err != nil {
		t.Fatal(err)
	}
	send(t, subClient, sub.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr("+14155550198"), Body: ptr("the subaccount's")})

	status, body := env.Do(t, http.MethodDelete, "/switchboard/v1/Accounts/"+env.Main.Sid+"/Messages", env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK || !strings.Contains(string(body), `"deleted":2`) {
		t.Fatalf("clear: HTTP %d %s", status, body)
	}
	if list, _ := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, nil); len(list.JSON200.Messages) != 0 {
		t.Fatalf("messages left: %+v", list.JSON200.Messages)
	}
	if n, _ := env.DB.CountJobs(context.Background(), ""); n != 1 {
		t.Fatalf("%d jobs left; want only the subaccount's message's delivery step", n)
	}
	if d, _, _ := env.DB.ListDeliveries(context.Background(), storeDeliveryFilter(env.Main.Sid), storePage()); len(d) != 0 {
		t.Fatalf("deliveries left: %+v", d)
	}
	if fetched, _ := env.Client.FetchMessageWithResponse(context.Background(), env.Main.Sid, sent.Sid); fetched.StatusCode() != http.StatusNotFound {
		t.Fatalf("cleared message still fetched: %d", fetched.StatusCode())
	}
	if list, _ := subClient.ListMessagesWithResponse(context.Background(), sub.Sid, nil); len(list.JSON200.Messages) != 1 {
		t.Fatalf("the subaccount's message went too: %+v", list.JSON200.Messages)
	}
	// A subaccount cannot clear its parent.
	status, body = env.Do(t, http.MethodDelete, "/switchboard/v1/Accounts/"+env.Main.Sid+"/Messages", sub.Sid, sub.AuthToken, nil, "")
	wantError(t, status, body, http.StatusUnauthorized, 20003)
}

func TestReplayWebhook(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(n int, _ servertest.Received) (int, string, string) {
		return http.StatusOK, "text/xml", "<Response><Message>answer " + string(rune('A'+n)) + "</Message></Response>"
	})
	buyWithSmsURL(t, env, rc.URL+"/sms", "", "")
	in := receive(t, env, "+14155550100", "hello")
	first := rc.WaitFor(t, 1, 5*time.Second)[0]
	deliveries := func(n int) []client.WebhookDelivery {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), env.Main.Sid, &client.ListWebhookDeliveriesParams{ResourceSid: &in.Sid})
			if err != nil || resp.JSON200 == nil {
				t.Fatalf("deliveries: %v", err)
			}
			if len(resp.JSON200.WebhookDeliveries) >= n || time.Now().After(deadline) {
				return resp.JSON200.WebhookDeliveries
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	original := deliveries(1)[0]

	status, body := env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+env.Main.Sid+"/WebhookDeliveries/"+original.Sid+"/Replay", env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusAccepted || !strings.Contains(string(body), original.Sid) {
		t.Fatalf("replay: HTTP %d %s", status, body)
	}
	second := rc.WaitFor(t, 2, 5*time.Second)[1]
	if !second.Valid || second.Form.Encode() != first.Form.Encode() || second.Path != first.Path {
		t.Fatalf("replayed request differs or is badly signed:\n first  %v\n second %v (valid %v)", first.Form, second.Form, second.Valid)
	}
	all := deliveries(2)
	if all[0].ReplayOf == nil || *all[0].ReplayOf != original.Sid || all[0].Sid == original.Sid || all[1].ReplayOf != nil {
		t.Fatalf("the new delivery should name the one it replays: %+v", all)
	}
	// The replay's TwiML answer is sent, as the first one was.
	if got := replies(t, env, "+14155550100", 2); got[1].Body != "answer B" {
		t.Fatalf("replies: %+v", got)
	}

	sub := createSubaccount(t, env, "nosy")
	status, body = env.Do(t, http.MethodPost, "/switchboard/v1/Accounts/"+sub.Sid+"/WebhookDeliveries/"+original.Sid+"/Replay", sub.Sid, sub.AuthToken, nil, "")
	wantError(t, status, body, http.StatusNotFound, 20404)
}

// sse reads server-sent events from a stream.
type sse struct {
	resp *http.Response
	sc   *bufio.Scanner
}

type sseEvent struct{ id, event, data string }

func openEvents(t *testing.T, env *servertest.Env, account, sid, token, lastID string) *sse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/switchboard/v1/Accounts/"+account+"/Events", nil)
	req.SetBasicAuth(sid, token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req) // not env.HTTP: it reads whole bodies, and this one never ends
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

func (s *sse) next(t *testing.T) sseEvent {
	t.Helper()
	var ev sseEvent
	for s.sc.Scan() {
		line := s.sc.Text()
		switch {
		case line == "" && ev.event != "":
			return ev
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
	t.Fatalf("stream ended: %v", s.sc.Err())
	return ev
}

// until reads events until one matches.
func (s *sse) until(t *testing.T, match func(sseEvent) bool) sseEvent {
	t.Helper()
	for {
		if ev := s.next(t); match(ev) {
			return ev
		}
	}
}

func TestEventStream(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: 20 * time.Millisecond})
	buyWithSmsURL(t, env, "", "", "")
	if err := env.BuyNumber(env.Main.Sid, env.Main.AuthToken, "+14155550197"); err != nil { // a second change before the stream
		t.Fatal(err)
	}
	sub := createSubaccount(t, env, "sibling")
	stream := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
	if ct := stream.resp.Header.Get("Content-Type"); stream.resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("HTTP %d %s", stream.resp.StatusCode, ct)
	}
	ready := stream.next(t)
	if ready.event != "ready" {
		t.Fatalf("first event: %+v", ready)
	}
	subStream := openEvents(t, env, sub.Sid, sub.Sid, sub.AuthToken, "")
	subStream.next(t) // ready

	m := send(t, env.Client, env.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), Body: ptr("live")})
	// Opened without Last-Event-ID, a stream starts from now: the numbers bought before it
	// opened are not replayed.
	if first := stream.next(t); first.event != "message" || !strings.Contains(first.data, m.Sid) || !strings.Contains(first.data, `"op":"created"`) {
		t.Fatalf("first event after ready: %+v; want the message created after the stream opened", first)
	}
	last := stream.until(t, func(ev sseEvent) bool {
		return ev.event == "message" && strings.Contains(ev.data, m.Sid) && strings.Contains(ev.data, `"status":"delivered"`)
	})
	var data struct {
		Op       string
		Message  client.Message
		Encoding client.MessageEncoding
	}
	if err := json.Unmarshal([]byte(last.data), &data); err != nil || data.Message.Sid != m.Sid || data.Encoding.Name != "GSM-7" {
		t.Fatalf("event data: %v %s", err, last.data)
	}

	// A client that comes back gets what it missed, from the id it last saw.
	resumed := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, ready.id)
	resumed.until(t, func(ev sseEvent) bool { return ev.event == "message" && strings.Contains(ev.data, m.Sid) })

	// The sibling subaccount saw nothing of it; its own message comes through.
	if err := env.BuyNumber(sub.Sid, sub.AuthToken, "+14155550198"); err != nil {
		t.Fatal(err)
	}
	own := send(t, env.ClientFor(sub.Sid, sub.AuthToken), sub.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr("+14155550198"), Body: ptr("mine")})
	for {
		ev := subStream.next(t)
		if strings.Contains(ev.data, m.Sid) || strings.Contains(ev.data, env.Main.Sid) {
			t.Fatalf("the subaccount's stream shows its parent's: %+v", ev)
		}
		if ev.event == "message" && strings.Contains(ev.data, own.Sid) {
			break
		}
	}

	// Deleting is an event too; clearing many messages is a reset.
	env.WaitForStatus(t, env.Client, env.Main.Sid, m.Sid, 5*time.Second, "delivered")
	if resp, err := env.Client.DeleteMessageWithResponse(context.Background(), env.Main.Sid, m.Sid); err != nil || resp.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	stream.until(t, func(ev sseEvent) bool { return strings.Contains(ev.data, `"op":"deleted","sid":"`+m.Sid) })

	// Another account's stream is refused, as any of its resources.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/switchboard/v1/Accounts/"+env.Main.Sid+"/Events", nil)
	req.SetBasicAuth(sub.Sid, sub.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a subaccount following its parent: HTTP %d", resp.StatusCode)
	}
}

// A change made by another process sharing the database shows in the stream: the feed
// polls the database (and, on PostgreSQL, hears its notifications), it does not only
// listen to its own process.
func TestEventStreamSeesAnotherProcess(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	other := servertest.Start(t, servertest.Options{DBPath: env.DBPath, StepDelay: time.Hour})
	stream := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
	stream.next(t) // ready
	if err := other.BuyNumber(other.Main.Sid, other.Main.AuthToken, ourNumber); err != nil {
		t.Fatal(err)
	}
	m := send(t, other.Client, other.Main.Sid, client.CreateMessageRequest{To: "+14155550100", From: ptr(ourNumber), Body: ptr("from elsewhere")})
	stream.until(t, func(ev sseEvent) bool { return ev.event == "message" && strings.Contains(ev.data, m.Sid) })
}

// A page of another site cannot make the browser write with the user's credentials; the
// same request from a client that is not a browser (no Origin) goes through.
func TestCrossOriginWritesRefused(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	buyWithSmsURL(t, env, "", "", "")
	path := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	form := "To=%2B14155550100&From=%2B14155550199&Body=hi"
	for _, tt := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no browser", nil, http.StatusCreated},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": env.URL}, http.StatusCreated},
		{"cross site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"same site, other port", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"old browser, other origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form))
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range tt.headers {
			req.Header.Set(k, v)
		}
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: HTTP %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
	// Reading stays open to pages of other origins: the browser does not let them see
	// the answer (no CORS headers), and a read changes nothing.
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("cross-site GET: HTTP %d, CORS %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestWrongBodyTypeSaysFormIsExpected(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	path := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	for _, ct := range []string{"application/json", "multipart/form-data; boundary=x"} {
		status, body := env.Do(t, http.MethodPost, path, env.Main.Sid, env.Main.AuthToken, strings.NewReader(`{"To":"+14155550100"}`), ct)
		wantError(t, status, body, http.StatusBadRequest, 20001)
		if !strings.Contains(string(body), "application/x-www-form-urlencoded") || !strings.Contains(string(body), strings.Split(ct, ";")[0]) {
			t.Errorf("%s: %s", ct, body)
		}
	}
}

func TestRootLeadsToTheInbox(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(env.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/inbox/" {
		t.Fatalf("GET /: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(env.URL + "/inbox/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("GET /inbox/: HTTP %d %v", resp.StatusCode, resp.Header)
	}
}

func storeDeliveryFilter(account string) store.DeliveryFilter {
	return store.DeliveryFilter{AccountSid: account}
}

func storePage() store.Page { return store.Page{Size: 100} }

// TestEventStreamCalls: a call's changes are events of the stream, its timeline's growth
// included: a follower that reads the timeline only when told the call changed sees each
// step (a <Gather> that then waits minutes changes nothing more until a key is pressed).
// A subaccount's stream tells nothing of its parent's calls.
func TestEventStreamCalls(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	// The app answers the call once the test has seen the event of its creation: an event
	// carries the call as it is when the stream reads it, and the first is to find it
	// ringing, which the stream was not always quick enough for with PostgreSQL's round
	// trips when the app answered at once.
	seenCreated := make(chan struct{})
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/ivr":
			select {
			case <-seenCreated:
			case <-time.After(10 * time.Second):
			}
			return http.StatusOK, "text/xml", `<Response><Gather numDigits="1" action="/menu" timeout="600"><Say>Press 1.</Say></Gather></Response>`
		case "/menu":
			return http.StatusOK, "text/xml", `<Response><Say>You pressed ` + r.Form.Get("Digits") + `.</Say><Hangup/></Response>`
		}
		return http.StatusOK, "", ""
	})
	buyWithVoiceURL(t, env, rc.URL+"/ivr", "")
	sub := createSubaccount(t, env, "sibling")
	stream := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
	stream.next(t) // ready
	subStream := openEvents(t, env, sub.Sid, sub.Sid, sub.AuthToken, "")
	subStream.next(t)
	// An event that never comes ends the stream (and the test) rather than hanging.
	stop := time.AfterFunc(30*time.Second, func() { stream.resp.Body.Close(); subStream.resp.Body.Close() })
	defer stop.Stop()

	call := inboundCall(t, env, "+14155550100")
	type callEvent struct {
		Op   string
		Sid  string
		Call *client.Call
	}
	// next reads the stream up to the call's next event.
	next := func() callEvent {
		t.Helper()
		ev := stream.until(t, func(ev sseEvent) bool { return ev.event == "call" && strings.Contains(ev.data, call.Sid) })
		var data callEvent
		if err := json.Unmarshal([]byte(ev.data), &data); err != nil || data.Sid != call.Sid {
			t.Fatalf("call event: %v %s", err, ev.data)
		}
		return data
	}
	if first := next(); first.Op != "created" || first.Call == nil || first.Call.Status != "ringing" || first.Call.Direction != "inbound" {
		t.Fatalf("first event %+v", first)
	}
	close(seenCreated)
	for {
		ev := next()
		if ev.Call == nil || ev.Op != "updated" {
			t.Fatalf("event %+v", ev)
		}
		if gathered(1)(callEvents(t, env, call.Sid)) {
			if ev.Call.Status != "in-progress" {
				t.Fatalf("gathering, the call is %s", ev.Call.Status)
			}
			break
		}
	}
	digits(t, env, call.Sid, "1")
	for {
		ev := next()
		if ev.Call.Status == "completed" {
			break
		}
	}
	said := slices.ContainsFunc(callEvents(t, env, call.Sid), func(e client.CallEvent) bool { return e.Data["text"] == "You pressed 1." })
	if !said {
		t.Errorf("the timeline at the call's end lacks the menu's answer:\n%s", timeline(callEvents(t, env, call.Sid)))
	}

	// Deleting the call is an event too.
	if r, err := env.Client.DeleteCallWithResponse(context.Background(), env.Main.Sid, call.Sid); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	for ev := next(); ev.Op != "deleted"; ev = next() {
	}

	// The sibling's stream: its own number comes through, nothing of the parent's call
	// before it.
	if err := env.BuyNumber(sub.Sid, sub.AuthToken, "+14155550198"); err != nil {
		t.Fatal(err)
	}
	for {
		ev := subStream.next(t)
		if ev.event == "call" || strings.Contains(ev.data, call.Sid) {
			t.Fatalf("the subaccount's stream shows its parent's call: %+v", ev)
		}
		if ev.event == "incoming-phone-number" {
			break
		}
	}
}

// TestEventStreamsPerAccount: an account holds at most --max-event-streams streams (16 by
// default); one more is refused with 429 until one closes, and another account's are
// counted apart.
func TestEventStreamsPerAccount(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sub := createSubaccount(t, env, "other")
	var open []*sse
	for range feed.DefaultMaxPerAccount {
		s := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: HTTP %d", len(open)+1, s.resp.StatusCode)
		}
		s.next(t) // ready: the stream is counted
		open = append(open, s)
	}
	refused := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
	body, _ := io.ReadAll(refused.resp.Body)
	wantError(t, refused.resp.StatusCode, body, http.StatusTooManyRequests, 20429)
	if !strings.Contains(string(body), "Too many event streams open for this account") {
		t.Errorf("refusal: %s", body)
	}
	if s := openEvents(t, env, sub.Sid, sub.Sid, sub.AuthToken, ""); s.resp.StatusCode != http.StatusOK {
		t.Fatalf("another account's stream: HTTP %d", s.resp.StatusCode)
	}

	// Closing one makes room, once the server has seen it go.
	open[0].resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := openEvents(t, env, env.Main.Sid, env.Main.Sid, env.Main.AuthToken, "")
		if s.resp.StatusCode == http.StatusOK {
			break
		}
		s.resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream's place was not freed: HTTP %d", s.resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
