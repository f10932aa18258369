package callflow

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/twiml"
)

// Every call below is answered at 2 s (2000 ms) and runs the document its URL answers.

// TestPrompts: how long <Say>, <Play> and <Pause> take, and what the timeline says of
// each.
func TestPrompts(t *testing.T) {
	tests := []struct {
		verb        string
		ms          string // data.duration_ms
		description string
		data        map[string]string
	}{
		{`<Say>one two three</Say>`, "1200", "Say: one two three", map[string]string{"text": "one two three", "loop": "1"}},
		{`<Say loop="2" voice="alice" language="en-GB">one  two</Say>`, "1600", "Say: one  two",
			map[string]string{"text": "one  two", "loop": "2", "voice": "alice", "language": "en-GB"}},
		{`<Say loop="0">forever and ever</Say>`, "forever", "Say: forever and ever (until the call ends)", map[string]string{"loop": "0"}},
		{`<Say loop="0"></Say>`, "0", "Say: ", map[string]string{"loop": "0"}},
		{`<Play>hold.mp3</Play>`, "5000", "Play https://app.example/hold.mp3", map[string]string{"url": "https://app.example/hold.mp3", "loop": "1"}},
		{`<Play loop="3">https://cdn.example/a.mp3</Play>`, "15000", "Play https://cdn.example/a.mp3", map[string]string{"loop": "3"}},
		{`<Play loop="0">a.mp3</Play>`, "forever", "Play https://app.example/a.mp3 (until the call ends)", nil},
		{`<Play digits="12w3"/>`, "2000", "Play digits 12w3", map[string]string{"digits": "12w3"}},
		{`<Pause/>`, "1000", "Pause 1 s", map[string]string{"length": "1"}},
		{`<Pause length="7"/>`, "7000", "Pause 7 s", map[string]string{"length": "7"}},
	}
	for _, tt := range tests {
		s := running(t, `<Response>`+tt.verb+`<Say>next</Say></Response>`)
		s.settle()
		e := s.entries()[4] // after queued, ringing, in-progress and the request
		name := strings.SplitN(strings.TrimPrefix(tt.verb, "<"), " ", 2)[0]
		name = strings.TrimSuffix(strings.SplitN(name, ">", 2)[0], "/")
		if e.Type != typeVerb || e.Data["verb"] != name || e.Data["duration_ms"] != tt.ms || e.Description != tt.description || e.At != 2000 {
			t.Errorf("%s: entry %+v, want %s lasting %s", tt.verb, e, tt.description, tt.ms)
		}
		for k, v := range tt.data {
			if e.Data[k] != v {
				t.Errorf("%s: data %s = %q, want %q", tt.verb, k, e.Data[k], v)
			}
		}
		next, ok := s.find(func(e Entry) bool { return e.Data["text"] == "next" })
		if tt.ms == "forever" {
			// Only the time limit ends it.
			if ok || s.call.Duration != 14400 || s.entries()[len(s.entries())-1].Data["reason"] != "time limit" {
				t.Errorf("%s: went on, or did not last until the time limit:\n%s", tt.verb, s.timeline())
			}
			continue
		}
		ms, _ := strconv.ParseInt(tt.ms, 10, 64)
		if !ok || next.At != 2000+ms {
			t.Errorf("%s: the next verb at %d, want %d", tt.verb, next.At, 2000+ms)
		}
	}
}

