package accounts

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/apikey"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const keysPathFormat = "/2010-04-01/Accounts/%s/Keys"

// CreateKey implements gen.StrictServerInterface: a Standard key, the only kind the
// 2010 API makes.
func (h *Accounts) CreateKey(ctx context.Context, req gen.CreateKeyRequestObject) (gen.CreateKeyResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	var name string
	if req.Body != nil {
		name = api.Deref(req.Body.FriendlyName)
	}
	k, secret, err := h.newKey(ctx, acct.Sid, name, store.KeyStandard)
	if err != nil {
		return nil, err
	}
	out := keyOut(k)
	return gen.CreateKey201JSONResponse{Sid: out.Sid, FriendlyName: out.FriendlyName,
		DateCreated: out.DateCreated, DateUpdated: out.DateUpdated, Secret: secret}, nil
}

// CreateSwitchboardKey implements gen.StrictServerInterface: a key of either type, for
// the Main keys that Twilio makes in its Console only.
func (h *Accounts) CreateSwitchboardKey(ctx context.Context, req gen.CreateSwitchboardKeyRequestObject) (gen.CreateSwitchboardKeyResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	name, keyType := "", store.KeyStandard
	if req.Body != nil {
		name = api.Deref(req.Body.FriendlyName)
		if req.Body.KeyType != nil {
			keyType = string(*req.Body.KeyType)
		}
	}
	k, secret, err := h.newKey(ctx, acct.Sid, name, keyType)
	if err != nil {
		return nil, err
	}
	out := keyOut(k)
	return gen.CreateSwitchboardKey201JSONResponse{Sid: out.Sid, FriendlyName: out.FriendlyName,
		DateCreated: out.DateCreated, DateUpdated: out.DateUpdated, Secret: secret, KeyType: gen.KeyType(k.Type)}, nil
}

// newKey stores a new key of account and returns it with its secret, which exists
// nowhere else from now on: the store keeps a salted hash.
func (h *Accounts) newKey(ctx context.Context, account, name, keyType string) (store.APIKey, string, error) {
	secret, hashed := apikey.New()
	t := api.Now(h.clock)
	k, err := h.store.CreateKey(ctx, store.APIKey{Sid: sid.New(api.KeySidPrefix), AccountSid: account, FriendlyName: name,
		Type: keyType, SecretSalt: hashed.Salt, SecretHash: hashed.Hash, DateCreated: t, DateUpdated: t})
	if err != nil {
		return store.APIKey{}, "", fmt.Errorf("create key: %w", err)
	}
	return k, secret, nil
}

// FetchKey implements gen.StrictServerInterface.
func (h *Accounts) FetchKey(ctx context.Context, req gen.FetchKeyRequestObject) (gen.FetchKeyResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	k, err := h.store.GetKey(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch key: %w", err)
	}
	return gen.FetchKey200JSONResponse(keyOut(k)), nil
}

// UpdateKey implements gen.StrictServerInterface: a new friendly name, or none.
func (h *Accounts) UpdateKey(ctx context.Context, req gen.UpdateKeyRequestObject) (gen.UpdateKeyResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	var (
		k   store.APIKey
		err error
	)
	if req.Body != nil && req.Body.FriendlyName != nil {
		k, err = h.store.RenameKey(ctx, req.AccountSid, req.Sid, *req.Body.FriendlyName, api.Now(h.clock))
	} else {
		k, err = h.store.GetKey(ctx, req.AccountSid, req.Sid)
	}
	if err != nil {
		return nil, fmt.Errorf("update key: %w", err)
	}
	return gen.UpdateKey200JSONResponse(keyOut(k)), nil
}

// DeleteKey implements gen.StrictServerInterface. Keys are looked up on every request,
// so the key is refused from the next one on.
func (h *Accounts) DeleteKey(ctx context.Context, req gen.DeleteKeyRequestObject) (gen.DeleteKeyResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	if err := h.store.DeleteKey(ctx, req.AccountSid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete key: %w", err)
	}
	return gen.DeleteKey204Response{}, nil
}

// ListKeys implements gen.StrictServerInterface.
func (h *Accounts) ListKeys(ctx context.Context, req gen.ListKeysRequestObject) (gen.ListKeysResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	path := fmt.Sprintf(keysPathFormat, req.AccountSid) + ".json"
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListKeys(ctx, req.AccountSid, page)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	out := gen.ListKeys200JSONResponse{Keys: make([]gen.Key, len(rows))}
	for i, k := range rows {
		out.Keys[i] = keyOut(k)
	}
	l := pr.Links(h.tokens, path, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// keyOut renders a stored key in the wire format, which never holds the secret.
func keyOut(k store.APIKey) gen.Key {
	return gen.Key{
		Sid:          k.Sid,
		FriendlyName: api.NonEmpty(k.FriendlyName),
		DateCreated:  api.FormatDate(k.DateCreated),
		DateUpdated:  api.FormatDate(k.DateUpdated),
	}
}
