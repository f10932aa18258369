// Package phone is what Switchboard's messaging network and its telephone network share:
// what a phone number is (E.164 of a possible length, a short code, an alphanumeric
// sender) and which country it belongs to, Twilio's magic sender, the one error type for a
// request the network refuses by its rules, and the webhook jobs both networks write:
// the request, its record (a WebhookDelivery) and its retries.
//
// The rules that differ between texts and calls (Twilio documents different test numbers
// for each, say) stay in internal/messaging and internal/voice.
package phone

import "fmt"

// MagicFrom is Twilio's magic sender: every account may send texts and place calls from
// it without owning it, as with Twilio's test credentials.
const MagicFrom = "+15005550006"

// RuleError is a request the network refuses for one of Twilio's rules, with Twilio's code
// and message. It is always the client's fault: HTTP 400, or Status when set (413 for an
// account over its media quota).
type RuleError struct {
	Code    int
	Message string
	Status  int
}

func (e *RuleError) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Message) }

// RuleErrorf is a RuleError with code and a message formatted as by fmt.Sprintf.
func RuleErrorf(code int, format string, args ...any) *RuleError {
	return &RuleError{Code: code, Message: fmt.Sprintf(format, args...)}
}
