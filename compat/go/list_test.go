package compat

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// createN sends n messages through the SDK and returns their SIDs, oldest first.
func createN(t *testing.T, e *sdkEnv, n int) []string {
	t.Helper()
	sids := make([]string, n)
	for i := range sids {
		m, err := e.SDK.Api.CreateMessage(text(fmt.Sprintf("message %d", i)))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		sids[i] = *m.Sid
	}
	return sids
}

// listRequests are the list GETs among reqs, with their query parameters.
func listRequests(reqs []sentRequest) []sentRequest {
	var out []sentRequest
	for _, r := range reqs {
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/Messages.json") {
			out = append(out, r)
		}
	}
	return out
}

func TestListFollowsNextPageURI(t *testing.T) {
	t.Parallel()
	e := start(t)
	created := createN(t, e, 120)
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)

	for _, c := range []struct {
		name     string
		params   *api.ListMessageParams
		want     []string
		requests []string // "PageSize/Page/PageToken?" of each GET the SDK makes
	}{
		{
			name:     "PageSize 50, Limit 120: three pages",
			params:   &api.ListMessageParams{PageSize: ptr(50), Limit: ptr(120)},
			want:     newestFirst,
			requests: []string{"50//", "50/1/token", "50/2/token"},
		},
		{
			name:     "PageSize 50, Limit 70: stops after the second page",
			params:   &api.ListMessageParams{PageSize: ptr(50), Limit: ptr(70)},
			want:     newestFirst[:70],
			requests: []string{"50//", "50/1/token"},
		},
		{
			name:     "PageSize 50, no limit: every page until next_page_uri is null",
			params:   &api.ListMessageParams{PageSize: ptr(50)},
			want:     newestFirst,
			requests: []string{"50//", "50/1/token", "50/2/token"},
		},
		{
			name:     "Limit 30 only: the SDK asks for one page of 30",
			params:   &api.ListMessageParams{Limit: ptr(30)},
			want:     newestFirst[:30],
			requests: []string{"30//"},
		},
		{
			name:     "Limit 5000 only: the SDK asks for pages of 1000",
			params:   &api.ListMessageParams{Limit: ptr(5000)},
			want:     newestFirst,
			requests: []string{"1000//"},
		},
		{
			name:     "no parameters: default page size 50, all records",
			params:   nil,
			want:     newestFirst,
			requests: []string{"50//", "50/1/token", "50/2/token"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			mark := e.log.mark()
			got, err := e.SDK.Api.ListMessage(c.params)
			if err != nil {
				t.Fatal(err)
			}
			sids := sidsOf(got)
			if !slices.Equal(sids, c.want) {
				t.Errorf("got %d records, want %d, newest first, no duplicates", len(sids), len(c.want))
			}
			if dup := duplicates(sids); len(dup) > 0 {
				t.Errorf("duplicates: %v", dup)
			}
			var pages []string
			for _, r := range listRequests(e.log.since(mark)) {
				q := r.URL.Query()
				token := ""
				if q.Get("PageToken") != "" {
					token = "token"
				}
				pages = append(pages, q.Get("PageSize")+"/"+q.Get("Page")+"/"+token)
			}
			if !slices.Equal(pages, c.requests) {
				t.Errorf("pages requested (PageSize/Page/PageToken) = %v, want %v", pages, c.requests)
			}
		})
	}

	t.Run("StreamMessage", func(t *testing.T) {
		records, errs := e.SDK.Api.StreamMessage(&api.ListMessageParams{PageSize: ptr(50), Limit: ptr(120)})
		var sids []string
		for m := range records {
			sids = append(sids, *m.Sid)
			if deref(m.AccountSid) != e.Main.Sid || deref(m.NumSegments) != "1" {
				t.Errorf("streamed record %s: account %s, num_segments %q", *m.Sid, deref(m.AccountSid), deref(m.NumSegments))
			}
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sids, newestFirst) {
			t.Errorf("streamed %d records, want all %d newest first", len(sids), len(newestFirst))
		}
	})

	t.Run("PageMessage", func(t *testing.T) {
		// One page at a time, the way the SDK's Page call exposes the envelope.
		p, err := e.SDK.Api.PageMessage(&api.ListMessageParams{PageSize: ptr(50)}, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Messages) != 50 || p.Page != 0 || p.PageSize != 50 || p.Start != 0 || p.End != 49 || p.PreviousPageUri != nil {
			t.Errorf("first page: %d records, page %d, page_size %d, start %d, end %d, previous %v",
				len(p.Messages), p.Page, p.PageSize, p.Start, p.End, p.PreviousPageUri)
		}
		prefix := "/2010-04-01/Accounts/" + e.Main.Sid + "/Messages.json?"
		if p.NextPageUri == nil || !strings.HasPrefix(*p.NextPageUri, prefix) {
			t.Fatalf("next_page_uri = %v, want a path starting %s", p.NextPageUri, prefix)
		}
		if !strings.HasPrefix(p.FirstPageUri, prefix) || !strings.HasPrefix(p.Uri, prefix) {
			t.Errorf("first_page_uri %q, uri %q: want paths starting %s", p.FirstPageUri, p.Uri, prefix)
		}
		// The SDK's page call also takes a page token and number: those of next_page_uri.
		next, err := url.Parse(*p.NextPageUri)
		if err != nil {
			t.Fatal(err)
		}
		q := next.Query()
		second, err := e.SDK.Api.PageMessage(&api.ListMessageParams{PageSize: ptr(50)}, q.Get("PageToken"), q.Get("Page"))
		if err != nil {
			t.Fatal(err)
		}
		if got := sidsOf(second.Messages); !slices.Equal(got, newestFirst[50:100]) || second.Page != 1 || second.Start != 50 || second.End != 99 {
			t.Errorf("second page: %d records (want %d), page %d, start %d, end %d", len(got), 50, second.Page, second.Start, second.End)
		}

		// A page number alone (no token) is served by offset.
		third, err := e.SDK.Api.PageMessage(&api.ListMessageParams{PageSize: ptr(50)}, "", "2")
		if err != nil {
			t.Fatal(err)
		}
		if got := sidsOf(third.Messages); !slices.Equal(got, newestFirst[100:]) || third.Start != 100 || third.End != 119 || third.NextPageUri != nil {
			t.Errorf("third page: %d records (want 20), start %d, end %d, next %v", len(got), third.Start, third.End, third.NextPageUri)
		}

		// A PageSize over the maximum is served as 1000.
		big, err := e.SDK.Api.PageMessage(&api.ListMessageParams{PageSize: ptr(2000)}, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(big.Messages) != 120 || big.PageSize != 1000 || big.NextPageUri != nil {
			t.Errorf("PageSize 2000: %d records, page_size %d, next %v; want 120, 1000, null", len(big.Messages), big.PageSize, big.NextPageUri)
		}
	})
}

