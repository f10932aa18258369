package verify

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// The rules of a verification's life, without I/O: the code, its validity, how many
// times it may be sent and checked, and what each start, check and update does.
// docs/simulator.md states them for users; keep the two in step.

// Code lengths: a service's CodeLength and a CustomCode are 4 to 10 characters.
const (
	DefaultCodeLength = 6
	MinCodeLength     = 4
	MaxCodeLength     = 10
)

// Twilio's limits: a code is valid for 10 minutes; a verification is sent at most
// MaxSends times and checked at most MaxChecks times.
const (
	Validity  = 10 * time.Minute
	MaxSends  = 5
	MaxChecks = 5
)

// Statuses of a verification, as stored and on the wire.
const (
	StatusPending     = "pending"
	StatusApproved    = "approved"
	StatusCanceled    = "canceled"
	StatusMaxAttempts = "max_attempts_reached"
	StatusExpired     = "expired"
)

// Channels a verification may be asked for; SMS and calls are simulated.
const (
	ChannelSMS      = "sms"
	ChannelCall     = "call"
	ChannelEmail    = "email"
	ChannelWhatsApp = "whatsapp"
	ChannelSNA      = "sna"
	ChannelAuto     = "auto"
)

// Twilio's codes for Verify's errors.
const (
	CodeInvalidParameter  = 60200
	CodeMaxChecks         = 60202
	CodeMaxSends          = 60203
	CodeLandline          = 60205
	CodeServiceConfig     = 60217
	CodeChannelDisabled   = 60223
	CodeNotFound          = 20404
	codeNotFoundTemplate  = "The requested resource %s was not found"
	messageMaxChecks      = "Max check attempts reached"
	messageMaxSends       = "Max send attempts reached"
	messageLandline       = "SMS is not supported by landline phone number"
	messageInvalidPrefix  = "Invalid parameter: "
	messageChannelEmail   = "Invalid Service configuration: add an email integration before using the email channel (Switchboard has no email channel to integrate)"
	messageChannelMissing = "Delivery channel disabled: Switchboard does not simulate the %s channel; use sms or call"
)

// Error is a request that Verify's rules refuse, with Twilio's code, the HTTP status it
// is answered with, and a message for a person.
type Error struct {
	Status  int
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

// InvalidParameter is Twilio's 60200 for the parameter name, with why when given.
func InvalidParameter(name, why string) *Error {
	msg := messageInvalidPrefix + name
	if why != "" {
		msg += ": " + why
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidParameter, Message: msg}
}

// NotFound is the 404 of a Verify resource, quoting its path as Twilio does (without
// the API's version: "/Services/VA…/VerificationCheck").
func NotFound(path string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf(codeNotFoundTemplate, path)}
}

var (
	errMaxChecks = &Error{Status: http.StatusTooManyRequests, Code: CodeMaxChecks, Message: messageMaxChecks}
	errMaxSends  = &Error{Status: http.StatusTooManyRequests, Code: CodeMaxSends, Message: messageMaxSends}
	errLandline  = &Error{Status: http.StatusForbidden, Code: CodeLandline, Message: messageLandline}
)

// channelError is the error of a channel that cannot be used here: email has no
// integration (60217), WhatsApp, SNA and auto are not simulated (60223). nil for SMS
// and calls.
func channelError(channel string) *Error {
	switch channel {
	case ChannelSMS, ChannelCall:
		return nil
	case ChannelEmail:
		return &Error{Status: http.StatusBadRequest, Code: CodeServiceConfig, Message: messageChannelEmail}
	}
	return &Error{Status: http.StatusBadRequest, Code: CodeChannelDisabled, Message: fmt.Sprintf(messageChannelMissing, channel)}
}

// NewCode makes a code of length decimal digits from random, each digit equally likely
// (bytes of 250 and over are drawn again, so that none is favoured).
func NewCode(length int, random io.Reader) (string, error) {
	code := make([]byte, 0, length)
	var buf [16]byte
	for len(code) < length {
		if _, err := io.ReadFull(random, buf[:]); err != nil {
			return "", fmt.Errorf("new code: %w", err)
		}
		for _, b := range buf {
			if b < 250 && len(code) < length {
				code = append(code, '0'+b%10)
			}
		}
	}
	return string(code), nil
}

// Current is v as it stands at now: a pending verification whose code is past its
// validity is expired.
func Current(v store.Verification, now time.Time) store.Verification {
	if v.Status == StatusPending && !now.Before(v.DateExpires) {
		v.Status = StatusExpired
	}
	return v
}

// startOutcome is what a start does with the newest verification to the number.
type startOutcome int

const (
	startNew    startOutcome = iota // a new verification, with a new code
	startResend                     // the pending one, its code sent again
)

// decideStart says what a start at now does, given the newest verification of the
// service to the number (nil when none): a pending one is sent again, until it has been
// sent MaxSends times (60203); one that ran out of checks blocks new ones until its code
// expires (60202); anything else (approved, canceled, expired) makes way for a new one.
func decideStart(current *store.Verification, now time.Time) (startOutcome, error) {
	if current == nil {
		return startNew, nil
	}
	switch Current(*current, now).Status {
	case StatusPending:
		if len(current.Sends) >= MaxSends {
			return 0, errMaxSends
		}
		return startResend, nil
	case StatusMaxAttempts:
		if now.Before(current.DateExpires) {
			return 0, errMaxChecks
		}
	}
	return startNew, nil
}

// checkOutcome is what a check did.
type checkOutcome int

const (
	checkCounted checkOutcome = iota // the code was compared: approved, or still pending
	checkGone                        // not pending: approved, canceled or expired (20404)
	checkTooMany                     // out of checks (60202)
)

// Check is a code given for a verification, with the PSD2 transaction details that
// must match the verification's.
type Check struct {
	Code          string
	Amount, Payee string
}

// check applies c to v at now: a pending verification counts the check and is approved
// when the code (and the PSD2 amount and payee) match; after MaxChecks checks it is out of
// attempts. A verification whose code expired is marked so.
func check(v *store.Verification, c Check, now time.Time) checkOutcome {
	switch cur := Current(*v, now); cur.Status {
	case StatusPending:
	case StatusMaxAttempts:
		return checkTooMany
	default:
		if cur.Status != v.Status { // expired just now
			v.Status, v.DateUpdated = cur.Status, now
		}
		return checkGone
	}
	v.DateUpdated = now
	if v.Checks >= MaxChecks {
		v.Status = StatusMaxAttempts
		return checkTooMany
	}
	v.Checks++
	if c.Code == v.Code && c.Amount == v.Amount && c.Payee == v.Payee {
		v.Status = StatusApproved
	}
	return checkCounted
}

// UpdateStatuses are the statuses an app may set on a verification.
var UpdateStatuses = []string{StatusCanceled, StatusApproved}

// update sets status on v at now, when v is pending; false when it is not (or no
// longer: an expired code is marked so).
func update(v *store.Verification, status string, now time.Time) bool {
	cur := Current(*v, now)
	if cur.Status != StatusPending || !slices.Contains(UpdateStatuses, status) {
		if cur.Status != v.Status {
			v.Status, v.DateUpdated = cur.Status, now
		}
		return false
	}
	v.Status, v.DateUpdated = status, now
	return true
}