// TestGather: what a <Gather> takes and where it goes, by attribute, with keys pressed at
// given times (simulated ms, after the answer at 2000).
func TestGather(t *testing.T) {
	type press struct {
		at   int64
		keys string
	}
	tests := []struct {
		name      string
		verb      string
		sendKeys  string  // SendDigits
		presses   []press // Digits
		posted    string  // Digits posted to the action; "-" for no request
		finished  string  // FinishedOnKey posted
		action    string  // the URL posted to
		method    string
		postedAt  int64
		said      []string
		typeAhead string // keys left after
	}{
		{"numDigits", `<Gather numDigits="2" action="/menu"><Say>Press two keys.</Say></Gather><Say>none</Say>`,
			"", []press{{2500, "4"}, {2600, "27"}}, "42", "", "https://app.example/menu", "POST", 2600, []string{"Press two keys.", "menu"}, "7"},
		{"finishOnKey, not posted as a digit", `<Gather action="/menu"/>`,
			"", []press{{3000, "12#9"}}, "12", "#", "https://app.example/menu", "POST", 3000, []string{"menu"}, "9"},
		{"another finishOnKey", `<Gather finishOnKey="*" action="/menu"/>`,
			"", []press{{3000, "1#*"}}, "1#", "*", "https://app.example/menu", "POST", 3000, []string{"menu"}, ""},
		{"no finishOnKey", `<Gather finishOnKey="" timeout="2" action="/menu"/>`,
			"", []press{{3000, "1#"}}, "1#", "", "https://app.example/menu", "POST", 5000, []string{"menu"}, ""},
		{"timeout submits what was pressed", `<Gather timeout="3" action="/menu" method="GET"/>`,
			"", []press{{2100, "5"}}, "5", "", "https://app.example/menu", "GET", 5100, []string{"menu"}, ""},
		{"timeout with nothing goes on", `<Gather timeout="3" action="/menu"/><Say>none</Say>`,
			"", nil, "-", "", "", "", 0, []string{"none"}, ""},
		{"actionOnEmptyResult", `<Gather timeout="3" action="/menu" actionOnEmptyResult="true"/><Say>none</Say>`,
			"", nil, "", "", "https://app.example/menu", "POST", 5000, []string{"menu"}, ""},
		{"the action defaults to the document", `<Gather numDigits="1"/>`,
			"", []press{{2000, "3"}}, "3", "", appURL, "POST", 2000, nil, ""},
		{"keys pressed before: type-ahead", `<Say>Welcome to the menu.</Say><Gather numDigits="1" action="/menu"><Say>Press.</Say></Gather>`,
			"9", nil, "9", "", "https://app.example/menu", "POST", 3600, []string{"Welcome to the menu.", "menu"}, ""},
		{"barge-in: a key stops the prompts", `<Gather numDigits="2" action="/menu"><Say>one two three four</Say><Say>never</Say></Gather>`,
			"", []press{{2400, "1"}, {2500, "2"}}, "12", "", "https://app.example/menu", "POST", 2500, []string{"one two three four", "menu"}, ""},
		{"speech only takes no keys", `<Gather input="speech" timeout="2" action="/menu"/><Say>none</Say>`,
			"", []press{{2100, "1"}}, "-", "", "", "", 0, []string{"none"}, "1"},
		{"dtmf speech takes keys", `<Gather input="dtmf speech" numDigits="1" action="/menu"/>`,
			"", []press{{2100, "1"}}, "1", "", "https://app.example/menu", "POST", 2100, []string{"menu"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := outbound(t, caller, Settings{URL: appURL, Method: "POST", SendDigits: tt.sendKeys})
			var got []Fetch
			s.app[appURL] = `<Response>` + tt.verb + `</Response>`
			s.app["https://app.example/menu"] = func(f Fetch) string {
				got = append(got, f)
				return `<Response><Say>menu</Say></Response>`
			}
			for _, p := range tt.presses {
				s.until(p.at)
				s.must(p.at, Digits{Keys: p.keys})
			}
			s.settle()
			for _, f := range s.fetches {
				if f.Event == EventGatherAction && f.URL == appURL {
					got = append(got, f)
				}
			}
			if tt.posted == "-" {
				if len(got) != 0 {
					t.Errorf("posted %+v, want nothing", got)
				}
			} else if len(got) != 1 || got[0].Params["Digits"] != tt.posted || got[0].Params["FinishedOnKey"] != tt.finished ||
				got[0].URL != tt.action || got[0].Method != tt.method || got[0].At != tt.postedAt || got[0].Event != EventGatherAction {
				t.Errorf("posted %+v, want %q (finished on %q) to %s %s at %d", got, tt.posted, tt.finished, tt.method, tt.action, tt.postedAt)
			}
			if said := s.said(); !slices.Equal(said, tt.said) {
				t.Errorf("said %q, want %q\n%s", said, tt.said, s.timeline())
			}
			if s.call.State.Keys != tt.typeAhead {
				t.Errorf("type-ahead %q, want %q", s.call.State.Keys, tt.typeAhead)
			}
		})
	}
}

// TestGatherEntries: what the timeline says of a <Gather>.
func TestGatherEntries(t *testing.T) {
	s := running(t, `<Response><Gather numDigits="3" timeout="7" finishOnKey="*" action="next"/></Response>`)
	s.app["https://app.example/next"] = `<Response/>`
	s.until(2000)
	s.must(2500, Digits{Keys: "1*"})
	s.settle()
	g, _ := s.find(verbEntry("Gather"))
	if g.Description != `Gather (numDigits 3, timeout 7 s, finishOnKey "*")` ||
		!maps.Equal(g.Data, map[string]string{"verb": "Gather", "num_digits": "3", "timeout": "7", "finish_on_key": "*", "input": "dtmf",
			"action": "https://app.example/next"}) {
		t.Errorf("gather entry %+v", g)
	}
	r, _ := s.find(func(e Entry) bool { return e.Type == typeGather })
	if r.Description != `Gather got "1": posting to https://app.example/next` ||
		!maps.Equal(r.Data, map[string]string{"result": "digits", "digits": "1", "finished_on_key": "*"}) || r.At != 2500 {
		t.Errorf("result entry %+v", r)
	}

	// Inline TwiML has no URL to default the action to: the call goes on.
	s = outbound(t, caller, Settings{Twiml: `<Response><Gather numDigits="1"/><Say>after</Say></Response>`})
	s.until(2000)
	s.must(2100, Digits{Keys: "4"})
	s.settle()
	r, _ = s.find(func(e Entry) bool { return e.Type == typeGather })
	if r.Description != `Gather got "4"` || len(s.fetches) != 0 || !slices.Equal(s.said(), []string{"after"}) {
		t.Errorf("inline: %+v, fetches %+v\n%s", r, s.fetches, s.timeline())
	}
	// A timeout with nothing says so; actionOnEmptyResult posts an empty result.
	s = running(t, `<Response><Gather timeout="1"/><Gather timeout="1" actionOnEmptyResult="true" action="/e"/></Response>`)
	s.app["https://app.example/e"] = `<Response/>`
	s.settle()
	var results []string
	for _, e := range s.entries() {
		if e.Type == typeGather {
			results = append(results, e.Description+" "+e.Data["result"])
		}
	}
	if !slices.Equal(results, []string{"Gather timed out with no keys: going on timeout", `Gather got "": posting to https://app.example/e timeout`}) {
		t.Errorf("results %q", results)
	}
}