func duplicates(sids []string) []string {
	seen := map[string]bool{}
	var dup []string
	for _, s := range sids {
		if seen[s] {
			dup = append(dup, s)
		}
		seen[s] = true
	}
	return dup
}

func TestListDateSentFilters(t *testing.T) {
	t.Parallel()
	e := start(t)
	day1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e.SeedHourly(t, e.Main.Sid, day1, 48) // 2024-01-01T00:00Z .. 2024-01-02T23:00Z
	day2 := day1.AddDate(0, 0, 1)
	cest := time.FixedZone("UTC+2", 2*60*60)

	// want is the hours (indexes into the seeded messages) the list returns, newest first.
	hours := func(from, to int, step int) []string {
		var out []string
		for i := to; i >= from; i -= step {
			out = append(out, fmt.Sprintf("SM%032x", i+1))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		params *api.ListMessageParams
		want   []string
		query  map[string]string // parameters the SDK must have sent on the first page
	}{
		{
			name:   "DateSent> is on or after",
			params: &api.ListMessageParams{DateSentAfter: ptr(day2)},
			want:   hours(24, 47, 1),
			query:  map[string]string{"DateSent>": "2024-01-02T00:00:00Z"},
		},
		{
			name:   "DateSent< is on or before",
			params: &api.ListMessageParams{DateSentBefore: ptr(day1.Add(11 * time.Hour))},
			want:   hours(0, 11, 1),
			query:  map[string]string{"DateSent<": "2024-01-01T11:00:00Z"},
		},
		{
			name:   "both bounds",
			params: &api.ListMessageParams{DateSentAfter: ptr(day1.Add(10 * time.Hour)), DateSentBefore: ptr(day1.Add(20 * time.Hour))},
			want:   hours(10, 20, 1),
		},
		{
			name:   "DateSent is the whole UTC day of the time given",
			params: &api.ListMessageParams{DateSent: ptr(day2.Add(15*time.Hour + 30*time.Minute))},
			want:   hours(24, 47, 1),
			query:  map[string]string{"DateSent": "2024-01-02T15:30:00Z"},
		},
		{
			name:   "a time with an offset (its + must survive the query string)",
			params: &api.ListMessageParams{DateSentAfter: ptr(time.Date(2024, 1, 2, 2, 0, 0, 0, cest))},
			want:   hours(24, 47, 1),
			query:  map[string]string{"DateSent>": "2024-01-02T02:00:00+02:00"},
		},
		{
			name:   "date and To filters together",
			params: &api.ListMessageParams{To: ptr("+14155550111"), DateSentBefore: ptr(day1.Add(11 * time.Hour))},
			want:   hours(1, 11, 2),
		},
		{
			name:   "filters are kept across pages",
			params: &api.ListMessageParams{DateSentAfter: ptr(day1.Add(30 * time.Hour)), PageSize: ptr(5)},
			want:   hours(30, 47, 1), // 18 records: pages of 5, 5, 5, 3
		},
		{
			name:   "To and date filters kept across pages (the To's + too)",
			params: &api.ListMessageParams{To: ptr("+14155550111"), DateSentAfter: ptr(day2), PageSize: ptr(4)},
			want:   hours(25, 47, 2), // 12 records: pages of 4
		},
		{
			name:   "nothing in range: an empty list",
			params: &api.ListMessageParams{DateSentAfter: ptr(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))},
			want:   nil,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			pageSize := 50 // the SDK's default
			if c.params.PageSize != nil {
				pageSize = *c.params.PageSize
			}
			mark := e.log.mark()
			got, err := e.SDK.Api.ListMessage(c.params)
			if err != nil {
				t.Fatal(err)
			}
			if sids := sidsOf(got); !slices.Equal(sids, c.want) {
				t.Errorf("got %d messages %v\nwant %d %v", len(sids), sids, len(c.want), c.want)
			}
			reqs := listRequests(e.log.since(mark))
			if len(reqs) == 0 {
				t.Fatal("no list request recorded")
			}
			for name, want := range c.query {
				if got := reqs[0].URL.Query().Get(name); got != want {
					t.Errorf("SDK sent %s=%q, want %q (query %s)", name, got, want, reqs[0].URL.RawQuery)
				}
			}
			// Every later page (from next_page_uri) repeats the filters of the first.
			for _, r := range reqs[1:] {
				for _, name := range []string{"To", "DateSent", "DateSent<", "DateSent>"} {
					if first, later := reqs[0].URL.Query().Get(name), r.URL.Query().Get(name); first != later {
						t.Errorf("page %s: %s=%q, first page had %q", r.URL.Query().Get("Page"), name, later, first)
					}
				}
			}
			if wantPages := max(1, (len(c.want)+pageSize-1)/pageSize); len(reqs) != wantPages {
				t.Errorf("%d pages requested, want %d", len(reqs), wantPages)
			}
		})
	}

	// The SDK percent-encodes the angle brackets in the parameter names.
	mark := e.log.mark()
	if _, err := e.SDK.Api.ListMessage(&api.ListMessageParams{DateSentBefore: ptr(day2), DateSentAfter: ptr(day1)}); err != nil {
		t.Fatal(err)
	}
	raw := listRequests(e.log.since(mark))[0].URL.RawQuery
	if !strings.Contains(raw, "DateSent%3C=") || !strings.Contains(raw, "DateSent%3E=") {
		t.Errorf("query %q: want DateSent%%3C and DateSent%%3E", raw)
	}
}
