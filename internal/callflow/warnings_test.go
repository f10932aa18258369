package callflow

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// warnings are the warning entries of the timeline: their codes, in order.
func (s *sim) warnings() []string {
	var out []string
	for _, e := range s.entries() {
		if e.Type == typeError && e.Data["level"] == "warning" {
			out = append(out, e.Data["error_code"])
		}
	}
	return out
}

// TestWarningsOnTheTimeline: an attribute out of Twilio's bounds is noted on the timeline
// when its document starts running, with Twilio's code, whichever way the document came:
// fetched, inline, or through the API; the verb then runs with the default.
func TestWarningsOnTheTimeline(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) *sim
		want  []string
	}{
		{"fetched", func(t *testing.T) *sim {
			return running(t, `<Response><Gather timeout="0" numDigits="0"/><Say>after</Say></Response>`)
		}, []string{"13314", "13313"}},
		{"inline", func(t *testing.T) *sim {
			return outbound(t, caller, Settings{Twiml: `<Response><Pause length="-1"/><Say loop="x">after</Say></Response>`})
		}, []string{"13910", "13510"}},
		{"a fetched document without warnings", func(t *testing.T) *sim {
			return running(t, `<Response><Gather timeout="1" numDigits="1"/><Say>after</Say></Response>`)
		}, nil},
	}
	for _, tt := range tests {
		s := tt.start(t)
		s.settle()
		if got := s.warnings(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: warnings %v, want %v:\n%s", tt.name, got, tt.want, s.timeline())
			continue
		}
		if tt.want == nil {
			continue
		}
		// Noted when the document starts, before its first verb runs.
		isWarning := func(e Entry) bool { return e.Type == typeError && e.Data["level"] == "warning" }
		first, _ := s.find(isWarning)
		firstVerb := slices.IndexFunc(s.entries(), func(e Entry) bool { return e.Type == typeVerb })
		if first.At != 2000 || slices.IndexFunc(s.entries(), isWarning) > firstVerb {
			t.Errorf("%s: the warning at %d, or after the first verb:\n%s", tt.name, first.At, s.timeline())
		}
		if first.Data["verb"] == "" || first.Data["attribute"] == "" || !strings.Contains(first.Description, "Warning "+tt.want[0]) ||
			first.Data["message"] == "" {
			t.Errorf("%s: warning entry %+v", tt.name, first)
		}
		// The verbs ran with the defaults: the call went on to "after".
		if !slices.Contains(s.said(), "after") {
			t.Errorf("%s: never said after:\n%s", tt.name, s.timeline())
		}
	}

	// TwiML given through the API is checked as it starts, too.
	s := running(t, `<Response><Pause length="30"/></Response>`)
	s.until(2500)
	s.must(3000, Update{Twiml: ptr(`<Response><Dial timeout="601">+14155550123</Dial></Response>`)})
	if got := s.warnings(); !slices.Equal(got, []string{"13212"}) {
		t.Errorf("TwiML through the API: warnings %v:\n%s", got, s.timeline())
	}
}

// TestInvalidValuesTakeDefaults: a verb with an attribute Twilio does not take runs with
// the attribute's default: "after" is said when the verb with the default would end.
func TestInvalidValuesTakeDefaults(t *testing.T) {
	for _, tt := range []struct {
		doc   string
		after int64 // when "after" is said
		code  string
	}{
		{`<Pause length="0"/>`, 3000, "13910"},                                   // 1 s
		{`<Gather timeout="0"/>`, 7000, "13313"},                                 // 5 s for a key
		{`<Say loop="-1">one two</Say>`, 2800, "13510"},                          // once
		{`<Play loop="x">a.mp3</Play>`, 7000, "13410"},                           // once: 5 s
		{`<Gather timeout="1"><Say loop="-1">one</Say></Gather>`, 3400, "13322"}, // once, then 1 s
	} {
		s := running(t, `<Response>`+tt.doc+`<Say>after</Say></Response>`)
		s.settle()
		after, ok := s.find(func(e Entry) bool { return e.Data["text"] == "after" })
		if !ok || after.At != tt.after || !slices.Equal(s.warnings(), []string{tt.code}) {
			t.Errorf("%s: after at %d (%v), warnings %v; want %d, %s:\n%s", tt.doc, after.At, ok, s.warnings(), tt.after, tt.code, s.timeline())
		}
	}
}

