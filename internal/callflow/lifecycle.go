package callflow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/twiml"
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

// Waits: what happens when a call's step comes due (State.Wait).
const (
	waitPlace     = "place"      // a queued outbound call dials its number
	waitAnswer    = "answer"     // the phone picks up
	waitBusy      = "busy"       // the phone is busy
	waitNoAnswer  = "no-answer"  // the phone rang until the Timeout
	waitLimit     = "limit"      // the time limit ends the call
	waitFarHangup = "far-hangup" // the far end hangs up of its own accord
	waitPrompt    = "prompt"     // a <Gather>'s prompt ended
	waitGather    = "gather"     // a <Gather> timed out
	waitRecord    = "record"     // a <Record> reached maxLength, or a key stopped it
	waitVerb      = "verb"       // a <Say>, <Play> or <Pause> ended
	waitContinue  = "continue"   // run the call on (new TwiML, a dial that ended)
	waitKeys      = "keys"       // keys for the <Gather> under way
	waitBridged   = "bridged"    // nothing to do until a hang-up, the other call, or the time limit
)

// entry adds an entry to the call's timeline, now.
func (t *turn) entry(typ, description string, data map[string]string) {
	t.effects = append(t.effects, Entry{Type: typ, Description: description, Data: data, At: t.now})
}

// simTime is the wall-clock time of simulated instant at, for the call's times
// (start_time, end_time, Timestamp): the simulated clock's own date.
func (t *turn) simTime(at int64) time.Time {
	return time.UnixMilli(t.call.State.Epoch).Add(time.Duration(at) * time.Millisecond).UTC().Truncate(time.Second)
}

// schedule sets the call's next step. Nothing runs past the call's time limit, or past
// the moment the far end hangs up: a wait that would is cut there, and the call ends.
func (t *turn) schedule(wait string, due int64) {
	st := &t.call.State
	st.Wanted, st.WantedDue = wait, due
	if st.HangupAt > 0 && due >= st.HangupAt {
		wait, due = waitFarHangup, st.HangupAt
	}
	if st.LimitAt > 0 && due >= st.LimitAt {
		wait, due = waitLimit, st.LimitAt
	}
	st.Wait, st.Due = wait, due
}

// clearWait drops the pending step.
func (t *turn) clearWait() {
	st := &t.call.State
	st.Wait, st.Due, st.Wanted, st.WantedDue = "", 0, "", 0
}

// setStatus moves the call to status now, with its timeline entry and the status
// callback of the event it stands for.
func (t *turn) setStatus(status string, data map[string]string) {
	t.call.Status = status
	if data == nil {
		data = map[string]string{}
	}
	data["status"] = status
	t.entry(typeStatus, "Call is "+status, data)
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
	t.call.StartTime = t.simTime(t.now)
	t.setStatus(StatusRinging, nil)
	ring := int64(t.call.Settings.Timeout) * 1000
	delay := t.network.AnswerDelay
	if dest == neverAnswers || (dest != busy && delay >= ring) {
		t.schedule(waitNoAnswer, t.now+ring)
	} else if dest == busy {
		t.schedule(waitBusy, t.now+min(delay, ring))
	} else {
		t.schedule(waitAnswer, t.now+delay)
	}
}

// answer picks the call up now: it goes in-progress, its time limit starts, a whole-call
// recording starts when asked for, and SendDigits are pressed.
func (t *turn) answer() {
	st, set := &t.call.State, t.call.Settings
	st.AnsweredAt = t.now
	st.LimitAt = t.now + int64(set.TimeLimit)*1000
	if destinationOf(t.call.To) == hangsUpAfter10 && t.call.Direction != DirectionInbound {
		st.HangupAt = t.now + farEndTalk.Milliseconds()
	}
	t.setStatus(StatusInProgress, nil)
	if set.Record {
		st.CallRecording = t.startRecording(-1, SourceOutboundAPI, max(set.RecordingChannels, 1))
	}
	if keys := withoutPauses(set.SendDigits); keys != "" {
		st.Keys += keys
		t.entry(typeDigits, "Pressed "+keys+" (SendDigits)", map[string]string{"digits": keys, "source": "SendDigits"})
	}
}

// withoutPauses drops the `w` (half a second's wait) of keys to press.
func withoutPauses(keys string) string { return strings.NewReplacer("w", "", "W", "").Replace(keys) }

// answerOutbound answers an outbound call and starts what runs on it: its TwiML, or, for
// a call placed by <Dial>, nothing but the connection to its parent.
func (t *turn) answerOutbound() {
	t.answer()
	set := t.call.Settings
	if set.Bridged {
		t.schedule(waitBridged, forever) // until a hang-up, or the time limit
		return
	}
	if set.Twiml != "" {
		t.load(set.Twiml, "")
		t.schedule(waitContinue, t.now)
		return
	}
	t.ask(Fetch{Event: EventCallTwiML, URL: set.URL, Method: set.Method, FallbackURL: set.FallbackURL, FallbackMethod: set.FallbackMethod})
}

