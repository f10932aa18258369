package server

import (
	"net/url"
	"regexp"

	"github.com/nyaruka/phonenumbers"
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
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortCode   = regexp.MustCompile(`^[0-9]{5,6}$`)
	alphaSender = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	hasLetter   = regexp.MustCompile(`[A-Za-z]`)

	validAccountSID = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	validToken      = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// possibleNumber reports whether s is an E.164 number of a possible length for its
// country. It uses libphonenumber's metadata rather than a bare pattern, which would take
// "+1555" for a number; "possible" rather than "valid" keeps the fictional 555 numbers
// that tests and docs use.
func possibleNumber(s string) bool {
	if !e164.MatchString(s) {
		return false
	}
	n, err := phonenumbers.Parse(s, "")
	return err == nil && phonenumbers.IsPossibleNumber(n)
}

// validSender accepts what a carrier would: an E.164 number, a short code, or an
// alphanumeric sender ID of at most 11 characters with at least one letter.
func validSender(s string) bool {
	return possibleNumber(s) || shortCode.MatchString(s) ||
		(alphaSender.MatchString(s) && hasLetter.MatchString(s))
}

// validMediaURL accepts absolute http(s) URLs with a host: the only kind a carrier could
// fetch.
func validMediaURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