// TestGatherPromptsInOrder: prompts play once each, in order, then the <Gather> waits for
// keys for its timeout; a prompt of no length takes no time.
func TestGatherPromptsInOrder(t *testing.T) {
	s := running(t, `<Response><Gather timeout="2"><Say>one</Say><Say></Say><Pause length="1"/><Say>two</Say></Gather><Say>after</Say></Response>`)
	s.settle()
	var got []string
	for _, e := range s.entries() {
		if e.Type == typeVerb && e.Data["verb"] != "Gather" && e.Data["verb"] != "(end)" {
			got = append(got, e.Description+" @"+strconv.FormatInt(e.At, 10))
		}
	}
	want := []string{"Say: one @2000", "Say:  @2400", "Pause 1 s @2400", "Say: two @3400", "Say: after @5800"}
	if !slices.Equal(got, want) {
		t.Errorf("prompts %q\nwant %q", got, want)
	}
}

// TestTakeKeys: keys feed a <Gather> one by one until it is complete.
func TestTakeKeys(t *testing.T) {
	tests := []struct {
		name              string
		spec              twiml.Gather
		had, keys         string
		digits, rest, key string
		done              bool
	}{
		{"numDigits reached, rest kept", twiml.Gather{NumDigits: 2, FinishOnKey: "#"}, "", "123", "12", "3", "", true},
		{"exactly numDigits", twiml.Gather{NumDigits: 1, FinishOnKey: "#"}, "", "5", "5", "", "", true},
		{"finish key not in the digits", twiml.Gather{FinishOnKey: "#"}, "4", "21#9", "421", "9", "#", true},
		{"not complete yet", twiml.Gather{NumDigits: 4, FinishOnKey: "#"}, "", "12", "12", "", "", false},
		{"no finish key", twiml.Gather{FinishOnKey: ""}, "", "1#2", "1#2", "", "", false},
		{"star as finish key", twiml.Gather{FinishOnKey: "*"}, "", "9*", "9", "", "*", true},
		{"two finish keys", twiml.Gather{FinishOnKey: "*#"}, "", "9#*", "9", "*", "#", true},
	}
	for _, tt := range tests {
		g := &Gathering{Digits: tt.had}
		rest, key, done := takeKeys(g, &tt.spec, tt.keys)
		if g.Digits != tt.digits || rest != tt.rest || key != tt.key || done != tt.done {
			t.Errorf("%s: digits %q rest %q key %q done %v; want %q %q %q %v", tt.name, g.Digits, rest, key, done, tt.digits, tt.rest, tt.key, tt.done)
		}
	}
}

