package messages

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// ListMedia implements gen.StrictServerInterface.
func (h *Messages) ListMedia(ctx context.Context, req gen.ListMediaRequestObject) (gen.ListMediaResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	// A message of another account (or none) is not found, not an empty list.
	if _, err := h.store.GetMessage(ctx, req.AccountSid, req.MessageSid); err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	p := req.Params
	filter := store.MediaFilter{AccountSid: req.AccountSid, MessageSid: req.MessageSid}
	filters := api.GivenFilters(map[string]*string{"DateCreated": p.DateCreated, "DateCreated<": p.DateCreatedBefore, "DateCreated>": p.DateCreatedAfter})
	var err error
	if filter.CreatedFrom, filter.CreatedUntil, err = api.DateRange("DateCreated", p.DateCreated, p.DateCreatedBefore, p.DateCreatedAfter); err != nil {
		return nil, err
	}
	path := fmt.Sprintf(messagesPathFormat+"/%s/Media.json", req.AccountSid, req.MessageSid)
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, filters, p.PageSize, p.Page, p.PageToken)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, err
	}
	rows, more, err := h.store.ListMedia(ctx, filter, page)
	if err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	out := gen.ListMedia200JSONResponse{MediaList: make([]gen.Media, len(rows))}
	for i, m := range rows {
		out.MediaList[i] = mediaOut(m)
	}
	l := pr.Links(h.tokens, path, filters, len(rows), func(i int) int64 { return rows[i].Seq }, more)
	out.Start, out.End, out.Page, out.PageSize = l.Start, l.End, l.Page, l.PageSize
	out.Uri, out.FirstPageUri, out.NextPageUri, out.PreviousPageUri = l.URI, l.FirstPageURI, l.NextPageURI, l.PrevPageURI
	return out, nil
}

// FetchMedia implements gen.StrictServerInterface.
func (h *Messages) FetchMedia(ctx context.Context, req gen.FetchMediaRequestObject) (gen.FetchMediaResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	m, err := h.store.GetMedia(ctx, req.AccountSid, req.MessageSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch media: %w", err)
	}
	return gen.FetchMedia200JSONResponse(mediaOut(m)), nil
}

// FetchMediaContent implements gen.StrictServerInterface: the file itself. Without
// credentials (api.Anonymous), the file is looked up under the path's account first, so
// that a wrong SID anywhere is 404 whether or not the account lets its files out.
func (h *Messages) FetchMediaContent(ctx context.Context, req gen.FetchMediaContentRequestObject) (gen.FetchMediaContentResponseObject, error) {
	anonymous := api.Anonymous(ctx)
	if !anonymous {
		if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
			return nil, err
		}
	}
	m, err := h.store.MediaContent(ctx, req.AccountSid, req.MessageSid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch media content: %w", err)
	}
	if anonymous {
		if err := api.FileAccess(ctx, h.accounts, req.AccountSid, api.MediaFile); err != nil {
			return nil, err
		}
	}
	return gen.FetchMediaContent200AsteriskResponse{Body: bytes.NewReader(m.Content), ContentType: m.ContentType,
		ContentLength: int64(len(m.Content))}, nil
}

// DeleteMedia implements gen.StrictServerInterface.
func (h *Messages) DeleteMedia(ctx context.Context, req gen.DeleteMediaRequestObject) (gen.DeleteMediaResponseObject, error) {
	if _, err := api.ActiveAccount(ctx, h.accounts, req.AccountSid); err != nil {
		return nil, err
	}
	if err := h.store.DeleteMedia(ctx, req.AccountSid, req.MessageSid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete media: %w", err)
	}
	return gen.DeleteMedia204Response{}, nil
}

// mediaOut renders a stored media file in the wire format.
func mediaOut(m store.Media) gen.Media {
	return gen.Media{
		AccountSid:  m.AccountSid,
		ContentType: api.NonEmpty(m.ContentType),
		DateCreated: api.FormatDate(m.DateCreated),
		DateUpdated: api.FormatDate(m.DateUpdated),
		ParentSid:   m.MessageSid,
		Sid:         m.Sid,
		Uri:         fmt.Sprintf(messagesPathFormat+"/%s/Media/%s.json", m.AccountSid, m.MessageSid, m.Sid),
	}
}
