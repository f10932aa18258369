package callflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// A small in-memory executor for the tests: it hands a call its events, keeps what comes
// back, and answers its fetches from a table of documents, as an app would.

const (
	appURL   = "https://app.example/voice"
	callSid  = "CA0000000000000000000000000000000a"
	acctSid  = "AC0000000000000000000000000000000a"
	caller   = "+14155550100"
	ourPhone = "+14155550199"
	epoch    = int64(1_767_225_600_000) // 2026-01-01T00:00:00Z
)

// testNetwork numbers the SIDs it makes: RE1, CA2...
func testNetwork() *Network {
	n := 0
	return &Network{Speed: 1, AnswerDelay: 2000, BaseURL: "http://sb.example", NewSid: func(prefix string) string {
		n++
		return fmt.Sprintf("%s%d", prefix, n)
	}}
}

// answer is how the test app answers a fetch: a document, or a failed attempt.
type answer struct {
	doc         string
	status      int    // default 200
	contentType string // default text/xml
	errorCode   int
}

type sim struct {
	t       *testing.T
	net     *Network
	call    Call
	effects []Effect       // every effect so far, in order
	app     map[string]any // URL -> a document (string), an answer, or func(Fetch) string
	fetches []Fetch        // every fetch the call asked for
	steps   int
}

// outbound is an outbound call to to with settings set, placed at 0.
func outbound(t *testing.T, to string, set Settings) *sim {
	t.Helper()
	s := &sim{t: t, net: testNetwork(), app: map[string]any{}}
	if set.Timeout == 0 {
		set.Timeout = 60
	}
	if set.TimeLimit == 0 {
		set.TimeLimit = 14400
	}
	c, effects := s.net.Place(Call{Sid: callSid, AccountSid: acctSid, To: to, From: ourPhone, Direction: DirectionOutboundAPI,
		Settings: set, State: State{Epoch: epoch}})
	s.keep(c, effects)
	return s
}

// inbound is a call from caller to our number, whose VoiceUrl is appURL.
func inbound(t *testing.T, set Settings) *sim {
	t.Helper()
	s := &sim{t: t, net: testNetwork(), app: map[string]any{}}
	set.URL, set.Method = appURL, "POST"
	set.Timeout, set.TimeLimit = 60, 14400
	c, effects := s.net.Receive(Call{Sid: callSid, AccountSid: acctSid, To: ourPhone, From: caller, Direction: DirectionInbound,
		CallerName: "Alice", Settings: set, State: State{Epoch: epoch}})
	s.keep(c, effects)
	return s
}

// running is an outbound call answered at 2 s, its URL answering doc.
func running(t *testing.T, doc string) *sim {
	t.Helper()
	s := outbound(t, caller, Settings{URL: appURL, Method: "POST"})
	s.app[appURL] = doc
	return s
}

func (s *sim) keep(c Call, effects []Effect) {
	s.call = c
	s.effects = append(s.effects, effects...)
	for _, e := range effects {
		if f, ok := e.(Fetch); ok {
			s.fetches = append(s.fetches, f)
		}
	}
}

// handle hands the call event at at, and keeps the outcome.
func (s *sim) handle(at int64, event Event) error {
	s.t.Helper()
	c, effects, err := s.net.Handle(s.call, at, event)
	if err != nil {
		return err
	}
	s.keep(c, effects)
	return nil
}

// must is handle that fails the test on an error.
func (s *sim) must(at int64, event Event) {
	s.t.Helper()
	if err := s.handle(at, event); err != nil {
		s.t.Fatalf("%T at %d: %v", event, at, err)
	}
}

// step runs what happens next: the app answers a pending fetch, or the pending wait
// comes due. It reports whether anything was pending.
func (s *sim) step() bool {
	s.t.Helper()
	st := s.call.State
	if st.Fetch != nil {
		s.must(st.Fetch.At, s.answerOf(*st.Fetch))
		return true
	}
	if st.Wait == "" || st.Due >= forever {
		return false
	}
	s.must(st.Due, Due{})
	return true
}

// until runs steps until the call ends or waits for nothing the test app provides
// (another call, or keys), or until at (simulated ms) is reached.
func (s *sim) until(at int64) {
	s.t.Helper()
	for Live(s.call.Status) && s.steps < 500 {
		st := s.call.State
		if st.Fetch == nil && st.Due > at {
			return
		}
		if !s.step() {
			return
		}
		s.steps++
	}
	if s.steps >= 500 {
		s.t.Fatalf("the call never settled:\n%s", s.timeline())
	}
}

