package accounts

import (
	"context"
	"fmt"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// An account's settings: what Twilio keeps in its Console rather than in the account
// resource. For now, whether its media files and its recordings' audio need its
// credentials (see server.authenticateFile for what they do).

// FetchAccountSettings implements gen.StrictServerInterface.
func (h *Accounts) FetchAccountSettings(ctx context.Context, req gen.FetchAccountSettingsRequestObject) (gen.FetchAccountSettingsResponseObject, error) {
	a, err := api.OwnAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	return gen.FetchAccountSettings200JSONResponse(settingsOut(ctx, a)), nil
}

// UpdateAccountSettings implements gen.StrictServerInterface: the parameters given are
// changed, the others kept.
func (h *Accounts) UpdateAccountSettings(ctx context.Context, req gen.UpdateAccountSettingsRequestObject) (gen.UpdateAccountSettingsResponseObject, error) {
	a, err := api.OwnAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	u := store.AccountUpdate{Now: api.Now(h.clock)}
	if req.Body != nil {
		u.MediaAuth, u.RecordingAuth = req.Body.MediaAuth, req.Body.RecordingAuth
	}
	a, err = h.store.UpdateAccount(ctx, a.Sid, u)
	if err != nil {
		return nil, fmt.Errorf("update account settings: %w", err)
	}
	return gen.UpdateAccountSettings200JSONResponse(settingsOut(ctx, a)), nil
}

func settingsOut(ctx context.Context, a store.Account) gen.AccountSettings {
	return gen.AccountSettings{AccountSid: a.Sid, MediaAuth: a.MediaAuth, RecordingAuth: a.RecordingAuth,
		Url: api.BaseURL(ctx) + "/switchboard/v1/Accounts/" + a.Sid + "/Settings"}
}
