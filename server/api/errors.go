// Package api is what the handlers of every API family share: the error a client is
// meant to see and Twilio's error codes, the caller of a request and the checks of the
// account a path names, paging and the streamed page writer, and the small helpers of
// the wire format (dates, optional values). The families (server/accounts,
// server/messages...) import it; it imports none of them, nor package server, which
// turns every other error into a wire error (toAPIError).
package api

import (
	"fmt"
	"net/http"
	"strings"
)

// Error is an error the client is meant to see: Twilio's error code, the HTTP status,
// and a message for a person. Handlers return it for the domain rules they enforce;
// package server turns everything else into one (toAPIError).
type Error struct {
	Status  int
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

// BadRequest is a 400 with code and a message made as by fmt.Sprintf.
func BadRequest(code int, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the answer for a path that names no resource; the message quotes the
// path, as Twilio's does.
func NotFound(path string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound,
		Message: fmt.Sprintf("The requested resource %s was not found", path)}
}

// Twilio's error codes that Switchboard uses, named for readability at the call sites.
const (
	CodeInvalidParameter  = 20001
	CodeAuthenticate      = 20003
	CodeMethodNotAllowed  = 20004
	CodeAccountNotActive  = 20005
	CodeNotFound          = 20404
	CodeForbidden         = 20403
	CodeTooManyRequests   = 20429
	CodeInternal          = 20500
	CodeUnavailable       = 20503
	CodeCallToRequired    = 21201
	CodeCallURLInvalid    = 21205
	CodeCallFromRequired  = 21213
	CodeApplicationSid    = 21218
	CodeToInvalid         = 21211
	CodeSubaccountLimit   = 21480
	CodeFromInvalid       = 21212
	CodeBodyRequired      = 21602
	CodeFromRequired      = 21603
	CodeToRequired        = 21604
	CodeBodyTooLong       = 21617
	CodeMediaURLInvalid   = 21620
	CodeStatusCallback    = 21609 // a message's StatusCallback
	CodeTooManyMediaURLs  = 21623
	CodeURLInvalid        = 21402 // a phone number's webhook URL
	CodeNumberInvalid     = 21421
	CodeNumberUnavailable = 21422
	CodeAreaCodeInvalid   = 21451
	CodeAreaCodeEmpty     = 21452
	// Messaging Service sender pools.
	CodeNumberInOtherService  = 21712
	CodePoolFull              = 21714
	CodeNoMessagingCapability = 21715
	CodeLookupInvalidParam    = 60200 // Twilio's Account Security APIs' (Verify, Lookup v2)
	CodeScheduleWindow        = 35114
)

var (
	// ErrAuthenticate is also the answer for another account's path, so that nobody can
	// learn whether an account exists.
	ErrAuthenticate = &Error{Status: http.StatusUnauthorized, Code: CodeAuthenticate, Message: "Authenticate"}
	// ErrTargetInactive: the account a path names is suspended or closed.
	ErrTargetInactive = &Error{Status: http.StatusForbidden, Code: CodeAccountNotActive, Message: "Account is not active"}
)

// fixedMessages words the errors whose message Twilio fixes, given the offending value.
var fixedMessages = map[int]func(value string) string{
	CodeToRequired:       func(string) string { return "A 'To' phone number is required." },
	CodeCallToRequired:   func(string) string { return "A 'To' phone number is required." },
	CodeCallFromRequired: func(string) string { return "A 'From' phone number is required." },
	CodeToInvalid: func(v string) string {
		return fmt.Sprintf("The 'To' number %s is not a valid phone number.", v) + PlusHint(v)
	},
	CodeBodyTooLong:      func(string) string { return "The concatenated message body exceeds the 1600 character limit." },
	CodeTooManyMediaURLs: func(string) string { return "The number of media URLs exceeds the limit of 10." },
}

// FixedError is the 400 of a code whose message Twilio fixes, worded for the offending
// value; nil for a code without one. The handlers and the validator (for the same rules
// found by the spec) answer alike through it.
func FixedError(code int, value string) *Error {
	message, ok := fixedMessages[code]
	if !ok {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message(value)}
}

// PlusHint explains the most common cause of a phone number starting with a space: a
// '+' sent unencoded in a form body (curl -d), which form decoding reads as a space.
func PlusHint(number string) string {
	if strings.HasPrefix(number, " ") {
		return " A '+' in a form body stands for a space: send it as %2B (curl --data-urlencode does)."
	}
	return ""
}
