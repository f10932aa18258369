package simulator

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// ListWebhookDeliveries implements gen.StrictServerInterface.
func (h *Simulator) ListWebhookDeliveries(ctx context.Context, req gen.ListWebhookDeliveriesRequestObject) (gen.ListWebhookDeliveriesResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.DeliveryFilter{AccountSid: req.AccountSid, ResourceSid: api.Deref(p.ResourceSid)}
	filters := url.Values{}
	if p.ResourceSid != nil {
		filters.Set("ResourceSid", *p.ResourceSid)
	}
	path := fmt.Sprintf(simulatorPathFormat+"/WebhookDeliveries", req.AccountSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListDeliveries(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	out := gen.ListWebhookDeliveries200JSONResponse{WebhookDeliveries: make([]gen.WebhookDelivery, len(rows))}
	for i, d := range rows {
		out.WebhookDeliveries[i] = deliveryOut(ctx, d)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Meta = api.V1Meta(ctx, "webhook_deliveries", l)
	return out, nil
}

// FetchWebhookDelivery implements gen.StrictServerInterface.
func (h *Simulator) FetchWebhookDelivery(ctx context.Context, req gen.FetchWebhookDeliveryRequestObject) (gen.FetchWebhookDeliveryResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	d, err := h.store.GetDelivery(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch webhook delivery: %w", err)
	}
	return gen.FetchWebhookDelivery200JSONResponse(deliveryOut(ctx, d)), nil
}

// ReplayWebhookDelivery implements gen.StrictServerInterface.
func (h *Simulator) ReplayWebhookDelivery(ctx context.Context, req gen.ReplayWebhookDeliveryRequestObject) (gen.ReplayWebhookDeliveryResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	d, err := h.messaging.Replay(ctx, acct, req.Sid)
	if err != nil {
		return nil, err
	}
	return gen.ReplayWebhookDelivery202JSONResponse(deliveryOut(ctx, d)), nil
}

// deliveryOut renders a webhook delivery in the wire format, its URL absolute.
func deliveryOut(ctx context.Context, d store.WebhookDelivery) gen.WebhookDelivery {
	out := gen.WebhookDelivery{
		Sid:                 d.Sid,
		AccountSid:          d.AccountSid,
		ResourceSid:         d.ResourceSid,
		Event:               gen.WebhookDeliveryEvent(d.Event),
		RequestUrl:          d.URL,
		RequestMethod:       gen.WebhookDeliveryRequestMethod(d.Method),
		RequestParams:       d.Params,
		RequestSignature:    d.Signature,
		ResponseContentType: api.NonEmpty(d.ResponseType),
		ResponseBody:        api.NonEmpty(d.ResponseBody),
		LatencyMs:           int(d.Latency.Milliseconds()),
		Attempt:             d.Attempt,
		ErrorMessage:        api.NonEmpty(d.ErrorMessage),
		DateCreated:         api.FormatDate(d.DateCreated),
		Url:                 api.BaseURL(ctx) + fmt.Sprintf(simulatorPathFormat+"/WebhookDeliveries/%s", d.AccountSid, d.Sid),
	}
	if out.RequestParams == nil {
		out.RequestParams = map[string]string{}
	}
	if d.ResponseStatus != 0 {
		out.ResponseStatusCode = api.Ptr(d.ResponseStatus)
	}
	if d.ErrorCode != 0 {
		out.ErrorCode = api.Ptr(d.ErrorCode)
	}
	out.ReplayOf = api.NonEmpty(d.ReplayOf)
	return out
}
