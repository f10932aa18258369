package voice

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/outbox"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/twiml"
	"github.com/switchboard-dev/switchboard/store"
)

// What the API and the simulator endpoints do to calls. Each change reads the call,
// works the change out in a turn, and writes it guarded by the version it read; a writer
// that lost a race (the call's step ran meanwhile) reads the call again and retries.

// Defaults of Twilio's call parameters.
const (
	DefaultTimeout   = 60    // seconds of ringing
	DefaultTimeLimit = 14400 // seconds once answered: four hours
)

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
	if out.From != phone.MagicFrom {
		n, err := s.store.PhoneNumberByNumber(ctx, out.From)
		switch {
		case errors.Is(err, store.ErrNotFound), err == nil && (n.AccountSid != account.Sid || !n.Capabilities.Voice):
			return store.Call{}, phone.RuleErrorf(21210, "The source phone number provided, %s, is not yet verified for your account: buy it (IncomingPhoneNumbers) or use %s.", out.From, phone.MagicFrom)
		case err != nil:
			return store.Call{}, fmt.Errorf("place call: %w", err)
		}
		numberSid = n.Sid
	}
	now := time.Now()
	t := &turn{s: s, at: 0, created: true,
		call: store.Call{Sid: sid.New("CA"), AccountSid: account.Sid, To: out.To, From: out.From, PhoneNumberSid: numberSid,
			Status: StatusQueued, Direction: DirectionOutboundAPI, DateCreated: now.UTC().Truncate(time.Second)},
		set: settings{
			URL: out.URL, Method: twiml.Method(out.Method), Twiml: out.Twiml,
			FallbackURL: out.FallbackURL, FallbackMethod: twiml.Method(out.FallbackMethod),
			StatusCallback: out.StatusCallback, StatusCallbackMethod: twiml.Method(out.StatusCallbackMethod),
			StatusCallbackEvents: out.StatusCallbackEvents, SendDigits: out.SendDigits,
			Timeout: orDefault(out.Timeout, DefaultTimeout), TimeLimit: orDefault(out.TimeLimit, DefaultTimeLimit),
			Record: out.Record, RecordingChannels: max(out.RecordingChannels, 1),
			RecordingStatusCallback: out.RecordingStatusCallback, RecordingStatusCallbackMethod: twiml.Method(out.RecordingStatusCallbackMethod),
			Extra: out.Extra,
		},
		st: state{Epoch: now.UnixMilli(), AnsweredAt: -1},
	}
	t.setStatus(StatusQueued, nil)
	t.callback(cbInitiated)
	t.schedule("place", 0)
	if err := s.store.Apply(ctx, t.writes()); err != nil {
		return store.Call{}, fmt.Errorf("place call: %w", err)
	}
	t.call.Version = 1
	return t.call, nil
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
	switch {
	case !number.Capabilities.Voice:
		return store.Call{}, phone.RuleErrorf(20001, "The 'To' number %s cannot take calls (it has no voice capability).", in.To)
	case number.VoiceURL == "":
		return store.Call{}, phone.RuleErrorf(20001, "The 'To' number %s has no VoiceUrl: set one (IncomingPhoneNumbers) for the call to run.", in.To)
	}
	now := time.Now()
	t := &turn{s: s, at: 0, created: true,
		call: store.Call{Sid: sid.New("CA"), AccountSid: account.Sid, To: in.To, From: in.From, PhoneNumberSid: number.Sid,
			Status: StatusRinging, Direction: DirectionInbound, CallerName: in.CallerName, ForwardedFrom: in.ForwardedFrom,
			DateCreated: now.UTC().Truncate(time.Second)},
		set: settings{
			URL: number.VoiceURL, Method: twiml.Method(number.VoiceMethod),
			FallbackURL: number.VoiceFallbackURL, FallbackMethod: twiml.Method(number.VoiceFallbackMethod),
			// A number's status callback is told when its calls end, as on Twilio.
			StatusCallback: number.StatusCallback, StatusCallbackMethod: twiml.Method(number.StatusCallbackMethod),
			StatusCallbackEvents: []string{cbCompleted},
			Timeout:              DefaultTimeout, TimeLimit: DefaultTimeLimit,
		},
		st: state{Epoch: now.UnixMilli(), AnsweredAt: -1},
	}
	t.call.StartTime = t.simTime(0)
	t.event(typeStatus, "Call is ringing", map[string]string{"status": StatusRinging})
	t.st.Fetch = &fetch{Event: EventCallTwiML, URL: t.set.URL, Method: t.set.Method, FallbackURL: t.set.FallbackURL,
		FallbackMethod: t.set.FallbackMethod}
	t.schedule("continue", 0)
	if err := s.store.Apply(ctx, t.writes()); err != nil {
		return store.Call{}, fmt.Errorf("receive call: %w", err)
	}
	t.call.Version = 1
	return t.call, nil
}