// TestRecord: a <Record> records until maxLength or a finishOnKey key, then its action
// (default: the document's URL) is told of the recording, which is complete by then.
func TestRecord(t *testing.T) {
	tests := []struct {
		name     string
		verb     string
		press    string // at 3500
		duration string
		digits   string
		action   string
		method   string
	}{
		{"maxLength", `<Record maxLength="3" action="/rec"/>`, "", "3", "", "https://app.example/rec", "POST"},
		{"a finishOnKey key", `<Record maxLength="30" action="/rec" method="GET"/>`, "7", "2", "7", "https://app.example/rec", "GET"},
		{"the first finishOnKey key of several", `<Record finishOnKey="#*" action="/rec"/>`, "12*#", "2", "*", "https://app.example/rec", "POST"},
		{"a key that is not one", `<Record maxLength="5" finishOnKey="#" action="/rec"/>`, "5", "5", "", "https://app.example/rec", "POST"},
		{"no finishOnKey", `<Record maxLength="4" finishOnKey="" action="/rec"/>`, "#", "4", "", "https://app.example/rec", "POST"},
		{"the action defaults to the document", `<Record maxLength="2"/>`, "", "2", "", appURL, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := running(t, `<Response>`+tt.verb+`</Response>`)
			var action []Fetch
			answer := func(f Fetch) string {
				if f.Event == EventRecordAction {
					action = append(action, f)
				}
				return `<Response/>`
			}
			s.app["https://app.example/rec"] = answer
			s.app[appURL] = func(f Fetch) string {
				if f.Event == EventRecordAction {
					return answer(f)
				}
				return `<Response>` + tt.verb + `</Response>`
			}
			s.until(3500)
			if tt.press != "" {
				s.must(3500, Digits{Keys: tt.press})
			}
			s.settle()
			if len(action) != 1 {
				t.Fatalf("actions %+v\n%s", action, s.timeline())
			}
			p := action[0].Params
			if p["RecordingSid"] != "RE1" || p["RecordingDuration"] != tt.duration || p["Digits"] != tt.digits ||
				p["RecordingUrl"] != "http://sb.example/2010-04-01/Accounts/"+acctSid+"/Recordings/RE1" ||
				action[0].URL != tt.action || action[0].Method != tt.method || p["CallStatus"] != StatusInProgress {
				t.Errorf("action %+v", action[0])
			}
			// The recording completed in the change that asked for the action, before it.
			var order []string
			for _, e := range s.effects {
				switch e := e.(type) {
				case CompleteRecording:
					order = append(order, "complete "+e.Sid)
				case Fetch:
					if e.Event == EventRecordAction {
						order = append(order, "action")
					}
				}
			}
			if !slices.Equal(order, []string{"complete RE1", "action"}) {
				t.Errorf("effects in order %v", order)
			}
			if _, has := p["Digits"]; has != (tt.digits != "") {
				t.Errorf("Digits sent: %v", has)
			}
			done, _ := s.find(func(e Entry) bool { return e.Type == typeRecording && e.Data["status"] == RecordingCompleted })
			if key, has := done.Data["digits"]; key != tt.digits || has != (tt.digits != "") {
				t.Errorf("the recording's end %+v, want key %q", done, tt.digits)
			}
		})
	}
}

// TestRecordEntries: what the timeline says of a <Record>, and its recording's callback.
func TestRecordEntries(t *testing.T) {
	s := running(t, `<Response><Record maxLength="2" finishOnKey="#" recordingStatusCallback="/rs" recordingStatusCallbackMethod="GET" action="/a"/></Response>`)
	s.app["https://app.example/a"] = `<Response/>`
	s.settle()
	r, _ := s.find(verbEntry("Record"))
	if r.Description != `Record (maxLength 2 s, finishOnKey "#")` || !maps.Equal(r.Data, map[string]string{"verb": "Record", "max_length": "2",
		"finish_on_key": "#", "action": "https://app.example/a"}) {
		t.Errorf("record entry %+v", r)
	}
	var recs []string
	for _, e := range s.entries() {
		if e.Type == typeRecording {
			recs = append(recs, e.Description+" "+e.Data["status"]+" "+e.Data["source"]+e.Data["duration"])
		}
	}
	if !slices.Equal(recs, []string{"Recording RE1 started in-progress RecordVerb", "Recording RE1 completed: 2 s completed 2"}) {
		t.Errorf("recording entries %q", recs)
	}
	start := effectsOf[StartRecording](s)
	if len(start) != 1 || start[0].Source != SourceRecordVerb || start[0].Channels != 1 {
		t.Errorf("started %+v", start)
	}
	cb := s.notifies(EventRecordingStatus)
	if len(cb) != 1 || cb[0].URL != "https://app.example/rs" || cb[0].Method != "GET" || cb[0].Params["RecordingSource"] != SourceRecordVerb ||
		cb[0].Params["RecordingStatus"] != "completed" || cb[0].Params["RecordingTrack"] != "both" || cb[0].Params["ErrorCode"] != "0" ||
		cb[0].Params["RecordingChannels"] != "1" || cb[0].Params["CallSid"] != callSid || cb[0].Params["AccountSid"] != acctSid {
		t.Errorf("recording callback %+v", cb)
	}
}

// TestRecordEndsWithTheCall: a caller who hangs up ends the recording; its action is told
// (Digits=hangup), its answer has nothing to run on. Inline TwiML without an action tells
// nobody.
func TestRecordEndsWithTheCall(t *testing.T) {
	s := running(t, `<Response><Record action="/a"/></Response>`)
	s.until(2000)
	s.must(4200, HangUp{})
	n := s.notifies(EventRecordAction)
	if len(n) != 1 || n[0].Params["Digits"] != "hangup" || n[0].Params["RecordingDuration"] != "3" || n[0].URL != "https://app.example/a" ||
		n[0].Method != "POST" || n[0].Params["CallStatus"] != StatusInProgress || len(s.fetches) != 1 {
		t.Errorf("told %+v, fetches %+v", n, s.fetches)
	}
	if done := effectsOf[CompleteRecording](s); len(done) != 1 || done[0].Duration != 3 {
		t.Errorf("completed %+v", done)
	}
	s = outbound(t, caller, Settings{Twiml: `<Response><Record/></Response>`})
	s.until(2000)
	s.must(3000, HangUp{})
	if n := s.notifies(EventRecordAction); len(n) != 0 || len(effectsOf[CompleteRecording](s)) != 1 {
		t.Errorf("inline: told %+v", n)
	}
}

