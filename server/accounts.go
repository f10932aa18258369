package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const accountsPath = "/2010-04-01/Accounts"

// maxSubaccounts is Twilio's default limit of subaccounts per main account; closed ones
// do not count.
const maxSubaccounts = 1000

// ListAccounts implements gen.StrictServerInterface: the caller and, for a main account,
// its subaccounts.
func (s *Server) ListAccounts(ctx context.Context, req gen.ListAccountsRequestObject) (gen.ListAccountsResponseObject, error) {
	me := api.Caller(ctx)
	p := req.Params
	filter := store.AccountFilter{Sid: me.Sid, IncludeChildren: me.ParentSid == "", FriendlyName: api.Deref(p.FriendlyName)}
	filters := url.Values{}
	if p.FriendlyName != nil {
		filters.Set("FriendlyName", *p.FriendlyName)
	}
	if p.Status != nil {
		filter.Status = string(*p.Status)
		filters.Set("Status", filter.Status)
	}

	pr := api.NewPageRequest(me.Sid, accountsPath+".json", filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(s.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := s.store.ListAccounts(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}

	out := gen.ListAccounts200JSONResponse{Accounts: make([]gen.Account, len(rows))}
	for i, a := range rows {
		out.Accounts[i] = accountOut(a)
	}
	l := pr.Links(s.tokens, accountsPath+".json", filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// CreateAccount implements gen.StrictServerInterface: a new subaccount of the caller.
func (s *Server) CreateAccount(ctx context.Context, req gen.CreateAccountRequestObject) (gen.CreateAccountResponseObject, error) {
	me := api.Caller(ctx)
	if me.ParentSid != "" {
		return nil, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden, Message: "A subaccount cannot create subaccounts."}
	}
	t := api.Now()
	name := "SubAccount Created at " + t.Format("2006-01-02 03:04 pm")
	if req.Body != nil && req.Body.FriendlyName != nil && *req.Body.FriendlyName != "" {
		name = *req.Body.FriendlyName
	}
	a, err := s.store.CreateSubaccount(ctx, store.Account{
		Sid:          sid.New("AC"),
		ParentSid:    me.Sid,
		FriendlyName: name,
		Status:       api.AccountActive,
		AuthToken:    newAuthToken(),
		DateCreated:  t,
		DateUpdated:  t,
	}, maxSubaccounts)
	if errors.Is(err, store.ErrLimit) {
		return nil, api.BadRequest(api.CodeSubaccountLimit, "Reached maximum number of subaccounts (%d); close one to create another.", maxSubaccounts)
	}
	if err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	return gen.CreateAccount201JSONResponse(accountOut(a)), nil
}

// FetchAccount implements gen.StrictServerInterface.
func (s *Server) FetchAccount(ctx context.Context, req gen.FetchAccountRequestObject) (gen.FetchAccountResponseObject, error) {
	a, err := api.OwnAccount(ctx, s.creds, req.Sid)
	if err != nil {
		return nil, err
	}
	return gen.FetchAccount200JSONResponse(accountOut(a)), nil
}

// UpdateAccount implements gen.StrictServerInterface. Only a parent changes a status, so
// that an account can neither lock itself out nor undo its parent's suspension.
func (s *Server) UpdateAccount(ctx context.Context, req gen.UpdateAccountRequestObject) (gen.UpdateAccountResponseObject, error) {
	a, err := api.OwnAccount(ctx, s.creds, req.Sid)
	if err != nil {
		return nil, err
	}
	u := store.AccountUpdate{Now: api.Now()}
	if req.Body != nil {
		u.FriendlyName = req.Body.FriendlyName
		if req.Body.Status != nil {
			u.Status = api.Ptr(string(*req.Body.Status))
		}
	}
	if u.Status != nil && a.Sid == api.Caller(ctx).Sid {
		return nil, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden, Message: "An account cannot change its own status; its parent account can."}
	}
	a, err = s.store.UpdateAccount(ctx, a.Sid, u)
	if errors.Is(err, store.ErrConflict) {
		return nil, api.BadRequest(api.CodeInvalidParameter, "Account %s is closed; a closed account cannot be reopened.", req.Sid)
	}
	if err != nil {
		return nil, fmt.Errorf("update account: %w", err)
	}
	return gen.UpdateAccount200JSONResponse(accountOut(a)), nil
}

// accountOut renders a stored account in the wire format.
func accountOut(a store.Account) gen.Account {
	owner := a.ParentSid
	if owner == "" {
		owner = a.Sid
	}
	path := accountsPath + "/" + a.Sid
	return gen.Account{
		Sid:             a.Sid,
		OwnerAccountSid: owner,
		FriendlyName:    a.FriendlyName,
		Status:          gen.AccountStatus(a.Status),
		Type:            gen.AccountTypeFull,
		AuthToken:       a.AuthToken,
		DateCreated:     api.FormatDate(a.DateCreated),
		DateUpdated:     api.FormatDate(a.DateUpdated),
		Uri:             path + ".json",
		SubresourceUris: map[string]string{
			"messages":                path + "/Messages.json",
			"incoming_phone_numbers":  path + "/IncomingPhoneNumbers.json",
			"available_phone_numbers": path + "/AvailablePhoneNumbers.json",
			"calls":                   path + "/Calls.json",
			"recordings":              path + "/Recordings.json",
		},
	}
}

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
func EnsureMainAccount(ctx context.Context, st MainAccountStore, accountSid, token string) (a store.Account, outcome MainAccountOutcome, err error) {
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
		a, err = st.SetAuthToken(ctx, a.Sid, token, api.Now())
		return a, MainAccountTokenReset, wrapErr("ensure main account", err)
	case err == nil:
		return a, MainAccountReused, nil
	case !errors.Is(err, store.ErrNotFound):
		return a, 0, fmt.Errorf("ensure main account: %w", err)
	}

	t := api.Now()
	a = store.Account{Sid: accountSid, AuthToken: token, FriendlyName: "Switchboard main account",
		Status: api.AccountActive, DateCreated: t, DateUpdated: t}
	if a.Sid == "" {
		a.Sid, a.AuthToken = sid.New("AC"), newAuthToken()
	}
	a, err = st.CreateAccount(ctx, a)
	return a, MainAccountCreated, wrapErr("ensure main account", err)
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

// newAuthToken returns 32 lowercase hex digits: alphanumeric, as twilio-go insists.
func newAuthToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
