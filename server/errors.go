package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/lookup"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/store"
)

// apiError is an error the client is meant to see: Twilio's error code, the HTTP status,
// and a message for a person. Handlers return it for the domain rules they enforce;
// everything else is turned into one by toAPIError.
type apiError struct {
	Status  int
	Code    int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

func badRequest(code int, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Twilio's error codes that Switchboard uses, named for readability at the call sites.
const (
	codeInvalidParameter  = 20001
	codeAuthenticate      = 20003
	codeMethodNotAllowed  = 20004
	codeAccountNotActive  = 20005
	codeNotFound          = 20404
	codeForbidden         = 20403
	codeTooManyRequests   = 20429
	codeInternal          = 20500
	codeUnavailable       = 20503
	codeCallToRequired    = 21201
	codeCallURLInvalid    = 21205
	codeCallFromRequired  = 21213
	codeApplicationSid    = 21218
	codeToInvalid         = 21211
	codeSubaccountLimit   = 21480
	codeFromInvalid       = 21212
	codeBodyRequired      = 21602
	codeFromRequired      = 21603
	codeToRequired        = 21604
	codeBodyTooLong       = 21617
	codeMediaURLInvalid   = 21620
	codeTooManyMediaURLs  = 21623
	codeURLInvalid        = 21402 // a phone number's webhook URL
	codeNumberInvalid     = 21421
	codeNumberUnavailable = 21422
	codeAreaCodeInvalid   = 21451
	codeAreaCodeEmpty     = 21452
	// Messaging Service sender pools.
	codeNumberInOtherService  = 21712
	codePoolFull              = 21714
	codeNoMessagingCapability = 21715
	codeLookupInvalidParam    = 60200 // Twilio's Account Security APIs' (Verify, Lookup v2)
	codeScheduleWindow        = 35114
	maxBodyLength             = 1600
	maxMediaURLsPerMessage    = 10
)

var (
	// errAuthenticate is also the answer for another account's path, so that nobody can
	// learn whether an account exists.
	errAuthenticate   = &apiError{Status: http.StatusUnauthorized, Code: codeAuthenticate, Message: "Authenticate"}
	errCallerInactive = &apiError{Status: http.StatusUnauthorized, Code: codeAccountNotActive, Message: "Account is not active"}
	errTargetInactive = &apiError{Status: http.StatusForbidden, Code: codeAccountNotActive, Message: "Account is not active"}
	errTooManyReqs    = &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyRequests, Message: "Too Many Requests"}
	// errBusy: another process (a backup, the sqlite3 shell) held the database's lock for
	// longer than the store waits. Twilio's 20503 is "service unavailable, try again".
	errBusy = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
		Message: "Service unavailable: the database is locked by another process; try again shortly"}
	errBodyTooLarge = &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeInvalidParameter, Message: "Request body too large (limit 1 MB)"}
	// errTooManyFailures does not say whether the source or the account is throttled.
	errTooManyFailures = &apiError{Status: http.StatusTooManyRequests, Code: codeTooManyRequests,
		Message: "Too many failed login attempts; try again later"}
)

// toAPIError is the one place where a Go error becomes the error object on the wire.
// path is the request path, quoted in "not found" messages as Twilio does.
func toAPIError(err error, path string) *apiError {
	var (
		ae       *apiError
		rule     *messaging.RuleError
		callRule *voice.RuleError
		reqErr   *openapi3filter.RequestError
		he       *echo.HTTPError
		paramErr *lookup.ParamError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &rule):
		return &apiError{Status: http.StatusBadRequest, Code: rule.Code, Message: rule.Message}
	case errors.As(err, &callRule):
		return &apiError{Status: http.StatusBadRequest, Code: callRule.Code, Message: callRule.Message}
	case errors.As(err, &paramErr):
		return &apiError{Status: http.StatusBadRequest, Code: codeLookupInvalidParam, Message: paramErr.Error()}
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		// Also when the validator met it reading a chunked body, which has no
		// Content-Length to refuse up front.
		return errBodyTooLarge
	case errors.Is(err, store.ErrNotFound):
		return notFound(path)
	case errors.As(err, &reqErr):
		return validationError(reqErr, path)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return notFound(path)
		case http.StatusMethodNotAllowed:
			return &apiError{Status: he.Code, Code: codeMethodNotAllowed, Message: "Method not allowed"}
		case http.StatusUnauthorized:
			return errAuthenticate
		case http.StatusTooManyRequests:
			return errTooManyReqs
		}
		if he.Code >= 400 && he.Code < 500 {
			return &apiError{Status: he.Code, Code: codeInvalidParameter, Message: fmt.Sprint(he.Message)}
		}
	case store.IsBusy(err):
		return errBusy
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: "The request timed out"}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "Internal Server Error"}
}

