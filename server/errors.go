package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/feed"
	"github.com/switchboard-dev/switchboard/internal/lookup"
	"github.com/switchboard-dev/switchboard/internal/phone"
	"github.com/switchboard-dev/switchboard/internal/verify"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// Errors that only the server's own plumbing answers with; those of the handlers are
// package api's.
var (
	errCallerInactive = &api.Error{Status: http.StatusUnauthorized, Code: api.CodeAccountNotActive, Message: "Account is not active"}
	errTooManyReqs    = &api.Error{Status: http.StatusTooManyRequests, Code: api.CodeTooManyRequests, Message: "Too Many Requests"}
	// errUnavailable: the database cannot serve the request now (store.ErrUnavailable):
	// with SQLite, another process (a backup, the sqlite3 shell) held its lock for longer
	// than the store waits; with PostgreSQL, the server cannot be reached, or a lock was
	// not granted within lock_timeout. Twilio's 20503 is "service unavailable, try again".
	errUnavailable = &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeUnavailable,
		Message: "Service unavailable: the database cannot be reached or is locked; try again shortly"}
	errBodyTooLarge = &api.Error{Status: http.StatusRequestEntityTooLarge, Code: api.CodeInvalidParameter, Message: "Request body too large (limit 1 MB)"}
	// errTooManyStreams: the account holds as many event streams as it may.
	errTooManyStreams = &api.Error{Status: http.StatusTooManyRequests, Code: api.CodeTooManyRequests,
		Message: "Too many event streams open for this account; close one before opening another"}
	// errTooManyFailures does not say whether the source or the account is throttled.
	errTooManyFailures = &api.Error{Status: http.StatusTooManyRequests, Code: api.CodeTooManyRequests,
		Message: "Too many failed login attempts; try again later"}
)

// toAPIError is the one place where a Go error becomes the error object on the wire.
// path is the request path, quoted in "not found" messages as Twilio does.
func toAPIError(err error, path string) *api.Error {
	var (
		ae        *api.Error
		rule      *phone.RuleError
		reqErr    *openapi3filter.RequestError
		he        *echo.HTTPError
		paramErr  *lookup.ParamError
		verifyErr *verify.Error
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &rule):
		return &api.Error{Status: cmp.Or(rule.Status, http.StatusBadRequest), Code: rule.Code, Message: rule.Message}
	case errors.As(err, &verifyErr):
		return &api.Error{Status: verifyErr.Status, Code: verifyErr.Code, Message: verifyErr.Message}
	case errors.As(err, &paramErr):
		return &api.Error{Status: http.StatusBadRequest, Code: api.CodeLookupInvalidParam, Message: paramErr.Error()}
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		// Also when the validator met it reading a chunked body, which has no
		// Content-Length to refuse up front.
		return errBodyTooLarge
	case errors.Is(err, store.ErrNotFound):
		return api.NotFound(path)
	case errors.Is(err, feed.ErrLimit):
		return errTooManyStreams
	case errors.As(err, &reqErr):
		return validationError(reqErr, path)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return api.NotFound(path)
		case http.StatusMethodNotAllowed:
			return &api.Error{Status: he.Code, Code: api.CodeMethodNotAllowed, Message: "Method not allowed"}
		case http.StatusUnauthorized:
			return api.ErrAuthenticate
		case http.StatusTooManyRequests:
			return errTooManyReqs
		}
		if he.Code >= 400 && he.Code < 500 {
			return &api.Error{Status: he.Code, Code: api.CodeInvalidParameter, Message: fmt.Sprint(he.Message)}
		}
	case errors.Is(err, store.ErrUnavailable):
		return errUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return &api.Error{Status: http.StatusServiceUnavailable, Code: api.CodeUnavailable, Message: "The request timed out"}
	}
	return &api.Error{Status: http.StatusInternalServerError, Code: api.CodeInternal, Message: "Internal Server Error"}
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
	{"CreateMessage", "To", "required"}:           api.CodeToRequired,
	{"CreateMessage", "To", ""}:                   api.CodeToInvalid,
	{"CreateMessage", "Body", "maxLength"}:        api.CodeBodyTooLong,
	{"CreateMessage", "MediaUrl", "maxItems"}:     api.CodeTooManyMediaURLs,
	{"CreateIncomingPhoneNumber", "AreaCode", ""}: api.CodeAreaCodeInvalid,
	{"CreateCall", "To", "required"}:              api.CodeCallToRequired,
	{"CreateCall", "To", ""}:                      api.CodeToInvalid,
	{"CreateCall", "From", "required"}:            api.CodeCallFromRequired,
}

