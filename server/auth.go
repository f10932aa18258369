package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/switchboard-dev/switchboard/internal/apikey"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// dummyToken is compared against when the SID is unknown, so that a wrong SID takes as
// long to refuse as a wrong token.
const dummyToken = "00000000000000000000000000000000"

// authenticate checks HTTP Basic credentials and puts the caller in the request context
// for the handlers. The user name is an Account SID with its auth token as password, or
// an API key SID (SK…) with the key's secret. A Standard key is refused where the
// operation manages accounts or keys (keysRefused), with the same answer as wrong
// credentials, as Twilio does; a Main key goes everywhere the auth token goes.
//
// Failed logins are throttled before anything else is done for them, per source
// address and per user name: an Account SID, or a key SID, whose secret is guessed
// apart from its account's token.
func (s *Server) authenticate(keysRefused bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			user, password, ok := c.Request().BasicAuth()
			if !ok {
				return api.ErrAuthenticate
			}
			source := sourceAddress(c.Request())
			if ok, wait := s.failures.Allow(source, user); !ok {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
				return errTooManyFailures
			}
			ctx := c.Request().Context()
			var (
				cred   api.Credentials
				failed string // what the failure counts against: the user name, "" when it names nothing
				err    error
			)
			if strings.HasPrefix(user, api.KeySidPrefix) {
				cred, failed, err = s.keyCredentials(ctx, user, password)
			} else {
				cred.Account, failed, err = s.tokenCredentials(ctx, user, password)
			}
			if errors.Is(err, api.ErrAuthenticate) {
				s.failures.Fail(source, failed)
			}
			if err != nil {
				return err
			}
			if cred.StandardKey && keysRefused {
				return api.ErrAuthenticate
			}
			if cred.Account.Status != api.AccountActive {
				return errCallerInactive
			}
			c.SetRequest(c.Request().WithContext(api.WithCredentials(ctx, cred)))
			return next(c)
		}
	}
}

// authenticateFile is authenticate for a media file or a recording's audio, which Twilio
// serves without credentials unless the account asks for them (its settings), so that an
// app can hand out their URLs: unguessable, since each SID in them holds 80 random bits
// (internal/sid). A request with credentials is authenticated as any other; one without
// goes on as api.Anonymous, and its handler finds the file under the path's account
// before it asks api.FileAccess whether that account lets it out (401 if not), so that a
// wrong SID anywhere is 404 and nobody learns which accounts exist. With the server's
// --media-auth (requireAll) every request needs credentials.
func (s *Server) authenticateFile(keysRefused, requireAll bool) echo.MiddlewareFunc {
	auth := s.authenticate(keysRefused)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		authenticated := auth(next)
		return func(c echo.Context) error {
			if _, _, ok := c.Request().BasicAuth(); ok || requireAll {
				return authenticated(c)
			}
			c.SetRequest(c.Request().WithContext(api.WithAnonymous(c.Request().Context())))
			return next(c)
		}
	}
}

// tokenCredentials checks an Account SID and auth token. A failure names the account
// for the throttle, or "" for an unknown SID (guesses at SIDs must not fill its table).
func (s *Server) tokenCredentials(ctx context.Context, sid, token string) (acct store.Account, failed string, err error) {
	acct, err = s.creds.Account(ctx, sid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		subtle.ConstantTimeCompare([]byte(token), []byte(dummyToken))
		return store.Account{}, "", api.ErrAuthenticate
	case err != nil:
		return store.Account{}, "", fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(acct.AuthToken)) != 1 {
		return store.Account{}, acct.Sid, api.ErrAuthenticate
	}
	return acct, "", nil
}

// keyCredentials checks an API key SID and secret against the key's stored hash. The key
// comes from the credential cache, which never serves a copy older than the last change
// of any key or account, so a deleted key stops working at once. A failure names the key
// for the throttle, or "" for an unknown key.
func (s *Server) keyCredentials(ctx context.Context, sid, secret string) (api.Credentials, string, error) {
	key, acct, err := s.creds.key(ctx, sid)
	switch {
	case errors.Is(err, store.ErrNotFound):
		apikey.Dummy.Matches(secret)
		return api.Credentials{}, "", api.ErrAuthenticate
	case err != nil:
		return api.Credentials{}, "", fmt.Errorf("authenticate: %w", err)
	}
	if !(apikey.Hashed{Salt: key.SecretSalt, Hash: key.SecretHash}).Matches(secret) {
		return api.Credentials{}, key.Sid, api.ErrAuthenticate
	}
	return api.Credentials{Account: acct, StandardKey: key.Type != store.KeyMain}, "", nil
}

// sourceAddress is the client's IP address, from the connection itself: headers such as
// X-Forwarded-For are the client's to forge.
func sourceAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// keysRefused reports whether a Standard API key is refused on an operation: those of
// the Accounts and Keys resources, as on Twilio.
func keysRefused(op *openapi3.Operation) bool {
	return slices.Contains(op.Tags, tagAccounts) || slices.Contains(op.Tags, tagKeys)
}

// The tags of openapi.yaml whose operations Standard keys may not use.
const (
	tagAccounts = "Accounts"
	tagKeys     = "Keys"
)

// rateLimiter limits each authenticated account to perSecond requests, with bursts of
// burst; it runs after authentication, so the key is a real account (or, for a file
// fetched without credentials, the source address). nil when off.
func rateLimiter(perSecond float64, burst int) echo.MiddlewareFunc {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		// A second's worth, converted only once bounded: a float past int's range has no
		// defined conversion.
		burst = int(min(max(1, perSecond), 1e6))
	}
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(perSecond), Burst: burst,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) {
			if sid := api.Caller(c.Request().Context()).Sid; sid != "" {
				return sid, nil
			}
			// A file fetched without credentials (authenticateFile): by address.
			return "anonymous " + sourceAddress(c.Request()), nil
		},
		ErrorHandler: func(c echo.Context, err error) error { return err },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "1")
			return errTooManyReqs
		},
	})
}
