package store

import "time"

// VerifyService is a Verify Service (Verify v2): the settings that its verifications are
// sent and checked with.
type VerifyService struct {
	Sid                            string
	AccountSid                     string
	FriendlyName                   string
	CodeLength                     int
	LookupEnabled                  bool
	SkipSmsToLandlines             bool
	DtmfInputRequired              bool
	TtsName                        string // "" when not set
	Psd2Enabled                    bool
	DoNotShareWarningEnabled       bool
	CustomCodeEnabled              bool
	DefaultTemplateSid             string // "" when not set
	VerifyEventSubscriptionEnabled bool
	// Extra is the settings kept and shown but not simulated (push, totp, whatsapp and
	// passkeys), as a JSON object; the store keeps it as given.
	Extra       []byte
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// Verification is a code sent to a phone number (a Verify v2 Verification) and what
// has happened to it since.
type Verification struct {
	Sid        string
	ServiceSid string
	AccountSid string
	To         string
	Channel    string // the channel of the latest send: sms, call...
	Status     string // pending, approved, canceled, max_attempts_reached, expired, failed
	// Code is the code sent, kept in the clear: Switchboard is a simulator, and its
	// tests read the code back (a real service would keep a hash).
	Code       string
	CustomCode bool   // the app gave the code (CustomCode) rather than Switchboard
	Locale     string // "" for the number's own
	Amount     string // PSD2; "" when not given
	Payee      string
	WithLookup bool // the service looked the number up when the verification started
	// Sends are the times the code was sent, oldest first.
	Sends       []VerificationSend
	Checks      int // how many times a code was checked against it
	DateCreated time.Time
	DateUpdated time.Time
	DateExpires time.Time // the code is valid until then
	Seq         int64
}

// VerificationSend is one sending of a verification's code (send_code_attempts).
type VerificationSend struct {
	Sid     string // VL…
	Channel string
	Time    time.Time
}

// VerificationFilter narrows a list of an account's verifications; zero fields do not
// filter.
type VerificationFilter struct {
	AccountSid string // required
	ServiceSid string
	To         string
}
