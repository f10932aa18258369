package callflow

import "time"

// Event is what happens to a call: one of the types below.
type Event interface{ event() }

// Due: the wait in State came due (the phone rang long enough, a verb ended, a <Gather>
// timed out, a <Record> reached maxLength, the time limit...). It runs at State.Due.
type Due struct{}

// Fetched: the request of the fetch numbered Seq was made, Attempts are its requests
// (the URL, then the fallback URL when the first failed), and Doc the document of the
// last when it succeeded (read with ReadAnswer). A document the call still waits for runs
// at the time it was asked for; a late one (the call was redirected or ended meanwhile)
// is only noted.
type Fetched struct {
	Seq      int
	Event    string
	Attempts []Attempt
	Doc      string
}

// Attempt is one request for TwiML as it went: what was asked, and what came back
// (ErrorCode 0 when it was a voice document).
type Attempt struct {
	URL, Method  string
	DeliverySid  string // its WebhookDelivery
	Status       int    // the app's HTTP status, 0 when no answer came
	ContentType  string
	ErrorCode    int
	ErrorMessage string
}

// Digits: the far end pressed Keys (`w` pauses are dropped).
type Digits struct{ Keys string }

// Answer: the far end picked up a ringing outbound call (the simulator's Answer).
type Answer struct{}

// HangUp: the far end hung up (the simulator's Hangup).
type HangUp struct{}

// Update is a change through the API; nil fields are kept. Status (canceled or
// completed) comes alone; URL or Twiml redirects a live call.
type Update struct {
	URL, Method                 *string
	Twiml                       *string
	Status                      *string
	FallbackURL, FallbackMethod *string
	StatusCallback              *string
	StatusCallbackMethod        *string
	TimeLimit                   *int
}

// DialEnded: the call Child that this call's <Dial> placed ended with Status, after
// Duration seconds connected.
type DialEnded struct {
	Child    string
	Status   string
	Duration int
}

// ParentHungUp: the call Parent, whose <Dial> placed this one, hung up or moved on.
type ParentHungUp struct{ Parent string }

func (Due) event()          {}
func (Fetched) event()      {}
func (Digits) event()       {}
func (Answer) event()       {}
func (HangUp) event()       {}
func (Update) event()       {}
func (DialEnded) event()    {}
func (ParentHungUp) event() {}

// Effect is what a change asks the executor to do besides writing the call: one of the
// types below. The call's next status and its next wait (State.Wait, State.Due) are in
// the call itself.
type Effect interface{ effect() }

// Entry is an entry of the call's timeline, at At on its simulated clock.
type Entry struct {
	Type        string
	Description string
	Data        map[string]string
	At          int64
}

// Fetch is a request for TwiML: what it is for (Event), where, how, with what (all the
// parameters: the call's and the event's), numbered. As an effect it asks for the
// request to be made; as State.Fetch it is what the call waits for.
type Fetch struct {
	Seq            int               `json:"seq"`
	At             int64             `json:"at"` // when it was asked for: its answer runs then
	Event          string            `json:"event"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	FallbackURL    string            `json:"fallback_url,omitempty"`
	FallbackMethod string            `json:"fallback_method,omitempty"`
	Params         map[string]string `json:"params,omitempty"`
}

// Notify is a request about the call whose answer is only recorded: a status callback,
// a recording's status callback, a <Record>'s action after the caller hung up. A call's
// requests are made in the order asked.
type Notify struct {
	Event, URL, Method string
	Params             map[string]string
}

// StartRecording: a recording of the call starts now (in-progress).
type StartRecording struct {
	Sid       string
	Source    string // RecordVerb or OutboundAPI
	Channels  int
	StartTime time.Time
}

// CompleteRecording: a recording is complete, Duration seconds long.
type CompleteRecording struct {
	Sid      string
	Duration int
	Price    string
}

// Dialed is a call this one placed (<Dial>): the new call, and the effects of its
// creation (its timeline, its initiated callback).
type Dialed struct {
	Call    Call
	Effects []Effect
}

// Signal is news for another call: To gets the event, from this call.
type Signal struct {
	To    string
	Event Event // DialEnded or ParentHungUp
}

func (Entry) effect()             {}
func (Fetch) effect()             {}
func (Notify) effect()            {}
func (StartRecording) effect()    {}
func (CompleteRecording) effect() {}
func (Dialed) effect()            {}
func (Signal) effect()            {}
