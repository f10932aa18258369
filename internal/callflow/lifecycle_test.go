package callflow

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"
)

var allCallbacks = []string{"initiated", "ringing", "answered", "completed"}

// TestPlace: a call placed through the API is queued, tells the app it was initiated
// (when asked), and dials at once.
func TestPlace(t *testing.T) {
	s := outbound(t, caller, Settings{Twiml: "<Response/>", StatusCallback: "https://app.example/status", StatusCallbackEvents: allCallbacks})
	c := s.call
	if c.Status != StatusQueued || c.State.AnsweredAt != -1 || c.State.Wait != waitPlace || c.State.Due != 0 || !c.StartTime.IsZero() {
		t.Errorf("placed: %+v", c)
	}
	if got := s.kinds(); !slices.Equal(got, []string{"status:queued"}) {
		t.Errorf("timeline %v", got)
	}
	cb := s.notifies(EventCallStatus)
	if len(cb) != 1 || cb[0].Params["CallStatus"] != "initiated" || cb[0].Params["SequenceNumber"] != "0" ||
		cb[0].URL != "https://app.example/status" || cb[0].Method != "POST" {
		t.Errorf("callbacks %+v", cb)
	}
	// Without initiated among the events, nothing is told.
	s = outbound(t, caller, Settings{Twiml: "<Response/>", StatusCallback: "https://app.example/status"})
	if cb := s.notifies(""); len(cb) != 0 {
		t.Errorf("callbacks %+v, want none", cb)
	}
}

// TestDestinations: what the number called does, against the answer delay and Timeout.
func TestDestinations(t *testing.T) {
	tests := []struct {
		name        string
		to          string
		timeout     int
		answerDelay int64
		status      string
		endAt       int64
		rang        bool
		reason      string
	}{
		{"answers", caller, 60, 2000, StatusCompleted, 32000, true, ""},
		{"answers at once", caller, 60, 0, StatusCompleted, 30000, true, ""},
		{"busy", "+15554000001", 60, 2000, StatusBusy, 2000, true, ""},
		{"busy, cut at the timeout", "+15554000001", 1, 2000, StatusBusy, 1000, true, ""},
		{"never answers", "+15554000002", 5, 2000, StatusNoAnswer, 5000, true, ""},
		{"fails", "+15554000003", 60, 2000, StatusFailed, 0, false, "the destination cannot be reached"},
		{"rings longer than the timeout", caller, 2, 2000, StatusNoAnswer, 2000, true, ""},
		{"rings just within the timeout", caller, 3, 2999, StatusCompleted, 32999, true, ""},
		{"hangs up after ten seconds", "+15554000004", 60, 2000, StatusCompleted, 12000, true, "the far end hung up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := outbound(t, tt.to, Settings{Twiml: `<Response><Pause length="30"/></Response>`, Timeout: tt.timeout,
				StatusCallback: "https://app.example/status", StatusCallbackEvents: allCallbacks})
			s.net.AnswerDelay = tt.answerDelay
			s.settle()
			c := s.call
			last := s.entries()[len(s.entries())-1]
			if c.Status != tt.status || last.At != tt.endAt || last.Data["reason"] != tt.reason {
				t.Errorf("ended %s at %d (%q), want %s at %d (%q)\n%s", c.Status, last.At, last.Data["reason"], tt.status, tt.endAt, tt.reason, s.timeline())
			}
			if !c.StartTime.IsZero() != tt.rang || c.EndTime != time.UnixMilli(epoch+tt.endAt).UTC().Truncate(time.Second) {
				t.Errorf("start %v end %v", c.StartTime, c.EndTime)
			}
			if tt.status != StatusCompleted && (c.Duration != 0 || c.Price != "0.00000") {
				t.Errorf("unanswered: duration %d price %s", c.Duration, c.Price)
			}
			var statuses []string
			for _, cb := range s.notifies(EventCallStatus) {
				statuses = append(statuses, cb.Params["CallStatus"])
			}
			want := []string{"initiated", "ringing", "in-progress", tt.status}
			if !tt.rang {
				want = []string{"initiated", tt.status}
			} else if tt.status != StatusCompleted {
				want = []string{"initiated", "ringing", tt.status}
			}
			if !slices.Equal(statuses, want) {
				t.Errorf("callbacks %v, want %v", statuses, want)
			}
		})
	}
}

