package server

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Account statuses, as stored and as on the wire.
const (
	statusActive    = "active"
	statusSuspended = "suspended"
	statusClosed    = "closed"
)

// keySidPrefix starts the SID of an API key, which authenticates in place of an Account
// SID (see authenticate).
const keySidPrefix = "SK"

// newAuthToken returns 32 lowercase hex digits: alphanumeric, as twilio-go insists.
func newAuthToken() string { return randomHex() }

func randomHex() string { return hex.EncodeToString(randomKey(16)) }

// randomKey returns n bytes from crypto/rand.
func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

// now is the time stamped on new and updated rows, in UTC and to the second: responses
// show whole seconds, and date filters should agree with what clients were shown.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }

// formatDate renders a time the way every response does: RFC 2822, GMT, "+0000".
func formatDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }
