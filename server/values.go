package server

import (
	"regexp"

	"github.com/switchboard-dev/switchboard/internal/messaging"
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// nonEmpty is nil for "", the way absent strings go on the wire (null).
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

var (
	validAccountSID = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	validToken      = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// validSender accepts what a carrier would: an E.164 number, a short code, or an
// alphanumeric sender ID of at most 11 characters with at least one letter.
func validSender(s string) bool {
	return messaging.ValidNumber(s) || messaging.IsShortCode(s) || messaging.IsAlphaSender(s)
}
