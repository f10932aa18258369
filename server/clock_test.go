package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// The Clock endpoint reads the simulator's time, moves it forward by a duration or to a
// time, and refuses to move it back, to stand still, or on a server that fixes it.
func TestClockEndpoint(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	path := "/switchboard/v1/Clock"
	post := func(env *servertest.Env, form url.Values) (int, []byte) {
		return env.Do(t, http.MethodPost, path, env.Main.Sid, env.Main.AuthToken, strings.NewReader(form.Encode()), formType)
	}

	before := time.Now()
	got, err := env.Client.FetchClockWithResponse(ctx)
	if err != nil || got.JSON200 == nil {
		t.Fatalf("fetch: %v %s", err, got.Body)
	}
	if c := got.JSON200; c.OffsetSeconds != 0 || !c.Movable || c.Now.Before(before.Truncate(time.Millisecond)) || c.Now.Sub(c.RealNow) != 0 {
		t.Fatalf("an unmoved clock: %+v", c)
	}

	for _, tt := range []struct {
		name    string
		form    url.Values
		wantErr bool
		offset  time.Duration // what the clock is ahead by after, when it moved
	}{
		{"neither", url.Values{}, true, 0},
		{"both", url.Values{"Advance": {"PT1M"}, "Time": {time.Now().Add(time.Hour).Format(time.RFC3339)}}, true, 0},
		{"not a duration", url.Values{"Advance": {"ten minutes"}}, true, 0},
		{"zero", url.Values{"Advance": {"PT0S"}}, true, 0},
		{"negative seconds", url.Values{"Advance": {"-60"}}, true, 0},
		{"months", url.Values{"Advance": {"P1M"}}, true, 0},
		{"back in time", url.Values{"Time": {time.Now().Add(-time.Hour).Format(time.RFC3339)}}, true, 0},
		{"not a time", url.Values{"Time": {"tomorrow"}}, true, 0},
		{"ten minutes", url.Values{"Advance": {"PT10M"}}, false, 10 * time.Minute},
		{"seconds", url.Values{"Advance": {"30"}}, false, 10*time.Minute + 30*time.Second},
		{"to a time", url.Values{"Time": {time.Now().Add(49 * time.Hour).UTC().Format(time.RFC3339)}}, false, 49 * time.Hour},
		{"to a time it has passed", url.Values{"Time": {time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}}, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(env, tt.form)
			if tt.wantErr {
				wantError(t, status, body, http.StatusBadRequest, 20001)
				return
			}
			if status != http.StatusOK {
				t.Fatalf("HTTP %d %s", status, body)
			}
			c, err := env.Client.FetchClockWithResponse(ctx)
			if err != nil || c.JSON200 == nil {
				t.Fatalf("fetch: %v", err)
			}
			// A move to a time is to the second; the real clock ran on meanwhile.
			if off := time.Duration(c.JSON200.OffsetSeconds * float64(time.Second)); off < tt.offset-2*time.Second || off > tt.offset+time.Second {
				t.Errorf("offset %s, want about %s", off, tt.offset)
			}
		})
	}

	// What the API writes is dated by the simulator's clock.
	m := send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, "from the future"))
	created, err := time.Parse(time.RFC1123Z, m.DateCreated)
	if err != nil || time.Until(created) < 48*time.Hour {
		t.Errorf("date_created %s of a message made 49 hours ahead (%v)", m.DateCreated, err)
	}

	fixed := servertest.Start(t, servertest.Options{FixedClock: true})
	status, body := post(fixed, url.Values{"Advance": {"PT10M"}})
	wantError(t, status, body, http.StatusForbidden, 20403)
	if c, err := fixed.Client.FetchClockWithResponse(ctx); err != nil || c.JSON200 == nil || c.JSON200.Movable || c.JSON200.OffsetSeconds != 0 {
		t.Errorf("a fixed clock: %v %s", err, c.Body)
	}
}

