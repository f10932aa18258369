package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// MainAccountOutcome says what EnsureMainAccount did.
type MainAccountOutcome int

const (
	MainAccountReused     MainAccountOutcome = iota // it existed, with the token asked for (if any)
	MainAccountCreated                              // a new database: the account was made
	MainAccountTokenReset                           // it existed; its token was set to the one asked for
)

// EnsureMainAccount makes sure a main account exists and returns it. With accountSid and
// token set (fixed credentials, for CI), that account is created or its token reset to token;
// without, the first main account is reused or, on a new database, created with fresh
// credentials.
func EnsureMainAccount(ctx context.Context, st MainAccountStore, accountSid, token string) (store.Account, MainAccountOutcome, error) {
	return ensureMainAccount(ctx, st, accountSid, token, false)
}

func ensureMainAccount(ctx context.Context, st MainAccountStore, accountSid, token string, retried bool) (a store.Account, outcome MainAccountOutcome, err error) {
	if (accountSid == "") != (token == "") {
		return a, 0, errors.New("ensure main account: account SID and auth token go together")
	}
	if accountSid != "" && !validAccountSID.MatchString(accountSid) {
		return a, 0, fmt.Errorf("ensure main account: account SID %q is not AC followed by 32 lowercase hex digits", accountSid)
	}
	if token != "" && !validToken.MatchString(token) {
		return a, 0, errors.New("ensure main account: auth token must be 1 to 64 letters and digits (the official SDKs refuse anything else)")
	}

	if accountSid != "" {
		a, err = st.GetAccount(ctx, accountSid)
	} else {
		a, err = st.FirstMainAccount(ctx)
	}
	switch {
	case err == nil && a.ParentSid != "":
		return a, 0, fmt.Errorf("ensure main account: %s is a subaccount", accountSid)
	case err == nil && token != "" && token != a.AuthToken:
		a, err = st.SetAuthToken(ctx, a.Sid, token, startTime())
		return a, MainAccountTokenReset, wrapErr("ensure main account", err)
	case err == nil:
		return a, MainAccountReused, nil
	case !errors.Is(err, store.ErrNotFound):
		return a, 0, fmt.Errorf("ensure main account: %w", err)
	}

	t := startTime()
	a = store.Account{Sid: accountSid, AuthToken: token, FriendlyName: "Switchboard main account",
		Status: api.AccountActive, DateCreated: t, DateUpdated: t}
	if a.Sid == "" {
		a.Sid, a.AuthToken = sid.New("AC"), newAuthToken()
	}
	created, err := st.CreateAccount(ctx, a)
	if errors.Is(err, store.ErrConflict) && accountSid != "" && !retried {
		// Another replica starting on the same new database made it first: take
		// theirs (and set the token, as for an account that existed).
		return ensureMainAccount(ctx, st, accountSid, token, true)
	}
	return created, MainAccountCreated, wrapErr("ensure main account", err)
}

// MainAccountStore is what EnsureMainAccount needs.
type MainAccountStore interface {
	GetAccount(ctx context.Context, sid string) (store.Account, error)
	FirstMainAccount(ctx context.Context) (store.Account, error)
	CreateAccount(ctx context.Context, a store.Account) (store.Account, error)
	SetAuthToken(ctx context.Context, sid, token string, now time.Time) (store.Account, error)
}

var (
	validAccountSID = regexp.MustCompile(`^AC[0-9a-f]{32}$`)
	validToken      = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// startTime is the time EnsureMainAccount stamps: it runs at start-up, before the
// simulator's clock is read, and the clock of a new database is real time.
func startTime() time.Time { return time.Now().UTC().Truncate(time.Second) }
