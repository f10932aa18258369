// Package verify is Twilio Verify in a box: codes sent to a phone number by text or by
// call, and checked. A verification's code is sent through the simulated networks
// (internal/messaging for texts, internal/voice for calls) from Sender, so that it shows
// in the Messages and Calls APIs and in the inbox like any other; the rules of its life
// (rules.go: validity, send and check limits) and its words (texts.go) are here, without
// I/O of their own, and "now" is the simulator's clock (internal/clock).
//
// It knows nothing of HTTP requests made to Switchboard: server/verifyv2 translates
// those into calls here. docs/simulator.md documents the rules for users.
package verify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/lookup"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/store"
)

// Sender is the number Verify's texts and calls come from: the network's own, in the
// range NANPA keeps for fiction and outside the pool of numbers for sale, so that no
// account owns it.
const Sender = "+16505550100"

// Store is what the service reads and writes.
type Store interface {
	GetVerifyService(ctx context.Context, accountSid, sid string) (store.VerifyService, error)
	StartVerification(ctx context.Context, accountSid, serviceSid, to string, start func(current *store.Verification) (store.Verification, error)) (store.Verification, error)
	GetVerification(ctx context.Context, accountSid, serviceSid, sid string) (store.Verification, error)
	LatestVerification(ctx context.Context, accountSid, serviceSid, to string) (store.Verification, error)
	UpdateVerification(ctx context.Context, accountSid, serviceSid, sid string, change func(*store.Verification) error) (store.Verification, error)
	DeleteVerification(ctx context.Context, accountSid, sid string) error
	ListVerifications(ctx context.Context, f store.VerificationFilter, p store.Page) ([]store.Verification, bool, error)
}

// Texts is the messaging network, which sends a verification's texts.
type Texts interface {
	Send(ctx context.Context, account store.Account, out messaging.Outbound) (store.Message, error)
}

// Calls is the telephone network, which places a verification's calls.
type Calls interface {
	Place(ctx context.Context, account store.Account, out voice.Outbound) (store.Call, error)
}

// Config holds what New needs. Store, Texts, Calls and Clock are required.
type Config struct {
	Store Store
	Texts Texts
	Calls Calls
	Clock clock.Clock
	// Random is where codes come from (default crypto/rand).
	Random io.Reader
}

// Service is the Verify network. Its methods are safe for concurrent use.
type Service struct {
	store  Store
	texts  Texts
	calls  Calls
	clock  clock.Clock
	random io.Reader
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, texts: cfg.Texts, calls: cfg.Calls, clock: cfg.Clock, random: cfg.Random}
	if s.random == nil {
		s.random = rand.Reader
	}
	return s
}

// Now is the simulator's time, to the second, as the API shows it.
func (s *Service) Now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// Start is a verification to begin (or a code to send again), as the API asks for it.
// Its shape has been checked already (a channel of the API's, lengths); Start checks
// the rest.
type Start struct {
	To                 string
	Channel            string
	CustomFriendlyName string // "" for the service's name
	Locale             string // "" for the number's country's
	CustomCode         string // needs the service's CustomCodeEnabled
	SendDigits         string // calls: keys pressed once answered
	AppHash            string // texts: an Android app's hash for its SMS Retriever
	Amount, Payee      string // PSD2: kept when the service has Psd2Enabled
}

