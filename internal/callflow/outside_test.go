package callflow

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestFetched: a document arrives for the fetch the call waits for and runs at the time
// it was asked for; one that cannot be had, after the fallback, ends the call; a late one
// is noted, or, once the call has ended, changes nothing.
func TestFetched(t *testing.T) {
	s := outbound(t, caller, Settings{URL: appURL, Method: "GET", FallbackURL: "https://app.example/fallback", FallbackMethod: "POST"})
	s.app[appURL] = answer{status: 500, errorCode: 11200}
	s.app["https://app.example/fallback"] = `<Response><Say>From the fallback.</Say></Response>`
	s.toFetch()
	f := *s.call.State.Fetch
	if plain := running(t, ""); true {
		plain.toFetch()
		if pf := plain.call.State.Fetch; pf.FallbackURL != "" || pf.FallbackMethod != "" {
			t.Errorf("a fetch without a fallback: %+v", pf)
		}
	}
	if f.Seq != 1 || f.At != 2000 || f.URL != appURL || f.Method != "GET" || f.FallbackURL != "https://app.example/fallback" ||
		f.FallbackMethod != "POST" || f.Event != EventCallTwiML || f.Params["CallStatus"] != StatusInProgress || s.call.State.Wait != "" {
		t.Fatalf("fetch %+v, wait %q", f, s.call.State.Wait)
	}
	s.must(9999, s.answerOf(f)) // however late the answer comes
	if got := s.said(); !slices.Equal(got, []string{"From the fallback."}) || s.entries()[4].At != 2000 || s.call.State.DocURL != "https://app.example/fallback" {
		t.Errorf("said %q\n%s", got, s.timeline())
	}
	var requests []string
	for _, e := range s.entries() {
		if e.Type == typeWebhook {
			requests = append(requests, e.Description+" "+e.Data["status_code"]+" "+e.Data["error_code"]+" "+e.Data["delivery_sid"])
		}
	}
	if !slices.Equal(requests, []string{
		"GET https://app.example/voice (call-twiml) answered 500 text/xml: error 11200, error 11200 500 11200 WH1",
		"POST https://app.example/fallback (call-twiml) answered 200 text/xml 200  WH1",
	}) {
		t.Errorf("requests %q", requests)
	}

	// Neither: an application error ends the call with the last code.
	for _, tt := range []struct {
		answer answer
		code   string
	}{
		{answer{status: 500, errorCode: 11200}, "11200"},
		{answer{contentType: "text/plain", doc: "hello"}, "12300"},
		{answer{doc: "<Nope/>"}, "12100"},
	} {
		s := running(t, "")
		s.app[appURL] = tt.answer
		s.settle()
		e, _ := s.find(func(e Entry) bool { return e.Type == typeError })
		last := s.entries()[len(s.entries())-1]
		if e.Data["error_code"] != tt.code || !strings.HasPrefix(e.Description, "Application error "+tt.code+": ") ||
			last.Data["reason"] != "application error" || s.call.Status != StatusCompleted || s.call.Duration != 0 {
			t.Errorf("%+v: error %+v, last %+v", tt.answer, e, last)
		}
		if w, _ := s.find(func(e Entry) bool { return e.Type == typeWebhook }); w.Data["error_code"] != tt.code {
			t.Errorf("%+v: request entry %+v", tt.answer, w)
		}
	}
	// No answer at all: a request entry without a status.
	s = running(t, "")
	s.app[appURL] = answer{status: -1, errorCode: 11205}
	s.toFetch()
	fetched := s.answerOf(*s.call.State.Fetch)
	fetched.Attempts[0].Status = 0
	s.must(2000, fetched)
	if w, _ := s.find(func(e Entry) bool { return e.Type == typeWebhook }); w.Description != "POST https://app.example/voice (call-twiml): error 11205, error 11205" ||
		w.Data["status_code"] != "" {
		t.Errorf("request entry %+v", w)
	}
	if err := s.handle(0, Fetched{Seq: 1}); !errors.Is(err, errNoAttempt) {
		t.Errorf("a fetched document without a request: %v", err)
	}
}

