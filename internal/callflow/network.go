package callflow

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/switchboard-dev/switchboard/internal/twiml"
)

// The simulated telephone network: which destinations do not answer and how, how long
// each verb takes, and what a call costs. docs/simulator.md documents these tables for
// users; keep the two in step.

// outcome is what happens when a destination is called.
type outcome int

const (
	answers        outcome = iota // picks up after the answer delay
	busy                          // busy signal after the answer delay
	neverAnswers                  // rings until Timeout: no-answer
	fails                         // cannot be reached at all: failed, without ringing
	hangsUpAfter10                // answers, then hangs up 10 s later whatever the call is doing
)

// destinations: calls to these numbers (from the API or a <Dial>) end as the table says.
// Every other number answers.
var destinations = map[string]outcome{
	"+15554000001": busy,
	"+15554000002": neverAnswers,
	"+15554000003": fails,
	"+15554000004": hangsUpAfter10,
}

func destinationOf(to string) outcome { return destinations[to] } // answers when not listed

// farEndTalk is how long the far end of a hangsUpAfter10 destination stays on the line.
const farEndTalk = 10 * time.Second

// Prices, in units of 0.00001 USD per started minute.
const (
	priceOutboundMinute  = 1400
	priceInboundMinute   = 850
	priceRecordingMinute = 250
)

// price is what minutes of something at rate cost, as Twilio writes it: "-0.01400", or
// "0.00000" for nothing.
func price(seconds, rate int) string {
	minutes := (seconds + 59) / 60
	units := minutes * rate
	if units == 0 {
		return "0.00000"
	}
	return fmt.Sprintf("-%d.%05d", units/100000, units%100000)
}

// How long verbs take on the simulated clock.
const (
	// speechPerWord: <Say> speaks at 150 words a minute.
	speechPerWord = 400 * time.Millisecond
	// playLength: <Play> is not downloaded; every file is taken to last five seconds.
	playLength = 5 * time.Second
	// toneLength: each DTMF tone of <Play digits> (and each `w`) takes half a second.
	toneLength = 500 * time.Millisecond
)

// forever stands for "until the call ends" (a loop of 0): every wait is cut at the call's
// time limit, so it is never reached.
const forever = int64(1) << 60

// sayLength is how long text takes to say once.
func sayLength(text string) time.Duration {
	return time.Duration(len(strings.FieldsFunc(text, unicode.IsSpace))) * speechPerWord
}

// promptLength is how long a <Say>, <Play> or <Pause> takes, in simulated milliseconds
// (forever for a loop of 0).
func promptLength(v twiml.Verb) int64 {
	if v.Say != nil {
		return loops(sayLength(v.Say.Text), v.Say.Loop)
	}
	if v.Play != nil && v.Play.Digits != "" {
		return (time.Duration(len(v.Play.Digits)) * toneLength).Milliseconds()
	}
	if v.Play != nil {
		return loops(playLength, v.Play.Loop)
	}
	if v.Pause != nil {
		return secondsLong(v.Pause.Length)
	}
	return 0
}

// loops is how long something of length once takes n times (0: until the call ends). A
// length past what any call lasts is forever: TwiML may ask for 999999999 loops.
func loops(once time.Duration, n int) int64 {
	ms := once.Milliseconds()
	if ms == 0 {
		return 0
	}
	if n == 0 || int64(n) >= forever/ms {
		return forever
	}
	return ms * int64(n)
}

// secondsLong is n seconds in simulated ms, forever for a length past what any call lasts
// (TwiML may ask a <Gather> to wait 999999999 s: the time limit comes first).
func secondsLong(n int) int64 {
	if int64(n) >= forever/1000 {
		return forever
	}
	return int64(n) * 1000
}

// seconds is a span of simulated milliseconds in whole seconds, as calls and recordings
// report their durations: started seconds count, as they are billed.
func seconds(ms int64) int { return int((max(ms, 0) + 999) / 1000) }