// toFetch runs the call until it waits for a document, unanswered yet.
func (s *sim) toFetch() {
	s.t.Helper()
	for s.call.State.Fetch == nil {
		if !s.step() {
			s.t.Fatalf("the call waits for no document:\n%s", s.timeline())
		}
	}
}

// settle runs the call until nothing more is due of its own accord.
func (s *sim) settle() { s.t.Helper(); s.until(forever - 1) }

// answerOf is the test app's answer to f.
func (s *sim) answerOf(f Fetch) Fetched {
	attempt := func(url, method string, a answer) (Attempt, string) {
		if a.status == 0 {
			a.status = 200
		}
		if a.contentType == "" {
			a.contentType = "text/xml"
		}
		got := Attempt{URL: url, Method: method, DeliverySid: fmt.Sprintf("WH%d", len(s.fetches)), Status: a.status, ContentType: a.contentType}
		if a.errorCode != 0 {
			got.ErrorCode, got.ErrorMessage = a.errorCode, fmt.Sprintf("error %d", a.errorCode)
			return got, ""
		}
		doc, code, message := ReadAnswer(a.contentType, []byte(a.doc))
		got.ErrorCode, got.ErrorMessage = code, message
		return got, doc
	}
	lookup := func(url string) answer {
		switch v := s.app[strings.SplitN(url, "?", 2)[0]].(type) {
		case string:
			return answer{doc: v}
		case answer:
			return v
		case func(Fetch) string:
			return answer{doc: v(f)}
		}
		return answer{status: 404, errorCode: 11200}
	}
	out := Fetched{Seq: f.Seq, Event: f.Event}
	a, doc := attempt(f.URL, f.Method, lookup(f.URL))
	out.Attempts = append(out.Attempts, a)
	if a.ErrorCode != 0 && f.FallbackURL != "" {
		a, doc = attempt(f.FallbackURL, f.FallbackMethod, lookup(f.FallbackURL))
		out.Attempts = append(out.Attempts, a)
	}
	if a.ErrorCode == 0 {
		out.Doc = doc
	}
	return out
}

// entries are the timeline so far.
func (s *sim) entries() []Entry {
	var out []Entry
	for _, e := range s.effects {
		if en, ok := e.(Entry); ok {
			out = append(out, en)
		}
	}
	return out
}

// timeline is the timeline as "at type: description" lines.
func (s *sim) timeline() string {
	var b strings.Builder
	for _, e := range s.entries() {
		fmt.Fprintf(&b, "%6d %s: %s\n", e.At, e.Type, e.Description)
	}
	return b.String()
}

// kinds is each entry as "type" or "type:what" (a verb's name, a status, a request's
// event).
func (s *sim) kinds() []string {
	var out []string
	for _, e := range s.entries() {
		k := e.Type
		switch e.Type {
		case typeVerb:
			k += ":" + e.Data["verb"]
		case typeStatus:
			k += ":" + e.Data["status"]
		case typeWebhook:
			k += ":" + e.Data["event"]
		}
		out = append(out, k)
	}
	return out
}

// said is the text of each <Say>, in order.
func (s *sim) said() []string {
	var out []string
	for _, e := range s.entries() {
		if e.Type == typeVerb && e.Data["verb"] == "Say" {
			out = append(out, e.Data["text"])
		}
	}
	return out
}

// find is the first entry match accepts.
func (s *sim) find(match func(Entry) bool) (Entry, bool) {
	for _, e := range s.entries() {
		if match(e) {
			return e, true
		}
	}
	return Entry{}, false
}

func verbEntry(name string) func(Entry) bool {
	return func(e Entry) bool { return e.Type == typeVerb && e.Data["verb"] == name }
}

// notifies are the requests queued whose answers are only recorded, of event ("" for
// all).
func (s *sim) notifies(event string) []Notify {
	var out []Notify
	for _, e := range s.effects {
		if n, ok := e.(Notify); ok && (event == "" || n.Event == event) {
			out = append(out, n)
		}
	}
	return out
}

// effectsOf are the effects of type T so far.
func effectsOf[T Effect](s *sim) []T {
	var out []T
	for _, e := range s.effects {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// ruleCode is the Twilio code of a rule error, 0 for nil, -1 for anything else.
func ruleCode(err error) int {
	var rule *phone.RuleError
	if err == nil {
		return 0
	}
	if errors.As(err, &rule) {
		return rule.Code
	}
	return -1
}