// TestLateAnswers: an answer to a fetch the call no longer waits for does not run: on a
// call redirected meanwhile it is noted on the timeline as ignored; on a call that ended
// it changes nothing.
func TestLateAnswers(t *testing.T) {
	s := running(t, `<Response><Say>first</Say></Response>`)
	s.toFetch()
	stale := s.answerOf(*s.call.State.Fetch)
	s.must(2500, Update{URL: ptr("https://app.example/elsewhere")})
	if s.call.State.Fetch.Seq != 2 {
		t.Fatalf("the redirect's fetch %+v", s.call.State.Fetch)
	}
	s.must(2600, stale)
	e := s.entries()[len(s.entries())-1]
	if e.Type != typeWebhook || e.At != 2600 || e.Data["ignored"] != "redirected" ||
		e.Description != "POST https://app.example/voice (call-twiml) answered 200 text/xml: ignored, the call was redirected through the API meanwhile" ||
		s.call.State.Fetch == nil || s.call.State.Fetch.Seq != 2 || len(s.said()) != 0 {
		t.Errorf("late answer: %+v, fetch %+v", e, s.call.State.Fetch)
	}
	s.app["https://app.example/elsewhere"] = `<Response><Say>elsewhere</Say></Response>`
	s.settle()
	if !slices.Equal(s.said(), []string{"elsewhere"}) {
		t.Errorf("said %q", s.said())
	}
	if err := s.handle(99_000, stale); err != ErrNoChange {
		t.Errorf("a late answer to an ended call: %v", err)
	}
}

// TestDigits: keys on a call in progress: refused before, none is no change, `w` is a
// pause; while the call waits for a document they wait for the next <Gather>.
func TestDigits(t *testing.T) {
	s := outbound(t, caller, Settings{URL: appURL})
	if err := s.handle(0, Digits{Keys: "1"}); ruleCode(err) != 21220 ||
		err.Error() != "21220: Call "+callSid+" is queued; keys can be pressed only on a call in progress." {
		t.Errorf("keys on a queued call: %v", err)
	}
	s.app[appURL] = `<Response><Gather numDigits="2" action="/menu"/></Response>`
	s.toFetch()
	if err := s.handle(2100, Digits{Keys: "wW"}); err != ErrNoChange {
		t.Errorf("only pauses: %v", err)
	}
	s.must(2100, Digits{Keys: "1w2W3"})
	e := s.entries()[len(s.entries())-1]
	if s.call.State.Keys != "123" || s.call.State.Wait != "" || s.call.State.Fetch == nil || e.Description != "Pressed 123" ||
		!maps.Equal(e.Data, map[string]string{"digits": "123", "source": "Digits"}) || e.At != 2100 {
		t.Errorf("keys while fetching: %+v, entry %+v", s.call.State, e)
	}
	var posted []string
	s.app["https://app.example/menu"] = func(f Fetch) string {
		posted = append(posted, f.Params["Digits"])
		return `<Response><Gather numDigits="1" action="/menu"/></Response>`
	}
	s.until(2000)
	if !slices.Equal(posted, []string{"12", "3"}) {
		t.Errorf("posted %q, want the type-ahead keys in two gathers", posted)
	}
	s.must(3000, Digits{Keys: "4"})
	if s.call.State.Wait != waitKeys || s.call.State.Due != 3000 {
		t.Errorf("a key for a gather under way: %s at %d", s.call.State.Wait, s.call.State.Due)
	}
	s.must(3000, HangUp{})
	if err := s.handle(4000, Digits{Keys: "1"}); ruleCode(err) != 21220 {
		t.Errorf("keys on an ended call: %v", err)
	}
}

