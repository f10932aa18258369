package simulator

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/calls"
)

// CreateInboundCall implements gen.StrictServerInterface.
func (h *Simulator) CreateInboundCall(ctx context.Context, req gen.CreateInboundCallRequestObject) (gen.CreateInboundCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	in := req.Body
	c, err := h.voice.Receive(ctx, acct, voice.Inbound{From: in.From, To: in.To, CallerName: api.Deref(in.CallerName),
		ForwardedFrom: api.Deref(in.ForwardedFrom)})
	if err != nil {
		return nil, fmt.Errorf("inbound call: %w", err)
	}
	return gen.CreateInboundCall201JSONResponse(calls.Out(c)), nil
}

// SendCallDigits implements gen.StrictServerInterface.
func (h *Simulator) SendCallDigits(ctx context.Context, req gen.SendCallDigitsRequestObject) (gen.SendCallDigitsResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	c, err := h.voice.PressDigits(ctx, acct, req.Sid, req.Body.Digits)
	if err != nil {
		return nil, fmt.Errorf("send digits: %w", err)
	}
	return gen.SendCallDigits200JSONResponse(calls.Out(c)), nil
}

// AnswerCall implements gen.StrictServerInterface.
func (h *Simulator) AnswerCall(ctx context.Context, req gen.AnswerCallRequestObject) (gen.AnswerCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	c, err := h.voice.Answer(ctx, acct, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("answer call: %w", err)
	}
	return gen.AnswerCall200JSONResponse(calls.Out(c)), nil
}

// HangUpCall implements gen.StrictServerInterface.
func (h *Simulator) HangUpCall(ctx context.Context, req gen.HangUpCallRequestObject) (gen.HangUpCallResponseObject, error) {
	acct, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid)
	if err != nil {
		return nil, err
	}
	c, err := h.voice.HangUp(ctx, acct, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("hang up call: %w", err)
	}
	return gen.HangUpCall200JSONResponse(calls.Out(c)), nil
}

// ListCallEvents implements gen.StrictServerInterface: the call's timeline, oldest first.
func (h *Simulator) ListCallEvents(ctx context.Context, req gen.ListCallEventsRequestObject) (gen.ListCallEventsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	// A call of another account (or none) is not found, not an empty timeline.
	if _, err := h.store.GetCall(ctx, req.AccountSid, req.Sid); err != nil {
		return nil, fmt.Errorf("list call events: %w", err)
	}
	p := req.Params
	path := fmt.Sprintf(simulatorPathFormat+"/Calls/%s/Events", req.AccountSid, req.Sid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, url.Values{}, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListCallEvents(ctx, req.AccountSid, req.Sid, page)
	if err != nil {
		return nil, fmt.Errorf("list call events: %w", err)
	}
	out := gen.ListCallEvents200JSONResponse{Events: make([]gen.CallEvent, len(rows))}
	for i, e := range rows {
		data := e.Data
		if data == nil {
			data = map[string]string{}
		}
		out.Events[i] = gen.CallEvent{AccountSid: e.AccountSid, CallSid: e.CallSid, Type: gen.CallEventType(e.Type),
			Description: e.Description, Data: data, ElapsedMs: int(e.Elapsed.Milliseconds()), DateCreated: api.FormatDate(e.DateCreated)}
	}
	l := pr.Links(h.tokens, path, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Meta = api.V1Meta(ctx, "events", l)
	return out, nil
}
