package server

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store"
)

// Switchboard's own endpoints, under /switchboard/v1: they drive the simulated network.

const simulatorPathFormat = "/switchboard/v1/Accounts/%s"

// ForceMessageStatus implements gen.StrictServerInterface.
func (s *Server) ForceMessageStatus(ctx context.Context, req gen.ForceMessageStatusRequestObject) (gen.ForceMessageStatusResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, s.creds, req.AccountSid)
	if err != nil {
		return nil, err
	}
	m, err := s.msg.ForceStatus(ctx, acct, req.Sid, string(req.Body.Status), api.Deref(req.Body.ErrorCode))
	if err != nil {
		return nil, fmt.Errorf("force message status: %w", err)
	}
	return gen.ForceMessageStatus200JSONResponse(messages.Out(m)), nil
}

// ListWebhookDeliveries implements gen.StrictServerInterface.
func (s *Server) ListWebhookDeliveries(ctx context.Context, req gen.ListWebhookDeliveriesRequestObject) (gen.ListWebhookDeliveriesResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, s.creds, req.AccountSid); err != nil {
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
	page, err := pr.StorePage(s.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := s.store.ListDeliveries(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	out := gen.ListWebhookDeliveries200JSONResponse{WebhookDeliveries: make([]gen.WebhookDelivery, len(rows))}
	for i, d := range rows {
		out.WebhookDeliveries[i] = deliveryOut(ctx, d)
	}
	l := pr.Links(s.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Meta = api.V1Meta(ctx, "webhook_deliveries", l)
	return out, nil
}

// FetchWebhookDelivery implements gen.StrictServerInterface.
func (s *Server) FetchWebhookDelivery(ctx context.Context, req gen.FetchWebhookDeliveryRequestObject) (gen.FetchWebhookDeliveryResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, s.creds, req.AccountSid); err != nil {
		return nil, err
	}
	d, err := s.store.GetDelivery(ctx, req.AccountSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch webhook delivery: %w", err)
	}
	return gen.FetchWebhookDelivery200JSONResponse(deliveryOut(ctx, d)), nil
}

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