// TestFarEnd: the far end answers a ringing outbound call, or hangs up: a call in
// progress completes, a ringing one is declined, an incoming one given up.
func TestFarEnd(t *testing.T) {
	s := outbound(t, caller, Settings{URL: appURL})
	s.app[appURL] = `<Response><Pause length="10"/></Response>`
	if err := s.handle(0, Answer{}); ruleCode(err) != 21220 {
		t.Errorf("answering a queued call: %v", err)
	}
	s.until(0)
	s.must(500, Answer{})
	a := s.entries()[len(s.entries())-2]
	if s.call.Status != StatusInProgress || s.call.State.AnsweredAt != 500 || s.call.State.Fetch == nil || s.call.State.Wait != "" ||
		a.Description != "Answered by the far end (simulator)" || a.Data["action"] != "answer" {
		t.Errorf("answered: %+v, entry %+v", s.call, a)
	}
	if err := s.handle(600, Answer{}); ruleCode(err) != 21220 {
		t.Errorf("answering twice: %v", err)
	}
	s.settle()

	in := inbound(t, Settings{})
	if err := in.handle(0, Answer{}); ruleCode(err) != 21220 ||
		!strings.Contains(err.Error(), "only a ringing outbound call can be answered by the far end") {
		t.Errorf("answering an incoming call: %v", err)
	}
	// An inline document runs when answered.
	s = outbound(t, caller, Settings{Twiml: `<Response><Say>hi</Say></Response>`})
	s.until(0)
	s.must(100, Answer{})
	if s.call.State.Wait != waitContinue || s.call.State.Due != 100 {
		t.Errorf("inline, answered: %+v", s.call.State)
	}

	for _, tt := range []struct {
		name           string
		s              func() *sim
		status, reason string
	}{
		{"in progress", func() *sim { s := running(t, `<Response><Pause length="9"/></Response>`); s.until(2000); return s }, StatusCompleted, "the far end hung up"},
		{"ringing", func() *sim { s := outbound(t, caller, Settings{URL: appURL}); s.until(0); return s }, StatusBusy, "declined"},
		{"ringing, incoming", func() *sim { return inbound(t, Settings{}) }, StatusCanceled, "the caller hung up"},
	} {
		s := tt.s()
		s.must(1000, HangUp{})
		entries := s.entries()
		api, last := entries[len(entries)-2], entries[len(entries)-1]
		if s.call.Status != tt.status || last.Data["reason"] != tt.reason || api.Description != "The far end hung up (simulator)" ||
			api.Data["action"] != "hangup" || s.call.State.Fetch != nil {
			t.Errorf("%s: %s (%q), %+v", tt.name, s.call.Status, last.Data["reason"], api)
		}
	}
	s = outbound(t, caller, Settings{URL: appURL})
	if err := s.handle(0, HangUp{}); ruleCode(err) != 21220 || !strings.Contains(err.Error(), "only a ringing call or one in progress can be hung up") {
		t.Errorf("hanging up a queued call: %v", err)
	}
}

