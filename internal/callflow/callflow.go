// Package callflow is the telephone network's interpreter of a call, without I/O: from a
// call (who it is, what it was asked to do, and where it is: its simulated clock, its
// pending wait, its TwiML document and the verb it is at) and an event, it works out the
// call as it is next and the effects to carry out. It runs the call's life (ringing, answer, time limit,
// hang-up, what each one tells the app) and its TwiML verb by verb until something takes
// time; every decision is here, and nothing else is: no HTTP, no store, no clock (the
// simulated time is an input), no randomness (SIDs come from Network.NewSid).
//
// internal/voice is the executor: it reads a call, hands it an event, writes the next
// call and the effects in one transaction, and makes the requests the effects ask for,
// whose answers come back as events (Fetched).
//
// Times are simulated milliseconds from the call's creation, on a clock that ran
// Network.Speed times faster than real time from State.Epoch (real Unix ms).
package callflow

import (
	"errors"
	"fmt"
	"time"
)

// Call statuses and directions, as stored and on the wire.
const (
	StatusQueued     = "queued"
	StatusRinging    = "ringing"
	StatusInProgress = "in-progress"
	StatusCompleted  = "completed"
	StatusBusy       = "busy"
	StatusFailed     = "failed"
	StatusNoAnswer   = "no-answer"
	StatusCanceled   = "canceled"

	DirectionOutboundAPI  = "outbound-api"
	DirectionOutboundDial = "outbound-dial"
	DirectionInbound      = "inbound"
)

// LiveStatuses are those of a call that has not ended.
var LiveStatuses = []string{StatusQueued, StatusRinging, StatusInProgress}

// Live reports whether a call in status has not ended.
func Live(status string) bool {
	return status == StatusQueued || status == StatusRinging || status == StatusInProgress
}

// Recording statuses and sources.
const (
	RecordingInProgress = "in-progress"
	RecordingCompleted  = "completed"
	SourceRecordVerb    = "RecordVerb"
	SourceOutboundAPI   = "OutboundAPI"
)

// Webhook events, as recorded in WebhookDeliveries and on the timeline.
const (
	EventCallTwiML       = "call-twiml"
	EventCallStatus      = "call-status"
	EventGatherAction    = "gather-action"
	EventRecordAction    = "record-action"
	EventDialAction      = "dial-action"
	EventRecordingStatus = "recording-status"
)

// Timeline entry types.
const (
	typeStatus    = "status"
	typeVerb      = "verb"
	typeDigits    = "digits"
	typeGather    = "gather"
	typeRecording = "recording"
	typeDial      = "dial"
	typeWebhook   = "webhook"
	typeError     = "error"
	typeAPI       = "api"
)

// ErrNoChange: the event changes nothing (a key press without keys, news from a call
// this one no longer waits for, a wait that is not pending).
var ErrNoChange = errors.New("callflow: no change")

// Network is the simulated telephone network calls run on, as the interpreter needs it.
type Network struct {
	// Speed is how many times faster than real time simulated clocks run (a call placed
	// by <Dial> starts its clock at its parent's simulated now).
	Speed float64
	// AnswerDelay is how long a phone rings before it is answered, in simulated ms.
	AnswerDelay int64
	// BaseURL is where apps reach Switchboard: recording URLs point there.
	BaseURL string
	// NewSid makes the SID of something a call creates: "RE" a recording, "CA" a call.
	NewSid func(prefix string) string
}

// Call is a call as the interpreter sees it: who it is, how it stands, what it was asked
// to do and where it is.
type Call struct {
	Sid, AccountSid           string
	ParentCallSid             string // the call whose <Dial> placed it
	To, From                  string
	Direction                 string
	CallerName, ForwardedFrom string

	Status             string
	StartTime, EndTime time.Time // of the simulated clock; zero until it rings, ends
	Duration           int       // seconds connected, once ended
	Price              string    // once ended

	Settings Settings
	State    State
}

