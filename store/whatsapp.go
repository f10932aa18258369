package store

import "time"

// Content is a Content template of an account (Twilio's Content API v1): what a message
// sent with its SID (ContentSid) says, on each channel.
type Content struct {
	Sid          string
	AccountSid   string
	FriendlyName string // "" when not given
	Language     string
	// Variables are the defaults of the template's placeholders, by name ("1", "2"...).
	Variables map[string]string
	// Types is the JSON object of the template's content types ({"twilio/text": {...}}),
	// which the store keeps as given.
	Types []byte
	// Approval is WhatsApp's answer to the template's approval request; its Status is ""
	// until one was made.
	Approval    ContentApproval
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// ContentApproval is a Content template's WhatsApp approval: the name and category it
// was submitted under, the content type reviewed, and the verdict.
type ContentApproval struct {
	Name            string
	Category        string
	ContentType     string
	Status          string
	RejectionReason string
}

// WhatsAppSession is what the network knows of one WhatsApp user and one of an
// account's WhatsApp senders.
type WhatsAppSession struct {
	AccountSid  string
	Sender      string    // the account's address ("whatsapp:+14155238886")
	User        string    // the user's address ("whatsapp:+14155550100")
	LastInbound time.Time // the user's latest message to Sender; zero: none
	JoinedAt    time.Time // the Sandbox: when the user joined; zero: never, or left
}

// WhatsAppInbound is what a WhatsApp user's message does to the user's session with its
// sender, written with the message: it opens the window (LastInbound becomes At, unless
// the session holds a later one), and on the Sandbox joins (JoinedAt becomes At) or
// leaves (JoinedAt becomes zero).
type WhatsAppInbound struct {
	AccountSid, Sender, User string
	At                       time.Time
	Join, Leave              bool
}

// WhatsAppSandbox is how an account set up its WhatsApp Sandbox: where the Sandbox's
// incoming messages go, and the status callback of messages sent from it without one.
// URLs that are not set are "".
type WhatsAppSandbox struct {
	AccountSid     string
	InboundURL     string
	InboundMethod  string
	StatusCallback string
	DateCreated    time.Time
	DateUpdated    time.Time
}