// TestCallbacks: the events a status callback is asked for, numbered in order, each
// with the call's parameters, a Timestamp of the simulated clock, and the duration on the
// last.
func TestCallbacks(t *testing.T) {
	for _, tt := range []struct {
		events []string
		want   []string
	}{
		{nil, []string{"completed"}},
		{[]string{"answered"}, []string{"in-progress"}},
		{[]string{"ringing", "completed"}, []string{"ringing", "completed"}},
		{allCallbacks, []string{"initiated", "ringing", "in-progress", "completed"}},
	} {
		s := outbound(t, caller, Settings{Twiml: `<Response><Pause length="61"/></Response>`, StatusCallback: "status",
			StatusCallbackMethod: "GET", StatusCallbackEvents: tt.events})
		s.settle()
		cbs := s.notifies(EventCallStatus)
		var got []string
		for i, cb := range cbs {
			p := cb.Params
			got = append(got, p["CallStatus"])
			if p["SequenceNumber"] != strconv.Itoa(i) || p["CallbackSource"] != "call-progress-events" || cb.Method != "GET" ||
				cb.URL != "status" || p["CallSid"] != callSid || p["AccountSid"] != acctSid || p["ApiVersion"] != "2010-04-01" {
				t.Errorf("%v: callback %d %+v", tt.events, i, cb)
			}
			if _, has := p["CallDuration"]; has != (p["CallStatus"] == "completed") {
				t.Errorf("%v: CallDuration on %s: %v", tt.events, p["CallStatus"], has)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v: callbacks %v, want %v", tt.events, got, tt.want)
		}
		last := cbs[len(cbs)-1].Params
		if tt.want[len(tt.want)-1] == "completed" && (last["CallDuration"] != "61" || last["Timestamp"] != "Thu, 01 Jan 2026 00:01:03 +0000") {
			t.Errorf("the last callback %v", last)
		}
		if s.call.State.Callbacks != len(tt.want) {
			t.Errorf("%d callbacks counted", s.call.State.Callbacks)
		}
	}
}

// TestParams: every request about a call carries Twilio's parameters; the optional ones
// only when set.
func TestParams(t *testing.T) {
	s := inbound(t, Settings{})
	s.call.ForwardedFrom = "+14155550123"
	f := s.call.State.Fetch
	want := map[string]string{"CallSid": callSid, "AccountSid": acctSid, "From": caller, "To": ourPhone, "Caller": caller,
		"Called": ourPhone, "CallStatus": "ringing", "ApiVersion": "2010-04-01", "Direction": "inbound", "CallerName": "Alice",
		"FromCountry": "US", "ToCountry": "US", "FromCity": "SAN FRANCISCO", "FromState": "CA", "FromZip": "94103",
		"ToCity": "SAN FRANCISCO", "ToState": "CA", "ToZip": "94103"}
	if !maps.Equal(f.Params, want) {
		t.Errorf("params %v\nwant %v", f.Params, want)
	}
	tr := &turn{call: Call{Sid: "CA1", To: "client:alice", From: "+447700900123", ParentCallSid: "CA0", ForwardedFrom: "+1",
		Status: StatusRinging, Direction: DirectionOutboundDial}}
	p := tr.params()
	if p["ParentCallSid"] != "CA0" || p["ForwardedFrom"] != "+1" || p["FromCountry"] != "GB" {
		t.Errorf("params %v", p)
	}
	// A Client identifier has no place: city, state and ZIP are sent empty.
	for _, name := range []string{"ToCity", "ToState", "ToZip"} {
		if v, ok := p[name]; !ok || v != "" {
			t.Errorf("%s = %q (sent %v), want it sent empty", name, v, ok)
		}
	}
	for _, name := range []string{"ToCountry", "CallerName"} {
		if _, ok := p[name]; ok {
			t.Errorf("%s = %q, want none", name, p[name])
		}
	}
	if got := tr.withParams(map[string]string{"Digits": "1", "CallStatus": "x"}); got["Digits"] != "1" || got["CallStatus"] != "x" || got["CallSid"] != "CA1" {
		t.Errorf("withParams %v", got)
	}
}

// TestAnswer: answered, a call's time limit starts, a whole-call recording starts when
// asked for, SendDigits are pressed (pauses dropped), and the far end of +15554000004 will
// hang up ten seconds later.
func TestAnswer(t *testing.T) {
	s := outbound(t, "+15554000004", Settings{Twiml: `<Response><Pause length="60"/></Response>`, TimeLimit: 30, Record: true,
		RecordingChannels: 2, SendDigits: "1w2W3", RecordingStatusCallback: "https://app.example/rec", RecordingStatusCallbackMethod: "GET"})
	s.until(2000)
	st := s.call.State
	if st.AnsweredAt != 2000 || st.LimitAt != 32000 || st.HangupAt != 12000 || st.Keys != "123" || st.CallRecording == nil ||
		st.CallRecording.Channels != 2 || st.CallRecording.Verb != -1 || st.CallRecording.Start != 2000 {
		t.Fatalf("answered: %+v", st)
	}
	if e, ok := s.find(func(e Entry) bool { return e.Type == typeDigits }); !ok || e.Description != "Pressed 123 (SendDigits)" ||
		e.Data["source"] != "SendDigits" || e.Data["digits"] != "123" {
		t.Errorf("keys entry %+v", e)
	}
	rec := effectsOf[StartRecording](s)
	if len(rec) != 1 || rec[0].Source != SourceOutboundAPI || rec[0].Channels != 2 || rec[0].Sid != "RE1" ||
		rec[0].StartTime != time.UnixMilli(epoch+2000).UTC() {
		t.Errorf("recordings %+v", rec)
	}
	s.settle()
	done := effectsOf[CompleteRecording](s)
	if len(done) != 1 || done[0].Sid != "RE1" || done[0].Duration != 10 || done[0].Price != "-0.00250" || s.call.Duration != 10 {
		t.Errorf("completed %+v, call %d s", done, s.call.Duration)
	}
	cb := s.notifies(EventRecordingStatus)
	if len(cb) != 1 || cb[0].Method != "GET" || cb[0].Params["RecordingSource"] != SourceOutboundAPI || cb[0].Params["RecordingChannels"] != "2" ||
		cb[0].Params["RecordingUrl"] != "http://sb.example/2010-04-01/Accounts/"+acctSid+"/Recordings/RE1" ||
		cb[0].Params["RecordingStartTime"] != "Thu, 01 Jan 2026 00:00:02 +0000" || cb[0].Params["RecordingDuration"] != "10" {
		t.Errorf("recording callback %+v", cb)
	}

	// An incoming call to such a number is not hung up on; without Record nothing records.
	in := inbound(t, Settings{})
	in.app[appURL] = `<Response><Pause length="1"/></Response>`
	in.settle()
	if in.call.State.HangupAt != 0 || len(effectsOf[StartRecording](in)) != 0 {
		t.Errorf("inbound: %+v", in.call.State)
	}
}

// TestEndPrices: a call's duration counts started seconds from the answer, and its price
// started minutes at the rate of its direction.
func TestEndPrices(t *testing.T) {
	for _, tt := range []struct {
		pause    int
		inbound  bool
		duration int
		price    string
	}{
		{1, false, 1, "-0.01400"}, {60, false, 60, "-0.01400"}, {61, false, 61, "-0.02800"},
		{1, true, 1, "-0.00850"}, {125, true, 125, "-0.02550"},
	} {
		doc := `<Response><Pause length="` + strconv.Itoa(tt.pause) + `"/></Response>`
		s := running(t, doc)
		if tt.inbound {
			s = inbound(t, Settings{})
			s.app[appURL] = doc
		}
		s.settle()
		if s.call.Duration != tt.duration || s.call.Price != tt.price {
			t.Errorf("%d s (inbound %v): %d s, %s; want %d, %s", tt.pause, tt.inbound, s.call.Duration, s.call.Price, tt.duration, tt.price)
		}
	}
}

// TestSchedule: a wait never runs past the time limit or the far end's hang-up, and the
// wait asked for is remembered for when the limit changes.
func TestSchedule(t *testing.T) {
	tr := &turn{call: Call{State: State{LimitAt: 10_000, HangupAt: 8_000}}}
	st := &tr.call.State
	for _, tt := range []struct {
		wait            string
		due             int64
		hangupAt        int64
		wantWait        string
		wantDue         int64
		wantWanted      string
		wantWantedDueAt int64
	}{
		{"verb", 5_000, 8_000, "verb", 5_000, "verb", 5_000},
		{"verb", 7_999, 8_000, "verb", 7_999, "verb", 7_999},
		{"gather", 8_000, 8_000, "far-hangup", 8_000, "gather", 8_000},
		{"gather", 9_000, 8_000, "far-hangup", 8_000, "gather", 9_000},
		{"verb", 9_999, 0, "verb", 9_999, "verb", 9_999},
		{"verb", 10_000, 0, "limit", 10_000, "verb", 10_000},
		{"bridged", forever, 0, "limit", 10_000, "bridged", forever},
		{"bridged", forever, 12_000, "limit", 10_000, "bridged", forever},
	} {
		st.HangupAt = tt.hangupAt
		tr.schedule(tt.wait, tt.due)
		if st.Wait != tt.wantWait || st.Due != tt.wantDue || st.Wanted != tt.wantWanted || st.WantedDue != tt.wantWantedDueAt {
			t.Errorf("schedule(%s, %d) with hang-up at %d: %s at %d (wanted %s at %d)", tt.wait, tt.due, tt.hangupAt, st.Wait, st.Due, st.Wanted, st.WantedDue)
		}
	}
	st.LimitAt, st.HangupAt = 0, 0
	tr.schedule("verb", forever-1)
	if st.Wait != "verb" || st.Due != forever-1 {
		t.Errorf("no limit, no hang-up: %s at %d", st.Wait, st.Due)
	}
}

// TestSimTime: the call's times are its simulated clock's, in whole seconds.
func TestSimTime(t *testing.T) {
	tr := &turn{call: Call{State: State{Epoch: epoch}}}
	if got := tr.simTime(90_999); !got.Equal(time.Date(2026, 1, 1, 0, 1, 30, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("simTime = %s", got)
	}
}

// TestEndTwice: ending a call that has ended changes nothing.
func TestEndTwice(t *testing.T) {
	s := running(t, `<Response><Hangup/></Response>`)
	s.settle()
	before := len(s.effects)
	tr := s.net.newTurn(s.call, 9_000)
	tr.end(StatusBusy, "again")
	if tr.call.Status != StatusCompleted || len(tr.effects) != 0 || tr.call.EndTime != s.call.EndTime || before != len(s.effects) {
		t.Errorf("ended again: %+v, %d effects", tr.call, len(tr.effects))
	}
}