// TestDial: a <Dial> places a call connected to this one; when it ends the action is told
// (or the call goes on).
func TestDial(t *testing.T) {
	s := running(t, `<Response><Dial action="/dialed" method="GET" timeout="20" timeLimit="600" callerId="+15005550006">`+
		`<Number statusCallback="/child" statusCallbackMethod="GET" statusCallbackEvent="ringing answered">+14155550123</Number></Dial>`+
		`<Say>not reached</Say></Response>`)
	s.app["https://app.example/dialed"] = `<Response><Say>back</Say></Response>`
	s.net.Speed = 10 // the child's clock starts at the parent's now, in real time
	s.until(2000)
	dialed := effectsOf[Dialed](s)
	if len(dialed) != 1 {
		t.Fatalf("dialed %+v", dialed)
	}
	child := dialed[0].Call
	want := Settings{Timeout: 20, TimeLimit: 600, Bridged: true, StatusCallback: "https://app.example/child", StatusCallbackMethod: "GET",
		StatusCallbackEvents: []string{"ringing", "answered"}}
	if child.Sid != "CA1" || child.ParentCallSid != callSid || child.To != "+14155550123" || child.From != "+15005550006" ||
		child.Direction != DirectionOutboundDial || child.Status != StatusQueued || child.State.Epoch != epoch+200 ||
		child.State.Wait != waitPlace || child.State.AnsweredAt != -1 || !settingsEqual(child.Settings, want) {
		t.Errorf("child %+v", child)
	}
	if len(dialed[0].Effects) != 1 { // its queued entry; no initiated callback asked for
		t.Errorf("the child's effects %+v", dialed[0].Effects)
	}
	d, _ := s.find(verbEntry("Dial"))
	if d.Description != "Dial +14155550123 (timeout 20 s): call CA1" || d.Data["call_sid"] != "CA1" || d.Data["action"] != "https://app.example/dialed" ||
		s.call.State.Dial == nil || s.call.State.Wait != waitLimit || s.call.State.Due != 14_402_000 {
		t.Errorf("dial entry %+v, state %+v", d, s.call.State)
	}
	// News from another call changes nothing.
	if err := s.handle(9000, DialEnded{Child: "CA9", Status: StatusCompleted}); err != ErrNoChange {
		t.Errorf("another call's end: %v", err)
	}
	s.must(9000, DialEnded{Child: "CA1", Status: StatusCompleted, Duration: 5})
	s.settle()
	var action Fetch
	for _, f := range s.fetches {
		if f.Event == EventDialAction {
			action = f
		}
	}
	if action.URL != "https://app.example/dialed" || action.Method != "GET" || action.At != 9000 ||
		action.Params["DialCallStatus"] != "completed" || action.Params["DialCallSid"] != "CA1" || action.Params["DialCallDuration"] != "5" {
		t.Errorf("action %+v", action)
	}
	e, _ := s.find(func(e Entry) bool { return e.Type == typeDial })
	if e.Description != "Dial ended: completed: posting to https://app.example/dialed" ||
		!maps.Equal(e.Data, map[string]string{"dial_call_status": "completed", "dial_call_duration": "5", "call_sid": "CA1"}) {
		t.Errorf("dial ended %+v", e)
	}
	if !slices.Equal(s.said(), []string{"back"}) {
		t.Errorf("said %q", s.said())
	}
}

func settingsEqual(a, b Settings) bool {
	return a.Timeout == b.Timeout && a.TimeLimit == b.TimeLimit && a.Bridged == b.Bridged && a.StatusCallback == b.StatusCallback &&
		a.StatusCallbackMethod == b.StatusCallbackMethod && slices.Equal(a.StatusCallbackEvents, b.StatusCallbackEvents) &&
		a.URL == b.URL && a.Twiml == b.Twiml
}