// TestUpdate: what an update through the API does to a call, by its state.
func TestUpdate(t *testing.T) {
	// Settings change on a live call; an ended one is refused.
	s := running(t, `<Response><Pause length="100"/></Response>`)
	s.until(2000)
	s.must(3000, Update{StatusCallback: ptr("https://app.example/cb"), StatusCallbackMethod: ptr("GET"),
		FallbackURL: ptr("https://app.example/fb"), FallbackMethod: ptr("GET")})
	set := s.call.Settings
	if set.StatusCallback != "https://app.example/cb" || set.StatusCallbackMethod != "GET" || set.FallbackURL != "https://app.example/fb" ||
		set.FallbackMethod != "GET" || s.call.State.Wait != waitVerb {
		t.Errorf("settings %+v, wait %s", set, s.call.State.Wait)
	}
	// A new time limit counts from the answer, and cuts the pending wait, or gives it back.
	s.must(4000, Update{TimeLimit: ptr(10)})
	if st := s.call.State; st.LimitAt != 12000 || st.Wait != waitLimit || st.Due != 12000 || s.call.Settings.TimeLimit != 10 {
		t.Errorf("time limit lowered: %+v", st)
	}
	s.must(5000, Update{TimeLimit: ptr(1000)})
	if st := s.call.State; st.LimitAt != 1_002_000 || st.Wait != waitVerb || st.Due != 102_000 {
		t.Errorf("time limit raised: %+v", st)
	}
	s.must(6000, Update{TimeLimit: ptr(1)}) // a limit already past ends the call now
	if st := s.call.State; st.LimitAt != 6000 || st.Due != 6000 || st.Wait != waitLimit {
		t.Errorf("time limit past: %+v", st)
	}
	s.settle()
	if err := s.handle(9000, Update{StatusCallback: ptr("x")}); ruleCode(err) != 21220 ||
		!strings.HasSuffix(err.Error(), "is completed; only a live call can be changed.") {
		t.Errorf("updating an ended call: %v", err)
	}
	// Before the answer a time limit is only kept.
	s = outbound(t, caller, Settings{URL: appURL})
	s.must(0, Update{TimeLimit: ptr(5)})
	if s.call.State.LimitAt != 0 || s.call.Settings.TimeLimit != 5 || s.call.State.Wait != waitPlace {
		t.Errorf("time limit before the answer: %+v", s.call.State)
	}
	// An incoming call is answered at the first moment of its clock: its limit counts
	// from there.
	in := inbound(t, Settings{})
	in.app[appURL] = `<Response><Pause length="100"/></Response>`
	in.until(0)
	in.must(1000, Update{TimeLimit: ptr(5)})
	if st := in.call.State; st.AnsweredAt != 0 || st.LimitAt != 5000 || st.Wait != waitLimit || st.Due != 5000 {
		t.Errorf("time limit of a call answered at 0: %+v", st)
	}
	// A call waiting for a document has no step to cut.
	s = running(t, `<Response/>`)
	s.toFetch()
	s.must(2100, Update{TimeLimit: ptr(5)})
	if st := s.call.State; st.Wait != "" || st.LimitAt != 7000 || st.Fetch == nil {
		t.Errorf("time limit while fetching: %+v", st)
	}
}