// Settings is what the call was asked to do (the API's parameters, a number's voice
// settings, a <Dial>'s attributes), kept with the call as JSON.
type Settings struct {
	URL                           string   `json:"url,omitempty"`
	Method                        string   `json:"method,omitempty"`
	FallbackURL                   string   `json:"fallback_url,omitempty"`
	FallbackMethod                string   `json:"fallback_method,omitempty"`
	Twiml                         string   `json:"twiml,omitempty"`
	StatusCallback                string   `json:"status_callback,omitempty"`
	StatusCallbackMethod          string   `json:"status_callback_method,omitempty"`
	StatusCallbackEvents          []string `json:"status_callback_events,omitempty"`
	SendDigits                    string   `json:"send_digits,omitempty"`
	Timeout                       int      `json:"timeout"`    // seconds of ringing before no-answer
	TimeLimit                     int      `json:"time_limit"` // seconds the call may last once answered
	Record                        bool     `json:"record,omitempty"`
	RecordingChannels             int      `json:"recording_channels,omitempty"`
	RecordingStatusCallback       string   `json:"recording_status_callback,omitempty"`
	RecordingStatusCallbackMethod string   `json:"recording_status_callback_method,omitempty"`
	// Bridged: a call placed by <Dial>, which runs no TwiML of its own: once answered it
	// is connected to its parent until one side hangs up.
	Bridged bool `json:"bridged,omitempty"`
	// Extra keeps the API parameters that are accepted but not simulated, as given.
	Extra map[string]string `json:"extra,omitempty"`
}

// State is where the call is: its simulated clock, its pending wait, and the TwiML
// interpreter's position, kept with the call as JSON.
type State struct {
	// Epoch is the real time (Unix ms) at which the call's simulated clock read 0.
	Epoch int64 `json:"epoch"`
	// Wait is what happens when the call's next step falls due at Due ("" for none: the
	// call has ended, or waits for a document or for another call).
	Wait string `json:"wait,omitempty"`
	Due  int64  `json:"due,omitempty"`
	// Wanted and WantedDue are the wait as asked for, before the time limit or the far
	// end's hang-up cut it short: where to go back to when the time limit changes.
	Wanted    string `json:"wanted,omitempty"`
	WantedDue int64  `json:"wanted_due,omitempty"`
	// AnsweredAt is when the call was answered, -1 until then; LimitAt when its time limit
	// ends it (0 until answered).
	AnsweredAt int64 `json:"answered_at"`
	LimitAt    int64 `json:"limit_at,omitempty"`
	// HangupAt is when the far end hangs up of its own accord (a destination of the
	// table that does), 0 for never.
	HangupAt int64 `json:"hangup_at,omitempty"`

	// The TwiML being run: the document, the URL it came from ("" for inline TwiML), and
	// the index of the next verb.
	Doc    string `json:"doc,omitempty"`
	DocURL string `json:"doc_url,omitempty"`
	Next   int    `json:"next,omitempty"`
	// Fetch is the document the call waits for: nothing runs until its answer comes
	// (Fetched with its Seq).
	Fetch *Fetch `json:"fetch,omitempty"`
	// FetchSeq numbers the fetches asked for: the Seq of the last one.
	FetchSeq int `json:"fetch_seq,omitempty"`
	// FetchesInARow counts the documents asked for since something last took time, to
	// stop a document that redirects to itself.
	FetchesInARow int `json:"fetches,omitempty"`

	Gather *Gathering `json:"gather,omitempty"`
	Record *Recording `json:"record,omitempty"`
	Dial   *Dialing   `json:"dial,omitempty"`
	// Keys pressed that no <Gather> has taken yet (type-ahead).
	Keys string `json:"keys,omitempty"`
	// CallRecording is the recording of the whole call (Record=true), while it runs.
	CallRecording *Recording `json:"call_recording,omitempty"`
	// Callbacks is how many status callbacks were sent: the next SequenceNumber.
	Callbacks int `json:"callbacks,omitempty"`
}

