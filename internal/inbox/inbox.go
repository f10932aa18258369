// Package inbox is the web inbox at /inbox/: a phone on the screen that shows every text
// an app sent and received, lets the developer answer as the customer would, and shows
// what the app's webhooks answered. It is a small TypeScript app (web/, built into dist/
// and embedded in the binary) that calls the public API with the project's own
// TypeScript SDK and follows the API's live event stream; this package only serves it.
//
// The page keeps the credentials it signs in with in the browser tab (sessionStorage) and
// sends them as an Authorization header: no cookie, so no other site can make the
// browser act with them. The one exception, for a server on loopback started with
// --inbox-auto-signin, is /inbox/session, which hands the main account's credentials to
// the page itself (see Config.AutoSignIn).
package inbox

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strings"
)

// dist is the built app (make inbox builds it from web/; CI fails when it is stale).
//
//go:embed dist
var dist embed.FS

// Config configures the inbox.
type Config struct {
	// AutoSignIn, when set, returns the credentials the page signs in with without
	// asking (the main account's). The command sets it only for a server that listens on
	// loopback, and they are given only to a request addressed to a loopback host from
	// the page itself, so that no other site (even one whose name resolves to
	// 127.0.0.1) can read them.
	AutoSignIn func(ctx context.Context) (accountSid, authToken string, err error)
}

// Prefix is where the inbox is served.
const Prefix = "/inbox/"

// contentSecurityPolicy lets the page load only its own files, talk only to this server,
// and show media it fetched itself (blob: URLs); no inline script, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Handler serves the inbox under Prefix.
func Handler(cfg Config) http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded: it is there
	}
	static := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		if r.URL.Path == Prefix+"session" {
			serveSession(w, r, cfg)
			return
		}
		static.ServeHTTP(w, r)
	})
}

// Session is what /inbox/session answers: whether the page signs in by itself, and as
// whom.
type Session struct {
	AutoSignIn bool   `json:"auto_sign_in"`
	AccountSid string `json:"account_sid,omitempty"`
	AuthToken  string `json:"auth_token,omitempty"`
}

func serveSession(w http.ResponseWriter, r *http.Request, cfg Config) {
	w.Header().Set("Cache-Control", "no-store")
	var s Session
	if cfg.AutoSignIn != nil && loopbackHost(r.Host) && sameOrigin(r) {
		sid, token, err := cfg.AutoSignIn(r.Context())
		if err != nil {
			http.Error(w, "auto sign-in: "+err.Error(), http.StatusInternalServerError)
			return
		}
		s = Session{AutoSignIn: true, AccountSid: sid, AuthToken: token}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// loopbackHost reports whether a Host header names this machine by a loopback address
// or localhost: a page of another site that got its name to resolve to 127.0.0.1 (DNS
// rebinding) still sends its own name.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin reports whether a browser says the request comes from this origin's own
// page. Browsers send Sec-Fetch-Site with every request; a request without it is not a
// browser's and can read nothing a browser page could not.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin"
}