// A message scheduled for tomorrow is sent when one advance passes its SendAt, with its
// status callbacks in order, dated by the clock.
func TestScheduledForTomorrowSentByOneAdvance(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	sendAt := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	fixed := client.CreateMessageRequestScheduleTypeFixed
	at := sendAt.Format(time.RFC3339)
	req := withCallback(text("+14155550100", testSender, "tomorrow"), rc.URL)
	req.ScheduleType, req.SendAt = &fixed, &at
	m := send(t, env.Client, sid, req)
	if m.Status != "scheduled" {
		t.Fatalf("status %s", m.Status)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("%d callbacks before the clock reached SendAt", n)
	}

	env.Advance(t, 24*time.Hour+time.Minute)
	done := env.WaitForStatus(t, env.Client, sid, m.Sid, 10*time.Second, "delivered")
	sent, err := time.Parse(time.RFC1123Z, *done.DateSent)
	if err != nil || sent.Before(sendAt) {
		t.Errorf("date_sent %v before SendAt %s (%v)", done.DateSent, at, err)
	}
	if got := statuses(rc.WaitFor(t, 4, 5*time.Second)); !slices.Equal(got, []string{"queued", "sending", "sent", "delivered"}) {
		t.Errorf("callbacks %v, want queued, sending, sent, delivered", got)
	}
}

// A call in a ten-minute <Pause> ends when the clock is moved past it, not ten real
// minutes later, and its duration counts the pause.
func TestPauseEndsOnAdvance(t *testing.T) {
	env := servertest.Start(t, servertest.Options{CallSpeed: 1, CallAnswerDelay: time.Millisecond})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr(`<Response><Say>Please hold.</Say><Pause length="600"/><Say>Thank you.</Say></Response>`)})
	waitForEvent(t, env, call.Sid, isVerb("Pause"))
	time.Sleep(200 * time.Millisecond)
	if c := fetchCall(t, env, call.Sid); c.Status != "in-progress" {
		t.Fatalf("status %s during the pause", c.Status)
	}

	env.Advance(t, 10*time.Minute)
	done := waitForCall(t, env, call.Sid, "completed")
	if secs, err := strconv.Atoi(deref(done.Duration)); err != nil || secs < 600 || secs > 700 {
		t.Errorf("duration %v s, want the pause's 600 and a few more", done.Duration)
	}
	events := callEvents(t, env, call.Sid)
	if !slices.ContainsFunc(events, isVerb("Say")) || events[len(events)-1].ElapsedMs < 600_000 {
		t.Errorf("timeline after the pause: %s", timeline(events))
	}
}

// A webhook that fails is retried with backoff on the clock: an hour's backoff passes
// with an advance, and nothing is retried before.
func TestWebhookRetriesOnAdvance(t *testing.T) {
	// StepDelay: no delivery step runs before the force (which cancels them), so that the
	// forced status's is the only callback.
	env := servertest.Start(t, servertest.Options{WebhookBackoff: time.Hour, StepDelay: time.Hour})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	rc.Respond(func(n int, _ servertest.Received) (int, string, string) {
		if n < 2 {
			return http.StatusInternalServerError, "text/plain", "boom"
		}
		return http.StatusOK, "", ""
	})
	m := send(t, env.Client, sid, withCallback(text("+14155550100", testSender, "retry me later"), rc.URL))
	if _, err := env.Client.ForceMessageStatusWithFormdataBodyWithResponse(context.Background(), sid, m.Sid,
		client.ForceStatusRequest{Status: client.ForceStatusRequestStatusDelivered}); err != nil {
		t.Fatal(err)
	}
	rc.WaitFor(t, 1, 5*time.Second)
	for attempt, wait := range []time.Duration{time.Hour, 2 * time.Hour} {
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.Requests()); n != attempt+1 {
			t.Fatalf("%d requests before the backoff of attempt %d passed, want %d", n, attempt+2, attempt+1)
		}
		env.Advance(t, wait)
		rc.WaitFor(t, attempt+2, 5*time.Second)
	}
	reqs := rc.Requests()
	if len(reqs) != 3 || reqs[0].Header.Get("I-Twilio-Idempotency-Token") != reqs[2].Header.Get("I-Twilio-Idempotency-Token") {
		t.Errorf("%d requests; a retry is the same request", len(reqs))
	}
}

// The clock is the database's: a restart keeps how far it was moved, and what it
// scheduled.
func TestClockSurvivesRestart(t *testing.T) {
	db := t.TempDir() + "/switchboard.db"
	first := servertest.Start(t, servertest.Options{DBPath: db})
	moved := first.Advance(t, 72*time.Hour)
	first.Stop()

	second := servertest.Start(t, servertest.Options{DBPath: db})
	c, err := second.Client.FetchClockWithResponse(context.Background())
	if err != nil || c.JSON200 == nil {
		t.Fatalf("fetch: %v", err)
	}
	if c.JSON200.Now.Before(moved) || c.JSON200.OffsetSeconds < (72*time.Hour).Seconds()-1 {
		t.Errorf("after a restart the clock reads %s (offset %v s); it was moved to %s", c.JSON200.Now, c.JSON200.OffsetSeconds, moved)
	}
}
