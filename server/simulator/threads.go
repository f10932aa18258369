package simulator

import (
	"context"
	"fmt"
	"net/url"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/server/messages"
	"github.com/switchboard-dev/switchboard/store"
)

// ListThreads implements gen.StrictServerInterface: the account's messages as
// conversations, for the inbox.
func (h *Simulator) ListThreads(ctx context.Context, req gen.ListThreadsRequestObject) (gen.ListThreadsResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filter := store.ThreadFilter{AccountSid: req.AccountSid, Search: api.Deref(p.Search)}
	filters := url.Values{}
	if p.Search != nil {
		filters.Set("Search", *p.Search)
	}
	if p.Status != nil {
		filter.Status = string(*p.Status)
		filters.Set("Status", filter.Status)
	}
	if p.Direction != nil {
		filter.Direction = string(*p.Direction)
		filters.Set("Direction", filter.Direction)
	}
	path := fmt.Sprintf(simulatorPathFormat+"/Threads", req.AccountSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListThreads(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	out := gen.ListThreads200JSONResponse{Threads: make([]gen.Thread, len(rows))}
	for i, t := range rows {
		out.Threads[i] = gen.Thread{
			AccountSid: t.AccountSid, Number: t.Number, Party: t.Party,
			MessageCount: t.MessageCount, InboundCount: t.InboundCount, LastMessage: messages.Out(t.Last),
		}
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Last.Seq }, more)
	out.Meta = api.V1Meta(ctx, "threads", l)
	return out, nil
}

// ListThreadMessages implements gen.StrictServerInterface.
func (h *Simulator) ListThreadMessages(ctx context.Context, req gen.ListThreadMessagesRequestObject) (gen.ListThreadMessagesResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	p := req.Params
	filters := url.Values{"Number": {p.Number}, "Party": {p.Party}}
	path := fmt.Sprintf(simulatorPathFormat+"/Threads/Messages", req.AccountSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListThreadMessages(ctx, store.ThreadKey{AccountSid: req.AccountSid, Number: p.Number, Party: p.Party}, page)
	if err != nil {
		return nil, fmt.Errorf("list thread messages: %w", err)
	}
	out := gen.ListThreadMessages200JSONResponse{Messages: make([]gen.InboxMessage, len(rows))}
	for i, m := range rows {
		out.Messages[i] = gen.InboxMessage{Message: messages.Out(m), Encoding: encodingOut(m.Body)}
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Meta = api.V1Meta(ctx, "messages", l)
	return out, nil
}

// encodingOut says how body travels as SMS.
func encodingOut(body string) gen.MessageEncoding {
	e := messaging.Encode(body)
	out := gen.MessageEncoding{Name: gen.MessageEncodingName(e.Name), Segments: e.Segments, NonGsmCharacters: make([]string, len(e.NonGSM))}
	for i, r := range e.NonGSM {
		out.NonGsmCharacters[i] = string(r)
	}
	return out
}
