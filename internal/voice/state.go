package voice

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/store"
)

// settings is what the call was asked to do (the API's parameters, a number's voice
// settings, a <Dial>'s attributes), kept with the call as JSON.
type settings struct {
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

// state is where the call is: its simulated clock, its pending step, and the TwiML
// interpreter's position. Times are simulated milliseconds from the call's creation.
type state struct {
	// Epoch is the real time (Unix ms) at which the call's simulated clock read 0; the
	// clock runs Service.speed times faster than real time from there.
	Epoch int64 `json:"epoch"`
	// Wait is what happens when the call's step falls due at Due ("" for nothing: the
	// call has ended, or waits for another call).
	Wait string `json:"wait,omitempty"`
	Due  int64  `json:"due,omitempty"`
	// Wanted and WantedDue are the step as asked for, before the time limit or the far
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
	// Fetch is a document to fetch before anything else: the call's Url, a <Redirect>, an
	// action.
	Fetch *fetch `json:"fetch,omitempty"`
	// Fetches counts the documents fetched since something last took time, to stop a
	// document that redirects to itself.
	Fetches int `json:"fetches,omitempty"`

	Gather *gatherRun `json:"gather,omitempty"`
	Record *recordRun `json:"record,omitempty"`
	Dial   *dialRun   `json:"dial,omitempty"`
	// Keys pressed that no <Gather> has taken yet (type-ahead).
	Keys string `json:"keys,omitempty"`
	// CallRecording is the recording of the whole call (Record=true), while it runs.
	CallRecording *recordRun `json:"call_recording,omitempty"`
	// Callbacks is how many status callbacks were sent: the next SequenceNumber.
	Callbacks int `json:"callbacks,omitempty"`
}

// fetch is a request for TwiML: where, how, with what, and what it is for.
type fetch struct {
	Event          string            `json:"event"`
	URL            string            `json:"url"`
	Method         string            `json:"method"`
	FallbackURL    string            `json:"fallback_url,omitempty"`
	FallbackMethod string            `json:"fallback_method,omitempty"`
	Params         map[string]string `json:"params,omitempty"` // beside the call's own
}

// gatherRun is a <Gather> under way: the verb, the next prompt to play, the keys so far,
// and whether it has finished its prompts and waits for keys.
type gatherRun struct {
	Verb    int    `json:"verb"`
	Prompt  int    `json:"prompt"`
	Digits  string `json:"digits,omitempty"`
	Waiting bool   `json:"waiting,omitempty"`
}

// recordRun is a recording under way: the verb (-1 for a whole-call recording), its
// recording, when it started, and the key that stopped it, once pressed.
type recordRun struct {
	Verb     int    `json:"verb"`
	Sid      string `json:"sid"`
	Start    int64  `json:"start"`
	Channels int    `json:"channels,omitempty"`
	Key      string `json:"key,omitempty"`
}

// dialRun is a <Dial> under way: the verb and the call it placed.
type dialRun struct {
	Verb  int    `json:"verb"`
	Child string `json:"child"`
}

// turn is one change to a call being worked out: the call as it will be, and everything
// the change causes. writes turns it into one transaction.
type turn struct {
	s       *Service
	call    store.Call
	version int64 // the version the change applies to
	set     settings
	st      state
	at      int64 // now, on the call's simulated clock

	events     []store.CallEvent
	jobs       []store.Job
	calls      []store.Call // calls this one placed (<Dial>)
	recordings []store.Recording
	recChanges []store.RecordingChange
	deliveries []store.WebhookDelivery
	created    bool // the call itself is new: insert it rather than change it

	account   *store.Account // read when the turn first signs a request
	requests  int            // requests made in this turn, for their idempotency tokens
	parsed    twiml.Voice    // st.Doc parsed, while parsedOK and parsedSrc == st.Doc
	parsedSrc string
	parsedOK  bool
}

// load reads a stored call into a turn at simulated time at (-1: now, by the real clock).
func (s *Service) load(c store.Call, at int64) (*turn, error) {
	t := &turn{s: s, call: c, version: c.Version}
	if err := json.Unmarshal(c.Settings, &t.set); err != nil {
		return nil, fmt.Errorf("call %s: settings: %w", c.Sid, err)
	}
	if err := json.Unmarshal(c.State, &t.st); err != nil {
		return nil, fmt.Errorf("call %s: state: %w", c.Sid, err)
	}
	t.at = at
	if at < 0 {
		t.at = s.simNow(t.st.Epoch)
	}
	return t, nil
}

// simNow is the simulated time now on a clock that read 0 at epoch.
func (s *Service) simNow(epoch int64) int64 {
	return int64(float64(time.Now().UnixMilli()-epoch) * s.speed)
}

// realAt is the real time at which a clock that read 0 at epoch reads at.
func (s *Service) realAt(epoch, at int64) time.Time {
	return time.UnixMilli(epoch + int64(float64(at)/s.speed))
}

// simTime is the wall-clock time of simulated instant at, for the call's times
// (start_time, end_time, Timestamp): the simulated clock's own date.
func (t *turn) simTime(at int64) time.Time {
	return time.UnixMilli(t.st.Epoch).Add(time.Duration(at) * time.Millisecond).UTC().Truncate(time.Second)
}

// schedule sets the call's next step. Nothing runs past the call's time limit, or past
// the moment the far end hangs up: a wait that would is cut there, and the call ends.
func (t *turn) schedule(wait string, due int64) {
	t.st.Wanted, t.st.WantedDue = wait, due
	if t.st.HangupAt > 0 && due >= t.st.HangupAt {
		wait, due = "far-hangup", t.st.HangupAt
	}
	if t.st.LimitAt > 0 && due >= t.st.LimitAt {
		wait, due = "limit", t.st.LimitAt
	}
	t.st.Wait, t.st.Due = wait, due
}

// event adds an entry to the call's timeline.
func (t *turn) event(typ, description string, data map[string]string) {
	t.events = append(t.events, store.CallEvent{
		AccountSid: t.call.AccountSid, CallSid: t.call.Sid, Type: typ, Description: description, Data: data,
		Elapsed: time.Duration(t.at) * time.Millisecond, DateCreated: time.Now().UTC(),
	})
}

// writes is the turn as one transaction: the call (new, or changed if still at the
// version it was read at) with its next step in place of any pending one, and all the
// rest.
func (t *turn) writes() store.Writes {
	now := time.Now().UTC().Truncate(time.Second)
	t.call.DateUpdated = now
	t.call.Settings = outbox.Payload(t.set)
	t.call.State = outbox.Payload(t.st)
	var jobs []store.Job
	if t.st.Wait != "" {
		jobs = append(jobs, store.Job{Kind: kindStep, AccountSid: t.call.AccountSid, ResourceSid: t.call.Sid,
			Payload: outbox.Payload(stepPayload{Version: t.version + 1}), DueAt: t.s.realAt(t.st.Epoch, t.st.Due), DateCreated: now})
	}
	w := store.Writes{
		Calls: t.calls, Recordings: t.recordings, RecordingChanges: t.recChanges, CallEvents: t.events,
		Deliveries: t.deliveries,
	}
	if t.created {
		// A new call's first step is version 1's: written as the call is inserted.
		for i := range jobs {
			jobs[i].Payload = outbox.Payload(stepPayload{Version: 1})
		}
		w.Calls = append([]store.Call{t.call}, w.Calls...)
		w.Jobs = append(jobs, t.jobs...)
		return w
	}
	w.CallChanges = []store.CallChange{{Call: t.call, Version: t.version, CancelJobsOfKind: kindStep, Jobs: append(jobs, t.jobs...)}}
	return w
}

// stepPayload is a call.step job's payload: the version of the call that scheduled it.
type stepPayload struct {
	Version int64 `json:"version"`
}