// verifyTag is the tag of Verify's operations, whose invalid parameters are Verify's
// 60200 ("Invalid parameter: To"), as Twilio answers them, rather than 20001.
const verifyTag = "Verify"

// validationError turns a failed check against openapi.yaml into Twilio's error.
func validationError(reqErr *openapi3filter.RequestError, path string) *api.Error {
	operation, verifyOp := "", false
	if in := reqErr.Input; in != nil && in.Route != nil && in.Route.Operation != nil {
		operation = in.Route.Operation.OperationID
		verifyOp = slices.Contains(in.Route.Operation.Tags, verifyTag)
	}
	if ae := verifyValidationError(reqErr, verifyOp); ae != nil {
		return ae
	}

	if p := reqErr.Parameter; p != nil {
		if p.In == openapi3.ParameterInPath {
			// A path that cannot name a resource is answered like one naming a missing
			// resource; an account SID like one naming another account.
			if p.Name == "AccountSid" || operation == "FetchAccount" || operation == "UpdateAccount" {
				return api.ErrAuthenticate
			}
			return api.NotFound(path)
		}
		return api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: %s", p.Name, reasonOf(reqErr))
	}

	if reqErr.RequestBody != nil && strings.HasPrefix(reqErr.Reason, "header Content-Type has unexpected value") {
		return wrongContentType(reqErr)
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(reqErr.Err, &parseErr) && len(parseErr.Path()) > 0 {
		// A form value that is not of its parameter's type (ValidityPeriod=abc).
		return api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %v: %s", parseErr.Path()[0], parseReason(parseErr))
	}
	var schemaErr *openapi3.SchemaError
	if !errors.As(reqErr.Err, &schemaErr) {
		return api.BadRequest(api.CodeInvalidParameter, "Invalid request: %s", reasonOf(reqErr))
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
		return api.BadRequest(api.CodeInvalidParameter, "Invalid parameter %s: %s", field, schemaErr.Reason)
	}
	value, _ := schemaErr.Value.(string)
	if ae := api.FixedError(code, value); ae != nil {
		return ae
	}
	return api.BadRequest(code, "Invalid parameter %s: %s", field, schemaErr.Reason)
}

// verifyValidationError is Verify's 60200 for a parameter of one of its operations that
// fails the spec, named as Twilio names it; nil for other operations, and for what
// Verify answers like every other API (a path that names no resource, a body of another
// content type).
func verifyValidationError(reqErr *openapi3filter.RequestError, verifyOp bool) *api.Error {
	if !verifyOp {
		return nil
	}
	if p := reqErr.Parameter; p != nil {
		if p.In == openapi3.ParameterInPath {
			return nil
		}
		return verifyInvalid(p.Name)
	}
	if reqErr.RequestBody != nil && strings.HasPrefix(reqErr.Reason, "header Content-Type has unexpected value") {
		return nil
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(reqErr.Err, &parseErr) && len(parseErr.Path()) > 0 {
		return verifyInvalid(fmt.Sprint(parseErr.Path()[0]))
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(reqErr.Err, &schemaErr) {
		if ptr := schemaErr.JSONPointer(); len(ptr) > 0 {
			return verifyInvalid(ptr[0])
		}
	}
	// No body at all: the first parameter it requires is missing.
	if rb := reqErr.RequestBody; rb != nil {
		if mt := rb.Content.Get("application/x-www-form-urlencoded"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil &&
			len(mt.Schema.Value.Required) > 0 {
			return verifyInvalid(mt.Schema.Value.Required[0])
		}
	}
	return nil
}

func verifyInvalid(name string) *api.Error {
	e := verify.InvalidParameter(name, "")
	return &api.Error{Status: e.Status, Code: e.Code, Message: e.Message}
}

// wrongContentType answers a body in another format than Twilio's (JSON and multipart
// forms are the usual ones): it says which format is expected and how to send it.
func wrongContentType(reqErr *openapi3filter.RequestError) *api.Error {
	got := ""
	if in := reqErr.Input; in != nil && in.Request != nil {
		got, _, _ = strings.Cut(in.Request.Header.Get("Content-Type"), ";")
	}
	return api.BadRequest(api.CodeInvalidParameter,
		"The request body is %s; this API reads application/x-www-form-urlencoded bodies only, as Twilio's does "+
			"(e.g. curl --data-urlencode 'To=+14155550100', or URLSearchParams in JavaScript).", cmp.Or(got, "of no declared type"))
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