// errNoChange tells mutate that the change found nothing to do.
var errNoChange = errors.New("no change")

// mutate applies change to call sid of account accountSid now: it reads the call, lets
// change work the turn out, and writes it guarded by the version read, reading again when
// another writer got there first. It returns the call as changed.
func (s *Service) mutate(ctx context.Context, accountSid, sid string, change func(t *turn) error) (store.Call, error) {
	const attempts = 20
	for attempt := 1; ; attempt++ {
		c, err := s.store.GetCall(ctx, accountSid, sid)
		if err != nil {
			return store.Call{}, err
		}
		t, err := s.load(c, -1)
		if err != nil {
			return store.Call{}, err
		}
		err = change(t)
		if errors.Is(err, errNoChange) {
			return c, nil
		}
		if err != nil {
			return store.Call{}, err
		}
		err = s.store.Apply(ctx, t.writes())
		if errors.Is(err, store.ErrConflict) && attempt < attempts {
			continue
		}
		if err != nil {
			return store.Call{}, err
		}
		t.call.Version++
		return t.call, nil
	}
}

// notLive is the error for a change that needs a live call.
func notLive(c store.Call, what string) *phone.RuleError {
	return phone.RuleErrorf(21220, "Call %s is %s; %s.", c.Sid, c.Status, what)
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
// new settings. The server has checked that Status comes alone.
func (s *Service) Update(ctx context.Context, account store.Account, sid string, u Update) (store.Call, error) {
	c, err := s.mutate(ctx, account.Sid, sid, func(t *turn) error {
		if !live(t.call.Status) {
			return notLive(t.call, "only a live call can be changed")
		}
		setIf(&t.set.StatusCallback, u.StatusCallback)
		setIf(&t.set.StatusCallbackMethod, u.StatusCallbackMethod)
		setIf(&t.set.FallbackURL, u.FallbackURL)
		setIf(&t.set.FallbackMethod, u.FallbackMethod)
		if u.TimeLimit != nil {
			t.set.TimeLimit = *u.TimeLimit
			if t.st.AnsweredAt >= 0 {
				t.st.LimitAt = max(t.st.AnsweredAt+int64(*u.TimeLimit)*1000, t.at)
				if t.st.Wait != "" {
					t.schedule(t.st.Wanted, t.st.WantedDue) // the pending step, cut at the new limit
				}
			}
		}
		if u.Status != nil {
			return t.changeStatus(*u.Status)
		}
		if u.URL != nil || u.Twiml != nil {
			t.redirect(u)
		}
		return nil
	})
	if err != nil {
		return store.Call{}, fmt.Errorf("update call: %w", err)
	}
	return c, nil
}

func setIf(field *string, v *string) {
	if v != nil {
		*field = *v
	}
}

// changeStatus cancels a call not yet answered, or hangs up one in progress.
func (t *turn) changeStatus(status string) error {
	answered := t.call.Status == StatusInProgress
	switch {
	case status == StatusCanceled && answered:
		return notLive(t.call, "a call in progress cannot be canceled: hang it up with Status=completed")
	case status == StatusCanceled, !answered:
		t.event(typeAPI, "Canceled through the API", map[string]string{"action": "cancel"})
		t.end(StatusCanceled, "canceled")
	default:
		t.event(typeAPI, "Hung up through the API", map[string]string{"action": "hangup"})
		t.end(StatusCompleted, "hung up through the API")
	}
	return nil
}

// redirect makes the call run new TwiML. A call in progress stops what it was doing at
// once; one not yet answered runs it when answered.
func (t *turn) redirect(u Update) {
	if t.call.Status != StatusInProgress && t.call.Direction != DirectionInbound {
		if u.URL != nil {
			t.set.URL, t.set.Twiml = *u.URL, ""
			setIf(&t.set.Method, u.Method)
		} else {
			t.set.URL, t.set.Twiml = "", *u.Twiml
		}
		t.event(typeAPI, "TwiML to run when answered changed through the API", map[string]string{"action": "redirect"})
		return
	}
	if t.st.Record != nil {
		t.finishRecord("") // kept, but the call does not go to its action
	}
	if d := t.st.Dial; d != nil {
		t.signalCall(d.Child, signalPayload{Signal: signalHangUp, From: t.call.Sid})
		t.st.Dial = nil
	}
	t.st.Gather = nil
	if u.URL != nil {
		t.event(typeAPI, "Redirected through the API to "+*u.URL, map[string]string{"action": "redirect", "url": *u.URL})
		method := "POST"
		setIf(&method, u.Method)
		t.st.Fetch = &fetch{Event: EventCallTwiML, URL: *u.URL, Method: method}
	} else {
		t.event(typeAPI, "Redirected through the API to new TwiML", map[string]string{"action": "redirect", "twiml": *u.Twiml})
		t.st.Fetch = nil
		t.st.Doc, t.st.DocURL, t.st.Next = *u.Twiml, "", 0
	}
	t.st.Fetches = 0
	t.schedule("continue", t.at)
}

// Delete deletes a call that has ended; a live one is refused (20009).
func (s *Service) Delete(ctx context.Context, account store.Account, sid string) error {
	err := s.store.DeleteCall(ctx, account.Sid, sid, LiveStatuses...)
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
	err := s.store.DeleteRecording(ctx, account.Sid, callSid, sid, RecordingInProgress)
	if errors.Is(err, store.ErrConflict) {
		return phone.RuleErrorf(20009, "Cannot delete recording %s: it is still in progress.", sid)
	}
	if err != nil {
		return fmt.Errorf("delete recording: %w", err)
	}
	return nil
}

// PressDigits presses keys on a call in progress, as the far end: a <Gather> takes them,
// a <Record> stops at its finishOnKey, a <Dial hangupOnStar> ends at `*`; otherwise they
// wait for the next <Gather>.
func (s *Service) PressDigits(ctx context.Context, account store.Account, sid, digits string) (store.Call, error) {
	keys := strings.NewReplacer("w", "", "W", "").Replace(digits)
	c, err := s.mutate(ctx, account.Sid, sid, func(t *turn) error {
		if t.call.Status != StatusInProgress {
			return notLive(t.call, "keys can be pressed only on a call in progress")
		}
		if keys == "" {
			return errNoChange
		}
		t.event(typeDigits, "Pressed "+keys, map[string]string{"digits": keys, "source": "Digits"})
		switch {
		case t.st.Record != nil:
			v, err := t.verbAt(t.st.Record.Verb)
			if err != nil {
				return err
			}
			if i := strings.IndexAny(keys, v.Record.FinishOnKey); i >= 0 && v.Record.FinishOnKey != "" {
				t.st.Record.Key = keys[i : i+1]
				t.schedule("record", t.at)
			}
		case t.st.Dial != nil:
			v, err := t.verbAt(t.st.Dial.Verb)
			if err != nil {
				return err
			}
			if v.Dial.HangupOnStar && strings.Contains(keys, "*") {
				t.event(typeDial, "Star pressed: hanging up the dialed call", map[string]string{"call_sid": t.st.Dial.Child})
				t.signalCall(t.st.Dial.Child, signalPayload{Signal: signalHangUp, From: t.call.Sid})
			}
		default:
			t.st.Keys += keys
			if g := t.st.Gather; g != nil {
				v, err := t.verbAt(g.Verb)
				if err != nil {
					return err
				}
				if acceptsKeys(v.Gather) {
					t.schedule("keys", t.at)
				}
			}
		}
		return nil
	})
	if err != nil {
		return store.Call{}, fmt.Errorf("press digits: %w", err)
	}
	return c, nil
}

// Answer makes the phone a ringing outbound call rings pick up now.
func (s *Service) Answer(ctx context.Context, account store.Account, sid string) (store.Call, error) {
	c, err := s.mutate(ctx, account.Sid, sid, func(t *turn) error {
		if t.call.Status != StatusRinging || t.call.Direction == DirectionInbound {
			return notLive(t.call, "only a ringing outbound call can be answered by the far end (an inbound call is answered by its TwiML)")
		}
		t.event(typeAPI, "Answered by the far end (simulator)", map[string]string{"action": "answer"})
		t.answerOutbound()
		return nil
	})
	if err != nil {
		return store.Call{}, fmt.Errorf("answer call: %w", err)
	}
	return c, nil
}

// HangUp hangs up as the far end: a call in progress ends completed; a ringing call is
// declined (busy), or, for an inbound call, given up by the caller (canceled).
func (s *Service) HangUp(ctx context.Context, account store.Account, sid string) (store.Call, error) {
	c, err := s.mutate(ctx, account.Sid, sid, func(t *turn) error {
		t.event(typeAPI, "The far end hung up (simulator)", map[string]string{"action": "hangup"})
		return t.hangUpFarEnd()
	})
	if err != nil {
		return store.Call{}, fmt.Errorf("hang up call: %w", err)
	}
	return c, nil
}

func (t *turn) hangUpFarEnd() error {
	switch {
	case t.call.Status == StatusInProgress:
		t.end(StatusCompleted, "the far end hung up")
	case t.call.Status == StatusRinging && t.call.Direction == DirectionInbound:
		t.end(StatusCanceled, "the caller hung up")
	case t.call.Status == StatusRinging:
		t.end(StatusBusy, "declined")
	default:
		return notLive(t.call, "only a ringing call or one in progress can be hung up")
	}
	return nil
}

// signal is the handler of call.signal: news from another call. Its change is written
// on its own (mutate), then the job ends; should the process die in between, the signal
// runs again and finds nothing left to do.
func (s *Service) signal(ctx context.Context, job store.Job) (outbox.Outcome, error) {
	var p signalPayload
	if err := outbox.Decode(job, &p); err != nil {
		s.log.ErrorContext(ctx, "call signal dropped", "error", err)
		return outbox.Outcome{}, nil
	}
	_, err := s.mutate(ctx, job.AccountSid, job.ResourceSid, func(t *turn) error {
		if !live(t.call.Status) {
			return errNoChange
		}
		switch p.Signal {
		case signalHangUp: // the parent hung up, or moved on
			if t.call.ParentCallSid != p.From {
				return errNoChange
			}
			if t.call.Status == StatusInProgress {
				t.end(StatusCompleted, "the calling party hung up")
			} else {
				t.end(StatusCanceled, "the calling party hung up")
			}
		case signalDialEnded: // the call this one dialed ended
			if t.st.Dial == nil || t.st.Dial.Child != p.From {
				return errNoChange
			}
			if err := t.dialEnded(t.st.Dial.Verb, p.Status, p.From, p.Duration); err != nil {
				return err
			}
			t.st.Fetches = 0
			t.schedule("continue", t.at)
		default:
			return errNoChange
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return outbox.Outcome{}, fmt.Errorf("call signal: %w", err)
	}
	return outbox.Outcome{}, nil
}
