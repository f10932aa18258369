package numbers

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// all walks the whole pool through Search, the way the server does.
func all(t *testing.T, q Query) []Number {
	t.Helper()
	ns, err := Search(q, nil, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestPool(t *testing.T) {
	ns := all(t, Query{})
	if len(ns) != 18101 {
		t.Fatalf("pool holds %d numbers, want the documented 18,101", len(ns))
	}
	seen := map[string]bool{}
	perCountryType := map[string]int{}
	for i, n := range ns {
		if seen[n.E164] {
			t.Fatalf("%s is in the pool twice", n.E164)
		}
		seen[n.E164] = true
		if i > 0 && ns[i-1].E164 >= n.E164 {
			t.Fatalf("pool out of order at %s after %s", n.E164, ns[i-1].E164)
		}
		p, err := phonenumbers.Parse(n.E164, "")
		if err != nil || !phonenumbers.IsPossibleNumber(p) {
			t.Fatalf("%s is not a possible number: %v", n.E164, err)
		}
		if got := phonenumbers.Format(p, phonenumbers.E164); got != n.E164 {
			t.Fatalf("%s formats back as %s", n.E164, got)
		}
		if got, want := n.National(), phonenumbers.Format(p, phonenumbers.NATIONAL); got != want {
			t.Fatalf("%s: National() = %q, libphonenumber %q", n.E164, got, want)
		}
		if !strings.HasPrefix(n.E164, CallingCode(n.Country)) {
			t.Fatalf("%s does not start with %s's calling code %s", n.E164, n.Country, CallingCode(n.Country))
		}
		// Where libphonenumber places the number, it agrees with the pool (it puts every
		// NANP toll-free number in the US, and knows the UK drama ranges are not real).
		if region := phonenumbers.GetRegionCodeForNumber(p); region != "" && region != n.Country && n.Type != TollFree {
			t.Errorf("%s: pool country %s, libphonenumber %s", n.E164, n.Country, region)
		}
		if got, ok := Lookup(n.E164); !ok || got.E164 != n.E164 || got.Type != n.Type {
			t.Fatalf("Lookup(%s) = %+v, %v", n.E164, got, ok)
		}
		perCountryType[n.Country+" "+string(n.Type)]++
	}
	for _, c := range Countries() {
		for _, typ := range c.Types {
			if perCountryType[c.Code+" "+string(typ)] == 0 {
				t.Errorf("%s lists type %s but the pool has no such number", c.Code, typ)
			}
		}
	}
	if len(perCountryType) != 7 {
		t.Errorf("country/type pairs in the pool: %v, want the 7 Countries lists", perCountryType)
	}
}

func TestMagicNumbers(t *testing.T) {
	if _, ok := Lookup(MagicAvailable); !ok {
		t.Errorf("%s is not in the pool", MagicAvailable)
	}
	for _, n := range []string{MagicUnavailable, MagicInvalid} {
		if _, ok := Lookup(n); ok {
			t.Errorf("%s is in the pool", n)
		}
	}
	first, err := Search(Query{AreaCode: MagicAreaCode}, nil, 1)
	if err != nil || len(first) != 1 || first[0].E164 != MagicAvailable {
		t.Errorf("first number of area %s: %v %v, want %s", MagicAreaCode, first, err, MagicAvailable)
	}
	taken := func(n string) bool { return n == MagicAvailable }
	next, _ := Search(Query{AreaCode: MagicAreaCode}, taken, 1)
	if len(next) != 1 || next[0].E164 != "+15005550100" {
		t.Errorf("area %s once %s is taken: %v", MagicAreaCode, MagicAvailable, next)
	}
	if none, _ := Search(Query{AreaCode: MagicEmptyAreaCode}, nil, 10); len(none) != 0 {
		t.Errorf("area %s has numbers: %v", MagicEmptyAreaCode, none)
	}
}

func TestLookupRejects(t *testing.T) {
	for _, s := range []string{"", "+1415555010", "+141555501000", "+14155550099", "+14155550200",
		"+1415555+100", "+1415555-100", "+442079461000", "+4420794600a1", "14155550100"} {
		if n, ok := Lookup(s); ok {
			t.Errorf("Lookup(%q) found %+v", s, n)
		}
	}
}

func TestNational(t *testing.T) {
	for e164, want := range map[string]string{
		"+14155550100":  "(415) 555-0100",
		"+14165550142":  "(416) 555-0142",
		"+442079460123": "020 7946 0123",
		"+447700900042": "07700 900042",
		"+448081570999": "0808 157 0999",
	} {
		n, ok := Lookup(e164)
		if !ok {
			t.Fatalf("%s not in the pool", e164)
		}
		if got := n.National(); got != want {
			t.Errorf("%s national format %q, want %q", e164, got, want)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	yes, no := true, false
	e164s := func(ns []Number) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.E164
		}
		return out
	}
	tests := []struct {
		name  string
		q     Query
		limit int
		want  []string // exact result, when short
		check func(Number) bool
		count int // -1: any number
	}{
		{name: "US local, first three", q: Query{Country: "us", Type: Local}, limit: 3,
			want: []string{"+12025550100", "+12025550101", "+12025550102"}},
		{name: "area code", q: Query{Country: "US", Type: Local, AreaCode: "415"}, limit: 1000,
			check: func(n Number) bool {
				return strings.HasPrefix(n.E164, "+1415555") && n.Place.Locality == "San Francisco"
			}, count: 100},
		{name: "area code of the other country", q: Query{Country: "US", AreaCode: "416"}, limit: 10, count: 0},
		{name: "Contains digits anywhere", q: Query{Country: "US", Type: Local, AreaCode: "415", Contains: "0142"}, limit: 10,
			want: []string{"+14155550142"}},
		{name: "Contains wildcard", q: Query{Country: "US", AreaCode: "415", Contains: "555*117"}, limit: 10,
			want: []string{"+14155550117"}},
		{name: "Contains anchored at the start", q: Query{Country: "GB", Contains: "+44207"}, limit: 5000,
			check: func(n Number) bool { return strings.HasPrefix(n.E164, "+44207") }, count: 1000},
		{name: "Contains anchored at the end", q: Query{Country: "CA", Type: Local, Contains: "99$"}, limit: 1000,
			check: func(n Number) bool { return strings.HasSuffix(n.E164, "99") }, count: 8},
		{name: "Contains with % and letters", q: Query{Country: "US", AreaCode: "212", Contains: "+1212%JO$"}, limit: 10,
			want: []string{"+12125550156"}}, // J=5, O=6
		{name: "letters read as the keypad", q: Query{Country: "GB", Type: Mobile, Contains: "ADD"}, limit: 10,
			want: []string{"+447700900233"}},
		{name: "SMS-capable UK numbers are mobiles", q: Query{Country: "GB", SMS: &yes}, limit: 5000,
			check: func(n Number) bool { return n.Type == Mobile }, count: 1000},
		{name: "UK numbers without SMS", q: Query{Country: "GB", SMS: &no}, limit: 50000,
			check: func(n Number) bool { return n.Type != Mobile }, count: 14000},
		{name: "no MMS in Canada is toll-free", q: Query{Country: "CA", MMS: &no}, limit: 1000,
			check: func(n Number) bool { return n.Type == TollFree }, count: 300},
		{name: "nothing takes faxes", q: Query{Fax: &yes}, limit: 10, count: 0},
		{name: "voice everywhere", q: Query{Voice: &no}, limit: 10, count: 0},
		{name: "exclude address requirements", q: Query{Country: "GB", ExcludeAllAddressRequired: true}, limit: 5000,
			check: func(n Number) bool { return n.AddressRequirements == AddressNone && n.Type != Local }, count: 2000},
		{name: "region", q: Query{Country: "CA", Region: "on"}, limit: 1000,
			check: func(n Number) bool { return n.Place.Region == "ON" }, count: 200},
		{name: "locality", q: Query{Locality: "manchester"}, limit: 5000,
			check: func(n Number) bool { return strings.HasPrefix(n.E164, "+441614960") }, count: 1000},
		{name: "postal code ignores spaces", q: Query{PostalCode: "m5h2n2"}, limit: 1000,
			check: func(n Number) bool { return n.Place.Locality == "Toronto" }, count: 100},
		{name: "LATA", q: Query{LATA: "722"}, limit: 1000,
			check: func(n Number) bool { return n.Place.Locality == "San Francisco" }, count: 100},
		{name: "rate center", q: Query{RateCenter: "Boston"}, limit: 1000,
			check: func(n Number) bool { return n.Place.Locality == "Boston" }, count: 100},
		{name: "US has no mobiles", q: Query{Country: "US", Type: Mobile}, limit: 10, count: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Search(tt.q, nil, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				if !slices.Equal(e164s(got), tt.want) {
					t.Fatalf("got %v, want %v", e164s(got), tt.want)
				}
				return
			}
			if len(got) != tt.count {
				t.Fatalf("%d numbers, want %d", len(got), tt.count)
			}
			for _, n := range got {
				if !tt.check(n) {
					t.Fatalf("%+v does not belong in the result", n)
				}
			}
		})
	}
}

func TestSearchSkipsTakenNumbers(t *testing.T) {
	taken := map[string]bool{"+14155550100": true, "+14155550102": true}
	got, err := Search(Query{AreaCode: "415"}, func(n string) bool { return taken[n] }, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+14155550101", "+14155550103", "+14155550104"}
	for i, n := range got {
		if n.E164 != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestBadPattern(t *testing.T) {
	for _, p := range []string{"41-5", "4$15", "++1", "é1"} {
		if _, err := Search(Query{Contains: p}, nil, 1); !errors.Is(err, ErrBadPattern) {
			t.Errorf("Contains %q: err %v, want ErrBadPattern", p, err)
		}
	}
}

func TestCountries(t *testing.T) {
	c, ok := FindCountry("gb")
	if !ok || c.Name != "United Kingdom" || !slices.Equal(c.Types, []Type{Local, Mobile, TollFree}) {
		t.Errorf("FindCountry(gb) = %+v, %v", c, ok)
	}
	if _, ok := FindCountry("FR"); ok {
		t.Error("FindCountry(FR) found a country the pool does not sell in")
	}
	cs := Countries()
	cs[0].Types[0] = Mobile // callers cannot change the pool through the copy
	if Countries()[0].Types[0] != Local {
		t.Error("Countries returns the pool's own slices")
	}
}

// BenchmarkSearchWholeCountry is the slowest search there is: a pattern that no UK
// number matches, so every one of the 15,000 is tried.
func BenchmarkSearchWholeCountry(b *testing.B) {
	q := Query{Country: "GB", Contains: "99999"}
	for b.Loop() {
		if ns, err := Search(q, nil, 50); err != nil || len(ns) != 0 {
			b.Fatalf("%v %v", ns, err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	for b.Loop() {
		if _, ok := Lookup("+448081570999"); !ok { // the last block
			b.Fatal("not found")
		}
	}
}

// TestPlaceOf: a number of the pool is where its block is; any other US or Canadian
// number is where its area code is, when the pool sells in that area; nothing else has
// a place.
func TestPlaceOf(t *testing.T) {
	sf := Place{Locality: "San Francisco", Region: "CA", PostalCode: "94103", LATA: "722", RateCenter: "SAN FRANCISCO"}
	toronto := Place{Locality: "Toronto", Region: "ON", PostalCode: "M5H 2N2", RateCenter: "TORONTO"}
	for _, tt := range []struct {
		number string
		want   Place // without Position
		ok     bool
	}{
		{"+14155550100", sf, true},                         // the pool
		{"+14155550199", sf, true},                         // its last of the area
		{"+14155551234", sf, true},                         // the area, outside the pool's range
		{"+14165550150", toronto, true},                    // Canada
		{"+14169998888", toronto, true},                    // its area
		{"+442079460123", Place{Locality: "London"}, true}, // the UK pool: a city only
		{"+447700900123", Place{}, false},                  // a UK mobile: no place
		{"+442079461234", Place{}, false},                  // London, outside the pool: unknown
		{"+18005550100", Place{}, false},                   // toll-free
		{"+15005550006", Place{}, false},                   // Twilio's test area
		{"+19995551234", Place{}, false},                   // an area the pool does not sell in
		{"+1415555012", Place{}, false},                    // too short
		{"+1415555x100", Place{}, false},                   // not digits
		{"+33612345678", Place{}, false},                   // elsewhere
		{"client:alice", Place{}, false},
		{"", Place{}, false},
	} {
		got, ok := PlaceOf(tt.number)
		if ok != tt.ok {
			t.Errorf("PlaceOf(%q) known = %v, want %v", tt.number, ok, tt.ok)
		}
		if ok && got.Position == nil && got.Region != "" {
			t.Errorf("PlaceOf(%q): a US or Canadian place without its position", tt.number)
		}
		got.Position = nil
		if got != tt.want {
			t.Errorf("PlaceOf(%q) = %+v, want %+v", tt.number, got, tt.want)
		}
	}
	// Every geographic number of the pool has its own block's place.
	for _, n := range all(t, Query{Type: Local}) {
		if p, ok := PlaceOf(n.E164); ok != (n.Place.Locality != "") || (ok && p.Locality != n.Place.Locality) {
			t.Fatalf("PlaceOf(%s) = %+v, %v; the pool says %+v", n.E164, p, ok, n.Place)
		}
	}
}