// TestUpdateStatus: canceling a call that has not been answered; hanging up one in
// progress.
func TestUpdateStatus(t *testing.T) {
	for _, tt := range []struct {
		name       string
		s          func() *sim
		status     string
		want, why  string
		entry, act string
		code       int
	}{
		{"cancel a queued call", func() *sim { return outbound(t, caller, Settings{URL: appURL}) }, StatusCanceled, StatusCanceled, "canceled",
			"Canceled through the API", "cancel", 0},
		{"complete a ringing call: canceled", func() *sim { s := outbound(t, caller, Settings{URL: appURL}); s.until(0); return s },
			StatusCompleted, StatusCanceled, "canceled", "Canceled through the API", "cancel", 0},
		{"hang up a call in progress", func() *sim { s := running(t, `<Response><Pause length="9"/></Response>`); s.until(2000); return s },
			StatusCompleted, StatusCompleted, "hung up through the API", "Hung up through the API", "hangup", 0},
		{"cancel a call in progress", func() *sim { s := running(t, `<Response><Pause length="9"/></Response>`); s.until(2000); return s },
			StatusCanceled, StatusInProgress, "", "", "", 21220},
	} {
		s := tt.s()
		err := s.handle(3000, Update{Status: ptr(tt.status)})
		if ruleCode(err) != tt.code {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.code != 0 {
			if !strings.Contains(err.Error(), "a call in progress cannot be canceled: hang it up with Status=completed") {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		entries := s.entries()
		api, last := entries[len(entries)-2], entries[len(entries)-1]
		if s.call.Status != tt.want || last.Data["reason"] != tt.why || api.Description != tt.entry || api.Data["action"] != tt.act {
			t.Errorf("%s: %s (%q), %+v", tt.name, s.call.Status, last.Data["reason"], api)
		}
	}
}

// TestUpdateRedirect: new TwiML for a call in progress runs at once, whatever it was
// doing; for an outbound call not yet answered it is what runs when answered.
func TestUpdateRedirect(t *testing.T) {
	// Not answered yet: the settings change.
	s := outbound(t, caller, Settings{Twiml: "<Response/>", Method: "POST"})
	s.must(0, Update{URL: ptr("https://app.example/later"), Method: ptr("GET")})
	if set := s.call.Settings; set.URL != "https://app.example/later" || set.Twiml != "" || set.Method != "GET" || s.call.State.Wait != waitPlace {
		t.Errorf("redirected before the answer: %+v", set)
	}
	s.must(0, Update{Twiml: ptr("<Response><Say>later</Say></Response>")})
	if set := s.call.Settings; set.URL != "" || set.Twiml != "<Response><Say>later</Say></Response>" {
		t.Errorf("redirected to TwiML before the answer: %+v", set)
	}
	if e := s.entries()[len(s.entries())-1]; e.Description != "TwiML to run when answered changed through the API" || e.Data["action"] != "redirect" {
		t.Errorf("entry %+v", e)
	}
	s.settle()
	if !slices.Equal(s.said(), []string{"later"}) {
		t.Errorf("said %q", s.said())
	}

	// In progress, in a <Record>, a <Dial>, a <Gather>: what was under way stops.
	for _, doc := range []string{`<Record action="/a"/>`, `<Dial>+14155550123</Dial>`, `<Gather/>`, `<Pause length="50"/>`} {
		s := running(t, `<Response>`+doc+`</Response>`)
		s.app["https://app.example/next"] = `<Response><Say>next</Say></Response>`
		s.until(2000)
		s.call.State.FetchesInARow = 7
		s.must(3000, Update{URL: ptr("https://app.example/next")})
		st := s.call.State
		if st.Record != nil || st.Dial != nil || st.Gather != nil || st.Wait != "" || st.Fetch == nil || st.Fetch.Method != "POST" ||
			st.Fetch.URL != "https://app.example/next" || st.FetchesInARow != 1 {
			t.Errorf("%s: state %+v", doc, st)
		}
		e := s.entries()[len(s.entries())-1]
		if doc == `<Record action="/a"/>` {
			e = s.entries()[len(s.entries())-1]
			if len(effectsOf[CompleteRecording](s)) != 1 || len(s.notifies(EventRecordAction)) != 0 {
				t.Errorf("the recording: %+v", s.effects)
			}
		}
		if doc == `<Dial>+14155550123</Dial>` {
			if sig := effectsOf[Signal](s); len(sig) != 1 || sig[0].Event != (ParentHungUp{Parent: callSid}) {
				t.Errorf("the dialed call: %+v", sig)
			}
		}
		if e.Description != "Redirected through the API to https://app.example/next" ||
			!maps.Equal(e.Data, map[string]string{"action": "redirect", "url": "https://app.example/next"}) {
			t.Errorf("%s: entry %+v", doc, e)
		}
		s.settle()
		if !slices.Equal(s.said(), []string{"next"}) {
			t.Errorf("%s: said %q", doc, s.said())
		}
	}
	// To inline TwiML, with a method; an incoming call ringing while its TwiML runs.
	s = inbound(t, Settings{})
	s.must(100, Update{URL: ptr("https://app.example/next"), Method: ptr("GET")})
	if f := s.call.State.Fetch; f == nil || f.Method != "GET" || f.Seq != 2 || f.Params["CallStatus"] != StatusRinging {
		t.Errorf("an incoming call redirected: %+v", f)
	}
	s.must(200, Update{Twiml: ptr("<Response><Say>inline</Say></Response>")})
	st := s.call.State
	if st.Fetch != nil || st.Doc != "<Response><Say>inline</Say></Response>" || st.DocURL != "" || st.Next != 0 || st.Wait != waitContinue || st.Due != 200 {
		t.Errorf("redirected to TwiML: %+v", st)
	}
	if e := s.entries()[len(s.entries())-1]; e.Description != "Redirected through the API to new TwiML" || e.Data["twiml"] != st.Doc {
		t.Errorf("entry %+v", e)
	}
	s.settle()
	if !slices.Equal(s.said(), []string{"inline"}) || s.call.State.AnsweredAt != 200 {
		t.Errorf("said %q", s.said())
	}
}

// TestSignals: a dialed call hears of its parent; news for another call changes nothing.
func TestSignals(t *testing.T) {
	s := running(t, `<Response><Dial action="/a">+14155550123</Dial></Response>`)
	s.until(2000)
	child := effectsOf[Dialed](s)[0].Call
	c := &sim{t: t, net: s.net, call: child, app: map[string]any{}}
	if err := c.handle(0, ParentHungUp{Parent: "CA9"}); err != ErrNoChange {
		t.Errorf("another parent: %v", err)
	}
	c.must(0, ParentHungUp{Parent: callSid})
	if c.call.Status != StatusCanceled || c.entries()[0].Data["reason"] != "the calling party hung up" {
		t.Errorf("queued child: %+v", c.call)
	}
	if err := c.handle(0, ParentHungUp{Parent: callSid}); err != ErrNoChange {
		t.Errorf("an ended child: %v", err)
	}
	c = &sim{t: t, net: s.net, call: child, app: map[string]any{}}
	c.until(2000)
	if c.call.Status != StatusInProgress || c.call.State.Wait != waitLimit {
		t.Fatalf("child answered: %+v", c.call)
	}
	c.must(7000, ParentHungUp{Parent: callSid})
	sig := effectsOf[Signal](c)
	if c.call.Status != StatusCompleted || c.call.Duration != 5 || len(sig) != 1 || sig[0].To != callSid ||
		sig[0].Event != (DialEnded{Child: child.Sid, Status: StatusCompleted, Duration: 5}) {
		t.Errorf("child hung up: %+v, signals %+v", c.call, sig)
	}
	// The parent hung up already: the child's end is no news.
	s.must(3000, HangUp{})
	if err := s.handle(3000, DialEnded{Child: child.Sid, Status: StatusCompleted}); err != ErrNoChange {
		t.Errorf("news for an ended call: %v", err)
	}
}

// TestDue: a step of a call that has ended, or that waits for nothing, changes nothing;
// an unknown event is an error; the call handed in is never changed.
func TestDue(t *testing.T) {
	s := running(t, `<Response/>`)
	if err := s.handle(0, Due{}); err != nil {
		t.Fatal(err)
	}
	s.settle()
	if err := s.handle(0, Due{}); err != ErrNoChange {
		t.Errorf("a step of an ended call: %v", err)
	}
	s = running(t, `<Response><Gather/></Response>`)
	s.toFetch()
	if err := s.handle(2000, Due{}); err != ErrNoChange {
		t.Errorf("a step of a call waiting for a document: %v", err)
	}
	if _, _, err := s.net.Handle(s.call, 0, nil); err == nil || !strings.Contains(err.Error(), "no such event") {
		t.Errorf("no event: %v", err)
	}
	s.settle()

	// Handle works on a copy: the call handed in keeps its state.
	s = running(t, `<Response><Gather numDigits="3"><Say>a b c</Say></Gather><Record/></Response>`)
	s.until(2000)
	s.must(2000, Digits{Keys: "1"})
	before := s.call
	gather := *before.State.Gather
	next, _, err := s.net.Handle(before, 2000, Due{})
	if err != nil || *before.State.Gather != gather || next.State.Gather == before.State.Gather {
		t.Errorf("the input was changed: %+v -> %+v (%v)", gather, *before.State.Gather, err)
	}
}

// TestClone: every pointer of a call's state is copied.
func TestClone(t *testing.T) {
	c := Call{State: State{Fetch: &Fetch{Seq: 1}, Gather: &Gathering{Verb: 1}, Record: &Recording{Sid: "RE1"}, Dial: &Dialing{Child: "CA1"},
		CallRecording: &Recording{Sid: "RE2"}}}
	d := c.clone()
	d.State.Fetch.Seq, d.State.Gather.Verb, d.State.Record.Sid, d.State.Dial.Child, d.State.CallRecording.Sid = 2, 2, "x", "x", "x"
	if c.State.Fetch.Seq != 1 || c.State.Gather.Verb != 1 || c.State.Record.Sid != "RE1" || c.State.Dial.Child != "CA1" || c.State.CallRecording.Sid != "RE2" {
		t.Errorf("shared: %+v", c.State)
	}
	if e := (Call{}).clone(); e.State.Fetch != nil || e.State.Gather != nil || e.State.Record != nil || e.State.Dial != nil || e.State.CallRecording != nil {
		t.Errorf("an empty state got pointers: %+v", e.State)
	}
}

// TestCorruptState: a state whose verb index is not in its document is an error, not a
// panic.
func TestCorruptState(t *testing.T) {
	s := running(t, `<Response><Gather/></Response>`)
	s.until(2000)
	for _, tt := range []struct {
		name  string
		state func(*State)
		event Event
	}{
		{"gather", func(st *State) { st.Gather.Verb = 5; st.Wait = waitGather }, Due{}},
		{"gather keys", func(st *State) { st.Gather.Verb = -1 }, Digits{Keys: "1"}},
		{"record keys", func(st *State) { st.Gather = nil; st.Record = &Recording{Verb: 3} }, Digits{Keys: "1"}},
		{"dial keys", func(st *State) { st.Gather = nil; st.Dial = &Dialing{Verb: 3, Child: "CA1"} }, Digits{Keys: "1"}},
		{"dial ended", func(st *State) { st.Gather = nil; st.Dial = &Dialing{Verb: 3, Child: "CA1"} }, DialEnded{Child: "CA1"}},
		{"prompt", func(st *State) { st.Gather.Verb = 9; st.Wait = waitPrompt }, Due{}},
		{"just past the end", func(st *State) { st.Gather.Verb = 1; st.Wait = waitGather }, Due{}},
	} {
		c := s.call.clone()
		tt.state(&c.State)
		if _, _, err := s.net.Handle(c, 2000, tt.event); err == nil || !strings.Contains(err.Error(), "-verb document") {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// Inline TwiML that is not TwiML ends the call with an application error.
	b := outbound(t, caller, Settings{Twiml: "<Nope/>"})
	b.settle()
	if e, _ := b.find(func(e Entry) bool { return e.Type == typeError }); e.Data["error_code"] != "12100" || b.call.Status != StatusCompleted {
		t.Errorf("inline: %+v", e)
	}
	// A <Record> whose verb is gone still completes its recording.
	r := running(t, `<Response><Record action="/a"/></Response>`)
	r.until(2000)
	r.call.State.Record.Verb = 7
	r.must(3000, HangUp{})
	if done := effectsOf[CompleteRecording](r); len(done) != 1 || len(r.notifies(EventRecordAction)) != 0 {
		t.Errorf("completed %+v", done)
	}
}

// TestReadAnswer: which answers are documents, and the errors of those that are not.
func TestReadAnswer(t *testing.T) {
	for _, tt := range []struct {
		contentType, body string
		doc               string
		code              int
		message           string
	}{
		{"text/xml", "<Response><Say>hi</Say></Response>", "<Response><Say>hi</Say></Response>", 0, ""},
		{"application/xml; charset=utf-8", "<Response/>", "<Response/>", 0, ""},
		{"text/html", "<Response/>", "<Response/>", 0, ""},
		{"text/plain", "  \n", "<Response/>", 0, ""},
		{"", "", "<Response/>", 0, ""},
		{"text/plain", "<Response/>", "", 12300, `Content-Type "text/plain" cannot hold TwiML: use text/xml`},
		{"", "<Response/>", "", 12300, `Content-Type "" cannot hold TwiML: use text/xml`},
		{"text/xml", "<Nope/>", "", 12100, "not a TwiML document: the root element is <Nope>, not <Response>"},
		{"text/xml", "<Response><Play/></Response>", "", 12100, "not a TwiML document: <Play> without a URL or digits"},
	} {
		doc, code, message := ReadAnswer(tt.contentType, []byte(tt.body))
		if doc != tt.doc || code != tt.code || message != tt.message {
			t.Errorf("ReadAnswer(%q, %q) = %q, %d, %q; want %q, %d, %q", tt.contentType, tt.body, doc, code, message, tt.doc, tt.code, tt.message)
		}
	}
}
