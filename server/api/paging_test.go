package api

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/pagetoken"
)

// Page tokens are read from what clients send. The seeds run with every `go test`;
// explore further with `go test -fuzz FuzzPageToken ./server/api/`.

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
		r := PageRequest{size: size, page: page, token: tokens.Seal(pagetoken.Before, seq, list), list: list}
		p, err := r.StorePage(tokens)
		switch {
		case page > maxStart/size:
			if err == nil {
				t.Fatalf("page %d × size %d accepted", page, size)
			}
			return
		case err != nil || p.Before != seq || p.After != 0:
			t.Fatalf("sealed PB%d read back as %+v, %v", seq, p, err)
		}
		if _, err := (PageRequest{size: size, token: r.token, list: list + "x"}).StorePage(tokens); err == nil {
			t.Fatalf("a token for one list opened another")
		}
		// The only tokens sealed for this list with a position of 42 are the seeds' (each
		// fuzzing process seals its own, with a fresh nonce); nothing else may open to it.
		fuzzed := PageRequest{size: size, page: page, token: token, list: list}
		if p, err := fuzzed.StorePage(tokens); err == nil && token != "" && (p.After != 42 || p.Before != 0) {
			t.Fatalf("token %q was not handed out but opened to %+v", token, p)
		} else if err != nil && err != errPageToken {
			t.Fatalf("token %q: error %v", token, err)
		}

		// Links: start and end do not overflow, every URI is a server-relative path that
		// carries the filters, and the next and previous tokens open to the page's ends.
		l := r.Links(tokens, "/2010-04-01/Accounts.json", url.Values{"To": {filter}}, 2, func(i int) int64 { return seq + 1 - int64(i) }, true)
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
		np, err := PageRequest{size: size, token: next.Query().Get("PageToken"), list: list}.StorePage(tokens)
		if err != nil || np.After != seq {
			t.Fatalf("next_page_uri %s opens to %+v, %v; want after %d", *l.NextPageURI, np, err, seq)
		}
		if page > 0 {
			prev, _ := url.Parse(*l.PrevPageURI)
			pp, err := PageRequest{size: size, token: prev.Query().Get("PageToken"), list: list}.StorePage(tokens)
			if err != nil || pp.Before != seq+1 {
				t.Fatalf("previous_page_uri opens to %+v, %v; want before %d", pp, err, seq+1)
			}
		}
	})
}
