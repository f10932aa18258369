package server

import (
	"net/url"
	"strconv"

	"github.com/switchboard-dev/switchboard/store"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
	// Page tokens are opaque to clients; inside, "PA<seq>" is "the rows after (older than)
	// seq" and "PB<seq>" is "the rows before (newer than) seq". Keyset positions cost the
	// same at any depth of the list, unlike an offset.
	tokenAfter  = "PA"
	tokenBefore = "PB"
)

// pageRequest is the paging part of a list request, as the client sent it.
type pageRequest struct {
	size  int
	page  int
	token string
}

func newPageRequest(size, page *int, token *string) pageRequest {
	r := pageRequest{size: defaultPageSize}
	if size != nil {
		r.size = min(*size, maxPageSize)
	}
	if page != nil {
		r.page = *page
	}
	if token != nil {
		r.token = *token
	}
	return r
}

// storePage says which rows the store should return for the request.
func (r pageRequest) storePage() (store.Page, error) {
	p := store.Page{Size: r.size}
	if r.token == "" {
		p.Offset = r.page * r.size
		return p, nil
	}
	if len(r.token) < 3 {
		return p, badRequest(codeInvalidParameter, "Invalid parameter PageToken")
	}
	seq, err := strconv.ParseInt(r.token[2:], 10, 64)
	if err != nil || seq <= 0 {
		return p, badRequest(codeInvalidParameter, "Invalid parameter PageToken")
	}
	switch r.token[:2] {
	case tokenAfter:
		p.After = seq
	case tokenBefore:
		p.Before = seq
	default:
		return p, badRequest(codeInvalidParameter, "Invalid parameter PageToken")
	}
	return p, nil
}

// pageLinks are the paging fields every list response carries.
type pageLinks struct {
	Start, End, Page, PageSize int
	URI, FirstPageURI          string
	NextPageURI, PrevPageURI   *string
}

// links fills the paging fields for a page of n rows whose list positions run from
// firstSeq (newest) to lastSeq (oldest). more reports whether the store saw rows beyond
// the page in the direction of travel. path is the list's path and filters the query
// parameters that every page URI repeats.
func (r pageRequest) links(path string, filters url.Values, n int, firstSeq, lastSeq int64, more bool) pageLinks {
	l := pageLinks{Page: r.page, PageSize: r.size, Start: r.page * r.size}
	l.End = l.Start
	if n > 0 {
		l.End = l.Start + n - 1
	}
	uri := func(page int, token string) string {
		q := url.Values{}
		for k, v := range filters {
			q[k] = v
		}
		q.Set("PageSize", strconv.Itoa(r.size))
		q.Set("Page", strconv.Itoa(page))
		if token != "" {
			q.Set("PageToken", token)
		}
		return path + "?" + q.Encode()
	}
	l.URI = uri(r.page, r.token)
	l.FirstPageURI = uri(0, "")

	backward := len(r.token) > 2 && r.token[:2] == tokenBefore
	hasNext, hasPrev := more, r.page > 0
	if backward {
		hasNext, hasPrev = n > 0, r.page > 0 && more
	}
	if hasNext && n > 0 {
		next := uri(r.page+1, tokenAfter+strconv.FormatInt(lastSeq, 10))
		l.NextPageURI = &next
	}
	if hasPrev && n > 0 {
		prev := uri(r.page-1, tokenBefore+strconv.FormatInt(firstSeq, 10))
		l.PrevPageURI = &prev
	}
	return l
}