// end ends a live call with status: whatever runs stops (a recording keeps what it
// recorded, a dialed call is hung up), the call gets its end time, duration and price,
// and a parent that dialed it is told. why, when set, is noted on the timeline.
func (t *turn) end(status, why string) {
	if !Live(t.call.Status) {
		return
	}
	st := &t.call.State
	if st.Record != nil {
		if action := t.finishRecord("hangup"); action != nil {
			// The caller is gone: the action is told, and its answer has nothing to run on.
			t.notify(action.Event, action.URL, action.Method, t.withParams(action.Params))
		}
	}
	if r := st.CallRecording; r != nil {
		set := t.call.Settings
		t.completeRecording(r, "", set.RecordingStatusCallback, set.RecordingStatusCallbackMethod)
		st.CallRecording = nil
	}
	if d := st.Dial; d != nil {
		t.signal(d.Child, ParentHungUp{Parent: t.call.Sid})
		st.Dial = nil
	}
	st.Gather, st.Fetch = nil, nil
	t.clearWait()
	t.call.EndTime = t.simTime(t.now)
	t.call.Duration = 0
	if st.AnsweredAt >= 0 {
		t.call.Duration = seconds(t.now - st.AnsweredAt)
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
		t.signal(t.call.ParentCallSid, DialEnded{Child: t.call.Sid, Status: status, Duration: t.call.Duration})
	}
}

// callback queues the status callback for event, if the call asked for it. A call's
// callbacks share a queue, so they arrive in order.
func (t *turn) callback(event string) {
	set := t.call.Settings
	if set.StatusCallback == "" {
		return
	}
	events := set.StatusCallbackEvents
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
	p["Timestamp"] = t.simTime(t.now).Format(time.RFC1123Z)
	p["SequenceNumber"] = strconv.Itoa(t.call.State.Callbacks)
	p["CallbackSource"] = "call-progress-events"
	if event == cbCompleted {
		p["CallDuration"] = strconv.Itoa(t.call.Duration)
	}
	t.call.State.Callbacks++
	t.notify(EventCallStatus, set.StatusCallback, set.StatusCallbackMethod, p)
}

// notify queues a request whose answer is only recorded.
func (t *turn) notify(event, url, method string, params map[string]string) {
	t.effects = append(t.effects, Notify{Event: event, URL: t.resolve(url), Method: twiml.Method(method), Params: params})
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
	for name, v := range map[string]string{"CallerName": c.CallerName, "ForwardedFrom": c.ForwardedFrom, "ParentCallSid": c.ParentCallSid} {
		if v != "" {
			p[name] = v
		}
	}
	phone.AddPlaces(p, c.From, c.To)
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
func (t *turn) startRecording(verb int, source string, channels int) *Recording {
	sid := t.network.NewSid("RE")
	t.effects = append(t.effects, StartRecording{Sid: sid, Source: source, Channels: channels, StartTime: t.simTime(t.now)})
	t.entry(typeRecording, "Recording "+sid+" started", map[string]string{"recording_sid": sid, "status": RecordingInProgress, "source": source})
	return &Recording{Verb: verb, Sid: sid, Start: t.now, Channels: channels}
}

// completeRecording completes recording r now and sends its status callback, when there
// is one to send to.
func (t *turn) completeRecording(r *Recording, key, callbackURL, callbackMethod string) (durationSeconds int) {
	dur := seconds(t.now - r.Start)
	t.effects = append(t.effects, CompleteRecording{Sid: r.Sid, Duration: dur, Price: price(dur, priceRecordingMinute)})
	data := map[string]string{"recording_sid": r.Sid, "status": RecordingCompleted, "duration": strconv.Itoa(dur)}
	if key != "" {
		data["digits"] = key
	}
	t.entry(typeRecording, fmt.Sprintf("Recording %s completed: %d s", r.Sid, dur), data)
	if callbackURL != "" {
		source := SourceRecordVerb
		if r.Verb < 0 {
			source = SourceOutboundAPI
		}
		p := map[string]string{
			"AccountSid":         t.call.AccountSid,
			"CallSid":            t.call.Sid,
			"RecordingSid":       r.Sid,
			"RecordingUrl":       t.recordingURL(r.Sid),
			"RecordingStatus":    RecordingCompleted,
			"RecordingDuration":  strconv.Itoa(dur),
			"RecordingChannels":  strconv.Itoa(max(r.Channels, 1)),
			"RecordingStartTime": t.simTime(r.Start).Format(time.RFC1123Z),
			"RecordingSource":    source,
			"RecordingTrack":     "both",
			"ErrorCode":          "0",
		}
		t.notify(EventRecordingStatus, callbackURL, callbackMethod, p)
	}
	return dur
}

// recordingURL is where apps fetch a recording's audio (Twilio's RecordingUrl: the
// resource's URI without an extension).
func (t *turn) recordingURL(sid string) string {
	return t.network.BaseURL + "/2010-04-01/Accounts/" + t.call.AccountSid + "/Recordings/" + sid
}

// signal tells call sid of event.
func (t *turn) signal(sid string, event Event) {
	t.effects = append(t.effects, Signal{To: sid, Event: event})
}
