// Package contentv1 serves Twilio's Content API v1 (/v1/Content): Content templates, the
// messages with placeholders that Messages sends by ContentSid, and their WhatsApp
// approvals. v1 paths name no account: the templates are the caller's (the account of the
// auth token or API key). What a template may hold, renders to and how WhatsApp judges it
// is package content's; this package is its wire format: JSON request bodies, ISO 8601
// dates, the v1 `meta` paging block, absolute URLs.
package contentv1

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/clock"
	"github.com/switchboard-dev/switchboard/internal/content"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	contentPath   = "/v1/Content"
	approvalsPath = "/v1/ContentAndApprovals"
)

// Store is what the handlers read and write of Content templates.
type Store interface {
	CreateContent(ctx context.Context, c store.Content) (store.Content, error)
	GetContent(ctx context.Context, accountSid, sid string) (store.Content, error)
	UpdateContent(ctx context.Context, accountSid, sid string, now time.Time, change func(*store.Content) error) (store.Content, error)
	DeleteContent(ctx context.Context, accountSid, sid string) error
	ListContent(ctx context.Context, accountSid string, p store.Page) ([]store.Content, bool, error)
}

// ContentV1 holds the handlers of the Content API.
type ContentV1 struct {
	store  Store
	clock  clock.Clock
	tokens *pagetoken.Sealer // seals the page tokens of lists
}

// New returns the Content API's handlers; templates are stamped with clk's time.
func New(st Store, clk clock.Clock, tokens *pagetoken.Sealer) *ContentV1 {
	return &ContentV1{store: st, clock: clk, tokens: tokens}
}

func (h *ContentV1) now() time.Time { return h.clock.Now().UTC().Truncate(time.Second) }