// TestLargeValuesAreKept: values Twilio sets no upper bound to are kept, however large:
// a <Gather> that waits 999999999 s for a key, or a <Pause> of 999999 s, lasts until
// the call's time limit ends it (14400 s after the answer), not the default's few
// seconds; nothing is warned of.
func TestLargeValuesAreKept(t *testing.T) {
	for _, doc := range []string{
		`<Response><Gather timeout="999999999" numDigits="999999999"/><Say>after</Say></Response>`,
		`<Response><Pause length="999999"/><Say>after</Say></Response>`,
		`<Response><Say loop="99999999999999999999">x</Say><Say>after</Say></Response>`,
		`<Response><Gather timeout="99999999999999999999"/><Say>after</Say></Response>`,
	} {
		s := running(t, doc)
		s.settle()
		last := s.entries()[len(s.entries())-1]
		if slices.Contains(s.said(), "after") || s.call.Status != StatusCompleted || s.call.Duration != 14400 ||
			last.Data["reason"] != "time limit" || len(s.warnings()) != 0 {
			t.Errorf("%s: %s after %d s (%q), warnings %v:\n%s", doc, s.call.Status, s.call.Duration, last.Data["reason"], s.warnings(), s.timeline())
		}
	}
	// Keys still end the <Gather> that would wait that long: numDigits of them, or '#'.
	s := running(t, `<Response><Gather timeout="999999999" numDigits="3" action="/menu"/></Response>`)
	s.app["https://app.example/menu"] = `<Response><Say>got it</Say></Response>`
	s.until(2500)
	s.must(3000, Digits{Keys: "123"})
	s.settle()
	if !slices.Contains(s.said(), "got it") || s.call.Duration >= 14400 {
		t.Errorf("keys did not end the long gather:\n%s", s.timeline())
	}
}

// TestAnswerWarning: what the request that fetched a document records of its warnings:
// the first one's code, and every message.
func TestAnswerWarning(t *testing.T) {
	for _, tt := range []struct {
		doc      string
		code     int
		messages int // how many messages the text holds
	}{
		{`<Response><Say>fine</Say></Response>`, 0, 0},
		{`<Response/>`, 0, 0},
		{`not TwiML`, 0, 0},
		{`<Response><Gather timeout="0"/></Response>`, 13313, 1},
		{`<Response><Pause length="0"/><Dial timeLimit="0">+14155550100</Dial></Response>`, 13910, 2},
	} {
		code, message := AnswerWarning(tt.doc)
		if code != tt.code || strings.Count(message, "Invalid") != tt.messages {
			t.Errorf("%s: %d %q, want %d with %d messages", tt.doc, code, message, tt.code, tt.messages)
		}
	}
}

// TestLengths: how long n loops or n seconds take, in simulated ms; a length past what
// any call lasts (the largest numbers TwiML may write) is forever, not an overflow.
func TestLengths(t *testing.T) {
	for _, tt := range []struct {
		once time.Duration
		n    int
		want int64
	}{
		{0, 5, 0},
		{0, 0, 0},
		{time.Second, 0, forever},
		{time.Second, 3, 3000},
		{400 * time.Millisecond, 2, 800},
		{time.Millisecond, int(forever) - 1, forever - 1},
		{time.Millisecond, int(forever), forever},
		{2 * time.Millisecond, int(forever / 2), forever},
		{2 * time.Millisecond, int(forever/2) - 1, forever - 2},
		{3 * time.Millisecond, int(forever / 3), forever},             // not 3 * (forever/3), one short
		{3 * time.Millisecond, int(forever/3) - 1, 3*(forever/3) - 3}, // the longest that is not
		{time.Second, math.MaxInt, forever},
	} {
		if got := loops(tt.once, tt.n); got != tt.want {
			t.Errorf("loops(%s, %d) = %d, want %d", tt.once, tt.n, got, tt.want)
		}
	}
	for n, want := range map[int]int64{0: 0, 1: 1000, 86400: 86_400_000, int(forever / 1000): forever,
		int(forever/1000) - 1: (forever/1000 - 1) * 1000, math.MaxInt: forever} {
		if got := secondsLong(n); got != want {
			t.Errorf("secondsLong(%d) = %d, want %d", n, got, want)
		}
	}
}
