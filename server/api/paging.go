package api

import (
	"context"
	"net/url"
	"strconv"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/store"
)

const (
	defaultPageSize = 50
	maxPageSize     = 1000
	// maxStart bounds Page × PageSize, the index of a page's first record: past 2^53 a
	// JSON number is no longer exact in JavaScript clients, and far past it the product
	// overflows an int (Page=2^63-1 once served the first page with start=-50).
	maxStart = 1<<53 - 1
)

// PageRequest is the paging part of a list request, as the client sent it, with the
// identity of the list it pages through.
type PageRequest struct {
	size  int
	page  int
	token string
	// list tells this list apart from every other: the caller, the path (which names the
	// account) and the filters. Tokens are sealed to it, so a token from one list, filter
	// or account is refused by any other.
	list string
}

// GivenFilters is a list's filters as its page links repeat them: the parameters the
// request gave, by their wire names.
func GivenFilters(params map[string]*string) url.Values {
	filters := url.Values{}
	for name, v := range params {
		if v != nil {
			filters.Set(name, *v)
		}
	}
	return filters
}

// NewPageRequest is the request of caller for a page of the list at path with filters.
func NewPageRequest(caller, path string, filters url.Values, size, page *int, token *string) PageRequest {
	r := PageRequest{size: defaultPageSize, list: caller + " " + path + "?" + filters.Encode()}
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

// Size is how many rows a page holds.
func (r PageRequest) Size() int { return r.size }

var errPageToken = BadRequest(CodeInvalidParameter, "Invalid parameter PageToken: not a token this list handed out")

// StorePage says which rows the store should return for the request. The spec has
// already checked that size is at least 1 and page at least 0.
func (r PageRequest) StorePage(tokens *pagetoken.Sealer) (store.Page, error) {
	p := store.Page{Size: r.size}
	if r.page > maxStart/r.size {
		return p, BadRequest(CodeInvalidParameter, "Invalid parameter Page: Page × PageSize must not exceed %d", int64(maxStart))
	}
	if r.token == "" {
		p.Offset = r.page * r.size
		return p, nil
	}
	dir, seq, err := tokens.Open(r.token, r.list)
	if err != nil {
		return p, errPageToken
	}
	if dir == pagetoken.Before {
		p.Before = seq
	} else {
		p.After = seq
	}
	return p, nil
}

// PageLinks are the paging fields every list response carries.
type PageLinks struct {
	Start, End, Page, PageSize int
	URI, FirstPageURI          string
	NextPageURI, PrevPageURI   *string
}

// Unpaged is the list position of every row of a list served as one page, which never
// links to another.
func Unpaged(int) int64 { return 0 }

// Links fills the paging fields for a page of n rows, the i-th of which has the list
// position seq(i) (the first the newest). more reports whether the store saw rows beyond
// the page in the direction of travel. path is the list's path and filters the query
// parameters that every page URI repeats. StorePage has bounded page × size.
func (r PageRequest) Links(tokens *pagetoken.Sealer, path string, filters url.Values, n int, seq func(i int) int64, more bool) PageLinks {
	l := PageLinks{Page: r.page, PageSize: r.size, Start: r.page * r.size}
	l.End = l.Start
	var firstSeq, lastSeq int64
	if n > 0 {
		l.End = l.Start + n - 1
		firstSeq, lastSeq = seq(0), seq(n-1)
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

	backward := len(r.token) >= 2 && pagetoken.Direction(r.token[:2]) == pagetoken.Before
	hasNext, hasPrev := more, r.page > 0
	if backward {
		hasNext, hasPrev = n > 0, r.page > 0 && more
	}
	if hasNext && n > 0 {
		next := uri(r.page+1, tokens.Seal(pagetoken.After, lastSeq, r.list))
		l.NextPageURI = &next
	}
	if hasPrev && n > 0 {
		prev := uri(r.page-1, tokens.Seal(pagetoken.Before, firstSeq, r.list))
		l.PrevPageURI = &prev
	}
	return l
}

// V1Meta is the paging block of a v1 list: the page links made absolute, as Twilio's v1
// APIs write them.
func V1Meta(ctx context.Context, key string, l PageLinks) gen.V1Meta {
	base := BaseURL(ctx)
	abs := func(uri *string) *string {
		if uri == nil {
			return nil
		}
		return Ptr(base + *uri)
	}
	return gen.V1Meta{
		Page: l.Page, PageSize: l.PageSize, Key: key,
		Url: base + l.URI, FirstPageUrl: base + l.FirstPageURI,
		NextPageUrl: abs(l.NextPageURI), PreviousPageUrl: abs(l.PrevPageURI),
	}
}
