package server

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// The decoders below read what clients send. The seeds run with every `go test`; explore
// further with `go test -fuzz FuzzPageToken ./server/` (and the others).

func FuzzPageToken(f *testing.F) {
	for _, seed := range []string{"", "PA1", "PB42", "PA", "PZ9", "PA-1", "PA99999999999999999999", "PA0", "P"} {
		f.Add(seed, 50, 3)
	}
	f.Fuzz(func(t *testing.T, token string, size, page int) {
		r := pageRequest{size: size, page: page, token: token}
		p, err := r.storePage()
		if err != nil {
			return
		}
		if token != "" && p.After <= 0 && p.Before <= 0 {
			t.Fatalf("token %q accepted without a position: %+v", token, p)
		}
		// A token the server hands out in next_page_uri reads back as the same position.
		if p.After > 0 {
			back, err := pageRequest{size: 1, token: tokenAfter + strconv.FormatInt(p.After, 10)}.storePage()
			if err != nil || back.After != p.After {
				t.Fatalf("PA%d does not round-trip: %+v %v", p.After, back, err)
			}
		}
		// Page links never panic and stay server-relative.
		l := r.links("/2010-04-01/Accounts.json", url.Values{"To": {token}}, 2, 9, 8, true)
		if !strings.HasPrefix(l.URI, "/2010-04-01/") || !strings.HasPrefix(l.FirstPageURI, "/2010-04-01/") {
			t.Fatalf("links %+v", l)
		}
	})
}

func FuzzDateFilters(f *testing.F) {
	for _, seed := range []string{"2026-11-24", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00+02:00", "2026-02-30", "yesterday", ""} {
		f.Add(seed, seed, seed)
	}
	f.Fuzz(func(t *testing.T, on, before, after string) {
		var filter store.MessageFilter
		if err := setDateFilters(&filter, &on, &before, &after); err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("error %v is not an API error", err)
			}
			return
		}
		if filter.SentFrom.IsZero() && filter.SentUntil.IsZero() {
			t.Fatalf("accepted filters %q %q %q set no bound", on, before, after)
		}
	})
}

func FuzzUnescapeHTML(f *testing.F) {
	for _, seed := range []string{`a&b<c>d`, `\u0026`, `\\u0026`, `\\\u0026`, `"\`, `&&<<`, "\x00\u2028"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		encoded, err := json.Marshal(map[string]string{"k": s}) // HTML-escaped, as the server's encoders write
		if err != nil {
			return
		}
		plain := unescapeHTML(encoded)
		var before, after map[string]string
		if err := json.Unmarshal(encoded, &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(plain, &after); err != nil || after["k"] != before["k"] {
			t.Fatalf("%q -> %s -> %s -> %q (%v)", s, encoded, plain, after["k"], err)
		}
		if bytes.Contains(plain, []byte(`\u0026`)) && !strings.Contains(s, `\u0026`) {
			t.Fatalf("%s still escapes &", plain)
		}
	})
}