// Start sends a verification code to st.To through service serviceSid of account: the
// pending verification's code again when there is one (one more send), else a new
// code. It returns the verification as it stands, or an *Error (or the networks'
// *phone.RuleError) for a request the rules refuse; store.ErrNotFound for a service
// that is not the account's.
func (s *Service) Start(ctx context.Context, account store.Account, serviceSid string, st Start) (store.Verification, error) {
	svc, err := s.store.GetVerifyService(ctx, account.Sid, serviceSid)
	if err != nil {
		return store.Verification{}, fmt.Errorf("start verification: %w", err)
	}
	if e := channelError(st.Channel); e != nil {
		return store.Verification{}, e
	}
	if !phone.ValidNumber(st.To) {
		return store.Verification{}, InvalidParameter("To", "not a phone number in E.164 format (+14155550100)"+plusHint(st.To))
	}
	if st.CustomCode != "" && !svc.CustomCodeEnabled {
		return store.Verification{}, InvalidParameter("CustomCode", "the service does not have CustomCodeEnabled")
	}
	if st.Channel == ChannelSMS && svc.LookupEnabled && svc.SkipSmsToLandlines && lineType(st.To) == "landline" {
		return store.Verification{}, errLandline
	}
	locale := Locale(st.Locale, st.To)
	now := s.Now()
	send := store.VerificationSend{Sid: sid.New("VL"), Channel: st.Channel, Time: now}
	var created bool
	v, err := s.store.StartVerification(ctx, account.Sid, serviceSid, st.To, func(current *store.Verification) (store.Verification, error) {
		outcome, err := decideStart(current, now)
		if err != nil {
			return store.Verification{}, err
		}
		if outcome == startResend {
			next := *current
			next.Sends = append(next.Sends, send)
			next.Channel, next.Locale, next.DateUpdated = st.Channel, locale, now
			created = false
			return next, nil
		}
		created = true
		return s.newVerification(svc, st, locale, send, now)
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return store.Verification{}, e
		}
		return store.Verification{}, fmt.Errorf("start verification: %w", err)
	}
	name := st.CustomFriendlyName
	if name == "" {
		name = svc.FriendlyName
	}
	if err := s.deliver(ctx, account, svc, v, name, st); err != nil {
		s.undo(ctx, v, send.Sid, created)
		return store.Verification{}, err
	}
	return v, nil
}

// newVerification is the verification a start makes when none is pending: its code is
// the app's CustomCode or a new one of the service's length.
func (s *Service) newVerification(svc store.VerifyService, st Start, locale string, send store.VerificationSend, now time.Time) (store.Verification, error) {
	code, custom := st.CustomCode, st.CustomCode != ""
	if !custom {
		var err error
		if code, err = NewCode(svc.CodeLength, s.random); err != nil {
			return store.Verification{}, err
		}
	}
	v := store.Verification{
		Sid: sid.New("VE"), Channel: st.Channel, Status: StatusPending, Code: code, CustomCode: custom,
		Locale: locale, WithLookup: svc.LookupEnabled, Sends: []store.VerificationSend{send},
		DateCreated: now, DateUpdated: now, DateExpires: now.Add(Validity),
	}
	if svc.Psd2Enabled {
		v.Amount, v.Payee = st.Amount, st.Payee
	}
	return v, nil
}

// deliver sends v's code by its channel: a text or a call from Sender.
func (s *Service) deliver(ctx context.Context, account store.Account, svc store.VerifyService, v store.Verification, name string, st Start) error {
	if v.Channel == ChannelCall {
		_, err := s.calls.Place(ctx, account, voice.Outbound{To: v.To, From: Sender, Network: true, SendDigits: st.SendDigits,
			Twiml: CallTwiML(v.Locale, name, v.Code, svc.TtsName, svc.DtmfInputRequired)})
		return err
	}
	_, err := s.texts.Send(ctx, account, messaging.Outbound{To: v.To, From: Sender, Network: true,
		Body: Message(v.Locale, name, v.Code, svc.DoNotShareWarningEnabled, st.AppHash)})
	return err
}

// undo takes back a start whose code could not be sent (the network refused it): the
// verification it made, or the send it counted. Best effort: the request fails with the
// network's error either way.
func (s *Service) undo(ctx context.Context, v store.Verification, sendSid string, created bool) {
	if created {
		_ = s.store.DeleteVerification(ctx, v.AccountSid, v.Sid)
		return
	}
	_, _ = s.store.UpdateVerification(ctx, v.AccountSid, v.ServiceSid, v.Sid, func(v *store.Verification) error {
		for i, send := range v.Sends {
			if send.Sid == sendSid {
				v.Sends = append(v.Sends[:i], v.Sends[i+1:]...)
				break
			}
		}
		return nil
	})
}

