package voice

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/store"
)

// The life of a call, whatever runs on it: ringing, answer, hang-up, and what each one
// tells the app (status callbacks) and the other calls involved (signals).

// Status callback events, as in StatusCallbackEvent.
const (
	cbInitiated = "initiated"
	cbRinging   = "ringing"
	cbAnswered  = "answered"
	cbCompleted = "completed"
)

// setStatus moves the call to status now, with its timeline entry and the status
// callback of the event it stands for.
func (t *turn) setStatus(status string, data map[string]string) {
	t.call.Status = status
	if data == nil {
		data = map[string]string{}
	}
	data["status"] = status
	t.event(typeStatus, "Call is "+status, data)
	switch status {
	case StatusRinging:
		t.callback(cbRinging)
	case StatusInProgress:
		t.callback(cbAnswered)
	case StatusQueued:
	default:
		t.callback(cbCompleted)
	}
}

// place dials a queued outbound call: the destination rings, or cannot be reached. What
// happens next (answer, busy, no answer) is scheduled from the destination table, the
// answer delay and the call's Timeout.
func (t *turn) place() {
	dest := destinationOf(t.call.To)
	if dest == fails {
		t.end(StatusFailed, "the destination cannot be reached")
		return
	}
	t.call.StartTime = t.simTime(t.at)
	t.setStatus(StatusRinging, nil)
	ring := int64(t.set.Timeout) * 1000
	delay := t.s.answerDelay.Milliseconds()
	switch {
	case dest == neverAnswers || (dest != busy && delay >= ring):
		t.schedule("no-answer", t.at+ring)
	case dest == busy:
		t.schedule("busy", t.at+min(delay, ring))
	default:
		t.schedule("answer", t.at+delay)
	}
}

func destinationOf(to string) outcome {
	if o, ok := destinations[to]; ok {
		return o
	}
	return answers
}

// answer picks the call up now: it goes in-progress, its time limit starts, a whole-call
// recording starts when asked for, and SendDigits are pressed.
func (t *turn) answer() {
	t.st.AnsweredAt = t.at
	t.st.LimitAt = t.at + int64(t.set.TimeLimit)*1000
	if destinationOf(t.call.To) == hangsUpAfter10 && t.call.Direction != DirectionInbound {
		t.st.HangupAt = t.at + farEndTalk.Milliseconds()
	}
	t.setStatus(StatusInProgress, nil)
	if t.set.Record {
		channels := max(t.set.RecordingChannels, 1)
		t.st.CallRecording = t.startRecording(-1, SourceOutboundAPI, channels)
	}
	if keys := strings.NewReplacer("w", "", "W", "").Replace(t.set.SendDigits); keys != "" {
		t.st.Keys += keys
		t.event(typeDigits, "Pressed "+keys+" (SendDigits)", map[string]string{"digits": keys, "source": "SendDigits"})
	}
}

// answerOutbound answers an outbound call and starts what runs on it: its TwiML, or, for
// a call placed by <Dial>, nothing but the connection to its parent.
func (t *turn) answerOutbound() {
	t.answer()
	if t.set.Bridged {
		t.schedule("bridged", forever) // until a hang-up, or the time limit
		return
	}
	if t.set.Twiml != "" {
		t.st.Doc, t.st.DocURL, t.st.Next = t.set.Twiml, "", 0
	} else {
		t.st.Fetch = &fetch{Event: EventCallTwiML, URL: t.set.URL, Method: twiml.Method(t.set.Method),
			FallbackURL: t.set.FallbackURL, FallbackMethod: twiml.Method(t.set.FallbackMethod)}
	}
	t.schedule("continue", t.at)
}

// end ends a live call with status: whatever runs stops (a recording keeps what it
// recorded, a dialed call is hung up), the call gets its end time, duration and price,
// and a parent that dialed it is told. why, when set, is noted on the timeline.
func (t *turn) end(status, why string) {
	if !live(t.call.Status) {
		return
	}
	if t.st.Record != nil {
		if action := t.finishRecord("hangup"); action != nil {
			// The caller is gone: the action is told, and its answer has nothing to run on.
			t.jobs = append(t.jobs, t.webhookJob(EventRecordAction, action.URL, action.Method, t.withParams(action.Params)))
		}
	}
	if r := t.st.CallRecording; r != nil {
		t.completeRecording(r, "", t.set.RecordingStatusCallback, t.set.RecordingStatusCallbackMethod)
		t.st.CallRecording = nil
	}
	if d := t.st.Dial; d != nil {
		t.signalCall(d.Child, signalPayload{Signal: signalHangUp, From: t.call.Sid})
		t.st.Dial = nil
	}
	t.st.Gather, t.st.Fetch, t.st.Wait, t.st.Due, t.st.Wanted, t.st.WantedDue = nil, nil, "", 0, "", 0
	t.call.EndTime = t.simTime(t.at)
	t.call.Duration = 0
	if t.st.AnsweredAt >= 0 {
		t.call.Duration = seconds(t.at - t.st.AnsweredAt)
	}
	rate := priceOutboundMinute
	if t.call.Direction == DirectionInbound {
		rate = priceInboundMinute
	}
	t.call.Price = price(t.call.Duration, rate)
	var data map[string]string
	if why != "" {
		data = map[string]string{"reason": why}
	}
	t.setStatus(status, data)
	if t.call.ParentCallSid != "" {
		t.signalCall(t.call.ParentCallSid, signalPayload{Signal: signalDialEnded, From: t.call.Sid, Status: status,
			Duration: t.call.Duration})
	}
}