// TestDialWithoutAction: without an action the call goes on with its next verb; the
// caller ID defaults to the call's From; a <Dial> that cannot be placed fails at once.
func TestDialWithoutAction(t *testing.T) {
	s := running(t, `<Response><Dial>+14155550123</Dial><Dial><Client>alice</Client></Dial><Dial>nonsense</Dial><Say>after</Say></Response>`)
	s.until(2000)
	child := effectsOf[Dialed](s)[0].Call
	if child.From != ourPhone {
		t.Errorf("caller ID %s, want the call's From", child.From)
	}
	s.must(5000, DialEnded{Child: child.Sid, Status: StatusBusy})
	s.settle()
	var ends, errs []string
	for _, e := range s.entries() {
		switch e.Type {
		case typeDial:
			ends = append(ends, e.Description)
		case typeError:
			errs = append(errs, e.Description)
		}
	}
	if !slices.Equal(ends, []string{"Dial ended: busy", "Dial ended: failed", "Dial ended: failed"}) ||
		!slices.Equal(errs, []string{"<Dial><Client> is not simulated: the dial fails", `<Dial> "nonsense" is not a phone number: the dial fails`}) ||
		!slices.Equal(s.said(), []string{"after"}) || len(s.fetches) != 1 {
		t.Errorf("ends %q, errors %q, said %q\n%s", ends, errs, s.said(), s.timeline())
	}
	if e, _ := s.find(func(e Entry) bool { return e.Type == typeError }); e.Data["noun"] != "Client" || e.Data["verb"] != "Dial" {
		t.Errorf("noun entry %+v", e)
	}
	// A Client or SIP address is dialed.
	for _, to := range []string{"client:alice", "sip:alice@example.com", "+447700900123"} {
		s := running(t, `<Response><Dial>`+to+`</Dial></Response>`)
		s.until(2000)
		if d := effectsOf[Dialed](s); len(d) != 1 || d[0].Call.To != to {
			t.Errorf("%s: dialed %+v", to, d)
		}
	}
}

// TestDialHangups: `*` ends a <Dial hangupOnStar>; the caller hanging up (or moving on)
// hangs up the dialed call.
func TestDialHangups(t *testing.T) {
	s := running(t, `<Response><Dial hangupOnStar="true">+14155550123</Dial></Response>`)
	s.until(2000)
	s.must(3000, Digits{Keys: "1*"})
	sig := effectsOf[Signal](s)
	if len(sig) != 1 || sig[0].To != "CA1" || sig[0].Event != (ParentHungUp{Parent: callSid}) {
		t.Errorf("signals %+v", sig)
	}
	if e, _ := s.find(func(e Entry) bool { return e.Type == typeDial }); e.Description != "Star pressed: hanging up the dialed call" || e.Data["call_sid"] != "CA1" {
		t.Errorf("star entry %+v", e)
	}
	// Without hangupOnStar, or without a star, keys do nothing to the dial.
	for _, tt := range []struct{ doc, keys string }{
		{`<Dial>+14155550123</Dial>`, "*"},
		{`<Dial hangupOnStar="true">+14155550123</Dial>`, "12#"},
	} {
		s := running(t, `<Response>`+tt.doc+`</Response>`)
		s.until(2000)
		s.must(3000, Digits{Keys: tt.keys})
		if sig := effectsOf[Signal](s); len(sig) != 0 || s.call.State.Keys != "" {
			t.Errorf("%s with %s: signals %+v, keys %q", tt.doc, tt.keys, sig, s.call.State.Keys)
		}
	}
	s = running(t, `<Response><Dial>+14155550123</Dial></Response>`)
	s.until(2000)
	s.must(3000, HangUp{})
	if sig := effectsOf[Signal](s); len(sig) != 1 || sig[0].To != "CA1" || s.call.State.Dial != nil {
		t.Errorf("signals %+v", sig)
	}
}

// TestRedirectHangupUnknown: <Redirect> fetches another document (GET or POST); <Hangup>
// ends the call; a verb Switchboard does not simulate is skipped, noted; the end of the
// document hangs up.
func TestRedirectHangupUnknown(t *testing.T) {
	s := running(t, `<Response><Connect/><Redirect method="GET">next?a=1</Redirect><Say>not reached</Say></Response>`)
	s.app["https://app.example/next"] = `<Response><Say>next</Say><Hangup/><Say>not reached either</Say></Response>`
	s.settle()
	want := []string{"status:queued", "status:ringing", "status:in-progress", "webhook:call-twiml", "error", "verb:Redirect",
		"webhook:call-twiml", "verb:Say", "verb:Hangup", "status:completed"}
	if got := s.kinds(); !slices.Equal(got, want) {
		t.Errorf("timeline %v\nwant %v", got, want)
	}
	r, _ := s.find(verbEntry("Redirect"))
	if r.Description != "Redirect to https://app.example/next?a=1" || r.Data["url"] != "https://app.example/next?a=1" {
		t.Errorf("redirect entry %+v", r)
	}
	if f := s.fetches[1]; f.Method != "GET" || f.Event != EventCallTwiML || f.URL != "https://app.example/next?a=1" || f.Seq != 2 {
		t.Errorf("redirect fetch %+v", f)
	}
	if e, _ := s.find(func(e Entry) bool { return e.Type == typeError }); e.Description != "<Connect> is not simulated: skipped" || e.Data["verb"] != "Connect" {
		t.Errorf("skipped %+v", e)
	}
	s = running(t, `<Response><Say>a b</Say></Response>`)
	s.settle()
	if end, _ := s.find(verbEntry("(end)")); end.Description != "End of the document: hanging up" || end.At != 2800 || s.call.Status != StatusCompleted {
		t.Errorf("end %+v", end)
	}
}

