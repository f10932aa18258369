package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-dev/switchboard/store"
)

// Account statuses, as stored and as on the wire.
const (
	AccountActive    = "active"
	AccountSuspended = "suspended"
	AccountClosed    = "closed"
)

// KeySidPrefix starts the SID of an API key, which authenticates in place of an Account
// SID.
const KeySidPrefix = "SK"

type credentialsKey struct{}

// Credentials is who made a request: the account, and whether it authenticated with a
// Standard API key, which may do less than the auth token.
type Credentials struct {
	Account     store.Account
	StandardKey bool
}

// WithCredentials is ctx carrying the request's credentials, as authentication found
// them, for the handlers.
func WithCredentials(ctx context.Context, c Credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// Caller is the authenticated account of the request.
func Caller(ctx context.Context) store.Account {
	c, _ := ctx.Value(credentialsKey{}).(Credentials)
	return c.Account
}

// StandardKey reports whether the request authenticated with a Standard API key.
func StandardKey(ctx context.Context) bool {
	c, _ := ctx.Value(credentialsKey{}).(Credentials)
	return c.StandardKey
}

// AccountFinder finds an account by SID. The server's credential cache is one: it reads
// the store only when some account or key changed.
type AccountFinder interface {
	Account(ctx context.Context, sid string) (store.Account, error)
}

// OwnAccount returns the account named by a path, which must be the caller's own or one
// of its subaccounts. Any other account, existing or not, gets the same answer as bad
// credentials, so that nobody learns which SIDs exist.
func OwnAccount(ctx context.Context, accounts AccountFinder, sid string) (store.Account, error) {
	me := Caller(ctx)
	if sid == me.Sid {
		return me, nil
	}
	if StandardKey(ctx) { // a Standard key is its own account's only, as Twilio scopes it
		return store.Account{}, ErrAuthenticate
	}
	acct, err := accounts.Account(ctx, sid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && acct.ParentSid != me.Sid) {
		return store.Account{}, ErrAuthenticate
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("account %s: %w", sid, err)
	}
	return acct, nil
}

// ActiveAccount is OwnAccount for resources under the account, which a suspended or
// closed account no longer serves.
func ActiveAccount(ctx context.Context, accounts AccountFinder, sid string) (store.Account, error) {
	acct, err := OwnAccount(ctx, accounts, sid)
	if err != nil {
		return acct, err
	}
	if acct.Status != AccountActive {
		return store.Account{}, ErrTargetInactive
	}
	return acct, nil
}

type anonymousKey struct{}

// WithAnonymous is ctx of a request without credentials for a file that Twilio serves
// without them: a media file, a recording's audio (see FileAccess).
func WithAnonymous(ctx context.Context) context.Context {
	return context.WithValue(ctx, anonymousKey{}, true)
}

// Anonymous reports whether the request came without credentials (WithAnonymous): it has
// no Caller, and its handler must find the file under the path's account before it asks
// FileAccess.
func Anonymous(ctx context.Context) bool {
	anonymous, _ := ctx.Value(anonymousKey{}).(bool)
	return anonymous
}

// FileKind is a kind of file that an account may serve without credentials.
type FileKind int

const (
	MediaFile     FileKind = iota // a message's media file (the account's MediaAuth)
	RecordingFile                 // a recording's audio (its RecordingAuth)
)

// FileAccess says whether an anonymous request may have a file of kind of the account
// sid, once the handler found the file under that account: its URL is then right, SIDs
// and all, so the answer tells nothing the URL did not (a wrong SID anywhere is 404,
// before this is asked). The account must be active (ErrTargetInactive), and must not ask
// for credentials for that kind of file (ErrAuthenticate, as for any request without
// them).
func FileAccess(ctx context.Context, accounts AccountFinder, sid string, kind FileKind) error {
	acct, err := accounts.Account(ctx, sid)
	if err != nil {
		return fmt.Errorf("account %s: %w", sid, err)
	}
	if acct.Status != AccountActive {
		return ErrTargetInactive
	}
	if (kind == MediaFile && acct.MediaAuth) || (kind == RecordingFile && acct.RecordingAuth) {
		return ErrAuthenticate
	}
	return nil
}

type baseURLKey struct{}

// WithBaseURL is ctx carrying the scheme and host the client called: the v1 and v2
// APIs answer with absolute URLs, as Twilio's do, and they must point back at this
// server however the client reached it.
func WithBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, base)
}

// BaseURL is where the client reached this server, e.g. http://127.0.0.1:8080.
func BaseURL(ctx context.Context) string {
	base, _ := ctx.Value(baseURLKey{}).(string)
	return base
}