// callback queues the status callback for event, if the call asked for it. A call's
// callbacks share a queue, so they arrive in order.
func (t *turn) callback(event string) {
	if t.set.StatusCallback == "" {
		return
	}
	events := t.set.StatusCallbackEvents
	if len(events) == 0 {
		events = []string{cbCompleted}
	}
	if !slices.Contains(events, event) {
		return
	}
	p := t.params()
	if event == cbInitiated {
		p["CallStatus"] = cbInitiated
	}
	p["Timestamp"] = t.simTime(t.at).Format(time.RFC1123Z)
	p["SequenceNumber"] = strconv.Itoa(t.st.Callbacks)
	p["CallbackSource"] = "call-progress-events"
	if event == cbCompleted {
		p["CallDuration"] = strconv.Itoa(t.call.Duration)
	}
	t.st.Callbacks++
	t.jobs = append(t.jobs, t.webhookJob(EventCallStatus, t.set.StatusCallback, twiml.Method(t.set.StatusCallbackMethod), p))
}

// params are Twilio's parameters of every voice request about the call.
func (t *turn) params() map[string]string {
	c := t.call
	p := map[string]string{
		"CallSid":    c.Sid,
		"AccountSid": c.AccountSid,
		"From":       c.From,
		"To":         c.To,
		"Caller":     c.From,
		"Called":     c.To,
		"CallStatus": c.Status,
		"ApiVersion": "2010-04-01",
		"Direction":  c.Direction,
	}
	for name, v := range map[string]string{"CallerName": c.CallerName, "ForwardedFrom": c.ForwardedFrom,
		"ParentCallSid": c.ParentCallSid, "FromCountry": phone.Country(c.From), "ToCountry": phone.Country(c.To)} {
		if v != "" {
			p[name] = v
		}
	}
	return p
}

// withParams is the call's parameters with more on top.
func (t *turn) withParams(more map[string]string) map[string]string {
	p := t.params()
	for k, v := range more {
		p[k] = v
	}
	return p
}

// startRecording starts a recording of the call now (verb -1: the whole call).
func (t *turn) startRecording(verb int, source string, channels int) *recordRun {
	now := time.Now().UTC().Truncate(time.Second)
	r := store.Recording{Sid: sid.New("RE"), AccountSid: t.call.AccountSid, CallSid: t.call.Sid, Status: RecordingInProgress,
		Source: source, Channels: channels, StartTime: t.simTime(t.at), DateCreated: now, DateUpdated: now}
	t.recordings = append(t.recordings, r)
	t.event(typeRecording, "Recording "+r.Sid+" started", map[string]string{"recording_sid": r.Sid, "status": RecordingInProgress, "source": source})
	return &recordRun{Verb: verb, Sid: r.Sid, Start: t.at, Channels: channels}
}

// completeRecording completes recording r now and sends its status callback, when there
// is one to send to.
func (t *turn) completeRecording(r *recordRun, key, callbackURL, callbackMethod string) (durationSeconds int) {
	dur := seconds(t.at - r.Start)
	t.recChanges = append(t.recChanges, store.RecordingChange{Sid: r.Sid, Status: RecordingCompleted, Duration: dur,
		Price: price(dur, priceRecordingMinute), DateUpdated: time.Now().UTC().Truncate(time.Second)})
	data := map[string]string{"recording_sid": r.Sid, "status": RecordingCompleted, "duration": strconv.Itoa(dur)}
	if key != "" {
		data["digits"] = key
	}
	t.event(typeRecording, fmt.Sprintf("Recording %s completed: %d s", r.Sid, dur), data)
	if callbackURL != "" {
		source := SourceRecordVerb
		if r.Verb < 0 {
			source = SourceOutboundAPI
		}
		p := map[string]string{
			"AccountSid":         t.call.AccountSid,
			"CallSid":            t.call.Sid,
			"RecordingSid":       r.Sid,
			"RecordingUrl":       t.s.recordingURL(t.call.AccountSid, r.Sid),
			"RecordingStatus":    RecordingCompleted,
			"RecordingDuration":  strconv.Itoa(dur),
			"RecordingChannels":  strconv.Itoa(max(r.Channels, 1)),
			"RecordingStartTime": t.simTime(r.Start).Format(time.RFC1123Z),
			"RecordingSource":    source,
			"RecordingTrack":     "both",
			"ErrorCode":          "0",
		}
		t.jobs = append(t.jobs, t.webhookJob(EventRecordingStatus, callbackURL, twiml.Method(callbackMethod), p))
	}
	return dur
}

// recordingURL is where apps fetch a recording's audio (Twilio's RecordingUrl: the
// resource's URI without an extension).
func (s *Service) recordingURL(accountSid, sid string) string {
	return s.baseURL + "/2010-04-01/Accounts/" + accountSid + "/Recordings/" + sid
}

// Signals between calls: a call placed by <Dial> tells its parent it ended; a parent
// that hangs up (or moves on) hangs up the call it placed.
const (
	signalDialEnded = "dial-ended"
	signalHangUp    = "hang-up"
)

type signalPayload struct {
	Signal   string `json:"signal"`
	From     string `json:"from"`
	Status   string `json:"status,omitempty"`
	Duration int    `json:"duration,omitempty"`
}

func (t *turn) signalCall(sid string, p signalPayload) {
	now := time.Now()
	t.jobs = append(t.jobs, store.Job{Kind: kindSignal, AccountSid: t.call.AccountSid, ResourceSid: sid,
		Payload: outbox.Payload(p), DueAt: now, DateCreated: now})
}

// absorb takes the writes of another call's new turn (a call this one placed) into this
// turn's transaction.
func (t *turn) absorb(w store.Writes) {
	t.calls = append(t.calls, w.Calls...)
	t.jobs = append(t.jobs, w.Jobs...)
	t.events = append(t.events, w.CallEvents...)
	t.recordings = append(t.recordings, w.Recordings...)
}
