package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/servertest"
)

// The benchmarks drive a real server over loopback HTTP through the generated client, so
// each operation includes auth, validation against openapi.yaml, the handler and SQLite.
// Responses are not checked against the spec here: that is the tests' job, and it would
// measure the checker.

func BenchmarkCreateMessage(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	req := text("+14155550100", "+14155550199", "benchmark body")
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.CreateMessageWithFormdataBodyWithResponse(ctx, env.Main.Sid, req)
		if err != nil || resp.JSON201 == nil {
			b.Fatalf("create: %v %s", err, resp.Body)
		}
	}
}

func BenchmarkFetchMessage(b *testing.B) {
	env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
	ctx := context.Background()
	m := send(b, env.Client, env.Main.Sid, text("+14155550100", "+14155550199", "benchmark body"))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := env.Client.FetchMessageWithResponse(ctx, env.Main.Sid, m.Sid)
		if err != nil || resp.JSON200 == nil {
			b.Fatalf("fetch: %v %s", err, resp.Body)
		}
	}
}

// BenchmarkListMessagesPage fetches one page of 50 from the middle of the list, by the
// PageToken that next_page_uri carries, at two list sizes: keyset paging should make the
// two cost the same.
func BenchmarkListMessagesPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			env := servertest.Start(b, servertest.Options{NoSpecCheck: true})
			env.SeedHourly(b, env.Main.Sid, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), n)
			ctx := context.Background()
			params := middlePage(b, env, n, 50)
			b.ReportAllocs()
			for b.Loop() {
				resp, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, params)
				if err != nil || resp.JSON200 == nil || len(resp.JSON200.Messages) != *params.PageSize {
					b.Fatalf("list: %v %s", err, resp.Body)
				}
			}
		})
	}
}

// middlePage returns the parameters of the page of size rows just past the middle of a
// list of n, reached as a client would: walking next_page_uri with the largest pages.
func middlePage(tb testing.TB, env *servertest.Env, n, size int) *client.ListMessagesParams {
	tb.Helper()
	ctx := context.Background()
	big := min(1000, n/2) // a whole number of pages up to the middle, for the n used here
	var next *string
	for range n / 2 / big {
		params := &client.ListMessagesParams{PageSize: &big}
		if next != nil {
			u, _ := url.Parse(*next)
			token := u.Query().Get("PageToken")
			page, _ := strconv.Atoi(u.Query().Get("Page"))
			params.PageToken, params.Page = &token, &page
		}
		resp, err := env.Client.ListMessagesWithResponse(ctx, env.Main.Sid, params)
		if err != nil || resp.JSON200 == nil || resp.JSON200.NextPageUri == nil {
			tb.Fatalf("list: %v %s", err, resp.Body)
		}
		next = resp.JSON200.NextPageUri
	}
	u, _ := url.Parse(*next)
	token := u.Query().Get("PageToken")
	page := n / 2 / size
	return &client.ListMessagesParams{PageSize: &size, Page: &page, PageToken: &token}
}

// TestBenchmarkListFixture runs the benchmark's walk and check under plain go test.
func TestBenchmarkListFixture(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	const n = 4000
	env.SeedHourly(t, env.Main.Sid, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), n)
	params := middlePage(t, env, n, 50)
	resp, err := env.Client.ListMessagesWithResponse(context.Background(), env.Main.Sid, params)
	if err != nil || resp.JSON200 == nil || len(resp.JSON200.Messages) != 50 {
		t.Fatalf("list: %v %s", err, resp.Body)
	}
	// SeedHourly numbers SIDs from 1, oldest first: the page starts just past the middle.
	if want := fmt.Sprintf("SM%032x", n/2); resp.JSON200.Messages[0].Sid != want || resp.JSON200.Start != n/2 {
		t.Fatalf("page starts with %s at %d, want %s at %d", resp.JSON200.Messages[0].Sid, resp.JSON200.Start, want, n/2)
	}
}
