package compat

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

var phoneNumberSID = regexp.MustCompile(`^PN[0-9a-f]{32}$`)

// checkPhoneNumber asserts the fields of a number as the SDK decoded it.
func checkPhoneNumber(t *testing.T, p *api.ApiV2010IncomingPhoneNumber, account, number, friendlyName string) {
	t.Helper()
	sid := deref(p.Sid)
	if !phoneNumberSID.MatchString(sid) {
		t.Fatalf("sid %q is not PN + 32 hex digits", sid)
	}
	for _, c := range []struct{ field, got, want string }{
		{"account_sid", deref(p.AccountSid), account},
		{"phone_number", deref(p.PhoneNumber), number},
		{"friendly_name", deref(p.FriendlyName), friendlyName},
		{"api_version", deref(p.ApiVersion), "2010-04-01"},
		{"origin", deref(p.Origin), "twilio"},
		{"status", deref(p.Status), "in-use"},
		{"type", deref(p.Type), "local"},
		{"address_requirements", deref(p.AddressRequirements), "none"},
		{"voice_receive_mode", deref(p.VoiceReceiveMode), "voice"},
		{"uri", deref(p.Uri), "/2010-04-01/Accounts/" + account + "/IncomingPhoneNumbers/" + sid + ".json"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if c := p.Capabilities; c == nil || !c.Voice || !c.Sms || !c.Mms || c.Fax {
		t.Errorf("capabilities = %+v, want voice, sms and mms", c)
	}
	if p.Beta == nil || *p.Beta || p.VoiceCallerIdLookup == nil {
		t.Errorf("beta = %v, voice_caller_id_lookup = %v", p.Beta, p.VoiceCallerIdLookup)
	}
	created := parseDate(t, "date_created", p.DateCreated)
	if updated := parseDate(t, "date_updated", p.DateUpdated); updated.Before(created) {
		t.Errorf("date_updated %v before date_created %v", updated, created)
	}
}

func TestIncomingPhoneNumbers(t *testing.T) {
	t.Parallel()
	e := startWith(t, servertest.Options{}) // an account that owns no number yet
	sdk := e.SDK.Api

	// Buy the first number a search offers, as Twilio's guides do.
	offered, err := sdk.ListAvailablePhoneNumberLocal("US", &api.ListAvailablePhoneNumberLocalParams{AreaCode: ptr(415), Limit: ptr(1)})
	if err != nil || len(offered) != 1 {
		t.Fatalf("search: %v (%d numbers)", err, len(offered))
	}
	p, err := sdk.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{
		PhoneNumber: offered[0].PhoneNumber, SmsUrl: ptr("https://example.com/sms"), SmsMethod: ptr("GET"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneNumber(t, p, e.Main.Sid, "+14155550100", "(415) 555-0100")
	if deref(p.SmsUrl) != "https://example.com/sms" || deref(p.SmsMethod) != "GET" || deref(p.VoiceMethod) != "POST" {
		t.Errorf("sms_url, sms_method, voice_method = %q, %q, %q", deref(p.SmsUrl), deref(p.SmsMethod), deref(p.VoiceMethod))
	}
	byArea, err := sdk.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{AreaCode: ptr("415"), FriendlyName: ptr("second")})
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneNumber(t, byArea, e.Main.Sid, "+14155550101", "second")

	got, err := sdk.FetchIncomingPhoneNumber(*p.Sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneNumber(t, got, e.Main.Sid, "+14155550100", "(415) 555-0100")

	// List: newest first, one per page through next_page_uri, and the filters.
	mark := e.log.mark()
	all, err := sdk.ListIncomingPhoneNumber(&api.ListIncomingPhoneNumberParams{PageSize: ptr(1)})
	if err != nil || !slices.Equal(phoneNumberSids(all), []string{*byArea.Sid, *p.Sid}) {
		t.Errorf("list = %v (%v), want newest first", phoneNumberSids(all), err)
	}
	if n := len(e.log.since(mark)); n != 2 {
		t.Errorf("%d requests for two numbers one per page, want 2", n)
	}
	for _, c := range []struct {
		params *api.ListIncomingPhoneNumberParams
		want   []string
	}{
		{&api.ListIncomingPhoneNumberParams{PhoneNumber: ptr("+14155550100")}, []string{*p.Sid}},
		{&api.ListIncomingPhoneNumberParams{PhoneNumber: ptr("555010*")}, []string{*byArea.Sid, *p.Sid}},
		{&api.ListIncomingPhoneNumberParams{FriendlyName: ptr("second")}, []string{*byArea.Sid}},
		{&api.ListIncomingPhoneNumberParams{Beta: ptr(false), Origin: ptr("twilio")}, []string{*byArea.Sid, *p.Sid}},
		{&api.ListIncomingPhoneNumberParams{Origin: ptr("hosted")}, nil},
	} {
		got, err := sdk.ListIncomingPhoneNumber(c.params)
		if err != nil || !slices.Equal(phoneNumberSids(got), c.want) {
			t.Errorf("list %+v = %v (%v), want %v", *c.params, phoneNumberSids(got), err, c.want)
		}
	}

	// Update: given settings change, others stay.
	upd, err := sdk.UpdateIncomingPhoneNumber(*p.Sid, &api.UpdateIncomingPhoneNumberParams{
		FriendlyName: ptr("Support"), VoiceUrl: ptr("https://example.com/voice"), VoiceCallerIdLookup: ptr(true),
		StatusCallback: ptr("https://example.com/status"),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneNumber(t, upd, e.Main.Sid, "+14155550100", "Support")
	if deref(upd.VoiceUrl) != "https://example.com/voice" || !deref(upd.VoiceCallerIdLookup) ||
		deref(upd.StatusCallback) != "https://example.com/status" || deref(upd.SmsUrl) != "https://example.com/sms" {
		t.Errorf("updated: %+v", upd)
	}

	// Release, then 404; the number is on sale again.
	if err := sdk.DeleteIncomingPhoneNumber(*p.Sid, nil); err != nil {
		t.Fatal(err)
	}
	_, err = sdk.FetchIncomingPhoneNumber(*p.Sid, nil)
	e.wantError(t, err, 404, 20404)
	err = sdk.DeleteIncomingPhoneNumber(*p.Sid, nil)
	e.wantError(t, err, 404, 20404)
	again, err := sdk.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+14155550100")})
	if err != nil {
		t.Fatal(err)
	}
	checkPhoneNumber(t, again, e.Main.Sid, "+14155550100", "(415) 555-0100")
}

func TestIncomingPhoneNumberErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	// A service on its own handler gets the SDK's error type with all four fields.
	sdk := e.apiFor(e.Main.Sid, e.Main.AuthToken)
	owned, err := sdk.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+15005550006")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(owned.FriendlyName) != "(500) 555-0006" {
		t.Errorf("magic number friendly_name = %q", deref(owned.FriendlyName))
	}
	sub, err := sdk.CreateAccount(&api.CreateAccountParams{FriendlyName: ptr("other")})
	if err != nil {
		t.Fatal(err)
	}
	subAPI := e.apiFor(*sub.Sid, *sub.AuthToken)

	for _, c := range []struct {
		name   string
		api    *api.ApiService
		params *api.CreateIncomingPhoneNumberParams
		code   int
	}{
		{"neither PhoneNumber nor AreaCode", sdk, &api.CreateIncomingPhoneNumberParams{}, 20001},
		{"magic unavailable", sdk, &api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+15005550000")}, 21422},
		{"magic invalid", sdk, &api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+15005550001")}, 21421},
		{"magic empty area", sdk, &api.CreateIncomingPhoneNumberParams{AreaCode: ptr("533")}, 21452},
		{"invalid area code", sdk, &api.CreateIncomingPhoneNumberParams{AreaCode: ptr("5")}, 21451},
		{"owned by another account", subAPI, &api.CreateIncomingPhoneNumberParams{PhoneNumber: owned.PhoneNumber}, 21422},
		{"relative URL", sdk, &api.CreateIncomingPhoneNumberParams{AreaCode: ptr("500"), VoiceUrl: ptr("/voice")}, 21402},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.api.CreateIncomingPhoneNumber(c.params)
			got := e.wantError(t, err, 400, c.code)
			if c.code == 21422 && !strings.Contains(got.Message, "+15005550") {
				t.Errorf("message %q does not name the number", got.Message)
			}
		})
	}
	// The other account's number is not found under the subaccount's path.
	_, err = subAPI.FetchIncomingPhoneNumber(*owned.Sid, nil)
	e.wantError(t, err, 404, 20404)
	// AreaCode=500 still succeeds, with the next 500 number.
	next, err := subAPI.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{AreaCode: ptr("500")})
	if err != nil || deref(next.PhoneNumber) != "+15005550100" {
		t.Errorf("AreaCode=500: %v %v", deref(next.PhoneNumber), err)
	}
}

func TestAvailablePhoneNumbers(t *testing.T) {
	t.Parallel()
	e := start(t)
	sdk := e.SDK.Api

	local, err := sdk.ListAvailablePhoneNumberLocal("US", &api.ListAvailablePhoneNumberLocalParams{
		AreaCode: ptr(212), Contains: ptr("555*15"), SmsEnabled: ptr(true), VoiceEnabled: ptr(true),
		ExcludeAllAddressRequired: ptr(true), PageSize: ptr(20),
	})
	if err != nil || len(local) != 10 {
		t.Fatalf("local: %d numbers, %v", len(local), err)
	}
	n := local[0]
	if deref(n.PhoneNumber) != "+12125550150" || deref(n.FriendlyName) != "(212) 555-0150" || deref(n.IsoCountry) != "US" ||
		deref(n.Locality) != "New York" || deref(n.Region) != "NY" || deref(n.Lata) != "132" || deref(n.PostalCode) != "10001" ||
		deref(n.AddressRequirements) != "none" || n.Beta == nil || *n.Beta {
		t.Errorf("first local number: %+v", n)
	}
	// The SDK reads Twilio's string coordinates as float32.
	if n.Latitude == nil || *n.Latitude < 40.71 || *n.Latitude > 40.72 || n.Longitude == nil || *n.Longitude > -74 {
		t.Errorf("latitude, longitude = %v, %v", n.Latitude, n.Longitude)
	}
	if c := n.Capabilities; c == nil || !c.Voice || !c.Sms || !c.Mms {
		t.Errorf("capabilities = %+v", c)
	}

	mobile, err := sdk.ListAvailablePhoneNumberMobile("GB", &api.ListAvailablePhoneNumberMobileParams{SmsEnabled: ptr(true), Limit: ptr(3)})
	if err != nil || len(mobile) != 3 || deref(mobile[0].PhoneNumber) != "+447700900000" ||
		deref(mobile[0].FriendlyName) != "07700 900000" || mobile[0].Locality != nil || mobile[0].Latitude != nil {
		t.Errorf("GB mobile: %d numbers, %v, first %+v", len(mobile), err, mobile)
	}
	tollFree, err := sdk.ListAvailablePhoneNumberTollFree("CA", &api.ListAvailablePhoneNumberTollFreeParams{Contains: ptr("+1844"), PageSize: ptr(5)})
	if err != nil || len(tollFree) != 5 || deref(tollFree[0].PhoneNumber) != "+18445550100" || tollFree[0].Capabilities.Mms {
		t.Errorf("CA toll-free: %d numbers, %v", len(tollFree), err)
	}
	// A search does not page: without a limit the SDK makes one request.
	mark := e.log.mark()
	if all, err := sdk.ListAvailablePhoneNumberTollFree("US", nil); err != nil || len(all) != 50 {
		t.Errorf("US toll-free without a limit: %d numbers, %v", len(all), err)
	}
	if n := len(e.log.since(mark)); n != 1 {
		t.Errorf("%d requests for one search, want 1", n)
	}
	_, err = sdk.ListAvailablePhoneNumberMobile("US", nil)
	e.wantError(t, err, 404, 20404)

	// Owned numbers are not offered.
	if _, err := sdk.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+12125550150")}); err != nil {
		t.Fatal(err)
	}
	after, err := sdk.ListAvailablePhoneNumberLocal("US", &api.ListAvailablePhoneNumberLocalParams{AreaCode: ptr(212), Contains: ptr("555*15"), PageSize: ptr(20)})
	if err != nil || len(after) != 9 || deref(after[0].PhoneNumber) != "+12125550151" {
		t.Errorf("after buying 0150: %d numbers, %v", len(after), err)
	}

	countries, err := sdk.ListAvailablePhoneNumberCountry(nil)
	if err != nil || len(countries) != 3 {
		t.Fatalf("countries: %d, %v", len(countries), err)
	}
	gb, err := sdk.FetchAvailablePhoneNumberCountry("GB", nil)
	if err != nil || deref(gb.Country) != "United Kingdom" || gb.SubresourceUris == nil || (*gb.SubresourceUris)["mobile"] == nil {
		t.Errorf("GB: %+v, %v", gb, err)
	}
}

func phoneNumberSids(ps []api.ApiV2010IncomingPhoneNumber) []string {
	var out []string
	for _, p := range ps {
		out = append(out, deref(p.Sid))
	}
	return out
}