// Gathering is a <Gather> under way: the verb, the next prompt to play, the keys so far,
// and whether it has finished its prompts and waits for keys.
type Gathering struct {
	Verb    int    `json:"verb"`
	Prompt  int    `json:"prompt"`
	Digits  string `json:"digits,omitempty"`
	Waiting bool   `json:"waiting,omitempty"`
}

// Recording is a recording under way: the verb (-1 for a whole-call recording), its SID,
// when it started, its channels, and the key that stopped it, once pressed.
type Recording struct {
	Verb     int    `json:"verb"`
	Sid      string `json:"sid"`
	Start    int64  `json:"start"`
	Channels int    `json:"channels,omitempty"`
	Key      string `json:"key,omitempty"`
}

// Dialing is a <Dial> under way: the verb and the call it placed.
type Dialing struct {
	Verb  int    `json:"verb"`
	Child string `json:"child"`
}

// clone copies c deeply enough that a turn can change the copy: the pointers of State.
func (c Call) clone() Call {
	st := &c.State
	if st.Fetch != nil {
		f := *st.Fetch
		st.Fetch = &f
	}
	if st.Gather != nil {
		g := *st.Gather
		st.Gather = &g
	}
	if st.Record != nil {
		r := *st.Record
		st.Record = &r
	}
	if st.Dial != nil {
		d := *st.Dial
		st.Dial = &d
	}
	if st.CallRecording != nil {
		r := *st.CallRecording
		st.CallRecording = &r
	}
	return c
}

// Place starts an outbound call through the API: queued, its initiated callback, and its
// first step, which dials the number at once. c has its identity, settings and
// State.Epoch.
func (n *Network) Place(c Call) (Call, []Effect) {
	t := n.newTurn(c, 0)
	t.call.State.AnsweredAt = -1
	t.setStatus(StatusQueued, nil)
	t.callback(cbInitiated)
	t.schedule(waitPlace, 0)
	return t.call, t.effects
}

// Receive starts an incoming call: it rings, and the number's voice URL is fetched at
// once (with CallStatus ringing); the document's first verb answers it.
func (n *Network) Receive(c Call) (Call, []Effect) {
	t := n.newTurn(c, 0)
	t.call.State.AnsweredAt = -1
	t.call.Status = StatusRinging
	t.call.StartTime = t.simTime(0)
	t.entry(typeStatus, "Call is ringing", map[string]string{"status": StatusRinging})
	set := t.call.Settings
	t.ask(Fetch{Event: EventCallTwiML, URL: set.URL, Method: set.Method, FallbackURL: set.FallbackURL, FallbackMethod: set.FallbackMethod})
	return t.call, t.effects
}

// Handle is what event does to call c, at simulated time at: the call as it is next, and
// the effects to carry out. A wait that came due (Due) runs at its own due time, and a
// fetched document at the time it was asked for, whatever at says. A change the rules
// refuse is a *phone.RuleError; one that changes nothing is ErrNoChange.
func (n *Network) Handle(c Call, at int64, event Event) (Call, []Effect, error) {
	t := n.newTurn(c.clone(), at)
	var err error
	switch e := event.(type) {
	case Due:
		err = t.due()
	case Fetched:
		err = t.fetched(e)
	case Digits:
		err = t.digits(e.Keys)
	case Answer:
		err = t.answerFarEnd()
	case HangUp:
		err = t.hangUpFarEnd()
	case Update:
		err = t.update(e)
	case DialEnded:
		err = t.dialEnded(e)
	case ParentHungUp:
		err = t.parentHungUp(e)
	default:
		err = fmt.Errorf("callflow: no such event %T", event)
	}
	if err != nil {
		return c, nil, err
	}
	return t.call, t.effects, nil
}

// turn is one change to a call being worked out: the call as it will be, and what the
// change causes.
type turn struct {
	network *Network
	call    Call
	now     int64 // on the call's simulated clock
	effects []Effect

	doc parsedDoc // the document the call runs, parsed once per turn
}

func (n *Network) newTurn(c Call, at int64) *turn { return &turn{network: n, call: c, now: at} }