func notFound(path string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: codeNotFound,
		Message: fmt.Sprintf("The requested resource %s was not found", path)}
}

// fieldRule names one way a request can fail the spec: an operation, a parameter, and the
// JSON Schema keyword that failed ("" matches any keyword).
type fieldRule struct {
	operation string
	field     string
	keyword   string
}

// twilioCodes gives the Twilio error code for spec violations that have one of their own.
// Anything not listed is 20001 (invalid parameter).
var twilioCodes = map[fieldRule]int{
	{"CreateMessage", "To", "required"}:           codeToRequired,
	{"CreateMessage", "To", ""}:                   codeToInvalid,
	{"CreateMessage", "Body", "maxLength"}:        codeBodyTooLong,
	{"CreateMessage", "MediaUrl", "maxItems"}:     codeTooManyMediaURLs,
	{"CreateIncomingPhoneNumber", "AreaCode", ""}: codeAreaCodeInvalid,
	{"CreateCall", "To", "required"}:              codeCallToRequired,
	{"CreateCall", "To", ""}:                      codeToInvalid,
	{"CreateCall", "From", "required"}:            codeCallFromRequired,
}

// codeMessages words the errors whose message Twilio fixes, given the offending value.
var codeMessages = map[int]func(value string) string{
	codeToRequired:       func(string) string { return "A 'To' phone number is required." },
	codeCallToRequired:   func(string) string { return "A 'To' phone number is required." },
	codeCallFromRequired: func(string) string { return "A 'From' phone number is required." },
	codeToInvalid: func(v string) string {
		return fmt.Sprintf("The 'To' number %s is not a valid phone number.", v) + plusHint(v)
	},
	codeBodyTooLong:      func(string) string { return "The concatenated message body exceeds the 1600 character limit." },
	codeTooManyMediaURLs: func(string) string { return "The number of media URLs exceeds the limit of 10." },
}

// validationError turns a failed check against openapi.yaml into Twilio's error.
func validationError(reqErr *openapi3filter.RequestError, path string) *apiError {
	operation := ""
	if in := reqErr.Input; in != nil && in.Route != nil && in.Route.Operation != nil {
		operation = in.Route.Operation.OperationID
	}

	if p := reqErr.Parameter; p != nil {
		if p.In == openapi3.ParameterInPath {
			// A path that cannot name a resource is answered like one naming a missing
			// resource; an account SID like one naming another account.
			if p.Name == "AccountSid" || operation == "FetchAccount" || operation == "UpdateAccount" {
				return errAuthenticate
			}
			return notFound(path)
		}
		return badRequest(codeInvalidParameter, "Invalid parameter %s: %s", p.Name, reasonOf(reqErr))
	}

	if reqErr.RequestBody != nil && strings.HasPrefix(reqErr.Reason, "header Content-Type has unexpected value") {
		return wrongContentType(reqErr)
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(reqErr.Err, &parseErr) && len(parseErr.Path()) > 0 {
		// A form value that is not of its parameter's type (ValidityPeriod=abc).
		return badRequest(codeInvalidParameter, "Invalid parameter %v: %s", parseErr.Path()[0], parseReason(parseErr))
	}
	var schemaErr *openapi3.SchemaError
	if !errors.As(reqErr.Err, &schemaErr) {
		return badRequest(codeInvalidParameter, "Invalid request: %s", reasonOf(reqErr))
	}
	field := ""
	if ptr := schemaErr.JSONPointer(); len(ptr) > 0 {
		field = ptr[0]
	}
	code, ok := twilioCodes[fieldRule{operation, field, schemaErr.SchemaField}]
	if !ok {
		code, ok = twilioCodes[fieldRule{operation, field, ""}]
	}
	if !ok {
		return badRequest(codeInvalidParameter, "Invalid parameter %s: %s", field, schemaErr.Reason)
	}
	message, ok := codeMessages[code]
	if !ok {
		return badRequest(code, "Invalid parameter %s: %s", field, schemaErr.Reason)
	}
	value, _ := schemaErr.Value.(string)
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: message(value)}
}