// CheckCode checks a code against verification sid ("" to take the newest to the
// number to) of service serviceSid of account. A wrong code is no error: the
// verification stays pending. Errors: *Error 20404 when there is nothing pending to
// check (none, or approved, canceled or expired), 60202 when out of checks;
// store.ErrNotFound for a service that is not the account's.
func (s *Service) CheckCode(ctx context.Context, account store.Account, serviceSid, sid, to string, c Check) (store.Verification, error) {
	if _, err := s.store.GetVerifyService(ctx, account.Sid, serviceSid); err != nil {
		return store.Verification{}, fmt.Errorf("check verification: %w", err)
	}
	gone := NotFound("/Services/" + serviceSid + "/VerificationCheck")
	if sid == "" {
		latest, err := s.store.LatestVerification(ctx, account.Sid, serviceSid, to)
		if errors.Is(err, store.ErrNotFound) {
			return store.Verification{}, gone
		}
		if err != nil {
			return store.Verification{}, fmt.Errorf("check verification: %w", err)
		}
		sid = latest.Sid
	}
	now := s.Now()
	var outcome checkOutcome
	v, err := s.store.UpdateVerification(ctx, account.Sid, serviceSid, sid, func(v *store.Verification) error {
		outcome = check(v, c, now)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Verification{}, gone
	}
	if err != nil {
		return store.Verification{}, fmt.Errorf("check verification: %w", err)
	}
	switch outcome {
	case checkGone:
		return store.Verification{}, gone
	case checkTooMany:
		return store.Verification{}, errMaxChecks
	}
	return v, nil
}

// SetStatus cancels or approves a pending verification; *Error 20404 for one that is
// not pending (or not there).
func (s *Service) SetStatus(ctx context.Context, account store.Account, serviceSid, sid, status string) (store.Verification, error) {
	gone := NotFound("/Services/" + serviceSid + "/Verifications/" + sid)
	now := s.Now()
	var ok bool
	v, err := s.store.UpdateVerification(ctx, account.Sid, serviceSid, sid, func(v *store.Verification) error {
		ok = update(v, status, now)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Verification{}, gone
	}
	if err != nil {
		return store.Verification{}, fmt.Errorf("update verification: %w", err)
	}
	if !ok {
		return store.Verification{}, gone
	}
	return v, nil
}

// Get returns verification sid of service serviceSid ("" for any of the account's) as
// it stands now (an expired code shows as expired).
func (s *Service) Get(ctx context.Context, account store.Account, serviceSid, sid string) (store.Verification, error) {
	v, err := s.store.GetVerification(ctx, account.Sid, serviceSid, sid)
	if err != nil {
		return store.Verification{}, fmt.Errorf("get verification: %w", err)
	}
	return Current(v, s.clock.Now()), nil
}

// List returns one page of the verifications f selects, newest first, as they stand now.
func (s *Service) List(ctx context.Context, f store.VerificationFilter, p store.Page) ([]store.Verification, bool, error) {
	list, more, err := s.store.ListVerifications(ctx, f, p)
	if err != nil {
		return nil, false, fmt.Errorf("list verifications: %w", err)
	}
	now := s.clock.Now()
	for i := range list {
		list[i] = Current(list[i], now)
	}
	return list, more, nil
}

// Carrier is what a verification of a service with LookupEnabled shows of its number:
// the line type and carrier of Lookup's simulated line_type_intelligence (see
// internal/lookup), named as Verify's lookup.carrier names them.
type Carrier struct {
	Name              string
	Type              string // mobile, landline or voip
	MobileCountryCode string
	MobileNetworkCode string
}

// LookUp is the carrier of number; false for a number Lookup does not take for valid.
func LookUp(number string) (Carrier, bool) {
	res, err := lookup.Lookup(lookup.Request{PhoneNumber: number, Fields: "line_type_intelligence"})
	if err != nil || res.LineTypeIntelligence == nil {
		return Carrier{}, false
	}
	lti := res.LineTypeIntelligence
	typ := lti.Type
	switch typ {
	case "fixedVoip", "nonFixedVoip":
		typ = "voip"
	}
	return Carrier{Name: lti.Carrier.Name, Type: typ, MobileCountryCode: lti.Carrier.MCC, MobileNetworkCode: lti.Carrier.MNC}, true
}

// lineType is number's line type as Lookup simulates it ("" when it cannot tell).
func lineType(number string) string {
	c, _ := LookUp(number)
	return c.Type
}

// plusHint explains a number that starts with a space: a '+' sent unencoded in a form
// body, which form decoding reads as a space.
func plusHint(number string) string {
	if strings.HasPrefix(number, " ") {
		return ". A '+' in a form body stands for a space: send it as %2B"
	}
	return ""
}
