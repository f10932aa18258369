package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboard-dev/switchboard"
	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// allPackages is every data package Fields can name.
var allPackages = []string{"line_type_intelligence", "caller_name", "sim_swap", "call_forwarding", "line_status",
	"identity_match", "reassigned_number", "sms_pumping_risk", "phone_number_quality_score", "pre_fill"}

// lookupRaw fetches path+query (path relative to /v2/PhoneNumbers/, sent as written) as
// the main account and decodes a 200 answer; every response is checked against the spec
// by env.HTTP.
func lookupRaw(t *testing.T, env *servertest.Env, pathAndQuery string) (map[string]any, client.PhoneNumberLookup) {
	t.Helper()
	status, body := env.Do(t, http.MethodGet, "/v2/PhoneNumbers/"+pathAndQuery, env.Main.Sid, env.Main.AuthToken, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", pathAndQuery, status, body)
	}
	var raw map[string]any
	var typed client.PhoneNumberLookup
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &typed); err != nil {
		t.Fatal(err)
	}
	return raw, typed
}

// lookupNumber looks up number (path-escaped, so a '+' stays a literal '+') with query.
func lookupNumber(t *testing.T, env *servertest.Env, number string, query url.Values) (map[string]any, client.PhoneNumberLookup) {
	t.Helper()
	p := url.PathEscape(number)
	if len(query) > 0 {
		p += "?" + query.Encode()
	}
	return lookupRaw(t, env, p)
}

func TestLookupCountries(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	// Carriers, types and national formats are libphonenumber's; MCCs are E.212's.
	tests := []struct {
		number, country, callingCode, national, lineType, carrier, mcc string
	}{
		// The metadata cannot tell US mobile from fixed numbers: the last digit decides.
		{"+14159929960", "US", "1", "(415) 992-9960", "mobile", "Switchboard Mobile", "310"},
		{"+14155550106", "US", "1", "(415) 555-0106", "landline", "Switchboard Fixed", ""},
		{"+14155550108", "US", "1", "(415) 555-0108", "fixedVoip", "Switchboard VoIP", ""},
		{"+14155550109", "US", "1", "(415) 555-0109", "nonFixedVoip", "Switchboard VoIP", "310"},
		{"+18005550100", "US", "1", "(800) 555-0100", "tollFree", "Switchboard Telecom", ""},
		{"+447400123456", "GB", "44", "07400 123456", "mobile", "Three", "234"},
		{"+442079460018", "GB", "44", "020 7946 0018", "landline", "Switchboard Fixed", ""},
		{"+4915112345678", "DE", "49", "01511 2345678", "mobile", "T-Mobile", "262"},
		{"+33612345678", "FR", "33", "06 12 34 56 78", "mobile", "SFR", "208"},
		{"+919876543210", "IN", "91", "098765 43210", "mobile", "Airtel", "404"},
		{"+5511987654321", "BR", "55", "(11) 98765-4321", "mobile", "TIM", "724"},
		{"+819012345678", "JP", "81", "090-1234-5678", "mobile", "KDDI", "440"},
		{"+61412345678", "AU", "61", "0412 345 678", "mobile", "Optus", "505"},
	}
	for _, tt := range tests {
		t.Run(tt.number, func(t *testing.T) {
			_, got := lookupNumber(t, env, tt.number, url.Values{"Fields": {"line_type_intelligence"}})
			if !got.Valid || len(got.ValidationErrors) != 0 || got.PhoneNumber != tt.number ||
				deref(got.CountryCode) != tt.country || deref(got.CallingCountryCode) != tt.callingCode ||
				deref(got.NationalFormat) != tt.national {
				t.Fatalf("got %+v", got)
			}
			if want := "/v2/PhoneNumbers/" + tt.number; got.Url != env.URL+want {
				t.Errorf("url = %q, want %q", got.Url, env.URL+want)
			}
			lt := got.LineTypeIntelligence
			if lt == nil || string(deref(lt.Type)) != tt.lineType || deref(lt.CarrierName) != tt.carrier ||
				deref(lt.MobileCountryCode) != tt.mcc || lt.ErrorCode != nil {
				t.Fatalf("line_type_intelligence = %s", mustJSON(t, lt))
			}
			// Mobile numbers carry a network code of the national length (3 digits in North America).
			wantMNC := map[string]int{"": 0, "310": 3}[tt.mcc]
			if tt.mcc != "" && wantMNC == 0 {
				wantMNC = 2
			}
			if len(deref(lt.MobileNetworkCode)) != wantMNC {
				t.Errorf("mobile_network_code %q for MCC %q", deref(lt.MobileNetworkCode), tt.mcc)
			}
		})
	}
}

