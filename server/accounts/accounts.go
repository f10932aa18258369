// Package accounts serves the Accounts and Keys resources of the 2010-04-01 API: an
// account and its subaccounts, and the API keys that authenticate in place of an auth
// token (with Switchboard's own POST /switchboard/v1/Accounts/{AccountSid}/Keys, which
// makes Main keys too), and Switchboard's /switchboard/v1/Accounts/{AccountSid}/Settings,
// what Twilio keeps in its Console. EnsureMainAccount makes the main account a new
// database starts with.
package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const accountsPath = "/2010-04-01/Accounts"

// maxSubaccounts is Twilio's default limit of subaccounts per main account; closed ones
// do not count.
const maxSubaccounts = 1000

// Store is what the Accounts and Keys handlers read and write.
type Store interface {
	CreateSubaccount(ctx context.Context, a store.Account, limit int) (store.Account, error)
	UpdateAccount(ctx context.Context, sid string, u store.AccountUpdate) (store.Account, error)
	ListAccounts(ctx context.Context, f store.AccountFilter, p store.Page) ([]store.Account, bool, error)

	CreateKey(ctx context.Context, k store.APIKey) (store.APIKey, error)
	GetKey(ctx context.Context, accountSid, sid string) (store.APIKey, error)
	RenameKey(ctx context.Context, accountSid, sid, friendlyName string, now time.Time) (store.APIKey, error)
	DeleteKey(ctx context.Context, accountSid, sid string) error
	ListKeys(ctx context.Context, accountSid string, p store.Page) ([]store.APIKey, bool, error)
}

// Accounts holds the handlers of the Accounts and Keys resources.
type Accounts struct {
	store    Store
	accounts api.AccountFinder // for the checks of the account a path names
	tokens   *pagetoken.Sealer // seals the page tokens of lists
	clock    clock.Clock       // the simulator's time, stamped on what the handlers write
}

// New returns the Accounts and Keys handlers over st.
func New(st Store, accounts api.AccountFinder, tokens *pagetoken.Sealer, clk clock.Clock) *Accounts {
	return &Accounts{store: st, accounts: accounts, tokens: tokens, clock: clk}
}

// ListAccounts implements gen.StrictServerInterface: the caller and, for a main account,
// its subaccounts.
func (h *Accounts) ListAccounts(ctx context.Context, req gen.ListAccountsRequestObject) (gen.ListAccountsResponseObject, error) {
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
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListAccounts(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}

	out := gen.ListAccounts200JSONResponse{Accounts: make([]gen.Account, len(rows))}
	for i, a := range rows {
		out.Accounts[i] = accountOut(a)
	}
	l := pr.Links(h.tokens, accountsPath+".json", filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// CreateAccount implements gen.StrictServerInterface: a new subaccount of the caller.
func (h *Accounts) CreateAccount(ctx context.Context, req gen.CreateAccountRequestObject) (gen.CreateAccountResponseObject, error) {
	me := api.Caller(ctx)
	if me.ParentSid != "" {
		return nil, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden, Message: "A subaccount cannot create subaccounts."}
	}
	t := api.Now(h.clock)
	name := "SubAccount Created at " + t.Format("2006-01-02 03:04 pm")
	if req.Body != nil && req.Body.FriendlyName != nil && *req.Body.FriendlyName != "" {
		name = *req.Body.FriendlyName
	}
	a, err := h.store.CreateSubaccount(ctx, store.Account{
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
func (h *Accounts) FetchAccount(ctx context.Context, req gen.FetchAccountRequestObject) (gen.FetchAccountResponseObject, error) {
	a, err := api.OwnAccount(ctx, h.accounts, req.Sid)
	if err != nil {
		return nil, err
	}
	return gen.FetchAccount200JSONResponse(accountOut(a)), nil
}

// UpdateAccount implements gen.StrictServerInterface. Only a parent changes a status, so
// that an account can neither lock itself out nor undo its parent's suspension.
func (h *Accounts) UpdateAccount(ctx context.Context, req gen.UpdateAccountRequestObject) (gen.UpdateAccountResponseObject, error) {
	a, err := api.OwnAccount(ctx, h.accounts, req.Sid)
	if err != nil {
		return nil, err
	}
	u := store.AccountUpdate{Now: api.Now(h.clock)}
	if req.Body != nil {
		u.FriendlyName = req.Body.FriendlyName
		if req.Body.Status != nil {
			u.Status = api.Ptr(string(*req.Body.Status))
		}
	}
	if u.Status != nil && a.Sid == api.Caller(ctx).Sid {
		return nil, &api.Error{Status: http.StatusForbidden, Code: api.CodeForbidden, Message: "An account cannot change its own status; its parent account can."}
	}
	a, err = h.store.UpdateAccount(ctx, a.Sid, u)
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

// newAuthToken returns 32 lowercase hex digits: alphanumeric, as twilio-go insists.
func newAuthToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