// CreateContent implements gen.StrictServerInterface.
func (h *ContentV1) CreateContent(ctx context.Context, req gen.CreateContentRequestObject) (gen.CreateContentResponseObject, error) {
	in := req.Body
	if in == nil { // the spec requires a body; a generated binder may still hand none
		return nil, api.BadRequest(api.CodeInvalidParameter, "A JSON body with language and types is required.")
	}
	t := content.Template{Language: in.Language, Types: in.Types}
	if in.Variables != nil {
		t.Variables = *in.Variables
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	types, err := json.Marshal(in.Types)
	if err != nil {
		return nil, fmt.Errorf("create content: %w", err)
	}
	now := h.now()
	c, err := h.store.CreateContent(ctx, store.Content{Sid: sid.New("HX"), AccountSid: api.Caller(ctx).Sid,
		FriendlyName: api.Deref(in.FriendlyName), Language: in.Language, Variables: t.Variables, Types: types,
		DateCreated: now, DateUpdated: now})
	if err != nil {
		return nil, fmt.Errorf("create content: %w", err)
	}
	return gen.CreateContent201JSONResponse(contentOut(ctx, c)), nil
}

// FetchContent implements gen.StrictServerInterface.
func (h *ContentV1) FetchContent(ctx context.Context, req gen.FetchContentRequestObject) (gen.FetchContentResponseObject, error) {
	c, err := h.store.GetContent(ctx, api.Caller(ctx).Sid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch content: %w", err)
	}
	return gen.FetchContent200JSONResponse(contentOut(ctx, c)), nil
}

// DeleteContent implements gen.StrictServerInterface.
func (h *ContentV1) DeleteContent(ctx context.Context, req gen.DeleteContentRequestObject) (gen.DeleteContentResponseObject, error) {
	if err := h.store.DeleteContent(ctx, api.Caller(ctx).Sid, req.Sid); err != nil {
		return nil, fmt.Errorf("delete content: %w", err)
	}
	return gen.DeleteContent204Response{}, nil
}

// ListContent implements gen.StrictServerInterface.
func (h *ContentV1) ListContent(ctx context.Context, req gen.ListContentRequestObject) (gen.ListContentResponseObject, error) {
	p := req.Params
	rows, l, err := h.page(ctx, contentPath, p.PageSize, p.Page, p.PageToken)
	if err != nil {
		return nil, err
	}
	out := gen.ListContent200JSONResponse{Contents: make([]gen.Content, len(rows))}
	for i, c := range rows {
		out.Contents[i] = contentOut(ctx, c)
	}
	out.Meta = api.V1Meta(ctx, "contents", l)
	return out, nil
}

// ListContentAndApprovals implements gen.StrictServerInterface.
func (h *ContentV1) ListContentAndApprovals(ctx context.Context, req gen.ListContentAndApprovalsRequestObject) (gen.ListContentAndApprovalsResponseObject, error) {
	p := req.Params
	rows, l, err := h.page(ctx, approvalsPath, p.PageSize, p.Page, p.PageToken)
	if err != nil {
		return nil, err
	}
	out := gen.ListContentAndApprovals200JSONResponse{Contents: make([]gen.ContentAndApprovals, len(rows))}
	for i, c := range rows {
		full := contentOut(ctx, c)
		out.Contents[i] = gen.ContentAndApprovals{Sid: full.Sid, AccountSid: full.AccountSid, FriendlyName: full.FriendlyName,
			Language: full.Language, Variables: full.Variables, Types: full.Types, ApprovalRequests: approvalOut(c.Approval),
			DateCreated: full.DateCreated, DateUpdated: full.DateUpdated}
	}
	out.Meta = api.V1Meta(ctx, "contents", l)
	return out, nil
}

// page reads one page of the caller's templates for the list at path.
func (h *ContentV1) page(ctx context.Context, path string, size *gen.PageSize, number *gen.Page, token *gen.PageToken) ([]store.Content, api.PageLinks, error) {
	pr := api.NewPageRequest(api.Caller(ctx).Sid, path, url.Values{}, size, number, token)
	page, err := pr.StorePage(h.tokens)
	if err != nil {
		return nil, api.PageLinks{}, err
	}
	rows, more, err := h.store.ListContent(ctx, api.Caller(ctx).Sid, page)
	if err != nil {
		return nil, api.PageLinks{}, fmt.Errorf("list content: %w", err)
	}
	return rows, pr.Links(h.tokens, path, url.Values{}, len(rows), func(i int) int64 { return rows[i].Seq }, more), nil
}

// CreateContentApproval implements gen.StrictServerInterface: WhatsApp's verdict, at once.
func (h *ContentV1) CreateContentApproval(ctx context.Context, req gen.CreateContentApprovalRequestObject) (gen.CreateContentApprovalResponseObject, error) {
	in := req.Body
	if in == nil {
		return nil, api.BadRequest(api.CodeInvalidParameter, "A JSON body with name and category is required.")
	}
	c, err := h.store.UpdateContent(ctx, api.Caller(ctx).Sid, req.ContentSid, h.now(), func(c *store.Content) error {
		t, err := template(*c)
		if err != nil {
			return err
		}
		a, err := t.Review(in.Name, in.Category)
		if err != nil {
			return err
		}
		c.Approval = store.ContentApproval{Name: a.Name, Category: a.Category, ContentType: a.ContentType,
			Status: a.Status, RejectionReason: a.RejectionReason}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create content approval: %w", err)
	}
	return gen.CreateContentApproval201JSONResponse(approvalOut(c.Approval)), nil
}

// FetchContentApprovals implements gen.StrictServerInterface.
func (h *ContentV1) FetchContentApprovals(ctx context.Context, req gen.FetchContentApprovalsRequestObject) (gen.FetchContentApprovalsResponseObject, error) {
	c, err := h.store.GetContent(ctx, api.Caller(ctx).Sid, req.Sid)
	if err != nil {
		return nil, fmt.Errorf("fetch content approvals: %w", err)
	}
	a := approvalOut(c.Approval)
	return gen.FetchContentApprovals200JSONResponse{Sid: c.Sid, AccountSid: c.AccountSid,
		Url: api.BaseURL(ctx) + contentPath + "/" + c.Sid + "/ApprovalRequests",
		Whatsapp: gen.ContentWhatsAppApproval{Type: "whatsapp", Name: a.Name, Category: a.Category, ContentType: a.ContentType,
			Status: gen.ContentWhatsAppApprovalStatus(a.Status), RejectionReason: a.RejectionReason, AllowCategoryChange: a.AllowCategoryChange},
	}, nil
}

// template is the content package's view of a stored template.
func template(c store.Content) (content.Template, error) {
	t := content.Template{Language: c.Language, Variables: c.Variables}
	if err := json.Unmarshal(c.Types, &t.Types); err != nil {
		return content.Template{}, fmt.Errorf("content %s: types: %w", c.Sid, err)
	}
	return t, nil
}

// contentOut renders a stored template in the wire format, its URLs absolute.
func contentOut(ctx context.Context, c store.Content) gen.Content {
	self := api.BaseURL(ctx) + contentPath + "/" + c.Sid
	variables := gen.ContentVariables(c.Variables)
	if variables == nil {
		variables = gen.ContentVariables{}
	}
	var types gen.ContentTypes
	_ = json.Unmarshal(c.Types, &types) // written by CreateContent from a JSON object
	return gen.Content{
		Sid:          c.Sid,
		AccountSid:   c.AccountSid,
		FriendlyName: c.FriendlyName,
		Language:     c.Language,
		Variables:    variables,
		Types:        types,
		Url:          self,
		DateCreated:  isoDate(c.DateCreated),
		DateUpdated:  isoDate(c.DateUpdated),
		Links: map[string]string{
			"approval_create": self + "/ApprovalRequests/whatsapp",
			"approval_fetch":  self + "/ApprovalRequests",
		},
	}
}

// approvalOut renders a template's WhatsApp approval: unsubmitted, with empty strings,
// until it was submitted.
func approvalOut(a store.ContentApproval) gen.ContentApproval {
	status := a.Status
	if status == "" {
		status = content.StatusUnsubmitted
	}
	return gen.ContentApproval{Name: a.Name, Category: a.Category, ContentType: a.ContentType,
		Status: gen.ContentApprovalStatus(status), RejectionReason: a.RejectionReason}
}

// isoDate renders a time the way Twilio's v1 APIs do: RFC 3339, UTC, whole seconds.
func isoDate(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
