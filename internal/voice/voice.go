// Package voice is Switchboard's telephone network in a box: calls that ring, are
// answered (or busy, or not answered), run the TwiML of the app they reach, take keys,
// record, dial other numbers and hang up, on a simulated clock that can run faster than
// real time.
//
// What happens to a call is decided by internal/callflow, which does no I/O; this
// package is its executor. It reads a call, hands callflow an event (a step that came
// due, keys, an update through the API, a fetched document, news from a dialed call),
// and writes what comes back in one transaction (store.Writes): the call with its next
// step, its timeline, recordings, the calls it dials, and the jobs the effects ask for
// (status callbacks, signals between calls, fetches of TwiML). The jobs are run by an
// outbox.Runner with the handlers of Service.Kinds, and the interpreter's state is saved
// with the call, so that a restart, even after kill -9, picks a call up where it was.
//
// A call's progress is a sequence of call.step jobs, each due at the simulated time the
// verb under way ends. A request for TwiML is a call.fetch job of its own, written with
// the state that asks for it and made after that state committed; its answer is applied
// by a change guarded like any other. Outside events change the call in a transaction of
// their own and replace its pending step (never its pending fetch). Every change is
// guarded by the call's version (see store.CallChange): a writer that lost the race
// reads the call again.
//
// It knows nothing of HTTP requests made to Switchboard: server/ translates those into
// calls here. docs/simulator.md documents the rules for users.
package voice

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboard-dev/switchboard/internal/callflow"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/webhook"
	"github.com/switchboard-dev/switchboard/store"
)

// Job kinds this package handles.
const (
	kindStep    = "call.step"    // the call's next step, due when the verb under way ends
	kindFetch   = "call.fetch"   // a request for TwiML the call waits for
	kindSignal  = "call.signal"  // one call telling another (a <Dial> and the call it placed)
	kindWebhook = "call.webhook" // a status callback (the call's or a recording's)
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
	// Clock is the simulator's time (default clock.Real{}): a call's own clock runs Speed
	// times faster than it, from the call's creation, and jumps with it.
	Clock clock.Clock
}

// Service is the voice network. Its methods are safe for concurrent use.
type Service struct {
	store   Store
	webhook *webhook.Client
	log     *slog.Logger
	clock   clock.Clock
	// network is the interpreter, with the simulated network's settings.
	network *callflow.Network
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, webhook: cfg.Webhook, log: cfg.Logger, clock: cfg.Clock}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	speed, answerDelay := cfg.Speed, cfg.AnswerDelay
	if speed <= 0 {
		speed = 1
	}
	if answerDelay <= 0 {
		answerDelay = 2 * time.Second
	}
	s.network = &callflow.Network{Speed: speed, AnswerDelay: answerDelay.Milliseconds(), BaseURL: cfg.BaseURL, NewSid: sid.New}
	return s
}

// Kinds are the outbox handlers of the jobs this package writes, by kind. Leases are
// renewed while a job runs (a fetch waits for the app's TwiML), so they only bound how
// long a job of a process that died waits before another takes it over.
func (s *Service) Kinds() map[string]outbox.Kind {
	return map[string]outbox.Kind{
		kindStep:    {Handle: s.step, Lease: 3 * time.Second},
		kindFetch:   {Handle: s.fetch, Lease: 3 * time.Second, Lane: outbox.Requests},
		kindSignal:  {Handle: s.signal, Lease: 2 * time.Second},
		kindWebhook: {Handle: (&phone.Webhooks{Accounts: s.store, Client: s.webhook, Log: s.log, Clock: s.clock}).Handle, Lease: 3 * time.Second, Lane: outbox.Requests},
	}
}

// simNow is the call's time now on a call clock that read 0 at epoch (the simulator
// clock's Unix ms).
func (s *Service) simNow(epoch int64) int64 {
	return int64(float64(s.clock.Now().UnixMilli()-epoch) * s.network.Speed)
}

// realAt is the simulator clock's time at which a call clock that read 0 at epoch reads
// at.
func (s *Service) realAt(epoch, at int64) time.Time {
	return time.UnixMilli(epoch + int64(float64(at)/s.network.Speed))
}
