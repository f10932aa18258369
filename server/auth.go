package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/switchboard-dev/switchboard/store"
)

type callerKey struct{}

// caller is the authenticated account of the request.
func caller(ctx context.Context) store.Account {
	a, _ := ctx.Value(callerKey{}).(store.Account)
	return a
}

// dummyToken is compared against when the SID is unknown, so that a wrong SID takes as
// long to refuse as a wrong token.
const dummyToken = "00000000000000000000000000000000"

// authenticate checks HTTP Basic credentials (Account SID, auth token) and puts the
// account in the request context for the handlers.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sid, token, ok := c.Request().BasicAuth()
		if !ok {
			return errAuthenticate
		}
		// Failed logins are throttled before anything else is done for them.
		source := sourceAddress(c.Request())
		if ok, wait := s.failures.Allow(source, sid); !ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
			return errTooManyFailures
		}
		ctx := c.Request().Context()
		acct, err := s.store.GetAccount(ctx, sid)
		switch {
		case errors.Is(err, store.ErrNotFound):
			subtle.ConstantTimeCompare([]byte(token), []byte(dummyToken))
			s.failures.Fail(source, "")
			return errAuthenticate
		case err != nil:
			return fmt.Errorf("authenticate: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(acct.AuthToken)) != 1 {
			s.failures.Fail(source, acct.Sid)
			return errAuthenticate
		}
		if acct.Status != statusActive {
			return errCallerInactive
		}
		c.SetRequest(c.Request().WithContext(context.WithValue(ctx, callerKey{}, acct)))
		return next(c)
	}
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

// ownAccount returns the account named by a path, which must be the caller's own or one
// of its subaccounts. Any other account, existing or not, gets the same answer as bad
// credentials, so that nobody learns which SIDs exist.
func (s *Server) ownAccount(ctx context.Context, sid string) (store.Account, error) {
	me := caller(ctx)
	if sid == me.Sid {
		return me, nil
	}
	acct, err := s.store.GetAccount(ctx, sid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && acct.ParentSid != me.Sid) {
		return store.Account{}, errAuthenticate
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("account %s: %w", sid, err)
	}
	return acct, nil
}

// activeAccount is ownAccount for resources under the account, which a suspended or
// closed account no longer serves.
func (s *Server) activeAccount(ctx context.Context, sid string) (store.Account, error) {
	acct, err := s.ownAccount(ctx, sid)
	if err != nil {
		return acct, err
	}
	if acct.Status != statusActive {
		return store.Account{}, errTargetInactive
	}
	return acct, nil
}

// rateLimiter limits each authenticated account to perSecond requests, with bursts of
// burst; it runs after authentication, so the key is a real account. nil when off.
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
			return caller(c.Request().Context()).Sid, nil
		},
		ErrorHandler: func(c echo.Context, err error) error { return err },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "1")
			return errTooManyReqs
		},
	})
}
