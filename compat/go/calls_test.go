package compat

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

var (
	callSID      = regexp.MustCompile(`^CA[0-9a-f]{32}$`)
	recordingSID = regexp.MustCompile(`^RE[0-9a-f]{32}$`)
)

// waitCall fetches a call through the SDK until its status is status.
func (e *sdkEnv) waitCall(t *testing.T, sid, status string) *api.ApiV2010Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := e.SDK.Api.FetchCall(sid, nil)
		if err != nil {
			t.Fatalf("fetch call: %v", err)
		}
		if deref(c.Status) == status {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("call %s is %s, want %s", sid, deref(c.Status), status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Calls through the SDK: create one that runs the app's TwiML and records, follow it to
// its end, list it, and read its recording, with the SDK's own calls and types.
func TestCalls(t *testing.T) {
	t.Parallel()
	e := startLive(t) // owns `from`, a voice-capable number
	rc := servertest.NewReceiver(t, e.Main.AuthToken)
	rc.Respond(func(_ int, r servertest.Received) (int, string, string) {
		switch r.Path {
		case "/voice":
			return http.StatusOK, "text/xml", `<Response><Say>Leave a message.</Say><Record maxLength="2" action="/done"/></Response>`
		case "/done":
			return http.StatusOK, "text/xml", `<Response><Say>Thanks.</Say><Hangup/></Response>`
		}
		return http.StatusOK, "", ""
	})

	c, err := e.SDK.Api.CreateCall(&api.CreateCallParams{To: ptr(to), From: ptr(from), Url: ptr(rc.URL + "/voice"),
		StatusCallback: ptr(rc.URL + "/status"), StatusCallbackEvent: &[]string{"initiated", "ringing", "answered", "completed"}})
	if err != nil {
		t.Fatal(err)
	}
	if !callSID.MatchString(deref(c.Sid)) || deref(c.Status) != "queued" || deref(c.Direction) != "outbound-api" ||
		deref(c.To) != to || deref(c.From) != from || deref(c.ApiVersion) != "2010-04-01" || c.Duration != nil ||
		deref(c.Uri) != "/2010-04-01/Accounts/"+e.Main.Sid+"/Calls/"+deref(c.Sid)+".json" || c.SubresourceUris == nil {
		t.Fatalf("created %+v", c)
	}
	parseDate(t, "date_created", c.DateCreated)

	done := e.waitCall(t, *c.Sid, "completed")
	// Answered after 2 s; "Leave a message." (1.2 s), 2 s of recording, "Thanks." (0.4 s).
	if deref(done.Duration) != "4" || deref(done.Price) != "-0.01400" || deref(done.PriceUnit) != "USD" {
		t.Errorf("ended: duration %q price %q", deref(done.Duration), deref(done.Price))
	}
	start, end := parseDate(t, "start_time", done.StartTime), parseDate(t, "end_time", done.EndTime)
	if !end.After(start) {
		t.Errorf("start %s end %s", start, end)
	}
	var statuses []string
	for _, r := range rc.WaitFor(t, 6, 5*time.Second) {
		if r.Path == "/status" {
			statuses = append(statuses, r.Form.Get("CallStatus"))
		}
		if !r.Valid {
			t.Errorf("%s: the SDK's validator refuses the signature", r.Path)
		}
	}
	if len(statuses) != 4 || statuses[3] != "completed" {
		t.Errorf("status callbacks %v", statuses)
	}

	// Listed with filters, one per page: the SDK follows next_page_uri.
	yesterday := time.Now().Add(-24 * time.Hour)
	list, err := e.SDK.Api.ListCall(&api.ListCallParams{To: ptr(to), Status: ptr("completed"), StartTimeAfter: &yesterday, PageSize: ptr(1)})
	if err != nil || len(list) != 1 || deref(list[0].Sid) != *c.Sid {
		t.Fatalf("list calls: %d (%v)", len(list), err)
	}

	// Its recording, in the account's list and the call's, as the SDK reads them.
	recs, err := e.SDK.Api.ListRecording(&api.ListRecordingParams{CallSid: c.Sid})
	if err != nil || len(recs) != 1 {
		t.Fatalf("list recordings: %d (%v)", len(recs), err)
	}
	rec := recs[0]
	if !recordingSID.MatchString(deref(rec.Sid)) || deref(rec.Duration) != "2" || deref(rec.Status) != "completed" ||
		deref(rec.CallSid) != *c.Sid || deref(rec.Price) != "-0.00250" || deref(rec.Channels) != 1 || deref(rec.Source) != "RecordVerb" {
		t.Errorf("recording %+v", rec)
	}
	one, err := e.SDK.Api.FetchRecording(*rec.Sid, nil)
	if err != nil || deref(one.Sid) != *rec.Sid || deref(one.MediaUrl) == "" {
		t.Fatalf("fetch recording: %+v (%v)", one, err)
	}
	callRecs, err := e.SDK.Api.ListCallRecording(*c.Sid, nil)
	if err != nil || len(callRecs) != 1 || callRecs[0].Price == nil || *callRecs[0].Price != -0.0025 || callRecs[0].Channels != 1 {
		t.Fatalf("list call recordings: %+v (%v)", callRecs, err)
	}
	if cr, err := e.SDK.Api.FetchCallRecording(*c.Sid, *rec.Sid, nil); err != nil || deref(cr.Duration) != "2" {
		t.Fatalf("fetch call recording: %+v (%v)", cr, err)
	}
	// media_url is the audio, as on Twilio.
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/2010-04-01/Accounts/"+e.Main.Sid+"/Recordings/"+*rec.Sid+".wav", nil)
	req.SetBasicAuth(e.Main.Sid, e.Main.AuthToken)
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("RIFF")) || len(body) != 44+2*8000*2 {
		t.Errorf("wav: HTTP %d, %d bytes", resp.StatusCode, len(body))
	}

	// The audio is served without credentials, as Twilio serves it unless the account
	// asks otherwise: an app links RecordingUrl + ".mp3" in a page or an e-mail.
	wav := e.fetchWithoutCredentials(t, "/2010-04-01/Accounts/"+e.Main.Sid+"/Recordings/"+*rec.Sid+".wav", "audio/wav")
	if !bytes.Equal(wav, body) {
		t.Errorf("wav without credentials: %d bytes, not the %d with them", len(wav), len(body))
	}
	mp3 := e.fetchWithoutCredentials(t, "/2010-04-01/Accounts/"+e.Main.Sid+"/Recordings/"+*rec.Sid+".mp3", "audio/mpeg")
	// An MPEG audio stream: a frame header's sync word first (11 bits set).
	if len(mp3) < 4 || mp3[0] != 0xFF || mp3[1]&0xE0 != 0xE0 {
		t.Errorf("mp3: %d bytes beginning % x", len(mp3), mp3[:min(len(mp3), 4)])
	}

	// An ended call is deleted; then it is not found.
	if err := e.SDK.Api.DeleteCall(*c.Sid, nil); err != nil {
		t.Fatal(err)
	}
	_, err = e.SDK.Api.FetchCall(*c.Sid, nil)
	e.wantError(t, err, 404, 20404)
}

// Updating calls through the SDK: redirect a live call to inline TwiML, hang one up,
// cancel a ringing one; and the errors of the calls that cannot be.
func TestUpdateCalls(t *testing.T) {
	t.Parallel()
	e := startWith(t, servertest.Options{CallAnswerDelay: time.Hour})
	e.buy(t, from)

	ringing, err := e.SDK.Api.CreateCall(&api.CreateCallParams{To: ptr(to), From: ptr(from), Timeout: ptr(600),
		Twiml: ptr("<Response><Pause length=\"600\"/></Response>")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitCall(t, *ringing.Sid, "ringing")
	err = e.SDK.Api.DeleteCall(*ringing.Sid, nil)
	e.wantError(t, err, 400, 20009)
	canceled, err := e.SDK.Api.UpdateCall(*ringing.Sid, &api.UpdateCallParams{Status: ptr("canceled")})
	if err != nil || deref(canceled.Status) != "canceled" || deref(canceled.Duration) != "0" {
		t.Fatalf("cancel: %+v (%v)", canceled, err)
	}
	_, err = e.SDK.Api.UpdateCall(*ringing.Sid, &api.UpdateCallParams{Url: ptr("https://example.com/voice")})
	e.wantError(t, err, 400, 21220)

	// Answered at once as the far end, then redirected, then hung up.
	live, err := e.SDK.Api.CreateCall(&api.CreateCallParams{To: ptr(to), From: ptr(from), Timeout: ptr(600),
		Twiml: ptr("<Response><Pause length=\"600\"/></Response>")})
	if err != nil {
		t.Fatal(err)
	}
	e.waitCall(t, *live.Sid, "ringing")
	if r, err := e.Client.AnswerCallWithResponse(t.Context(), e.Main.Sid, *live.Sid); err != nil || r.JSON200 == nil {
		t.Fatalf("answer: %v", err)
	}
	redirected, err := e.SDK.Api.UpdateCall(*live.Sid, &api.UpdateCallParams{Twiml: ptr("<Response><Pause length=\"300\"/></Response>")})
	if err != nil || deref(redirected.Status) != "in-progress" {
		t.Fatalf("redirect: %+v (%v)", redirected, err)
	}
	hung, err := e.SDK.Api.UpdateCall(*live.Sid, &api.UpdateCallParams{Status: ptr("completed")})
	if err != nil || deref(hung.Status) != "completed" || hung.Duration == nil || hung.EndTime == nil {
		t.Fatalf("hang up: %+v (%v)", hung, err)
	}

	_, err = e.SDK.Api.CreateCall(&api.CreateCallParams{To: ptr("+15005550001"), From: ptr(from), Url: ptr("https://example.com/voice")})
	e.wantError(t, err, 400, 21217)
	_, err = e.SDK.Api.CreateCall(&api.CreateCallParams{To: ptr(to), From: ptr("+14155550123"), Url: ptr("https://example.com/voice")})
	e.wantError(t, err, 400, 21210)
}
