package twiml

import (
	"fmt"
	"strings"
)

// Voice is the answer to a call's webhook: its verbs, in document order. Unlike a
// messaging document, nothing is cut short here: the call runs the verbs one after the
// other and decides where a <Redirect> or <Hangup> stops it.
type Voice struct {
	Verbs []Verb
	// Warnings are the attributes read as their defaults because their values were not
	// ones they take, in document order (nil when there are none).
	Warnings []Warning
}

// Verb is one verb of a voice document. Name is the element's name; exactly one of the
// pointers that goes with it is set (none for <Hangup>, and none for a verb Switchboard
// does not simulate, which the call skips).
type Verb struct {
	Name     string
	Say      *Say
	Play     *Play
	Pause    *Pause
	Gather   *Gather
	Record   *Record
	Dial     *Dial
	Redirect *Redirect
	Reject   *Reject
}

// Supported reports whether the call knows how to run the verb.
func (v Verb) Supported() bool {
	return v.Name == "Hangup" || v.Say != nil || v.Play != nil || v.Pause != nil || v.Gather != nil ||
		v.Record != nil || v.Dial != nil || v.Redirect != nil || v.Reject != nil
}

// Say speaks Text, Loop times (0: until the call ends).
type Say struct {
	Text     string
	Voice    string
	Language string
	Loop     int
}

// Play plays the audio at URL, Loop times (0: until the call ends), or sends the DTMF
// tones of Digits (`w` is half a second's pause).
type Play struct {
	URL    string
	Digits string
	Loop   int
}

// Pause waits Length seconds.
type Pause struct {
	Length int
}

// Gather collects keys: it plays its Prompts (only <Say>, <Play> and <Pause> may be
// nested), then waits Timeout seconds for each key. NumDigits keys (0: no limit) or
// FinishOnKey ("" for none) end it.
type Gather struct {
	Input               string // dtmf, speech, or "dtmf speech"
	NumDigits           int
	FinishOnKey         string
	Timeout             int
	Action              string // "" means the document's own URL
	Method              string // "" means POST
	ActionOnEmptyResult bool
	Prompts             []Verb
}

// Record records the caller for at most MaxLength seconds, or until a key of FinishOnKey.
type Record struct {
	MaxLength                     int
	Timeout                       int
	FinishOnKey                   string
	Action                        string // "" means the document's own URL
	Method                        string
	PlayBeep                      bool
	Trim                          string
	RecordingStatusCallback       string
	RecordingStatusCallbackMethod string
}

// Dial calls Number and connects it to the caller. Noun names the noun dialed when it is
// one Switchboard does not simulate (<Client>, <Sip>, <Conference>, <Queue>...), with
// Number "".
type Dial struct {
	Number               string
	Noun                 string
	Action               string // "" means: go on with the next verb
	Method               string
	Timeout              int
	TimeLimit            int
	CallerID             string
	HangupOnStar         bool
	StatusCallback       string // of the dialed call, from <Number statusCallback>
	StatusCallbackMethod string
	StatusCallbackEvent  []string
}

// Reject refuses an incoming call unanswered: Reason "busy" ends it busy, "rejected" (the
// default) no-answer.
type Reject struct {
	Reason string
}

// Defaults of Twilio's attributes.
const (
	DefaultGatherTimeout = 5
	DefaultFinishOnKey   = "#"
	DefaultRecordMax     = 3600
	DefaultRecordTimeout = 5
	DefaultRecordKeys    = "1234567890*#"
	DefaultDialTimeout   = 30
	DefaultDialTimeLimit = 14400
	DefaultPauseLength   = 1
)

// The values Twilio documents for the number attributes that have an upper bound: a
// recording lasts at most as long as a call may (24 hours, the longest TimeLimit), a
// <Dial> rings 600 s at most.
const (
	maxRecordLength = 86400
	maxDialTimeout  = 600
	maxDialLimit    = 86400
)

// ParseVoice reads a voice TwiML document. An attribute whose value is not one Twilio
// documents for it takes its default, and the document's Warnings say so with Twilio's
// code, as Twilio goes on with a warning; a document that is not TwiML, or a verb that
// cannot run (a <Redirect> or <Play> without a URL, a <Dial> without anyone to call...),
// is an error wrapping ErrNotTwiML.
func ParseVoice(doc []byte) (Voice, error) {
	root, err := parse(doc)
	if err != nil {
		return Voice{}, err
	}
	var out Voice
	for _, n := range root.Children {
		v, err := voiceVerb(n, false, &out.Warnings)
		if err != nil {
			return Voice{}, err
		}
		out.Verbs = append(out.Verbs, v)
	}
	return out, nil
}

