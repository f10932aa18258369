package voice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/internal/callflow"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/store"
)

// What the API and the simulator endpoints do to calls. Each change reads the call, hands
// callflow the event, and writes the outcome guarded by the version it read; a writer
// that lost a race (the call's step ran meanwhile) reads the call again and retries.

// Defaults of Twilio's call parameters.
const (
	DefaultTimeout   = 60    // seconds of ringing
	DefaultTimeLimit = 14400 // seconds once answered: four hours
)

// RecordingCompleted is the status of a recording whose audio can be fetched.
const RecordingCompleted = callflow.RecordingCompleted

// Outbound is a call to place, as the API asks for it. Its shape has been checked already
// (To, From, exactly one of URL and Twiml); Place checks the rules of the network.
type Outbound struct {
	To, From                      string
	URL, Method                   string
	Twiml                         string
	FallbackURL, FallbackMethod   string
	StatusCallback                string
	StatusCallbackMethod          string
	StatusCallbackEvents          []string
	SendDigits                    string
	Timeout, TimeLimit            int // seconds; 0 for the defaults
	Record                        bool
	RecordingChannels             int // 1 or 2; 0 for 1
	RecordingStatusCallback       string
	RecordingStatusCallbackMethod string
	Extra                         map[string]string // accepted, not simulated
	// Network is a call the network places itself (Verify's codes): From is the
	// network's own number, which no account owns, so its ownership is not checked.
	Network bool
}

// Place checks out against the network's rules and queues the call: the call and its
// first step are written together. A rule it breaks is a *phone.RuleError.
func (s *Service) Place(ctx context.Context, account store.Account, out Outbound) (store.Call, error) {
	if e, ok := magicTo[out.To]; ok {
		return store.Call{}, &e
	}
	if e, ok := magicFrom[out.From]; ok {
		return store.Call{}, &e
	}
	numberSid := ""
	if out.From != phone.MagicFrom && !out.Network {
		n, err := s.store.PhoneNumberByNumber(ctx, out.From)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (n.AccountSid != account.Sid || !n.Capabilities.Voice)) {
			return store.Call{}, phone.RuleErrorf(21210, "The source phone number provided, %s, is not yet verified for your account: buy it (IncomingPhoneNumbers) or use %s.", out.From, phone.MagicFrom)
		}
		if err != nil {
			return store.Call{}, fmt.Errorf("place call: %w", err)
		}
		numberSid = n.Sid
	}
	now := s.clock.Now()
	row := store.Call{Sid: sid.New("CA"), AccountSid: account.Sid, PhoneNumberSid: numberSid, DateCreated: now.UTC().Truncate(time.Second)}
	call, effects := s.network.Place(callflow.Call{Sid: row.Sid, AccountSid: account.Sid, To: out.To, From: out.From,
		Direction: callflow.DirectionOutboundAPI,
		Settings: callflow.Settings{
			URL: out.URL, Method: twiml.Method(out.Method), Twiml: out.Twiml,
			FallbackURL: out.FallbackURL, FallbackMethod: twiml.Method(out.FallbackMethod),
			StatusCallback: out.StatusCallback, StatusCallbackMethod: twiml.Method(out.StatusCallbackMethod),
			StatusCallbackEvents: out.StatusCallbackEvents, SendDigits: out.SendDigits,
			Timeout: orDefault(out.Timeout, DefaultTimeout), TimeLimit: orDefault(out.TimeLimit, DefaultTimeLimit),
			Record: out.Record, RecordingChannels: max(out.RecordingChannels, 1),
			RecordingStatusCallback: out.RecordingStatusCallback, RecordingStatusCallbackMethod: twiml.Method(out.RecordingStatusCallbackMethod),
			Extra: out.Extra,
		},
		State: callflow.State{Epoch: now.UnixMilli()},
	})
	w, row := s.writes(row, true, call, effects)
	if err := s.store.Apply(ctx, w); err != nil {
		return store.Call{}, fmt.Errorf("place call: %w", err)
	}
	return row, nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Inbound is a call a phone makes to one of the account's numbers.
type Inbound struct {
	From, To      string
	CallerName    string
	ForwardedFrom string
}

// Receive makes a phone call one of account's numbers: the call rings, and the number's
// VoiceUrl is fetched at once to run on it.
func (s *Service) Receive(ctx context.Context, account store.Account, in Inbound) (store.Call, error) {
	number, err := s.store.PhoneNumberByNumber(ctx, in.To)
	if errors.Is(err, store.ErrNotFound) || (err == nil && number.AccountSid != account.Sid) {
		return store.Call{}, phone.RuleErrorf(20001, "The 'To' number %s is not one of this account's phone numbers: buy it first (IncomingPhoneNumbers).", in.To)
	}
	if err != nil {
		return store.Call{}, fmt.Errorf("receive call: %w", err)
	}
	if !number.Capabilities.Voice {
		return store.Call{}, phone.RuleErrorf(20001, "The 'To' number %s cannot take calls (it has no voice capability).", in.To)
	}
	if number.VoiceURL == "" {
		return store.Call{}, phone.RuleErrorf(20001, "The 'To' number %s has no VoiceUrl: set one (IncomingPhoneNumbers) for the call to run.", in.To)
	}
	now := s.clock.Now()
	row := store.Call{Sid: sid.New("CA"), AccountSid: account.Sid, PhoneNumberSid: number.Sid, DateCreated: now.UTC().Truncate(time.Second)}
	call, effects := s.network.Receive(callflow.Call{Sid: row.Sid, AccountSid: account.Sid, To: in.To, From: in.From,
		Direction: callflow.DirectionInbound, CallerName: in.CallerName, ForwardedFrom: in.ForwardedFrom,
		Settings: callflow.Settings{
			URL: number.VoiceURL, Method: twiml.Method(number.VoiceMethod),
			FallbackURL: number.VoiceFallbackURL, FallbackMethod: twiml.Method(number.VoiceFallbackMethod),
			// A number's status callback is told when its calls end, as on Twilio.
			StatusCallback: number.StatusCallback, StatusCallbackMethod: twiml.Method(number.StatusCallbackMethod),
			StatusCallbackEvents: []string{"completed"},
			Timeout:              DefaultTimeout, TimeLimit: DefaultTimeLimit,
		},
		State: callflow.State{Epoch: now.UnixMilli()},
	})
	w, row := s.writes(row, true, call, effects)
	if err := s.store.Apply(ctx, w); err != nil {
		return store.Call{}, fmt.Errorf("receive call: %w", err)
	}
	return row, nil
}

