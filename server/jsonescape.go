package server

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// plainJSON undoes the HTML-safe escaping of encoding/json ("&" as \u0026, "<" and ">"
// as \u003c and \u003e) in JSON responses. The generated response writers use
// json.Encoder's default, but Twilio sends "&" as is, and page URIs such as
// next_page_uri must read, and paste from curl's output, as the URLs they are. The
// JSON value is unchanged: only the spelling of those three characters is.
func plainJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Writer = &unescapingWriter{ResponseWriter: c.Response().Writer}
		return next(c)
	}
}

// unescapingWriter rewrites JSON bodies as they are written. Each Write is one whole JSON
// document (the generated writers and Echo's c.JSON encode into a buffer first), so an
// escape is never split across writes.
type unescapingWriter struct {
	http.ResponseWriter
}

func (w *unescapingWriter) Write(p []byte) (int, error) {
	if !strings.HasPrefix(w.Header().Get(echo.HeaderContentType), echo.MIMEApplicationJSON) || !bytes.Contains(p, []byte(`\u00`)) {
		return w.ResponseWriter.Write(p)
	}
	if _, err := w.ResponseWriter.Write(unescapeHTML(p)); err != nil {
		return 0, err
	}
	return len(p), nil // the caller wrote all of p, in fewer bytes
}

// Unwrap lets http.ResponseController reach the connection's writer: the event stream
// flushes each event.
func (w *unescapingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// unescapeHTML turns \u0026, \u003c and \u003e into &, < and >. A backslash that is itself
// escaped (\\) is copied with the character after it, so "\\u0026" (a backslash, then
// the text u0026) stays as it is.
func unescapeHTML(p []byte) []byte {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 == len(p) {
			out = append(out, p[i])
			continue
		}
		if p[i+1] == 'u' && i+6 <= len(p) {
			switch string(p[i+2 : i+6]) {
			case "0026":
				out, i = append(out, '&'), i+5
				continue
			case "003c":
				out, i = append(out, '<'), i+5
				continue
			case "003e":
				out, i = append(out, '>'), i+5
				continue
			}
		}
		out, i = append(out, p[i], p[i+1]), i+1
	}
	return out
}
