// Package simulator serves Switchboard's own API, under /switchboard/v1: what drives and
// shows the simulated networks, which Twilio's API has no words for. Texts and calls
// from the outside world (InboundMessages, InboundCalls), a message's status forced, a
// call's keys, answer and hang-up and its timeline, the webhooks sent (and sent again),
// the inbox's threads, the codes Verify sent, the WhatsApp Sandbox and senders, an account's messages cleared,
// and the live event stream of an account's changes. (Switchboard's way to make a Main API key, under the same prefix,
// is package accounts', with the other keys.)
package simulator

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const simulatorPathFormat = "/switchboard/v1/Accounts/%s"

// Store is what the simulator's handlers read; what they change goes through Messaging
// and Voice.
type Store interface {
	GetDelivery(ctx context.Context, accountSid, sid string) (store.WebhookDelivery, error)
	ListDeliveries(ctx context.Context, f store.DeliveryFilter, p store.Page) ([]store.WebhookDelivery, bool, error)
	ListCallEvents(ctx context.Context, accountSid, callSid string, p store.Page) ([]store.CallEvent, bool, error)
	ListThreads(ctx context.Context, f store.ThreadFilter, p store.Page) ([]store.Thread, bool, error)
	ListThreadMessages(ctx context.Context, k store.ThreadKey, p store.Page) ([]store.Message, bool, error)

	// The resources the event stream shows as they are now, and the call whose
	// timeline is asked for.
	GetMessage(ctx context.Context, accountSid, sid string) (store.Message, error)
	GetCall(ctx context.Context, accountSid, sid string) (store.Call, error)
	GetPhoneNumber(ctx context.Context, accountSid, sid string) (store.PhoneNumber, error)

	// The WhatsApp Sandbox's settings and members, and which numbers are WhatsApp
	// senders.
	GetWhatsAppSandbox(ctx context.Context, accountSid string) (store.WhatsAppSandbox, error)
	UpdateWhatsAppSandbox(ctx context.Context, accountSid string, now time.Time, change func(*store.WhatsAppSandbox) error) (store.WhatsAppSandbox, error)
	JoinedWhatsAppSessions(ctx context.Context, accountSid, sender string, since time.Time, limit int) ([]store.WhatsAppSession, error)
	UpdatePhoneNumber(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.PhoneNumber) error) (store.PhoneNumber, error)
}

// Messaging is the simulated messaging network (package messaging), as the simulator
// drives it.
type Messaging interface {
	Receive(ctx context.Context, account store.Account, in messaging.Inbound) (store.Message, error)
	ForceStatus(ctx context.Context, account store.Account, sid, status string, errorCode int) (store.Message, error)
	Replay(ctx context.Context, account store.Account, deliverySid string) (store.WebhookDelivery, error)
	Clear(ctx context.Context, account store.Account) (int64, error)
}

// Voice is the simulated telephone network (package voice), as the simulator drives it.
type Voice interface {
	Receive(ctx context.Context, account store.Account, in voice.Inbound) (store.Call, error)
	PressDigits(ctx context.Context, account store.Account, sid, digits string) (store.Call, error)
	Answer(ctx context.Context, account store.Account, sid string) (store.Call, error)
	HangUp(ctx context.Context, account store.Account, sid string) (store.Call, error)
}

// Verify is the Verify network (package verify), whose codes the simulator shows.
type Verify interface {
	Get(ctx context.Context, account store.Account, serviceSid, sid string) (store.Verification, error)
	List(ctx context.Context, f store.VerificationFilter, p store.Page) ([]store.Verification, bool, error)
}

// Feed follows the change log (package feed), for the live event stream.
type Feed interface {
	Subscribe(ctx context.Context, account string, after int64) (*feed.Subscription, error)
	Last() int64
}

// Simulator holds the handlers of Switchboard's own API.
type Simulator struct {
	store     Store
	messaging Messaging
	voice     Voice
	verify    Verify
	feed      Feed
	accounts  api.AccountFinder // for the checks of the account a path names
	tokens    *pagetoken.Sealer // seals the page tokens of lists
	log       *slog.Logger      // an event stream's failures, which no response can carry
	// clock is the simulator's time; clockMovable whether the API may move it.
	clock        Clock
	clockMovable bool
}

// Config holds what New needs; every field is required.
type Config struct {
	Store     Store
	Messaging Messaging
	Voice     Voice
	Verify    Verify
	Feed      Feed
	Accounts  api.AccountFinder
	Tokens    *pagetoken.Sealer
	Logger    *slog.Logger
	// Clock is the simulator's clock, and ClockMovable whether the API may move it
	// (--movable-clock).
	Clock        Clock
	ClockMovable bool
}

// New returns the simulator's handlers.
func New(cfg Config) *Simulator {
	return &Simulator{store: cfg.Store, messaging: cfg.Messaging, voice: cfg.Voice, verify: cfg.Verify, feed: cfg.Feed,
		accounts: cfg.Accounts, tokens: cfg.Tokens, log: cfg.Logger, clock: cfg.Clock, clockMovable: cfg.ClockMovable}
}
