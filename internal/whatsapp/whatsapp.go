// Package whatsapp is the WhatsApp channel's rules, without I/O: what a WhatsApp address
// is, the Sandbox (its shared number, each account's join keyword, a membership that
// lasts three days), the 24-hour customer service window, the parameters Twilio adds to
// WhatsApp webhooks, and which of Twilio's errors a message gets when it breaks a rule.
//
// Package messaging applies these rules to the messages it sends and receives. No
// function here reads a clock: "now" is an argument, which messaging reads from the
// simulator's clock (internal/clock), so that a test moves time rather than waits for it.
// docs/simulator.md documents these rules for users; keep the two in step.
package whatsapp

import (
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/internal/phone"
)

// Prefix is what makes an address a WhatsApp one: "whatsapp:+14155238886".
const Prefix = "whatsapp:"

// The Sandbox: one number that every account shares, on which each account's users must
// join before they get its messages.
const (
	SandboxNumber  = "+14155238886"
	SandboxAddress = Prefix + SandboxNumber
)

// Window is the customer service window: freeform messages may reach a user for this
// long after the user's latest message. Membership is how long a Sandbox join lasts.
const (
	Window     = 24 * time.Hour
	Membership = 72 * time.Hour
)

// Twilio's codes for the WhatsApp channel's rules.
const (
	// Refused when the message is created (HTTP 400).
	CodeMixedChannels = 21910 // From and To of different channels
	CodeSameFromTo    = 63031 // From and To the same address
	// Set on a message that fails on its way (status failed).
	CodeNoSender      = 63007 // From is no WhatsApp sender of the account
	CodeNotJoined     = 63015 // the Sandbox's recipient has not joined (or joined over 3 days ago)
	CodeOutsideWindow = 63016 // freeform outside the 24-hour window, or a template WhatsApp has not approved
)

// IsAddress reports whether s is a WhatsApp address (it has the prefix).
func IsAddress(s string) bool { return strings.HasPrefix(s, Prefix) }

// Number is the phone number of address s: s without its prefix.
func Number(s string) string { return strings.TrimPrefix(s, Prefix) }

// Address is the WhatsApp address of E.164 number n.
func Address(n string) string { return Prefix + n }

// ValidAddress reports whether s is a WhatsApp address whose number is a possible
// E.164 number.
func ValidAddress(s string) bool { return IsAddress(s) && phone.ValidNumber(Number(s)) }

// WaID is the user's WhatsApp ID of address s, as Twilio's webhooks carry it: the
// number's digits, without the prefix and the plus.
func WaID(s string) string { return strings.TrimPrefix(Number(s), "+") }

// CheckPair is the error Twilio answers at once for a message from from to to when
// they are not of one channel (21910), or are one WhatsApp address (63031); nil when the
// pair may be sent. An empty from (a Messaging Service picks it) takes to's channel.
func CheckPair(from, to string) *phone.RuleError {
	if from != "" && IsAddress(from) != IsAddress(to) {
		return phone.RuleErrorf(CodeMixedChannels, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel: %s and %s are not.", from, to)
	}
	if IsAddress(to) && from == to {
		return phone.RuleErrorf(CodeSameFromTo, "Channels message cannot have same From and To: %s.", to)
	}
	return nil
}

// Session is what the network knows of one user and one of an account's WhatsApp
// senders: when the user last wrote, and when the user joined the Sandbox (the zero time
// for never, for left, and for a sender that is not the Sandbox).
type Session struct {
	LastInbound time.Time
	JoinedAt    time.Time
}

// InWindow reports whether freeform messages may reach the user at now: the user wrote
// less than Window ago.
func (s Session) InWindow(now time.Time) bool {
	return !s.LastInbound.IsZero() && now.Before(s.LastInbound.Add(Window))
}

// Joined reports whether the user is a member of the Sandbox at now: joined less than
// Membership ago.
func (s Session) Joined(now time.Time) bool {
	return !s.JoinedAt.IsZero() && now.Before(s.JoinedAt.Add(Membership))
}

// Delivery is what decides whether a WhatsApp message reaches its user.
type Delivery struct {
	Sandbox bool // From is the Sandbox
	// Sender: From is a WhatsApp-enabled number of the message's account (the Sandbox
	// always is one).
	Sender  bool
	Session Session
	// Template: the message was sent with a ContentSid; Approved: WhatsApp approved
	// that template.
	Template, Approved bool
	Now                time.Time
}

// Failure is why a WhatsApp message failed: Twilio's code and message.
type Failure struct {
	Code    int
	Message string
}

// Check is the failure of a WhatsApp message on its way, or nil when it is delivered: a
// From that is no WhatsApp sender of the account (63007); on the Sandbox, a user who has
// not joined, or whose membership ran out (63015); outside the 24-hour window, anything
// but a template WhatsApp approved (63016). Inside the window anything goes, templates
// included, approved or not.
func Check(d Delivery) *Failure {
	switch {
	case !d.Sandbox && !d.Sender:
		return &Failure{CodeNoSender, "Twilio could not find a Channel with the specified From address"}
	case d.Sandbox && !d.Session.Joined(d.Now):
		return &Failure{CodeNotJoined, "Channel Sandbox can only send messages to phone numbers that have joined the Sandbox"}
	case d.Session.InWindow(d.Now) || (d.Template && d.Approved):
		return nil
	}
	return &Failure{CodeOutsideWindow, "Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template."}
}

// StatusParams are the parameters Twilio adds to the status callback of a message to
// WhatsApp address to, from sender, now in status: the channel, the recipient's bare
// number, the sender's channel install, whether the message was a template, and the
// event of a delivery receipt ("" for other statuses).
func StatusParams(accountSid, sender, to, status string, template bool) map[string]string {
	p := map[string]string{
		"ChannelPrefix":     "whatsapp",
		"ChannelToAddress":  Number(to),
		"ChannelInstallSid": InstallSid(accountSid, sender),
		"StructuredMessage": "false",
	}
	if template {
		p["StructuredMessage"] = "true"
	}
	if e := map[string]string{"delivered": "DELIVERED", "read": "READ", "undelivered": "UNDELIVERED", "failed": "UNDELIVERED"}[status]; e != "" {
		p["EventType"] = e
	}
	return p
}
