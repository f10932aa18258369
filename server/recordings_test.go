package server_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-audio/wav"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// decodeWAV reads a WAV file with github.com/go-audio/wav (a decoder nobody here wrote)
// and returns its duration (the samples it decoded over the sample rate), channels and
// number of frames.
func decodeWAV(t *testing.T, body []byte) (time.Duration, int, int) {
	t.Helper()
	d := wav.NewDecoder(bytes.NewReader(body))
	if !d.IsValidFile() {
		t.Fatalf("not a valid WAV file (%d bytes)", len(body))
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if d.SampleRate != 8000 || d.BitDepth != 16 {
		t.Errorf("sample rate %d, depth %d; want 8000 Hz, 16 bits", d.SampleRate, d.BitDepth)
	}
	dur := time.Duration(buf.NumFrames()) * time.Second / time.Duration(d.SampleRate)
	// The decoder's own estimate divides the RIFF size (header included) by the byte
	// rate: a few milliseconds over.
	if est, err := d.Duration(); err != nil || est < dur || est > dur+10*time.Millisecond {
		t.Errorf("decoder's duration %s (%v), decoded %s", est, err, dur)
	}
	return dur, int(d.NumChans), buf.NumFrames()
}

func getAudio(t *testing.T, env *servertest.Env, path string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
	resp, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body.Bytes()
}

func TestRecordVerbMakesAWAV(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	rc := servertest.NewReceiver(t, env.Main.AuthToken)
	app(rc, map[string]string{
		"/voice":    `<Response><Say>Leave a message after the beep.</Say><Record maxLength="3" action="/recorded" recordingStatusCallback="/recording-status"/><Say>not reached</Say></Response>`,
		"/recorded": `<Response><Say>Thank you.</Say></Response>`,
	})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Url: ptr(rc.URL + "/voice")})
	waitForCall(t, env, call.Sid, "completed")

	// The recording, in the account's list and the call's.
	list, err := env.Client.ListRecordingsWithResponse(context.Background(), sid, &client.ListRecordingsParams{CallSid: &call.Sid})
	if err != nil || list.JSON200 == nil || len(list.JSON200.Recordings) != 1 {
		t.Fatalf("list recordings: %v %s", err, list.Body)
	}
	rec := list.JSON200.Recordings[0]
	path := "/2010-04-01/Accounts/" + sid + "/Recordings/" + rec.Sid
	if rec.Status != "completed" || deref(rec.Duration) != "3" || deref(rec.Price) != "-0.00250" || rec.Source != "RecordVerb" ||
		rec.Channels != 1 || rec.CallSid != call.Sid || rec.Uri != path+".json" || rec.MediaUrl != env.URL+path {
		t.Fatalf("recording %+v", rec)
	}
	calls, err := env.Client.ListCallRecordingsWithResponse(context.Background(), sid, call.Sid, nil)
	if err != nil || calls.JSON200 == nil || len(calls.JSON200.Recordings) != 1 {
		t.Fatalf("list call recordings: %v %s", err, calls.Body)
	}
	if cr := calls.JSON200.Recordings[0]; cr.Sid != rec.Sid || cr.Price == nil || *cr.Price != -0.0025 || cr.Track != "both" ||
		cr.Uri != "/2010-04-01/Accounts/"+sid+"/Calls/"+call.Sid+"/Recordings/"+rec.Sid+".json" {
		t.Errorf("call recording %+v", cr)
	}

	// Its audio: a WAV of three seconds, at .wav and without an extension, the same bytes.
	code, ctype, body := getAudio(t, env, path+".wav")
	if code != http.StatusOK || ctype != "audio/wav" {
		t.Fatalf("wav: HTTP %d %s", code, ctype)
	}
	dur, chans, frames := decodeWAV(t, body)
	if dur != 3*time.Second || chans != 1 || frames != 3*8000 {
		t.Errorf("decoded %s, %d channels, %d frames; want 3s, 1, 24000", dur, chans, frames)
	}
	code, _, bare := getAudio(t, env, path)
	if code != http.StatusOK || !bytes.Equal(bare, body) {
		t.Errorf("without extension: HTTP %d, %d bytes (want the same %d)", code, len(bare), len(body))
	}
	// And as MP3 (TestRecordingAsMP3 decodes it).
	if code, ctype, mp3 := getAudio(t, env, path+".mp3"); code != http.StatusOK || ctype != "audio/mpeg" || len(mp3) == 0 {
		t.Errorf("mp3: HTTP %d %s, %d bytes", code, ctype, len(mp3))
	}

	// The action got the recording; the status callback too.
	reqs := rc.WaitFor(t, 3, 5*time.Second)
	action := byPath(reqs, "/recorded")
	if len(action) != 1 || action[0].Form.Get("RecordingSid") != rec.Sid || action[0].Form.Get("RecordingDuration") != "3" ||
		action[0].Form.Get("RecordingUrl") != env.URL+path || action[0].Form.Has("Digits") {
		t.Errorf("record action %+v", action)
	}
	status := byPath(rc.WaitFor(t, 3, 5*time.Second), "/recording-status")
	if len(status) != 1 || status[0].Form.Get("RecordingStatus") != "completed" || status[0].Form.Get("RecordingSid") != rec.Sid ||
		status[0].Form.Get("RecordingDuration") != "3" || !status[0].Valid {
		t.Errorf("recording status callback %+v", status)
	}
	events := callEvents(t, env, call.Sid)
	want := []string{"verb:Say", "verb:Record", "recording", "recording", "webhook:record-action", "verb:Say"}
	if k := kinds(events); !containsInOrder(k, want) {
		t.Errorf("timeline %v lacks %v in order", k, want)
	}
	if slices.ContainsFunc(events, func(e client.CallEvent) bool { return e.Data["text"] == "not reached" }) {
		t.Errorf("the verb after <Record> ran, though its action answered")
	}

	// Deleted, it is gone, audio and all.
	if r, err := env.Client.DeleteRecordingWithResponse(context.Background(), sid, rec.Sid); err != nil || r.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %s", err, r.Body)
	}
	if code, _, _ := getAudio(t, env, path+".wav"); code != http.StatusNotFound {
		t.Errorf("audio after delete: HTTP %d", code)
	}
}

