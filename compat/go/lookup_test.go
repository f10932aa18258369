package compat

import (
	"slices"
	"strings"
	"testing"

	lookups "github.com/twilio/twilio-go/rest/lookups/v2"
)

// Lookup v2 through the SDK's LookupsV2 service, which addresses lookups.twilio.com: the
// same rewriting transport sends it to Switchboard.

func TestLookupBasic(t *testing.T) {
	t.Parallel()
	e := start(t)
	mark := e.log.mark()
	got, err := e.SDK.LookupsV2.FetchPhoneNumber("+14159929960", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Valid || deref(got.PhoneNumber) != "+14159929960" || deref(got.CountryCode) != "US" ||
		deref(got.CallingCountryCode) != "1" || deref(got.NationalFormat) != "(415) 992-9960" || len(got.ValidationErrors) != 0 {
		t.Fatalf("lookup: %+v", got)
	}
	// Packages not asked for are null, which the SDK reads as empty structs.
	if got.LineTypeIntelligence != (lookups.LineTypeIntelligenceInfo{}) || got.PreFill != nil {
		t.Errorf("unrequested packages: %+v %v", got.LineTypeIntelligence, got.PreFill)
	}
	if !strings.HasSuffix(got.Url, "/v2/PhoneNumbers/+14159929960") {
		t.Errorf("url = %q", got.Url)
	}
	reqs := e.log.since(mark)
	if len(reqs) != 1 || reqs[0].URL.Host != "lookups.twilio.com" || reqs[0].URL.EscapedPath() != "/v2/PhoneNumbers/+14159929960" {
		t.Fatalf("the SDK sent %+v", reqs)
	}
}

func TestLookupWithFields(t *testing.T) {
	t.Parallel()
	e := start(t)
	params := &lookups.FetchPhoneNumberParams{}
	params.SetFields("line_type_intelligence,caller_name,sim_swap,call_forwarding,line_status,identity_match," +
		"reassigned_number,sms_pumping_risk,phone_number_quality_score,pre_fill")
	params.SetFirstName("Nobody")
	params.SetLastVerifiedDate("20240115")
	// Ending in 97: one of the numbers the simulation makes risky in every package.
	got, err := e.SDK.LookupsV2.FetchPhoneNumber("+14155550197", params)
	if err != nil {
		t.Fatal(err) // includes any field the SDK could not decode
	}
	lt := got.LineTypeIntelligence
	if lt.Type != "landline" || lt.CarrierName == "" || lt.ErrorCode != 0 {
		t.Errorf("line_type_intelligence: %+v", lt)
	}
	if got.CallerName.CallerType != "CONSUMER" || got.CallerName.CallerName == "" {
		t.Errorf("caller_name: %+v", got.CallerName)
	}
	if !got.SimSwap.LastSimSwap.SwappedInPeriod || got.SimSwap.LastSimSwap.SwappedPeriod != "PT24H" ||
		!got.SimSwap.LastSimSwap.LastSimSwapDate.IsZero() {
		t.Errorf("sim_swap: %+v", got.SimSwap)
	}
	if !got.CallForwarding.CallForwardingEnabled || got.LineStatus.Status != "inactive" {
		t.Errorf("call_forwarding %+v, line_status %+v", got.CallForwarding, got.LineStatus)
	}
	if got.IdentityMatch.FirstNameMatch != "no_match" || got.IdentityMatch.LastNameMatch != "no_data_available" {
		t.Errorf("identity_match: %+v", got.IdentityMatch)
	}
	if got.ReassignedNumber.IsNumberReassigned != "yes" || got.ReassignedNumber.LastVerifiedDate != "2024-01-15" {
		t.Errorf("reassigned_number: %+v", got.ReassignedNumber)
	}
	if sp := got.SmsPumpingRisk; sp.SmsPumpingRiskScore != 97 || sp.CarrierRiskCategory != "high" || !sp.NumberBlocked {
		t.Errorf("sms_pumping_risk: %+v", sp)
	}
	quality, _ := deref(got.PhoneNumberQualityScore).(map[string]any)
	preFill, _ := deref(got.PreFill).(map[string]any)
	if quality["quality_score"] != float64(3) || preFill["country_code"] != "US" || preFill["first_name"] == nil {
		t.Errorf("phone_number_quality_score %v, pre_fill %v", quality, preFill)
	}
}

func TestLookupNationalFormat(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, c := range []struct{ number, country, want string }{
		{"020 7946 0018", "GB", "+442079460018"},
		{"06 12 34 56 78", "FR", "+33612345678"},
		{"(415) 992-9960", "", "+14159929960"}, // Twilio's default country is the US
	} {
		params := &lookups.FetchPhoneNumberParams{}
		if c.country != "" {
			params.SetCountryCode(c.country)
		}
		got, err := e.SDK.LookupsV2.FetchPhoneNumber(c.number, params)
		if err != nil {
			t.Fatalf("%q: %v", c.number, err)
		}
		if !got.Valid || deref(got.PhoneNumber) != c.want {
			t.Errorf("%q with CountryCode %q: %+v", c.number, c.country, got)
		}
	}
}

func TestLookupInvalid(t *testing.T) {
	t.Parallel()
	e := start(t)
	got, err := e.SDK.LookupsV2.FetchPhoneNumber("+141599299600", nil)
	if err != nil {
		t.Fatal(err) // an invalid number is an answer, not an error
	}
	if got.Valid || !slices.Equal(got.ValidationErrors, []lookups.ValidationError{lookups.VALIDATIONERROR_TOO_LONG}) ||
		got.CountryCode != nil || got.NationalFormat != nil || deref(got.PhoneNumber) != "+141599299600" {
		t.Fatalf("invalid number: %+v", got)
	}

	params := &lookups.FetchPhoneNumberParams{}
	params.SetFields("carrier") // Lookup v1's name: not a v2 package
	_, err = e.SDK.LookupsV2.FetchPhoneNumber("+14159929960", params)
	got2 := e.wantError(t, err, 400, 60200)
	if got2.Message != `Invalid parameter: Fields: unknown data package "carrier"` {
		t.Errorf("message = %q", got2.Message)
	}
}
