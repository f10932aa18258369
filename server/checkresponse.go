package server

import (
	"bytes"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
)

// MsgResponseMismatch is the log message of a response that does not match openapi.yaml;
// test suites that drive the binary with --check-responses look for it.
const MsgResponseMismatch = "response does not match openapi.yaml"

// The event stream's body is text (its schema a string); kin-openapi decodes no
// text/event-stream of its own.
func init() {
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.FileBodyDecoder)
}

// checkResponse validates what the route answers, errors included, against its operation
// in openapi.yaml and logs any mismatch. It is off unless Config.CheckResponses is set:
// it copies every response, which a server in a test suite can afford and a busy one
// need not pay for.
func (s *Server) checkResponse(route *routers.Route) echo.MiddlewareFunc {
	options := &openapi3filter.Options{IncludeResponseStatus: true}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rec := &recordingWriter{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rec
			if err := next(c); err != nil {
				c.Error(err) // write it now, to see it; the logger upstream sees no error
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: c.Request(), PathParams: pathParams(c), Route: route},
				Status:                 c.Response().Status,
				Header:                 c.Response().Header(),
				Options:                options,
			}
			in.SetBodyBytes(rec.body.Bytes())
			if err := openapi3filter.ValidateResponse(c.Request().Context(), in); err != nil {
				s.log.ErrorContext(c.Request().Context(), MsgResponseMismatch,
					slog.String("method", c.Request().Method),
					slog.String("path", c.Request().URL.Path),
					slog.Int("status", c.Response().Status),
					slog.String("error", err.Error()))
			}
			return nil
		}
	}
}

// recordingWriter keeps a copy of the body it writes.
type recordingWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer: the event stream
// flushes each event.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
