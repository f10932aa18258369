package api

import "github.com/switchboard-dev/switchboard/internal/messaging"

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

// ValidWebhookURL applies the rule of media URLs to webhooks: an absolute http(s) URL
// with a host, the only kind a request could be sent to.
func ValidWebhookURL(s string) bool { return messaging.ValidMediaURL(s) }