// change hands event to call sid of account accountSid now, and writes the outcome
// guarded by the version read, reading again when another writer got there first. It
// returns the call as changed (as read, when the event changed nothing).
func (s *Service) change(ctx context.Context, accountSid, sid string, event callflow.Event) (store.Call, error) {
	const attempts = 20
	for attempt := 1; ; attempt++ {
		row, err := s.store.GetCall(ctx, accountSid, sid)
		if err != nil {
			return store.Call{}, err
		}
		call, err := callOf(row)
		if err != nil {
			return store.Call{}, err
		}
		next, effects, err := s.network.Handle(call, s.simNow(call.State.Epoch), event)
		if errors.Is(err, callflow.ErrNoChange) {
			return row, nil
		}
		if err != nil {
			return store.Call{}, err
		}
		w, changed := s.writes(row, false, next, effects)
		err = s.store.Apply(ctx, w)
		if errors.Is(err, store.ErrConflict) && attempt < attempts {
			continue
		}
		if err != nil {
			return store.Call{}, err
		}
		return changed, nil
	}
}

// Update is a change of a call through the API. Nil fields are kept.
type Update struct {
	URL, Method                 *string
	Twiml                       *string
	Status                      *string // canceled or completed
	FallbackURL, FallbackMethod *string
	StatusCallback              *string
	StatusCallbackMethod        *string
	TimeLimit                   *int
}

// Update changes a call: a redirect of a live call to new TwiML, a hang-up or a cancel,
// new settings. The server has checked that Status comes alone. It commits at once: a
// request for TwiML the call was waiting for is answered in vain (see callflow.Fetched).
func (s *Service) Update(ctx context.Context, account store.Account, sid string, u Update) (store.Call, error) {
	c, err := s.change(ctx, account.Sid, sid, callflow.Update{URL: u.URL, Method: u.Method, Twiml: u.Twiml, Status: u.Status,
		FallbackURL: u.FallbackURL, FallbackMethod: u.FallbackMethod, StatusCallback: u.StatusCallback,
		StatusCallbackMethod: u.StatusCallbackMethod, TimeLimit: u.TimeLimit})
	if err != nil {
		return store.Call{}, fmt.Errorf("update call: %w", err)
	}
	return c, nil
}

// Delete deletes a call that has ended; a live one is refused (20009).
func (s *Service) Delete(ctx context.Context, account store.Account, sid string) error {
	err := s.store.DeleteCall(ctx, account.Sid, sid, callflow.LiveStatuses...)
	if errors.Is(err, store.ErrConflict) {
		return phone.RuleErrorf(20009, "Cannot delete call %s: it has not ended. Hang it up first (Status=completed).", sid)
	}
	if err != nil {
		return fmt.Errorf("delete call: %w", err)
	}
	return nil
}

// DeleteRecording deletes a recording (of call callSid, unless ""), unless it is still
// being made (20009).
func (s *Service) DeleteRecording(ctx context.Context, account store.Account, callSid, sid string) error {
	err := s.store.DeleteRecording(ctx, account.Sid, callSid, sid, callflow.RecordingInProgress)
	if errors.Is(err, store.ErrConflict) {
		return phone.RuleErrorf(20009, "Cannot delete recording %s: it is still in progress.", sid)
	}
	if err != nil {
		return fmt.Errorf("delete recording: %w", err)
	}
	return nil
}

// PressDigits presses keys on a call in progress, as the far end (see callflow.Digits).
func (s *Service) PressDigits(ctx context.Context, account store.Account, sid, digits string) (store.Call, error) {
	c, err := s.change(ctx, account.Sid, sid, callflow.Digits{Keys: digits})
	if err != nil {
		return store.Call{}, fmt.Errorf("press digits: %w", err)
	}
	return c, nil
}

// Answer makes the phone a ringing outbound call rings pick up now.
func (s *Service) Answer(ctx context.Context, account store.Account, sid string) (store.Call, error) {
	c, err := s.change(ctx, account.Sid, sid, callflow.Answer{})
	if err != nil {
		return store.Call{}, fmt.Errorf("answer call: %w", err)
	}
	return c, nil
}

// HangUp hangs up as the far end: a call in progress ends completed; a ringing call is
// declined (busy), or, for an inbound call, given up by the caller (canceled).
func (s *Service) HangUp(ctx context.Context, account store.Account, sid string) (store.Call, error) {
	c, err := s.change(ctx, account.Sid, sid, callflow.HangUp{})
	if err != nil {
		return store.Call{}, fmt.Errorf("hang up call: %w", err)
	}
	return c, nil
}