// containsInOrder reports whether want appears in got in order, not necessarily side by
// side.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestRecordStopsAtFinishKeyAndWholeCallRecording(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Record: ptr(true),
		RecordingChannels: ptr(client.CreateCallRequestRecordingChannelsDual),
		Twiml:             ptr(`<Response><Record maxLength="600" finishOnKey="#"/><Say>Bye now</Say></Response>`)})
	waitForEvent(t, env, call.Sid, isVerb("Record"))
	// Recording: an in-progress recording has no audio yet and cannot be deleted.
	list, err := env.Client.ListCallRecordingsWithResponse(context.Background(), sid, call.Sid, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Recordings) != 2 {
		t.Fatalf("recordings: %v %s", err, list.Body)
	}
	inProgress := list.JSON200.Recordings[0]
	if inProgress.Status != "in-progress" || inProgress.Duration != nil || inProgress.Price != nil {
		t.Fatalf("recording under way %+v", inProgress)
	}
	if code, _, _ := getAudio(t, env, "/2010-04-01/Accounts/"+sid+"/Recordings/"+inProgress.Sid+".wav"); code != http.StatusNotFound {
		t.Errorf("audio of a recording under way: HTTP %d", code)
	}
	r, err := env.Client.DeleteCallRecordingWithResponse(context.Background(), sid, call.Sid, inProgress.Sid)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r.StatusCode(), r.Body, http.StatusBadRequest, 20009)

	// Keys other than finishOnKey do nothing; # stops the recording.
	digits(t, env, call.Sid, "12#")
	done := waitForCall(t, env, call.Sid, "completed")
	stop := waitForEvent(t, env, call.Sid, func(e client.CallEvent) bool { return e.Type == "recording" && e.Data["status"] == "completed" })
	if stop.Data["digits"] != "#" {
		t.Errorf("recording stopped by %q", stop.Data["digits"])
	}
	all, err := env.Client.ListRecordingsWithResponse(context.Background(), sid, nil)
	if err != nil || all.JSON200 == nil || len(all.JSON200.Recordings) != 2 {
		t.Fatalf("recordings: %v %s", err, all.Body)
	}
	for _, rec := range all.JSON200.Recordings {
		if rec.Status != "completed" {
			t.Errorf("recording %s is %s", rec.Sid, rec.Status)
		}
		if rec.Source == "OutboundAPI" {
			// The whole call, answer to hang-up, on two channels.
			if deref(rec.Duration) != deref(done.Duration) || rec.Channels != 2 {
				t.Errorf("call recording: duration %v (call %v), %d channels", deref(rec.Duration), deref(done.Duration), rec.Channels)
			}
			_, _, body := getAudio(t, env, "/2010-04-01/Accounts/"+sid+"/Recordings/"+rec.Sid)
			if _, chans, _ := decodeWAV(t, body); chans != 2 {
				t.Errorf("%d channels", chans)
			}
		}
	}
	one, err := env.Client.FetchCallRecordingWithResponse(context.Background(), sid, call.Sid, inProgress.Sid)
	if err != nil || one.JSON200 == nil || one.JSON200.Status != "completed" {
		t.Fatalf("fetch call recording: %v %s", err, one.Body)
	}
	// A recording is not found under another call.
	other := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID, Twiml: ptr("<Response/>")})
	if r, _ := env.Client.FetchCallRecordingWithResponse(context.Background(), sid, other.Sid, inProgress.Sid); r.StatusCode() != http.StatusNotFound {
		t.Errorf("recording under another call: HTTP %d", r.StatusCode())
	}
}

func digits(t *testing.T, env *servertest.Env, callSid, keys string) client.Call {
	t.Helper()
	resp, err := env.Client.SendCallDigitsWithFormdataBodyWithResponse(context.Background(), env.Main.Sid, callSid,
		client.CallDigitsRequest{Digits: keys})
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("digits %s: %v %s", keys, err, resp.Body)
	}
	return *resp.JSON200
}

// TestRecordStopsAtFinishKeyPressedFirst: the finish key stops a <Record> when it is the
// first (and only) key of a press, too.
func TestRecordStopsAtFinishKeyPressedFirst(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	call := placeCall(t, env, client.CreateCallRequest{To: "+14155550100", From: callerID,
		Twiml: ptr(`<Response><Record maxLength="600" finishOnKey="#*"/><Say>Bye now</Say></Response>`)})
	waitForEvent(t, env, call.Sid, isVerb("Record"))
	digits(t, env, call.Sid, "*")
	waitForCall(t, env, call.Sid, "completed")
	stop := waitForEvent(t, env, call.Sid, func(e client.CallEvent) bool { return e.Type == "recording" && e.Data["status"] == "completed" })
	if stop.Data["digits"] != "*" {
		t.Errorf("recording stopped by %q", stop.Data["digits"])
	}
}
