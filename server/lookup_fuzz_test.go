package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/internal/lookup"
)

// FuzzLookupRequest sends arbitrary numbers, Fields and CountryCode values through the
// whole HTTP stack (client encoding, Echo's router, the validator, the generated
// binding) and checks that the server answers what internal/lookup answers for the very
// same strings: whatever the number holds, its path segment is decoded exactly once and a
// '+' stays a '+' whether sent as is or as %2B. Every response is also checked against
// openapi.yaml. Run further with `go test -fuzz FuzzLookupRequest ./server/`.
func FuzzLookupRequest(f *testing.F) {
	var mu sync.Mutex
	var mismatches []string
	env, err := servertest.Launch(servertest.Options{}, func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		mismatches = append(mismatches, fmt.Sprintf(format, args...))
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(env.Stop)

	seeds := []struct{ number, fields, country string }{
		{"+14159929960", "", ""},
		{"+447400123456", "line_type_intelligence,sms_pumping_risk", ""},
		{"020 7946 0018", "caller_name", "GB"},
		{"(415) 992-9960", " validation , ", "us"},
		{"+141599299600", "pre_fill", ""},
		{"+1+2", "carrier", ""},
		{"%2B1", "", "XX"},
		{"a/b?c#d", "", ""},
		{"..", "", ""},
		{"", "", ""},
		{"+1 415 992 9960 ext. 5", "identity_match", "FR"},
		{"\xff\x00+", "\xff", "\x00"},
	}
	for _, s := range seeds {
		f.Add(s.number, s.fields, s.country)
	}
	f.Fuzz(func(t *testing.T, number, fields, country string) {
		if len(number)+len(fields)+len(country) > 1000 {
			t.Skip("longer than any URL a client would send")
		}
		query := url.Values{}
		if fields != "" {
			query.Set("Fields", fields)
		}
		if country != "" {
			query.Set("CountryCode", country)
		}
		want, wantErr := lookup.Lookup(lookup.Request{PhoneNumber: number, Fields: fields, CountryCode: country})

		escaped := url.PathEscape(number) // leaves '+' as is
		for _, segment := range []string{escaped, strings.ReplaceAll(escaped, "+", "%2B")} {
			path := "/v2/PhoneNumbers/" + segment
			if len(query) > 0 {
				path += "?" + query.Encode()
			}
			status, body := env.Do(t, http.MethodGet, path, env.Main.Sid, env.Main.AuthToken, nil, "")
			switch {
			case number == "":
				if status != http.StatusNotFound {
					t.Fatalf("GET %s: HTTP %d %s, want 404", path, status, body)
				}
			case !cleanText(fields) || !cleanText(country):
				// Refused before Lookup sees it, as for every operation: 20001 naming it.
				var e client.Error
				if status != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Code != 20001 ||
					!(strings.Contains(e.Message, "Fields") || strings.Contains(e.Message, "CountryCode")) {
					t.Fatalf("GET %s: HTTP %d %s, want 400 20001 naming the parameter", path, status, body)
				}
			case wantErr != nil:
				var e client.Error
				if status != http.StatusBadRequest || json.Unmarshal(body, &e) != nil || e.Code != 60200 || e.Message != wantErr.Error() {
					t.Fatalf("GET %s: HTTP %d %s, want 400 60200 %q", path, status, body, wantErr)
				}
			default:
				var got client.PhoneNumberLookup
				if status != http.StatusOK || json.Unmarshal(body, &got) != nil {
					t.Fatalf("GET %s: HTTP %d %s", path, status, body)
				}
				wantErrors := make([]client.LookupValidationError, len(want.ValidationErrors))
				for i, e := range want.ValidationErrors {
					wantErrors[i] = client.LookupValidationError(e)
				}
				if got.PhoneNumber != viaJSON(t, want.PhoneNumber) || got.Valid != want.Valid || !reflect.DeepEqual(got.ValidationErrors, wantErrors) {
					t.Fatalf("GET %s (number %q): got %q valid %v %v, want %q valid %v %v", path, number,
						got.PhoneNumber, got.Valid, got.ValidationErrors, want.PhoneNumber, want.Valid, wantErrors)
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(mismatches) > 0 {
			t.Fatal(strings.Join(mismatches, "\n"))
		}
	})
}

// viaJSON is s as it reads after a trip through JSON, which replaces invalid UTF-8.
func viaJSON(t *testing.T, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// cleanText is what the server accepts in any parameter: valid UTF-8 without NUL.
func cleanText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
