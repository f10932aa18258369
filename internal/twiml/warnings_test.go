package twiml

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestAttributeBounds: each number and key attribute against the values Twilio documents
// for it. A value it takes is read as given, however large where Twilio sets no upper
// bound; any other is replaced by the attribute's default, with the warning Twilio
// records for it (its 13xxx code, the verb as Twilio names it, the attribute, the value).
func TestAttributeBounds(t *testing.T) {
	type warned struct {
		code            int
		verb, attr, val string
	}
	tests := []struct {
		doc  string          // one verb
		got  func(Voice) any // the attribute as read
		want any             // its value
		warn *warned         // nil: no warning
	}{
		// <Gather>: timeout and numDigits are positive integers, with no upper bound.
		{`<Gather timeout="999999999"/>`, gatherTimeout, 999999999, nil},
		{`<Gather numDigits="999999999"/>`, gatherDigits, 999999999, nil},
		{`<Gather timeout="1" numDigits="1"/>`, func(v Voice) any { return [2]int{gatherTimeout(v).(int), gatherDigits(v).(int)} }, [2]int{1, 1}, nil},
		{`<Gather timeout=" 7 "/>`, gatherTimeout, 7, nil},
		{`<Gather timeout="99999999999999999999"/>`, gatherTimeout, math.MaxInt, nil},
		{`<Gather timeout="0"/>`, gatherTimeout, 5, &warned{13313, "Gather", "timeout", "0"}},
		{`<Gather timeout="-5"/>`, gatherTimeout, 5, &warned{13313, "Gather", "timeout", "-5"}},
		{`<Gather timeout="1.5"/>`, gatherTimeout, 5, &warned{13313, "Gather", "timeout", "1.5"}},
		{`<Gather timeout=""/>`, gatherTimeout, 5, &warned{13313, "Gather", "timeout", ""}},
		{`<Gather timeout="-99999999999999999999"/>`, gatherTimeout, 5, &warned{13313, "Gather", "timeout", "-99999999999999999999"}},
		{`<Gather numDigits="0"/>`, gatherDigits, 0, &warned{13314, "Gather", "numDigits", "0"}},
		{`<Gather numDigits="two"/>`, gatherDigits, 0, &warned{13314, "Gather", "numDigits", "two"}},
		// finishOnKey: one key, or none.
		{`<Gather finishOnKey="*"/>`, gatherKey, "*", nil},
		{`<Gather finishOnKey="0"/>`, gatherKey, "0", nil},
		{`<Gather finishOnKey=""/>`, gatherKey, "", nil},
		{`<Gather/>`, gatherKey, "#", nil},
		{`<Gather finishOnKey="#*"/>`, gatherKey, "#", &warned{13310, "Gather", "finishOnKey", "#*"}},
		{`<Gather finishOnKey="x"/>`, gatherKey, "#", &warned{13310, "Gather", "finishOnKey", "x"}},
		// <Say> and <Play>: loop is an integer of 0 or more.
		{`<Say loop="0">x</Say>`, sayLoop, 0, nil},
		{`<Say loop="5000">x</Say>`, sayLoop, 5000, nil},
		{`<Say loop="-1">x</Say>`, sayLoop, 1, &warned{13510, "Say", "loop", "-1"}},
		{`<Say loop="twice">x</Say>`, sayLoop, 1, &warned{13510, "Say", "loop", "twice"}},
		{`<Gather><Say loop="-1">x</Say></Gather>`, nestedSayLoop, 1, &warned{13322, "Gather->Say", "loop", "-1"}},
		{`<Gather><Say loop="3">x</Say></Gather>`, nestedSayLoop, 3, nil},
		{`<Play loop="2000">a.mp3</Play>`, playLoop, 2000, nil},
		{`<Play loop="-2">a.mp3</Play>`, playLoop, 1, &warned{13410, "Play", "loop", "-2"}},
		{`<Gather><Play loop="x">a.mp3</Play></Gather>`, nestedPlayLoop, 1, &warned{13410, "Play", "loop", "x"}},
		// <Pause>: length is a positive integer, with no upper bound.
		{`<Pause length="999999"/>`, pauseLength, 999999, nil},
		{`<Pause length="1"/>`, pauseLength, 1, nil},
		{`<Pause length="0"/>`, pauseLength, 1, &warned{13910, "Pause", "length", "0"}},
		{`<Pause length="-1"/>`, pauseLength, 1, &warned{13910, "Pause", "length", "-1"}},
		{`<Gather><Pause length="x"/></Gather>`, nestedPauseLength, 1, &warned{13910, "Pause", "length", "x"}},
		// <Record>: maxLength from 2 to 86400 (a call lasts 24 hours at most), timeout
		// positive, finishOnKey any keys.
		{`<Record maxLength="2"/>`, recordMax, 2, nil},
		{`<Record maxLength="86400"/>`, recordMax, 86400, nil},
		{`<Record maxLength="1"/>`, recordMax, 3600, &warned{13612, "Record", "maxLength", "1"}},
		{`<Record maxLength="86401"/>`, recordMax, 3600, &warned{13612, "Record", "maxLength", "86401"}},
		{`<Record timeout="1"/>`, recordTimeout, 1, nil},
		{`<Record timeout="0"/>`, recordTimeout, 5, &warned{13611, "Record", "timeout", "0"}},
		{`<Record finishOnKey="#*1"/>`, recordKeys, "#*1", nil},
		{`<Record finishOnKey=""/>`, recordKeys, "", nil},
		{`<Record finishOnKey="a"/>`, recordKeys, "1234567890*#", &warned{13613, "Record", "finishOnKey", "a"}},
		// <Dial>: timeout from 1 to 600, timeLimit from 1 to 86400.
		{`<Dial timeout="600">+14155550100</Dial>`, dialTimeout, 600, nil},
		{`<Dial timeout="601">+14155550100</Dial>`, dialTimeout, 30, &warned{13212, "Dial", "timeout", "601"}},
		{`<Dial timeout="0">+14155550100</Dial>`, dialTimeout, 30, &warned{13212, "Dial", "timeout", "0"}},
		{`<Dial timeLimit="86400">+14155550100</Dial>`, dialLimit, 86400, nil},
		{`<Dial timeLimit="86401">+14155550100</Dial>`, dialLimit, 14400, &warned{13216, "Dial", "timeLimit", "86401"}},
		{`<Dial timeLimit="0">+14155550100</Dial>`, dialLimit, 14400, &warned{13216, "Dial", "timeLimit", "0"}},
	}
	for _, tt := range tests {
		v, err := ParseVoice([]byte("<Response>" + tt.doc + "</Response>"))
		if err != nil {
			t.Errorf("%s: %v", tt.doc, err)
			continue
		}
		if got := tt.got(v); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: read %v, want %v", tt.doc, got, tt.want)
		}
		switch {
		case tt.warn == nil && len(v.Warnings) != 0:
			t.Errorf("%s: warnings %+v, want none", tt.doc, v.Warnings)
		case tt.warn != nil && len(v.Warnings) != 1:
			t.Errorf("%s: warnings %+v, want one %d", tt.doc, v.Warnings, tt.warn.code)
		case tt.warn != nil:
			w := v.Warnings[0]
			if w.Code != tt.warn.code || w.Verb != tt.warn.verb || w.Attribute != tt.warn.attr || w.Value != tt.warn.val ||
				!strings.HasPrefix(w.Message, tt.warn.verb+": Invalid "+tt.warn.attr+" value") || !strings.Contains(w.Message, "default") {
				t.Errorf("%s: warning %+v, want %+v", tt.doc, w, *tt.warn)
			}
		}
	}
}

