// Package voice is Switchboard's telephone network in a box: calls that ring, are
// answered (or busy, or not answered), run the TwiML of the app they reach, take keys,
// record, dial other numbers and hang up, on a simulated clock that can run faster than
// real time. Every change to a call is written together with the jobs it causes
// (store.Writes): the call's next step, its status callbacks, the calls it dials. The jobs
// are run by an outbox.Runner with the handlers of Service.Kinds, and the interpreter's
// state (the TwiML document, the verb it is at, the keys gathered so far) is saved with
// the call, so that a restart, even after kill -9, picks a call up where it was.
//
// A call's progress is a sequence of call.step jobs, each due at the simulated time the
// previous verb ends. Outside events (keys pressed, a hang-up, a redirect through the
// API) change the call in a transaction of their own and replace its pending step. Every
// change is guarded by the call's version (see store.CallChange): a writer that lost the
// race reads the call again.
//
// It knows nothing of HTTP requests made to Switchboard: server/ translates those into
// calls here. docs/simulator.md documents the rules for users.
package voice

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
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

func live(status string) bool {
	return status == StatusQueued || status == StatusRinging || status == StatusInProgress
}

// Recording statuses and sources.
const (
	RecordingInProgress = "in-progress"
	RecordingCompleted  = "completed"
	SourceRecordVerb    = "RecordVerb"
	SourceOutboundAPI   = "OutboundAPI"
)

// Job kinds this package handles.
const (
	kindStep    = "call.step"    // the call's next step, due when the verb under way ends
	kindSignal  = "call.signal"  // one call telling another (a <Dial> and the call it placed)
	kindWebhook = "call.webhook" // a status callback (the call's or a recording's)
)

// Webhook events, as recorded in WebhookDeliveries.
const (
	EventCallTwiML       = "call-twiml"
	EventCallStatus      = "call-status"
	EventGatherAction    = "gather-action"
	EventRecordAction    = "record-action"
	EventDialAction      = "dial-action"
	EventRecordingStatus = "recording-status"
)

// Call event types, as in the Events timeline.
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

// Store is what the service needs from persistence.
type Store interface {
	GetAccount(ctx context.Context, sid string) (store.Account, error)
	GetCall(ctx context.Context, accountSid, sid string) (store.Call, error)
	GetRecording(ctx context.Context, accountSid, sid string) (store.Recording, error)
	PhoneNumberByNumber(ctx context.Context, e164 string) (store.PhoneNumber, error)
	Apply(ctx context.Context, w store.Writes) error
	DeleteCall(ctx context.Context, accountSid, sid string, live ...string) error
	DeleteRecording(ctx context.Context, accountSid, callSid, sid string, busy ...string) error
}

// Config holds what New needs; zero values take the defaults.
type Config struct {
	Store   Store
	Webhook *webhook.Client
	Logger  *slog.Logger
	// Speed is how many times faster than real time the simulated clock runs (default 1):
	// at 10, a ten-second <Say> takes a second.
	Speed float64
	// AnswerDelay is how long, on the simulated clock, a phone rings before it is answered
	// (default 2 s).
	AnswerDelay time.Duration
	// BaseURL is where apps reach this server: recording URLs in webhooks point there.
	BaseURL string
}

// Service is the voice network. Its methods are safe for concurrent use.
type Service struct {
	store       Store
	webhook     *webhook.Client
	log         *slog.Logger
	speed       float64
	answerDelay time.Duration
	baseURL     string
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, webhook: cfg.Webhook, log: cfg.Logger, speed: cfg.Speed,
		answerDelay: cfg.AnswerDelay, baseURL: cfg.BaseURL}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.speed <= 0 {
		s.speed = 1
	}
	if s.answerDelay <= 0 {
		s.answerDelay = 2 * time.Second
	}
	return s
}

// Kinds are the outbox handlers of the jobs this package writes, by kind. Leases are
// renewed while a job runs (a step may wait for the app's TwiML), so they only bound how
// long a job of a process that died waits before another takes it over.
func (s *Service) Kinds() map[string]outbox.Kind {
	return map[string]outbox.Kind{
		kindStep:    {Handle: s.step, Lease: 3 * time.Second},
		kindSignal:  {Handle: s.signal, Lease: 2 * time.Second},
		kindWebhook: {Handle: (&phone.Webhooks{Accounts: s.store, Client: s.webhook, Log: s.log}).Handle, Lease: 3 * time.Second},
	}
}