func TestLookupNationalInput(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	tests := []struct {
		name, number, countryCode, want string
	}{
		{"GB", "020 7946 0018", "GB", "+442079460018"},
		{"lowercase country", "020 7946 0018", "gb", "+442079460018"},
		{"FR", "06 12 34 56 78", "FR", "+33612345678"},
		{"DE", "01511 2345678", "DE", "+4915112345678"},
		{"JP", "090-1234-5678", "JP", "+819012345678"},
		{"IN", "098765 43210", "IN", "+919876543210"},
		{"US by default", "(415) 992-9960", "", "+14159929960"},
		{"E.164 ignores CountryCode", "+447400123456", "FR", "+447400123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			if tt.countryCode != "" {
				q.Set("CountryCode", tt.countryCode)
			}
			_, got := lookupNumber(t, env, tt.number, q)
			if !got.Valid || got.PhoneNumber != tt.want {
				t.Fatalf("%q with CountryCode %q: %+v", tt.number, tt.countryCode, got)
			}
			if got.Url != env.URL+"/v2/PhoneNumbers/"+tt.want {
				t.Errorf("url %q names the input, not the E.164 number", got.Url)
			}
		})
	}
}

func TestLookupValidationErrors(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	tests := []struct {
		number, countryCode, want, phoneNumber string
	}{
		{"+1415", "", "TOO_SHORT", "+1415"},
		{"12", "", "TOO_SHORT", "+112"},
		{"+141599299600", "", "TOO_LONG", "+141599299600"},
		{"+14150000000", "", "INVALID_BUT_POSSIBLE", "+14150000000"},
		{"+999123456", "", "INVALID_COUNTRY_CODE", "+999123456"},
		{"415 992 9960", "XX", "INVALID_COUNTRY_CODE", "415 992 9960"},
		{"+412123456785", "", "INVALID_LENGTH", "+412123456785"},
		{"hello", "", "NOT_A_NUMBER", "hello"},
		{"call me", "", "NOT_A_NUMBER", "call me"},
	}
	for _, tt := range tests {
		t.Run(tt.want+" "+tt.number, func(t *testing.T) {
			q := url.Values{"Fields": {strings.Join(allPackages, ",")}}
			if tt.countryCode != "" {
				q.Set("CountryCode", tt.countryCode)
			}
			raw, got := lookupNumber(t, env, tt.number, q)
			if got.Valid || len(got.ValidationErrors) != 1 || string(got.ValidationErrors[0]) != tt.want {
				t.Fatalf("%q: valid %v, validation_errors %v; want [%s]", tt.number, got.Valid, got.ValidationErrors, tt.want)
			}
			if got.PhoneNumber != tt.phoneNumber {
				t.Errorf("phone_number = %q, want %q", got.PhoneNumber, tt.phoneNumber)
			}
			// Nothing is known of a number that is not valid, even what was asked for.
			for _, key := range append([]string{"calling_country_code", "country_code", "national_format"}, allPackages...) {
				if v, ok := raw[key]; !ok || v != nil {
					t.Errorf("%s = %v (present %v), want null", key, v, ok)
				}
			}
		})
	}
}