// wrongContentType answers a body in another format than Twilio's (JSON and multipart
// forms are the usual ones): it says which format is expected and how to send it.
func wrongContentType(reqErr *openapi3filter.RequestError) *apiError {
	got := ""
	if in := reqErr.Input; in != nil && in.Request != nil {
		got, _, _ = strings.Cut(in.Request.Header.Get("Content-Type"), ";")
	}
	return badRequest(codeInvalidParameter,
		"The request body is %s; this API reads application/x-www-form-urlencoded bodies only, as Twilio's does "+
			"(e.g. curl --data-urlencode 'To=+14155550100', or URLSearchParams in JavaScript).", cmp.Or(got, "of no declared type"))
}

// plusHint explains the most common cause of a phone number starting with a space: a '+'
// sent unencoded in a form body (curl -d), which form decoding reads as a space.
func plusHint(number string) string {
	if strings.HasPrefix(number, " ") {
		return " A '+' in a form body stands for a space: send it as %2B (curl --data-urlencode does)."
	}
	return ""
}

// parseReason says why a form value did not decode, in words for the client.
func parseReason(e *openapi3filter.ParseError) string {
	var inner *openapi3filter.ParseError
	for cause := e.Cause; errors.As(cause, &inner); cause = inner.Cause {
		e = inner
	}
	if e.Reason != "" {
		return e.Reason
	}
	return "not a valid value"
}

// reasonOf gives kin-openapi's reason without its dump of the schema and value.
func reasonOf(reqErr *openapi3filter.RequestError) string {
	var schemaErr *openapi3.SchemaError
	if errors.As(reqErr.Err, &schemaErr) {
		return schemaErr.Reason
	}
	if reqErr.Reason != "" {
		return reqErr.Reason
	}
	if reqErr.Err != nil {
		return reqErr.Err.Error()
	}
	return "invalid"
}

// errorCodeKey is where handleError leaves the Twilio error code it answered with, in the
// echo.Context, for the request log line.
const errorCodeKey = "switchboard.error_code"

// handleError is Echo's HTTPErrorHandler: every error, from a handler, the router, the
// validator or a recovered panic, leaves the server as a Twilio error object.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	// The escaped path: the 404 message quotes it, and must not carry markup back.
	ae := toAPIError(err, c.Request().URL.EscapedPath())
	c.Set(errorCodeKey, ae.Code) // for the request log
	if ae.Status >= 500 {
		s.log.ErrorContext(c.Request().Context(), "request failed", slog.String("path", c.Request().URL.Path), slog.Any("error", err))
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="Twilio API"`)
	case http.StatusServiceUnavailable:
		c.Response().Header().Set("Retry-After", "1")
	}
	body := gen.Error{
		Code:     ae.Code,
		Message:  ae.Message,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", ae.Code),
		Status:   ae.Status,
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(ae.Status)
	} else {
		err = c.JSON(ae.Status, body)
	}
	if err != nil {
		s.log.ErrorContext(c.Request().Context(), "write error response", slog.Any("error", err))
	}
}
