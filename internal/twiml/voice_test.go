package twiml

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseVoice(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Verb
	}{
		{"empty response", `<Response/>`, nil},
		{"say with attributes", `<Response><Say voice="alice" language="en-GB" loop="2">Hello &amp; welcome</Say></Response>`,
			[]Verb{{Name: "Say", Say: &Say{Text: "Hello & welcome", Voice: "alice", Language: "en-GB", Loop: 2}}}},
		{"play, loop 0 is forever", `<Response><Play loop="0">https://x/hold.mp3</Play><Play digits="12w3"/></Response>`,
			[]Verb{{Name: "Play", Play: &Play{URL: "https://x/hold.mp3", Loop: 0}}, {Name: "Play", Play: &Play{Digits: "12w3", Loop: 1}}}},
		{"pause default and length", `<Response><Pause/><Pause length="7"/></Response>`,
			[]Verb{{Name: "Pause", Pause: &Pause{Length: 1}}, {Name: "Pause", Pause: &Pause{Length: 7}}}},
		{"gather with prompts", `<Response><Gather numDigits="1" timeout="10" action="/menu" method="get">
				<Say>Press 1</Say><Pause length="2"/><Play>https://x/beep.wav</Play></Gather></Response>`,
			[]Verb{{Name: "Gather", Gather: &Gather{Input: "dtmf", NumDigits: 1, FinishOnKey: "#", Timeout: 10, Action: "/menu", Method: "GET",
				Prompts: []Verb{{Name: "Say", Say: &Say{Text: "Press 1", Loop: 1}}, {Name: "Pause", Pause: &Pause{Length: 2}},
					{Name: "Play", Play: &Play{URL: "https://x/beep.wav", Loop: 1}}}}}}},
		{"gather defaults, empty finishOnKey, bad numbers", `<Response><Gather finishOnKey="" numDigits="0" timeout="x" actionOnEmptyResult="true"/></Response>`,
			[]Verb{{Name: "Gather", Gather: &Gather{Input: "dtmf", FinishOnKey: "", Timeout: 5, ActionOnEmptyResult: true}}}},
		{"record", `<Response><Record maxLength="20" finishOnKey="#" action="/done" playBeep="false" recordingStatusCallback="/rs"/></Response>`,
			[]Verb{{Name: "Record", Record: &Record{MaxLength: 20, Timeout: 5, FinishOnKey: "#", Action: "/done", Trim: "trim-silence",
				RecordingStatusCallback: "/rs"}}}},
		{"record defaults", `<Response><Record/></Response>`,
			[]Verb{{Name: "Record", Record: &Record{MaxLength: 3600, Timeout: 5, FinishOnKey: "1234567890*#", PlayBeep: true, Trim: "trim-silence"}}}},
		{"dial a bare number", `<Response><Dial action="/after" timeout="10" callerId="+15005550006" hangupOnStar="true">+14155550100</Dial></Response>`,
			[]Verb{{Name: "Dial", Dial: &Dial{Number: "+14155550100", Action: "/after", Timeout: 10, TimeLimit: 14400,
				CallerID: "+15005550006", HangupOnStar: true}}}},
		{"dial the first Number noun", `<Response><Dial><Number statusCallback="/s" statusCallbackEvent="ringing answered">+14155550101</Number><Number>+14155550102</Number></Dial></Response>`,
			[]Verb{{Name: "Dial", Dial: &Dial{Number: "+14155550101", Timeout: 30, TimeLimit: 14400, StatusCallback: "/s",
				StatusCallbackEvent: []string{"ringing", "answered"}}}}},
		{"dial a noun not simulated", `<Response><Dial><Conference>room</Conference></Dial></Response>`,
			[]Verb{{Name: "Dial", Dial: &Dial{Noun: "Conference", Timeout: 30, TimeLimit: 14400}}}},
		{"redirect, hangup, reject", `<Response><Redirect method="GET">/next</Redirect><Hangup/><Reject reason="busy"/><Reject/></Response>`,
			[]Verb{{Name: "Redirect", Redirect: &Redirect{URL: "/next", Method: "GET"}}, {Name: "Hangup"},
				{Name: "Reject", Reject: &Reject{Reason: "busy"}}, {Name: "Reject", Reject: &Reject{Reason: "rejected"}}}},
		{"verbs not simulated are kept, unsupported", `<Response><Enqueue>q</Enqueue><Say>after</Say></Response>`,
			[]Verb{{Name: "Enqueue"}, {Name: "Say", Say: &Say{Text: "after", Loop: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVoice([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Verbs, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got.Verbs, tt.want)
			}
		})
	}
}

func TestVerbSupported(t *testing.T) {
	v, err := ParseVoice([]byte(`<Response><Hangup/><Say>x</Say><Connect/></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verbs[0].Supported() || !v.Verbs[1].Supported() || v.Verbs[2].Supported() {
		t.Errorf("supported: %v %v %v", v.Verbs[0].Supported(), v.Verbs[1].Supported(), v.Verbs[2].Supported())
	}
}

func TestParseVoiceErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`not xml`,
		`<Say>no response</Say>`,
		`<Response><Redirect/></Response>`,
		`<Response><Play/></Response>`,
		`<Response><Dial/></Response>`,
		`<Response><Gather><Dial>+14155550100</Dial></Gather></Response>`,
		`<Response><Say>unclosed</Response>`,
	} {
		if _, err := ParseVoice([]byte(doc)); !errors.Is(err, ErrNotTwiML) {
			t.Errorf("%q: error %v, want ErrNotTwiML", doc, err)
		}
	}
}

// TestNumberAttributeBounds: a number attribute at either end of its range is read as
// given; one step outside, it is the default, with a warning; missing, the default
// without one.
func TestNumberAttributeBounds(t *testing.T) {
	tests := []struct {
		attrs         map[string]string
		def, min, max int
		want          int
		warned        bool
	}{
		{map[string]string{"n": "1"}, 5, 1, 600, 1, false},
		{map[string]string{"n": "600"}, 5, 1, 600, 600, false},
		{map[string]string{"n": " 600 "}, 5, 1, 600, 600, false},
		{map[string]string{"n": "0"}, 5, 1, 600, 5, true},
		{map[string]string{"n": "601"}, 5, 1, 600, 5, true},
		{map[string]string{"n": "99999999999999999999"}, 5, 1, 600, 5, true},
		{map[string]string{}, 5, 1, 600, 5, false},
	}
	for _, tt := range tests {
		var warnings []Warning
		a := attrs{verb: "V", values: tt.attrs, warnings: &warnings}
		if got := a.int("n", tt.def, between(tt.min, tt.max), 13000); got != tt.want || (len(warnings) == 1) != tt.warned {
			t.Errorf("int(%v, def %d, [%d, %d]) = %d, warnings %+v; want %d", tt.attrs, tt.def, tt.min, tt.max, got, warnings, tt.want)
		}
	}
	// Through a document: the largest Dial timeout and Say loop are kept.
	v, err := ParseVoice([]byte(`<Response><Dial timeout="600">+14155550100</Dial><Say loop="1000">x</Say></Response>`))
	if err != nil || v.Verbs[0].Dial.Timeout != 600 || v.Verbs[1].Say.Loop != 1000 {
		t.Fatalf("%+v %v", v, err)
	}
}

// TestNestingLimit: a document nested exactly maxDepth elements deep (the Response
// included) parses; one more level is refused.
func TestNestingLimit(t *testing.T) {
	nested := func(depth int) []byte {
		return []byte(`<Response>` + strings.Repeat("<a>", depth-1) + strings.Repeat("</a>", depth-1) + `</Response>`)
	}
	if _, err := ParseVoice(nested(maxDepth)); err != nil {
		t.Errorf("%d levels: %v", maxDepth, err)
	}
	if _, err := ParseVoice(nested(maxDepth + 1)); !errors.Is(err, ErrNotTwiML) {
		t.Errorf("%d levels: %v, want ErrNotTwiML", maxDepth+1, err)
	}
}