func TestLookupPackages(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	_, none := lookupNumber(t, env, "+14155550100", nil)
	_, all := lookupNumber(t, env, "+14155550100", url.Values{"Fields": {strings.Join(allPackages, ",")}})
	for _, pkg := range allPackages {
		t.Run(pkg, func(t *testing.T) {
			raw, _ := lookupNumber(t, env, "+14155550100", url.Values{"Fields": {pkg}})
			for _, other := range allPackages {
				if (raw[other] != nil) != (other == pkg) {
					t.Errorf("Fields=%s: %s = %v", pkg, other, raw[other])
				}
			}
		})
	}
	if none.CallerName != nil || none.LineTypeIntelligence != nil || none.PreFill != nil {
		t.Errorf("no Fields: %+v", none)
	}
	// Spaces, empty entries and the no-op "validation" are accepted.
	raw, _ := lookupNumber(t, env, "+14155550100", url.Values{"Fields": {" caller_name , ,validation,sim_swap"}})
	if raw["caller_name"] == nil || raw["sim_swap"] == nil || raw["line_status"] != nil {
		t.Errorf("Fields with spaces: %v", raw)
	}
	// Asking for all at once gives what asking for each gives (deterministic data).
	_, again := lookupNumber(t, env, "+14155550100", url.Values{"Fields": {strings.Join(allPackages, ",")}})
	if !reflect.DeepEqual(all, again) {
		t.Errorf("two lookups of one number differ:\n%s\n%s", mustJSON(t, all), mustJSON(t, again))
	}
}

// TestLookupSimulation checks the rules docs/lookup.md gives for the simulated packages.
func TestLookupSimulation(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	every := url.Values{"Fields": {strings.Join(allPackages, ",")}, "LastVerifiedDate": {"20240115"}}

	_, calm := lookupNumber(t, env, "+14155550142", every)
	_, risky := lookupNumber(t, env, "+14155550197", every)
	for _, c := range []struct {
		name string
		got  client.PhoneNumberLookup
		want bool // risky
	}{{"ends in 42", calm, false}, {"ends in 97", risky, true}} {
		g := c.got
		status := "active"
		if c.want {
			status = "inactive"
		}
		switch {
		case *g.SimSwap.LastSimSwap.SwappedInPeriod != c.want,
			*g.CallForwarding.CallForwardingEnabled != c.want,
			*g.SmsPumpingRisk.NumberBlocked != c.want,
			string(*g.ReassignedNumber.IsNumberReassigned) != map[bool]string{true: "yes", false: "no"}[c.want],
			string(*g.LineStatus.Status) != status:
			t.Errorf("%s: %s", c.name, mustJSON(t, g))
		}
	}
	if *calm.SmsPumpingRisk.SmsPumpingRiskScore != 42 || *calm.PhoneNumberQualityScore.QualityScore != 58 ||
		deref(calm.ReassignedNumber.LastVerifiedDate) != "2024-01-15" {
		t.Errorf("scores or date: %s", mustJSON(t, calm))
	}
	if string(*risky.SmsPumpingRisk.CarrierRiskCategory) != "high" || !*risky.SmsPumpingRisk.NumberBlockedLast3Months {
		t.Errorf("risky number: %s", mustJSON(t, risky.SmsPumpingRisk))
	}

	// identity_match compares with the owner that pre_fill reveals.
	owner := calm.PreFill
	if owner == nil || owner.FirstName == nil || deref(owner.City) != "San Francisco" || deref(owner.State) != "CA" || len(deref(owner.PostalCode)) != 5 {
		t.Fatalf("pre_fill: %s", mustJSON(t, owner))
	}
	if deref(calm.CallerName.CallerName) != *owner.FirstName+" "+*owner.LastName || string(*calm.CallerName.CallerType) != "CONSUMER" {
		t.Errorf("caller_name %s is not the owner", mustJSON(t, calm.CallerName))
	}
	_, match := lookupNumber(t, env, "+14155550142", url.Values{"Fields": {"identity_match"},
		"FirstName": {strings.ToUpper(*owner.FirstName)}, "LastName": {*owner.LastName}, "AddressLine1": {*owner.AddressLine},
		"City": {*owner.City}, "State": {*owner.State}, "PostalCode": {*owner.PostalCode}, "AddressCountryCode": {"US"},
		"DateOfBirth": {"19900101"}})
	im := match.IdentityMatch
	if string(*im.FirstNameMatch) != "exact_match" || string(*im.PostalCodeMatch) != "exact_match" ||
		string(*im.DateOfBirthMatch) != "no_data_available" || *im.SummaryScore != 100 {
		t.Errorf("identity_match with the owner's details: %s", mustJSON(t, im))
	}
	_, half := lookupNumber(t, env, "+14155550142", url.Values{"Fields": {"identity_match"},
		"FirstName": {*owner.FirstName}, "LastName": {"Nobody"}})
	if string(*half.IdentityMatch.LastNameMatch) != "no_match" || *half.IdentityMatch.SummaryScore != 50 ||
		string(*half.IdentityMatch.CityMatch) != "no_data_available" {
		t.Errorf("identity_match half right: %s", mustJSON(t, half.IdentityMatch))
	}

	// Toll-free numbers belong to businesses; US-only packages say so elsewhere.
	_, tollFree := lookupNumber(t, env, "+18005550100", url.Values{"Fields": {"caller_name"}})
	if string(deref(tollFree.CallerName.CallerType)) != "BUSINESS" || tollFree.CallerName.CallerName == nil {
		t.Errorf("toll-free caller_name: %s", mustJSON(t, tollFree.CallerName))
	}
	raw, _ := lookupNumber(t, env, "+447400123456", url.Values{"Fields": {"caller_name,reassigned_number,pre_fill"}})
	for _, pkg := range []string{"caller_name", "reassigned_number", "pre_fill"} {
		obj, _ := raw[pkg].(map[string]any)
		if code := obj["error_code"]; code != float64(60607) && code != "60607" {
			t.Errorf("%s of a GB number: %v, want error_code 60607", pkg, raw[pkg])
		}
	}
	// Without LastVerifiedDate there is nothing to compare with.
	_, noDate := lookupNumber(t, env, "+14155550197", url.Values{"Fields": {"reassigned_number"}})
	if string(*noDate.ReassignedNumber.IsNumberReassigned) != "no_data_available" || noDate.ReassignedNumber.LastVerifiedDate != nil {
		t.Errorf("reassigned_number without a date: %s", mustJSON(t, noDate.ReassignedNumber))
	}
}