// TestRedirectLoop: a document that redirects to itself ends the call at the 21st
// document in a row with nothing taking time; something that takes time starts the count
// again.
func TestRedirectLoop(t *testing.T) {
	s := running(t, `<Response><Redirect/></Response>`)
	s.app[appURL] = `<Response><Redirect>/voice</Redirect></Response>`
	s.settle()
	e, _ := s.find(func(e Entry) bool { return e.Type == typeError })
	if len(s.fetches) != 20 || e.Description != "Application error 12100: 20 documents fetched in a row with nothing taking time: stopped" ||
		e.Data["error_code"] != "12100" || s.call.Status != StatusCompleted {
		t.Errorf("%d fetches, error %+v", len(s.fetches), e)
	}
	n := 0
	s = running(t, ``)
	s.app[appURL] = func(Fetch) string {
		n++
		if n%10 == 0 {
			return `<Response><Pause/><Redirect>/voice</Redirect></Response>`
		}
		if n > 45 {
			return `<Response><Hangup/></Response>`
		}
		return `<Response><Redirect>/voice</Redirect></Response>`
	}
	s.settle()
	if _, failed := s.find(func(e Entry) bool { return e.Type == typeError }); failed || n != 46 {
		t.Errorf("a pause every ten documents: failed %v after %d\n%s", failed, n, s.timeline())
	}
}

// TestReject: <Reject> as an incoming call's first verb ends it unanswered; after the
// answer it hangs up.
func TestReject(t *testing.T) {
	for _, tt := range []struct {
		doc, status, reason string
		answered            bool
	}{
		{`<Reject reason="busy"/>`, StatusBusy, "rejected", false},
		{`<Reject/>`, StatusNoAnswer, "rejected", false},
		{`<Reject reason="other"/>`, StatusNoAnswer, "rejected", false},
		{`<Say>hi</Say><Reject reason="busy"/>`, StatusCompleted, "", true},
	} {
		s := inbound(t, Settings{StatusCallback: "https://app.example/status"})
		s.app[appURL] = `<Response>` + tt.doc + `<Say>never</Say></Response>`
		s.settle()
		r, _ := s.find(verbEntry("Reject"))
		last := s.entries()[len(s.entries())-1]
		if s.call.Status != tt.status || last.Data["reason"] != tt.reason || (s.call.State.AnsweredAt >= 0) != tt.answered ||
			!strings.HasPrefix(r.Description, "Reject (") || slices.Contains(s.said(), "never") {
			t.Errorf("%s: %s (%q), answered %v\n%s", tt.doc, s.call.Status, last.Data["reason"], s.call.State.AnsweredAt >= 0, s.timeline())
		}
		if !tt.answered && (s.call.Duration != 0 || s.call.Price != "0.00000") {
			t.Errorf("%s: duration %d, price %s", tt.doc, s.call.Duration, s.call.Price)
		}
	}
	// Any verb answers an incoming call, but for <Reject>; an unknown verb does not.
	s := inbound(t, Settings{})
	s.app[appURL] = `<Response><Connect/><Pause/></Response>`
	s.settle()
	if got := s.kinds(); !slices.Equal(got, []string{"status:ringing", "webhook:call-twiml", "error", "status:in-progress", "verb:Pause",
		"verb:(end)", "status:completed"}) {
		t.Errorf("timeline %v", got)
	}
}

// TestTimeLimit: nothing runs past the time limit: the call ends there, whatever it does.
func TestTimeLimit(t *testing.T) {
	for _, doc := range []string{
		`<Pause length="100"/>`, `<Gather timeout="100"/>`, `<Record maxLength="100"/>`, `<Dial>+14155550123</Dial>`,
		`<Say loop="0">on and on</Say>`,
	} {
		s := outbound(t, caller, Settings{Twiml: `<Response>` + doc + `</Response>`, TimeLimit: 30})
		s.settle()
		last := s.entries()[len(s.entries())-1]
		if s.call.Status != StatusCompleted || last.Data["reason"] != "time limit" || last.At != 32000 || s.call.Duration != 30 {
			t.Errorf("%s: %s at %d (%q), %d s", doc, s.call.Status, last.At, last.Data["reason"], s.call.Duration)
		}
	}
}