func gatherTimeout(v Voice) any     { return v.Verbs[0].Gather.Timeout }
func gatherDigits(v Voice) any      { return v.Verbs[0].Gather.NumDigits }
func gatherKey(v Voice) any         { return v.Verbs[0].Gather.FinishOnKey }
func sayLoop(v Voice) any           { return v.Verbs[0].Say.Loop }
func nestedSayLoop(v Voice) any     { return v.Verbs[0].Gather.Prompts[0].Say.Loop }
func playLoop(v Voice) any          { return v.Verbs[0].Play.Loop }
func nestedPlayLoop(v Voice) any    { return v.Verbs[0].Gather.Prompts[0].Play.Loop }
func pauseLength(v Voice) any       { return v.Verbs[0].Pause.Length }
func nestedPauseLength(v Voice) any { return v.Verbs[0].Gather.Prompts[0].Pause.Length }
func recordMax(v Voice) any         { return v.Verbs[0].Record.MaxLength }
func recordTimeout(v Voice) any     { return v.Verbs[0].Record.Timeout }
func recordKeys(v Voice) any        { return v.Verbs[0].Record.FinishOnKey }
func dialTimeout(v Voice) any       { return v.Verbs[0].Dial.Timeout }
func dialLimit(v Voice) any         { return v.Verbs[0].Dial.TimeLimit }

// TestWarningsInDocumentOrder: a document's warnings come in the order of its verbs and,
// within a verb, of the attributes Twilio checks.
func TestWarningsInDocumentOrder(t *testing.T) {
	v, err := ParseVoice([]byte(`<Response><Say loop="-1">a</Say><Gather timeout="0" numDigits="0"><Say loop="x">b</Say></Gather>` +
		`<Pause length="0"/><Record maxLength="0"/><Dial timeout="0" timeLimit="0">+14155550100</Dial></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	var codes []int
	for _, w := range v.Warnings {
		codes = append(codes, w.Code)
	}
	if want := []int{13510, 13314, 13313, 13322, 13910, 13612, 13212, 13216}; !reflect.DeepEqual(codes, want) {
		t.Errorf("warnings %v, want %v", codes, want)
	}
	if v, err := ParseVoice([]byte(`<Response><Say>fine</Say></Response>`)); err != nil || v.Warnings != nil {
		t.Errorf("a document without warnings: %+v, %v", v.Warnings, err)
	}
}

// TestWarningMessages: a warning says, in Twilio's words, what was wrong, then what the
// attribute takes and what was used instead.
func TestWarningMessages(t *testing.T) {
	for doc, want := range map[string]string{
		`<Gather timeout="0"/>`:      `Gather: Invalid timeout value: "0" is not a whole number, 1 or more; the default, 5, is used`,
		`<Say loop="-1">x</Say>`:     `Say: Invalid loop value: "-1" is not a whole number, 0 or more; the default, 1, is used`,
		`<Record maxLength="1"/>`:    `Record: Invalid maxLength value: "1" is not a whole number from 2 to 86400; the default, 3600, is used`,
		`<Gather finishOnKey="12"/>`: `Gather: Invalid finishOnKey value: "12" is not one key of 0-9, * and #, or none; the default, "#", is used`,
		`<Record finishOnKey="a"/>`:  `Record: Invalid finishOnKey value: "a" is not keys of 0-9, * and #; the default, "1234567890*#", is used`,
	} {
		v, err := ParseVoice([]byte("<Response>" + doc + "</Response>"))
		if err != nil || len(v.Warnings) != 1 || v.Warnings[0].Message != want {
			t.Errorf("%s: %+v (%v)\nwant %q", doc, v.Warnings, err, want)
		}
	}
}
