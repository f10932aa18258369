package api

import (
	"net/url"
	"strings"
)

// APIVersion is the version of Twilio's REST API that the 2010-04-01 resources name.
const APIVersion = "2010-04-01"

// Deref is *p, or the zero value for nil: a parameter not given.
func Deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Ptr is a pointer to v, for the optional fields of the wire format.
func Ptr[T any](v T) *T { return &v }

// NonEmpty is nil for "", the way absent strings go on the wire (null).
func NonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NonZero is nil for 0, the way an absent error code goes on the wire (null).
func NonZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// StrPtr turns a pointer to a generated string enum into a plain *string.
func StrPtr[T ~string](p *T) *string {
	if p == nil {
		return nil
	}
	s := string(*p)
	return &s
}

// MaxURLLength is the longest webhook URL Twilio takes.
const MaxURLLength = 4000

// ValidWebhookURL is Twilio's rule for the URLs it sends requests to: an absolute http or
// https URL of at most MaxURLLength characters whose host is a host name (letters,
// digits, hyphens and dots: no underscore), an IPv4 address or a bracketed IPv6 one.
// Credentials in it are fine: apps use them for HTTP authentication.
func ValidWebhookURL(s string) bool {
	if len(s) > MaxURLLength {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" {
		return false
	}
	host := u.Hostname()
	if strings.Contains(u.Host, "[") { // an IPv6 literal: url.Parse checked it
		return host != ""
	}
	return validHostName(host)
}

// validHostName: labels of letters, digits and hyphens (not at a label's ends),
// separated by dots.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