// TestZeroLengthPrompts: a prompt that takes no time is no step of its own: the verbs
// after it run in the same change, and it does not count as something taking time (a
// loop of documents around it still ends).
func TestZeroLengthPrompts(t *testing.T) {
	for _, doc := range []string{
		`<Say></Say><Say>after</Say>`,
		`<Say loop="0"></Say><Say>after</Say>`,
		`<Gather timeout="3"><Say></Say><Say>after</Say></Gather>`,
	} {
		s := running(t, `<Response>`+doc+`</Response>`)
		s.toFetch()
		c, effects, err := s.net.Handle(s.call, 2000, s.answerOf(*s.call.State.Fetch))
		if err != nil {
			t.Fatal(err)
		}
		var said []string
		for _, e := range effects {
			if e, ok := e.(Entry); ok && e.Data["verb"] == "Say" {
				said = append(said, e.Data["text"])
			}
		}
		if !slices.Contains(said, "after") || c.State.Due != 2400 {
			t.Errorf("%s: said %q in the change, then %s at %d", doc, said, c.State.Wait, c.State.Due)
		}
	}
	s := running(t, ``)
	s.app[appURL] = `<Response><Say></Say><Redirect>/voice</Redirect></Response>`
	s.settle()
	if e, _ := s.find(func(e Entry) bool { return e.Type == typeError }); e.Data["error_code"] != "12100" || len(s.fetches) != 20 {
		t.Errorf("a loop around a pause of no length: %d fetches, %+v", len(s.fetches), e)
	}
}

// TestAnsweredRunsAtOnce: an outbound call's inline TwiML runs in the change that
// answers it.
func TestAnsweredRunsAtOnce(t *testing.T) {
	s := outbound(t, caller, Settings{Twiml: `<Response><Say>hello</Say></Response>`})
	s.until(0)
	s.must(2000, Due{})
	if !slices.Equal(s.said(), []string{"hello"}) || s.call.State.Wait != waitVerb || s.call.State.Due != 2400 {
		t.Errorf("answered: said %q, %s at %d", s.said(), s.call.State.Wait, s.call.State.Due)
	}
}

// TestDocumentParsedPerTurn: the document is parsed once per turn, and again when it
// changes.
func TestDocumentParsedPerTurn(t *testing.T) {
	tr := testNetwork().newTurn(Call{State: State{Doc: `<Response><Say>a</Say></Response>`}}, 0)
	a, err := tr.document()
	if err != nil || len(a.Verbs) != 1 {
		t.Fatal(a, err)
	}
	tr.call.State.Doc = `<Response><Pause/><Hangup/></Response>`
	b, err := tr.document()
	if err != nil || len(b.Verbs) != 2 || b.Verbs[1].Name != "Hangup" {
		t.Errorf("after the document changed: %+v, %v", b, err)
	}
	if _, err := tr.verbAt(2); err == nil || err.Error() != "call : verb 2 of a 2-verb document" {
		t.Errorf("verbAt past the end: %v", err)
	}
	if v, err := tr.verbAt(0); err != nil || v.Name != "Pause" {
		t.Errorf("verbAt(0): %+v, %v", v, err)
	}
}

func TestSeconds(t *testing.T) {
	for ms, want := range map[int64]int{-5000: 0, -5: 0, 0: 0, 1: 1, 999: 1, 1000: 1, 1001: 2, 3000: 3} {
		if got := seconds(ms); got != want {
			t.Errorf("seconds(%d) = %d, want %d", ms, got, want)
		}
	}
}

func TestPrice(t *testing.T) {
	for _, tt := range []struct {
		seconds, rate int
		want          string
	}{
		{0, priceOutboundMinute, "0.00000"}, {1, priceOutboundMinute, "-0.01400"}, {60, priceOutboundMinute, "-0.01400"},
		{61, priceOutboundMinute, "-0.02800"}, {125, priceInboundMinute, "-0.02550"}, {3, priceRecordingMinute, "-0.00250"},
		{6000, priceOutboundMinute, "-1.40000"}, {7200000, priceOutboundMinute, "-1680.00000"},
	} {
		if got := price(tt.seconds, tt.rate); got != tt.want {
			t.Errorf("price(%d, %d) = %s, want %s", tt.seconds, tt.rate, got, tt.want)
		}
	}
}

func TestPromptLength(t *testing.T) {
	verb := func(doc string) twiml.Verb {
		v, err := twiml.ParseVoice([]byte("<Response>" + doc + "</Response>"))
		if err != nil {
			t.Fatal(err)
		}
		return v.Verbs[0]
	}
	for doc, want := range map[string]int64{
		`<Say>one two three</Say>`:              1200,
		`<Say loop="2">one two  three</Say>`:    2400,
		`<Say loop="0">forever and ever</Say>`:  forever,
		`<Say loop="0"></Say>`:                  0,
		`<Play>https://x/a.mp3</Play>`:          5000,
		`<Play loop="3">https://x/a.mp3</Play>`: 15000,
		`<Play digits="12w3"/>`:                 2000,
		`<Pause/>`:                              1000,
		`<Pause length="7"/>`:                   7000,
	} {
		if got := promptLength(verb(doc)); got != want {
			t.Errorf("%s: %d ms, want %d", doc, got, want)
		}
	}
}
