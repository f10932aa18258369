package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// New returns a client for the Switchboard server at baseURL (such as
// "http://127.0.0.1:8080") that authenticates every request with HTTP Basic auth as
// accountSid and authToken. opts are applied after the credentials.
func New(baseURL, accountSid, authToken string, opts ...ClientOption) (*ClientWithResponses, error) {
	auth := WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(accountSid, authToken)
		return nil
	})
	return NewClientWithResponses(baseURL, append([]ClientOption{auth}, opts...)...)
}

// Error makes the API's error object a Go error, so that a response's JSON400, JSON401 …
// field can be returned as one.
func (e *Error) Error() string {
	return fmt.Sprintf("switchboard: HTTP %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Messages iterates over every message the list selects, newest first, fetching page
// after page as the server's next_page_uri says. params may be nil; its PageSize sets the
// page size. The iteration stops at the first error, which it yields.
func (c *ClientWithResponses) Messages(ctx context.Context, accountSid string, params *ListMessagesParams) iter.Seq2[Message, error] {
	var p ListMessagesParams
	if params != nil {
		p = *params
	}
	return walk(func(page *int, token *string) ([]Message, *string, error) {
		p.Page, p.PageToken = page, token
		resp, err := c.ListMessagesWithResponse(ctx, accountSid, &p)
		if err != nil {
			return nil, nil, err
		}
		if resp.JSON200 == nil {
			return nil, nil, responseError(resp.StatusCode(), resp.Body)
		}
		return resp.JSON200.Messages, resp.JSON200.NextPageUri, nil
	})
}

// Accounts iterates over the caller's account and its subaccounts, newest first, page by
// page; see Messages.
func (c *ClientWithResponses) Accounts(ctx context.Context, params *ListAccountsParams) iter.Seq2[Account, error] {
	var p ListAccountsParams
	if params != nil {
		p = *params
	}
	return walk(func(page *int, token *string) ([]Account, *string, error) {
		p.Page, p.PageToken = page, token
		resp, err := c.ListAccountsWithResponse(ctx, &p)
		if err != nil {
			return nil, nil, err
		}
		if resp.JSON200 == nil {
			return nil, nil, responseError(resp.StatusCode(), resp.Body)
		}
		return resp.JSON200.Accounts, resp.JSON200.NextPageUri, nil
	})
}

// walk yields the records of page after page. fetch gets one page at a position (nil,
// nil for the first) and returns its records and next_page_uri. The position is read from
// next_page_uri rather than computed, so the iterator pages exactly as the official SDKs
// do; the caller's filters and page size stay in its params.
func walk[T any](fetch func(page *int, token *string) ([]T, *string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var page *int
		var token *string
		for {
			records, next, err := fetch(page, token)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, r := range records {
				if !yield(r, nil) {
					return
				}
			}
			if next == nil {
				return
			}
			if page, token, err = position(*next); err != nil {
				var zero T
				yield(zero, err)
				return
			}
		}
	}
}

// position reads Page and PageToken from a next_page_uri.
func position(uri string) (*int, *string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("switchboard: next_page_uri %q: %w", uri, err)
	}
	q := u.Query()
	page, err := strconv.Atoi(q.Get("Page"))
	if err != nil {
		return nil, nil, fmt.Errorf("switchboard: next_page_uri %q has no Page", uri)
	}
	token := q.Get("PageToken")
	return &page, &token, nil
}

// responseError turns an unexpected response into an error: the API's error object when
// the body is one, else the status and body.
func responseError(status int, body []byte) error {
	var e Error
	if err := json.Unmarshal(body, &e); err == nil && e.Code != 0 {
		return &e
	}
	return fmt.Errorf("switchboard: unexpected HTTP %d: %.200s", status, body)
}
