package server

import (
	"bytes"
	"net/url"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pagetoken"
	"github.com/switchboard-dev/switchboard/store"
)

// The decoders below read what clients send. The seeds run with every `go test`; explore
// further with `go test -fuzz FuzzPageToken ./server/` (and the others).

func FuzzPageToken(f *testing.F) {
	tokens, err := pagetoken.New(bytes.Repeat([]byte{7}, pagetoken.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	const list = "AC1 /2010-04-01/Accounts.json?"
	valid := tokens.Seal(pagetoken.After, 42, list)
	for _, seed := range []string{"", valid, "PA1", "PB42", "PA", "PZ9", "PA-1", "PA99999999999999999999", "PA0", "P", valid[:len(valid)-1]} {
		f.Add(seed, int64(9), 50, 3, "+14155550100")
	}
	f.Fuzz(func(t *testing.T, token string, seq int64, size, page int, filter string) {
		if size < 1 || page < 0 || seq < 1 {
			return // the spec refuses these before paging runs; the seq comes from the store
		}
		// A token this list handed out reads back as the position it was made for, and
		// nothing else opens: no other list, no altered or forged token.
		r := pageRequest{size: size, page: page, token: tokens.Seal(pagetoken.Before, seq, list), list: list}
		p, err := r.storePage(tokens)
		switch {
		case page > maxStart/size:
			if err == nil {
				t.Fatalf("page %d × size %d accepted", page, size)
			}
			return
		case err != nil || p.Before != seq || p.After != 0:
			t.Fatalf("sealed PB%d read back as %+v, %v", seq, p, err)
		}
		if _, err := (pageRequest{size: size, token: r.token, list: list + "x"}).storePage(tokens); err == nil {
			t.Fatalf("a token for one list opened another")
		}
		// The only tokens sealed for this list with a position of 42 are the seeds' (each
		// fuzzing process seals its own, with a fresh nonce); nothing else may open to it.
		fuzzed := pageRequest{size: size, page: page, token: token, list: list}
		if p, err := fuzzed.storePage(tokens); err == nil && token != "" && (p.After != 42 || p.Before != 0) {
			t.Fatalf("token %q was not handed out but opened to %+v", token, p)
		} else if err != nil && err != errPageToken {
			t.Fatalf("token %q: error %v", token, err)
		}

		// Links: start and end do not overflow, every URI is a server-relative path that
		// carries the filters, and the next and previous tokens open to the page's ends.
		l := r.links(tokens, "/2010-04-01/Accounts.json", url.Values{"To": {filter}}, 2, func(i int) int64 { return seq + 1 - int64(i) }, true)
		if l.Start != page*size || l.End != l.Start+1 || l.Start < 0 {
			t.Fatalf("start %d end %d for page %d of %d", l.Start, l.End, page, size)
		}
		for _, uri := range []*string{&l.URI, &l.FirstPageURI, l.NextPageURI, l.PrevPageURI} {
			if uri == nil {
				continue
			}
			u, err := url.Parse(*uri)
			if err != nil || u.Path != "/2010-04-01/Accounts.json" || u.Host != "" || u.Query().Get("To") != filter {
				t.Fatalf("page URI %q (%v)", *uri, err)
			}
		}
		if l.NextPageURI == nil {
			t.Fatal("a backward page with rows has no next_page_uri")
		}
		next, _ := url.Parse(*l.NextPageURI)
		np, err := pageRequest{size: size, token: next.Query().Get("PageToken"), list: list}.storePage(tokens)
		if err != nil || np.After != seq {
			t.Fatalf("next_page_uri %s opens to %+v, %v; want after %d", *l.NextPageURI, np, err, seq)
		}
		if page > 0 {
			prev, _ := url.Parse(*l.PrevPageURI)
			pp, err := pageRequest{size: size, token: prev.Query().Get("PageToken"), list: list}.storePage(tokens)
			if err != nil || pp.Before != seq+1 {
				t.Fatalf("previous_page_uri opens to %+v, %v; want before %d", pp, err, seq+1)
			}
		}
	})
}

func FuzzDateFilters(f *testing.F) {
	f.Add("2026-11-24", "2026-11-25T10:00:00Z", "2026-11-20", uint8(7))
	f.Add("2026-11-24T10:00:00+02:00", "2026-11-24", "2026-11-24T23:00:00Z", uint8(7))
	f.Add("2026-02-30", "yesterday", "", uint8(1))
	f.Add("9999-12-31", "0000-01-01", "9999-12-31T23:59:59-23:59", uint8(7))
	f.Add("", "3000-01-01", "1000-01-01", uint8(6))
	f.Add("2026-11-24", "", "", uint8(1))
	f.Fuzz(func(t *testing.T, on, before, after string, set uint8) {
		// set says which of the three filters the request carries.
		pick := func(bit uint8, v string) *string {
			if set&bit == 0 {
				return nil
			}
			return &v
		}
		pOn, pBefore, pAfter := pick(1, on), pick(2, before), pick(4, after)
		var filter store.MessageFilter
		err := setDateFilters(&filter, pOn, pBefore, pAfter)

		// What the filters mean, worked out independently: DateSent is its whole UTC day,
		// DateSent< is "on or before" (the whole day for a date), DateSent> "on or after";
		// together they intersect.
		var from, until time.Time
		narrow := func(lo, hi time.Time) {
			if !lo.IsZero() && (from.IsZero() || lo.After(from)) {
				from = lo
			}
			if !hi.IsZero() && (until.IsZero() || hi.Before(until)) {
				until = hi
			}
		}
		parse := func(v string) (time.Time, bool, bool) {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d, true, true
			}
			d, err := time.Parse(time.RFC3339, v)
			return d.UTC(), false, err == nil
		}
		valid := true
		for i, v := range []*string{pOn, pBefore, pAfter} {
			if v == nil {
				continue
			}
			d, dayOnly, ok := parse(*v)
			if !ok {
				valid = false
				break
			}
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			switch {
			case i == 0:
				narrow(day, day.AddDate(0, 0, 1))
			case i == 1 && dayOnly:
				narrow(time.Time{}, day.AddDate(0, 0, 1))
			case i == 1:
				narrow(time.Time{}, d.Add(time.Nanosecond))
			default:
				narrow(d, time.Time{})
			}
		}
		if !valid {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("%q %q %q (set %b): error %v, want an API error", on, before, after, set, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q %q %q (set %b): %v", on, before, after, set, err)
		}
		if !filter.SentFrom.Equal(from) || !filter.SentUntil.Equal(until) {
			t.Fatalf("%q %q %q (set %b): window [%s, %s), want [%s, %s)", on, before, after, set, filter.SentFrom, filter.SentUntil, from, until)
		}
		// Whatever the years, the bounds stay in the range the store represents.
		for _, b := range []time.Time{filter.SentFrom, filter.SentUntil} {
			if !b.IsZero() && (b.Year() < -1 || b.Year() > 10001) {
				t.Fatalf("bound %s", b)
			}
		}
	})
}
