package simulator

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// ListSimulatorVerifications implements gen.StrictServerInterface: the account's
// verifications with their codes, newest first, so that a test can read the code a
// phone would have got.
func (h *Simulator) ListSimulatorVerifications(ctx context.Context, req gen.ListSimulatorVerificationsRequestObject) (gen.ListSimulatorVerificationsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.VerificationFilter{AccountSid: req.AccountSid, To: api.Deref(p.To), ServiceSid: api.Deref(p.ServiceSid)}
	filters := api.GivenFilters(map[string]*string{"To": p.To, "ServiceSid": p.ServiceSid})
	path := fmt.Sprintf(simulatorPathFormat+"/Verifications", req.AccountSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.verify.List(ctx, filter, page)
	if err != nil {
		return nil, err
	}
	out := gen.ListSimulatorVerifications200JSONResponse{Verifications: make([]gen.SimulatorVerification, len(rows))}
	for i, v := range rows {
		out.Verifications[i] = simulatedVerificationOut(ctx, v)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Meta = api.V1Meta(ctx, "verifications", l)
	return out, nil
}

// FetchSimulatorVerification implements gen.StrictServerInterface.
func (h *Simulator) FetchSimulatorVerification(ctx context.Context, req gen.FetchSimulatorVerificationRequestObject) (gen.FetchSimulatorVerificationResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	v, err := h.verify.Get(ctx, acct, "", req.Sid)
	if err != nil {
		return nil, err
	}
	return gen.FetchSimulatorVerification200JSONResponse(simulatedVerificationOut(ctx, v)), nil
}

// simulatedVerificationOut renders a verification with its code.
func simulatedVerificationOut(ctx context.Context, v store.Verification) gen.SimulatorVerification {
	return gen.SimulatorVerification{
		Sid:         v.Sid,
		ServiceSid:  v.ServiceSid,
		AccountSid:  v.AccountSid,
		To:          v.To,
		Channel:     gen.VerificationChannel(v.Channel),
		Status:      gen.VerificationStatus(v.Status),
		Code:        v.Code,
		CustomCode:  v.CustomCode,
		Locale:      v.Locale,
		Sends:       len(v.Sends),
		Checks:      v.Checks,
		DateCreated: v.DateCreated.UTC().Truncate(time.Second),
		DateUpdated: v.DateUpdated.UTC().Truncate(time.Second),
		DateExpires: v.DateExpires.UTC().Truncate(time.Second),
		Url:         api.BaseURL(ctx) + fmt.Sprintf(simulatorPathFormat+"/Verifications/", v.AccountSid) + v.Sid,
	}
}