func TestLookupPathEncoding(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	_, plus := lookupRaw(t, env, "+14159929960")
	_, encoded := lookupRaw(t, env, "%2B14159929960")
	if plus.PhoneNumber != "+14159929960" || !plus.Valid || !reflect.DeepEqual(plus, encoded) {
		t.Fatalf("literal + and %%2B differ:\n%+v\n%+v", plus, encoded)
	}
	// A space (from a national number) arrives as %20; a '+' is never read as a space.
	_, spaced := lookupRaw(t, env, "020%207946%200018?CountryCode=GB")
	if spaced.PhoneNumber != "+442079460018" {
		t.Errorf("national number with %%20: %+v", spaced)
	}
	// Decoded once: %25zz is the text "%zz" (decoding it again would fail).
	_, odd := lookupRaw(t, env, "%25zz")
	if odd.PhoneNumber != "%zz" || odd.Valid || odd.Url != env.URL+"/v2/PhoneNumbers/%25zz" {
		t.Errorf("%%25zz must decode once, to %%zz: %+v", odd)
	}
	status, body := env.Do(t, http.MethodGet, "/v2/PhoneNumbers/", env.Main.Sid, env.Main.AuthToken, nil, "")
	wantError(t, status, body, http.StatusNotFound, 20404)
}

