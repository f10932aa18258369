package server_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// What an app sees of a call's state while it answers the call's request for TwiML: the
// request is made once the step that asked for it committed (see internal/voice).

var finalStatuses = []string{"completed", "busy", "failed", "no-answer", "canceled"}

// TestKeysDuringAFetchAreTypeAhead: a key pressed while the call waits for the answer to
// a <Gather>'s action does not make the call request the action again: it waits for the
// next <Gather>. The menu's first answer is held until the second key is in.
func TestKeysDuringAFetchAreTypeAhead(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	var (
		mu      sync.Mutex
		menus   int
		held    = make(chan struct{})
		arrived = make(chan struct{}, 1)
	)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/ivr":
			return http.StatusOK, "text/xml", `<Response><Gather numDigits="1" action="/menu" timeout="600">
				<Say>For opening hours press 1.</Say></Gather></Response>`
		case "/menu":
			mu.Lock()
			menus++
			first := menus == 1
			mu.Unlock()
			if first {
				arrived <- struct{}{}
				<-held
			}
			if r.Form.Get("Digits") == "1" {
				return http.StatusOK, "text/xml", `<Response><Say>We open at noon.</Say><Redirect>/ivr</Redirect></Response>`
			}
			return http.StatusOK, "text/xml", `<Response><Say>You pressed ` + r.Form.Get("Digits") + `.</Say><Hangup/></Response>`
		}
		return http.StatusOK, "", ""
	})
	buyWithVoiceURL(t, env, rc.URL+"/ivr", "")
	call := inboundCall(t, env, "+14155550100")
	waitForEvents(t, env, call.Sid, gathered(1))
	digits(t, env, call.Sid, "1")
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the menu was never requested")
	}
	digits(t, env, call.Sid, "2") // while the app is still answering the first key
	close(held)
	waitForCall(t, env, call.Sid, finalStatuses...)
	events := callEvents(t, env, call.Sid)

	var menu []string
	for _, r := range byPath(rc.Requests(), "/menu") {
		menu = append(menu, r.Form.Get("Digits"))
	}
	if !slices.Equal(menu, []string{"1", "2"}) {
		t.Errorf("the menu got %v, want [1 2]: each key once\n%s", menu, timeline(events))
	}
	if !slices.ContainsFunc(events, func(e client.CallEvent) bool { return e.Data["text"] == "You pressed 2." }) {
		t.Errorf("the second key did not reach the second menu:\n%s", timeline(events))
	}
}

// TestRecordActionCanDownloadTheRecording: a voicemail app's <Record action> handler
// downloads the recording it is told of, with the account's credentials, while it
// answers: the recording is completed by then, every time.
func TestRecordActionCanDownloadTheRecording(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	type download struct {
		url         string
		status      int
		contentType string
		size        int
	}
	var (
		mu  sync.Mutex
		got []download
	)
	get := func(u string) download {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return download{url: u}
		}
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return download{url: u}
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return download{url: u, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), size: len(body)}
	}
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/voice":
			return http.StatusOK, "text/xml", `<Response><Say>Leave a message.</Say><Record maxLength="2" action="/recorded"/></Response>`
		case "/recorded":
			u := r.Form.Get("RecordingUrl")
			a, b := get(u), get(u+".wav")
			mu.Lock()
			got = append(got, a, b)
			mu.Unlock()
			return http.StatusOK, "text/xml", `<Response><Say>Thank you.</Say></Response>`
		}
		return http.StatusOK, "", ""
	})
	buyWithVoiceURL(t, env, rc.URL+"/voice", "")
	const calls = 3
	for range calls {
		waitForCall(t, env, inboundCall(t, env, "+14155550100").Sid, finalStatuses...)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2*calls {
		t.Fatalf("%d downloads, want %d", len(got), 2*calls)
	}
	for _, d := range got {
		// Two seconds of 16-bit mono at 8 kHz, and the header.
		if d.status != http.StatusOK || d.contentType != "audio/wav" || d.size != 44+2*8000*2 {
			t.Errorf("GET %s in the action: HTTP %d %s, %d bytes; want 200 audio/wav, 32044 bytes", d.url, d.status, d.contentType, d.size)
		}
	}
}

// TestUpdateFromInsideTheWebhook: an app that redirects the call through the API while it
// answers the call's own request gets what it asked the API for: the update commits at
// once and the call runs the new URL. The late answer is kept as a delivery and noted on
// the timeline as ignored.
func TestUpdateFromInsideTheWebhook(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	updated := make(chan int, 1)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/voice":
			resp, err := env.Client.UpdateCallWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, r.Form.Get("CallSid"),
				client.UpdateCallRequest{Url: ptr(rc.URL + "/elsewhere")})
			status := 0
			if err == nil {
				status = resp.StatusCode()
			}
			updated <- status
			return http.StatusOK, "text/xml", `<Response><Say>Not said: the call went elsewhere.</Say></Response>`
		case "/elsewhere":
			// The pause keeps the call going (200 ms at the tests' call speed) until the
			// late answer is in, as a real call would: an answer that comes once the call
			// has ended is kept as a delivery only, and with a store of round trips
			// (PostgreSQL) handing it to the call can take longer than a bare <Say> lasts.
			return http.StatusOK, "text/xml", `<Response><Say>Elsewhere.</Say><Pause length="20"/></Response>`
		}
		return http.StatusOK, "", ""
	})
	buyWithVoiceURL(t, env, rc.URL+"/voice", "")
	call := inboundCall(t, env, "+14155550100")
	if status := <-updated; status != http.StatusOK {
		t.Fatalf("the update inside the webhook: HTTP %d", status)
	}
	waitForCall(t, env, call.Sid, finalStatuses...)
	events := callEvents(t, env, call.Sid)
	var said []string
	for _, e := range events {
		if isVerb("Say")(e) {
			said = append(said, e.Data["text"])
		}
	}
	if !slices.Equal(said, []string{"Elsewhere."}) {
		t.Errorf("said %q, want only the redirect's\n%s", said, timeline(events))
	}
	i := slices.IndexFunc(events, func(e client.CallEvent) bool {
		return e.Type == "webhook" && strings.HasSuffix(e.Data["url"], "/voice")
	})
	if i < 0 || events[i].Data["ignored"] != "redirected" || !strings.Contains(events[i].Description, "ignored") || events[i].Data["delivery_sid"] == "" {
		t.Fatalf("the late answer is not noted as ignored:\n%s", timeline(events))
	}
	resp, err := env.Client.ListWebhookDeliveriesWithResponse(context.Background(), env.Main.Sid,
		&client.ListWebhookDeliveriesParams{ResourceSid: &call.Sid})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("deliveries: %v", err)
	}
	kept := slices.ContainsFunc(resp.JSON200.WebhookDeliveries, func(d client.WebhookDelivery) bool {
		return string(d.Sid) == events[i].Data["delivery_sid"] && deref(d.ResponseStatusCode) == 200 &&
			strings.Contains(deref(d.ResponseBody), "Not said")
	})
	if !kept {
		t.Errorf("the late answer's delivery %s is not kept: %+v", events[i].Data["delivery_sid"], resp.JSON200.WebhookDeliveries)
	}
}
