package phone

import (
	"testing"

	"github.com/switchboard-dev/switchboard/internal/numbers"
)

// TestCountry: one number of every range Switchboard sells, Twilio's magic and test
// numbers, numbers of elsewhere, and what is not a phone number.
func TestCountry(t *testing.T) {
	tests := []struct {
		number, want, why string
	}{
		// The pool: US and Canadian 555-01xx of each area code it sells.
		{"+12025550100", "US", "Washington"},
		{"+12045550150", "CA", "Winnipeg"},
		{"+12065550199", "US", "Seattle"},
		{"+12125550100", "US", "New York"},
		{"+12135550100", "US", "Los Angeles"},
		{"+13035550100", "US", "Denver"},
		{"+13055550100", "US", "Miami"},
		{"+13125550100", "US", "Chicago"},
		{"+14035550100", "CA", "Calgary"},
		{"+14045550100", "US", "Atlanta"},
		{"+14155550100", "US", "San Francisco"},
		{"+14165550100", "CA", "Toronto"},
		{"+15035550100", "US", "Portland"},
		{"+15125550100", "US", "Austin"},
		{"+15145550100", "CA", "Montreal"},
		{"+16025550100", "US", "Phoenix"},
		{"+16045550100", "CA", "Vancouver"},
		{"+16135550100", "CA", "Ottawa"},
		{"+16175550100", "US", "Boston"},
		{"+17025550100", "US", "Las Vegas"},
		{"+17135550100", "US", "Houston"},
		{"+17805550100", "CA", "Edmonton"},
		{"+19025550100", "CA", "Halifax"},
		// Toll-free codes serve both countries; the pool gives each to one.
		{"+18005550100", "US", "toll-free 800"},
		{"+18335550100", "CA", "toll-free 833, sold as Canadian"},
		{"+18445550100", "CA", "toll-free 844, sold as Canadian"},
		{"+18555550100", "CA", "toll-free 855, sold as Canadian"},
		{"+18665550100", "US", "toll-free 866"},
		{"+18775550100", "US", "toll-free 877"},
		{"+18885550100", "US", "toll-free 888"},
		// Ofcom's drama ranges, which libphonenumber takes for unassigned.
		{"+441134960000", "GB", "Leeds"},
		{"+441144960123", "GB", "Sheffield"},
		{"+441154960999", "GB", "Nottingham"},
		{"+441164960000", "GB", "Leicester"},
		{"+441174960000", "GB", "Bristol"},
		{"+441184960000", "GB", "Reading"},
		{"+441214960000", "GB", "Birmingham"},
		{"+441314960000", "GB", "Edinburgh"},
		{"+441414960000", "GB", "Glasgow"},
		{"+441514960000", "GB", "Liverpool"},
		{"+441614960000", "GB", "Manchester"},
		{"+442079460018", "GB", "London"},
		{"+442920180000", "GB", "Cardiff"},
		{"+447700900123", "GB", "mobile drama range"},
		{"+447700900999", "GB", "mobile drama range, not in stock"},
		{"+448081570000", "GB", "freephone drama range"},
		// Twilio's magic numbers and Switchboard's test destinations, sold or not.
		{MagicFrom, "US", "Twilio's magic sender"},
		{"+15005550001", "US", "a magic number not sold"},
		{"+15005550150", "US", "a 500 number sold"},
		{"+15553000003", "US", "a messaging failure destination"},
		{"+15554000001", "US", "a busy voice destination"},
		// Elsewhere: the region of the number, where +1 and +44 are shared.
		{"+14165550200", "CA", "Toronto, past the fiction range"},
		{"+16135551234", "CA", "Ottawa, not in the pool"},
		{"+447400123456", "GB", "a real UK mobile range"},
		{"+33612345678", "FR", "France"},
		{"+4915112345678", "DE", "Germany"},
		{"+18095550100", "DO", "Dominican Republic, +1 but not NANP's US"},
		{"+12425550100", "BS", "Bahamas"},
		// Not phone numbers.
		{"+999123", "", "no such calling code"},
		{"14155550100", "", "no +"},
		{"client:alice", "", "a Client identifier"},
		{"sip:alice@example.com", "", "a SIP address"},
		{"Switchboard", "", "an alphanumeric sender"},
		{"", "", "nothing"},
		{"+", "", "a bare +"},
	}
	for _, tt := range tests {
		if got := Country(tt.number); got != tt.want {
			t.Errorf("Country(%q) (%s) = %q, want %q", tt.number, tt.why, got, tt.want)
		}
	}
}

// TestCountryOfThePool: every number Switchboard sells is of the country it is sold in,
// which a Messaging Service's geomatch compares it with.
func TestCountryOfThePool(t *testing.T) {
	all, err := numbers.Search(numbers.Query{}, nil, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 10_000 {
		t.Fatalf("the pool has %d numbers; the search missed some", len(all))
	}
	for _, n := range all {
		if got := Country(n.E164); got != n.Country {
			t.Errorf("Country(%s) = %q, sold as %q", n.E164, got, n.Country)
		}
	}
}

// TestAddPlaces: the eight parameters of Twilio's webhooks that say where the parties
// are. City, state and ZIP are always sent (empty when unknown: an app reading
// request.form["FromCity"] must find it); a country only when the party is a number.
func TestAddPlaces(t *testing.T) {
	tests := []struct {
		from, to string
		want     map[string]string
	}{
		{"+14155550100", "+16175550123", map[string]string{
			"FromCity": "SAN FRANCISCO", "FromState": "CA", "FromZip": "94103", "FromCountry": "US",
			"ToCity": "BOSTON", "ToState": "MA", "ToZip": "02108", "ToCountry": "US"}},
		{"+447700900123", "+14165550100", map[string]string{
			"FromCity": "", "FromState": "", "FromZip": "", "FromCountry": "GB",
			"ToCity": "TORONTO", "ToState": "ON", "ToZip": "M5H 2N2", "ToCountry": "CA"}},
		{"+442079460001", "+18005550100", map[string]string{
			"FromCity": "LONDON", "FromState": "", "FromZip": "", "FromCountry": "GB",
			"ToCity": "", "ToState": "", "ToZip": "", "ToCountry": "US"}},
		{"client:alice", "Acme", map[string]string{
			"FromCity": "", "FromState": "", "FromZip": "", "ToCity": "", "ToState": "", "ToZip": ""}},
	}
	for _, tt := range tests {
		p := map[string]string{"Body": "kept"}
		AddPlaces(p, tt.from, tt.to)
		tt.want["Body"] = "kept"
		if len(p) != len(tt.want) {
			t.Errorf("%s -> %s: %v, want %v", tt.from, tt.to, p, tt.want)
		}
		for k, v := range tt.want {
			if got, ok := p[k]; !ok || got != v {
				t.Errorf("%s -> %s: %s = %q (sent %v), want %q", tt.from, tt.to, k, got, ok, v)
			}
		}
	}
}