func TestLookupErrors(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	tests := []struct {
		name, path, sid, token string
		status, code           int
		message                string
	}{
		{"unknown package", "+14155550100?Fields=carrier", sid, token, 400, 60200, `Invalid parameter: Fields: unknown data package "carrier"`},
		{"v1 name among good ones", "+14155550100?Fields=caller_name,Caller_Name", sid, token, 400, 60200, `Invalid parameter: Fields: unknown data package "Caller_Name"`},
		{"unknown package, invalid number", "abc?Fields=x", sid, token, 400, 60200, `Invalid parameter: Fields: unknown data package "x"`},
		{"bad LastVerifiedDate", "+14155550100?Fields=reassigned_number&LastVerifiedDate=2024-01-15", sid, token, 400, 60200, `Invalid parameter: LastVerifiedDate: "2024-01-15" is not a YYYYMMDD date`},
		{"bad DateOfBirth", "+14155550100?DateOfBirth=19901332", sid, token, 400, 60200, `Invalid parameter: DateOfBirth: "19901332" is not a YYYYMMDD date`},
		{"no credentials", "+14155550100", "", "", 401, 20003, "Authenticate"},
		{"wrong token", "+14155550100", sid, "wrong", 401, 20003, "Authenticate"},
		{"unknown account", "+14155550100", "AC" + strings.Repeat("0", 32), token, 401, 20003, "Authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := env.Do(t, http.MethodGet, "/v2/PhoneNumbers/"+tt.path, tt.sid, tt.token, nil, "")
			wantError(t, status, body, tt.status, tt.code)
			var e client.Error
			if err := json.Unmarshal(body, &e); err != nil || e.Message != tt.message {
				t.Errorf("message = %q, want %q", e.Message, tt.message)
			}
		})
	}
	// A subaccount looks numbers up with its own credentials.
	sub := createSubaccount(t, env, "lookup")
	resp, err := env.ClientFor(sub.Sid, sub.AuthToken).FetchPhoneNumberWithResponse(context.Background(), "+14155550100", nil)
	if err != nil || resp.JSON200 == nil || !resp.JSON200.Valid {
		t.Fatalf("subaccount lookup: %v %s", err, resp.Body)
	}
}

// TestLookupSpecExamples: the examples openapi.yaml shows for Lookup are what the server
// answers (but for the host in `url`), so that the docs cannot drift from the simulation.
func TestLookupSpecExamples(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(bytes.Clone(switchboard.OpenAPI))
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{})
	requests := map[string]string{
		"PhoneNumberLookup":         "+14159929960",
		"PhoneNumberLookupLineType": "+447400123456?Fields=line_type_intelligence,sms_pumping_risk",
		"PhoneNumberLookupInvalid":  "+141599299600",
	}
	for name, path := range requests {
		t.Run(name, func(t *testing.T) {
			ex := doc.Components.Examples[name]
			if ex == nil || ex.Value == nil {
				t.Fatalf("no example %s in openapi.yaml", name)
			}
			want, err := json.Marshal(ex.Value.Value)
			if err != nil {
				t.Fatal(err)
			}
			_, body := env.Do(t, http.MethodGet, "/v2/PhoneNumbers/"+path, env.Main.Sid, env.Main.AuthToken, nil, "")
			body = bytes.ReplaceAll(body, []byte(env.URL), []byte("http://127.0.0.1:8080"))
			var got, wantV any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &wantV); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, wantV) {
				t.Errorf("example %s:\n got %s\nwant %s", name, body, want)
			}
		})
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestLookupCurlExample runs the curl commands docs/lookup.md shows.
func TestLookupCurlExample(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed for this test (.ci/run installs it): ", err)
	}
	env := servertest.Start(t, servertest.Options{})
	cmd := exec.Command("bash", "../docs/examples/lookup.sh")
	cmd.Env = append(cmd.Environ(), "BASE="+env.URL, "SID="+env.Main.Sid, "TOKEN="+env.Main.AuthToken)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lookup.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("lookup.sh printed %d lines, want 2:\n%s", len(lines), out)
	}
	var mobile, national client.PhoneNumberLookup
	for i, v := range []any{&mobile, &national} {
		if err := json.Unmarshal([]byte(lines[i]), v); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, lines[i])
		}
	}
	if mobile.LineTypeIntelligence == nil || mobile.SmsPumpingRisk == nil || mobile.PhoneNumber != "+447400123456" {
		t.Errorf("lookup with Fields: %s", lines[0])
	}
	if !national.Valid || national.PhoneNumber != "+442079460018" {
		t.Errorf("national lookup: %s", lines[1])
	}
}