func voiceVerb(n node, nested bool, warnings *[]Warning) (Verb, error) {
	v := Verb{Name: n.Name}
	a := attrs{verb: n.Name, values: n.Attrs, warnings: warnings}
	switch n.Name {
	case "Say":
		code := 13510 // Say: Invalid loop value
		if nested {
			a.verb, code = "Gather->Say", 13322 // Gather->Say: Invalid loop value
		}
		v.Say = &Say{Text: n.Text, Voice: a.values["voice"], Language: a.values["language"], Loop: a.int("loop", 1, atLeast(0), code)}
	case "Play":
		v.Play = &Play{URL: n.Text, Digits: a.values["digits"], Loop: a.int("loop", 1, atLeast(0), 13410)}
		if v.Play.URL == "" && v.Play.Digits == "" {
			return Verb{}, fmt.Errorf("%w: <Play> without a URL or digits", ErrNotTwiML)
		}
	case "Pause":
		v.Pause = &Pause{Length: a.int("length", DefaultPauseLength, atLeast(1), 13910)}
	}
	if nested {
		if v.Say == nil && v.Play == nil && v.Pause == nil {
			return Verb{}, fmt.Errorf("%w: <%s> cannot be nested in <Gather>", ErrNotTwiML, n.Name)
		}
		return v, nil
	}
	switch n.Name {
	case "Gather":
		g := &Gather{
			Input:               strings.ToLower(strings.TrimSpace(firstOf(a.values["input"], "dtmf"))),
			NumDigits:           a.int("numDigits", 0, atLeast(1), 13314),
			FinishOnKey:         a.keys("finishOnKey", DefaultFinishOnKey, true, 13310),
			Timeout:             a.int("timeout", DefaultGatherTimeout, atLeast(1), 13313),
			Action:              a.values["action"],
			Method:              strings.ToUpper(a.values["method"]),
			ActionOnEmptyResult: a.values["actionOnEmptyResult"] == "true",
		}
		for _, c := range n.Children {
			p, err := voiceVerb(c, true, warnings)
			if err != nil {
				return Verb{}, err
			}
			g.Prompts = append(g.Prompts, p)
		}
		v.Gather = g
	case "Record":
		v.Record = &Record{
			MaxLength:                     a.int("maxLength", DefaultRecordMax, between(2, maxRecordLength), 13612),
			Timeout:                       a.int("timeout", DefaultRecordTimeout, atLeast(1), 13611),
			FinishOnKey:                   a.keys("finishOnKey", DefaultRecordKeys, false, 13613),
			Action:                        a.values["action"],
			Method:                        strings.ToUpper(a.values["method"]),
			PlayBeep:                      a.values["playBeep"] != "false",
			Trim:                          firstOf(a.values["trim"], "trim-silence"),
			RecordingStatusCallback:       a.values["recordingStatusCallback"],
			RecordingStatusCallbackMethod: strings.ToUpper(a.values["recordingStatusCallbackMethod"]),
		}
	case "Dial":
		d := &Dial{
			Number:       n.Text,
			Action:       a.values["action"],
			Method:       strings.ToUpper(a.values["method"]),
			Timeout:      a.int("timeout", DefaultDialTimeout, between(1, maxDialTimeout), 13212),
			TimeLimit:    a.int("timeLimit", DefaultDialTimeLimit, between(1, maxDialLimit), 13216),
			CallerID:     a.values["callerId"],
			HangupOnStar: a.values["hangupOnStar"] == "true",
		}
		// Only the first noun is dialed: Twilio rings several <Number>s at once and
		// connects the first to answer; the simulator dials the first.
		if len(n.Children) > 0 {
			noun := n.Children[0]
			d.Number = ""
			if noun.Name == "Number" {
				d.Number = noun.Text
				d.StatusCallback = noun.Attrs["statusCallback"]
				d.StatusCallbackMethod = strings.ToUpper(noun.Attrs["statusCallbackMethod"])
				d.StatusCallbackEvent = strings.Fields(strings.ReplaceAll(noun.Attrs["statusCallbackEvent"], ",", " "))
			} else {
				d.Noun = noun.Name
			}
		}
		if d.Number == "" && d.Noun == "" {
			return Verb{}, fmt.Errorf("%w: <Dial> without a number", ErrNotTwiML)
		}
		v.Dial = d
	case "Redirect":
		if n.Text == "" {
			return Verb{}, fmt.Errorf("%w: <Redirect> without a URL", ErrNotTwiML)
		}
		v.Redirect = &Redirect{URL: n.Text, Method: strings.ToUpper(a.values["method"])}
	case "Reject":
		reason := a.values["reason"]
		if reason != "busy" {
			reason = "rejected"
		}
		v.Reject = &Reject{Reason: reason}
	}
	return v, nil
}
