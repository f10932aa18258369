package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

var phoneNumberSID = regexp.MustCompile(`^PN[0-9a-f]{32}$`)

// buy buys a number through the generated client and fails the test unless it is 201.
func buy(t testing.TB, c *client.ClientWithResponses, account string, req client.CreateIncomingPhoneNumberRequest) client.IncomingPhoneNumber {
	t.Helper()
	resp, err := c.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), account, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON201 == nil {
		t.Fatalf("buy %+v: HTTP %d %s", req, resp.StatusCode(), resp.Body)
	}
	return *resp.JSON201
}

func number(e164 string) client.CreateIncomingPhoneNumberRequest {
	return client.CreateIncomingPhoneNumberRequest{PhoneNumber: &e164}
}

func areaCode(code string) client.CreateIncomingPhoneNumberRequest {
	return client.CreateIncomingPhoneNumberRequest{AreaCode: &code}
}

func TestBuyConfigureReleasePhoneNumber(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid

	smsURL, get := "https://example.com/sms", client.HttpMethodGET
	p := buy(t, env.Client, sid, client.CreateIncomingPhoneNumberRequest{
		PhoneNumber: ptr("+14155550100"), SmsUrl: &smsURL, SmsMethod: &get, TrunkSid: ptr("TK" + strings.Repeat("a", 32)),
	})
	if !phoneNumberSID.MatchString(p.Sid) {
		t.Errorf("sid %q", p.Sid)
	}
	if created, err := time.Parse(time.RFC1123Z, p.DateCreated); err != nil || !strings.HasSuffix(p.DateCreated, " +0000") || time.Since(created) > time.Minute {
		t.Errorf("date_created %q: %v", p.DateCreated, err)
	}
	want := client.IncomingPhoneNumber{
		AccountSid: sid, AddressRequirements: "none", ApiVersion: "2010-04-01",
		Capabilities: client.PhoneNumberCapabilities{Voice: true, Sms: true, Mms: true},
		DateCreated:  p.DateCreated, DateUpdated: p.DateCreated,
		EmergencyAddressStatus: "unregistered", EmergencyStatus: "Inactive",
		FriendlyName: "(415) 555-0100", Origin: "twilio", PhoneNumber: "+14155550100", Sid: p.Sid,
		SmsFallbackMethod: "POST", SmsMethod: "GET", SmsUrl: smsURL, Status: "in-use",
		StatusCallbackMethod: "POST", TrunkSid: ptr("TK" + strings.Repeat("a", 32)), Type: "local",
		Uri:                 "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers/" + p.Sid + ".json",
		VoiceFallbackMethod: "POST", VoiceMethod: "POST", VoiceReceiveMode: "voice",
	}
	if !jsonEqual(t, p, want) {
		t.Errorf("bought:\n got %s\nwant %s", mustJSON(t, p), mustJSON(t, want))
	}

	got, err := env.Client.FetchIncomingPhoneNumberWithResponse(ctx, sid, p.Sid)
	if err != nil || got.JSON200 == nil || !jsonEqual(t, *got.JSON200, p) {
		t.Fatalf("fetch: %v %s", err, got.Body)
	}

	// Update: the parameters given change, the others stay; "" clears a URL or SID.
	name, empty, voiceURL := "Support line", "", "http://example.com/voice"
	lookup := true
	upd, err := env.Client.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, sid, p.Sid, client.UpdateIncomingPhoneNumberRequest{
		FriendlyName: &name, SmsUrl: &empty, VoiceUrl: &voiceURL, VoiceCallerIdLookup: &lookup, TrunkSid: &empty,
		EmergencyAddressSid: ptr("AD" + strings.Repeat("b", 32)),
	})
	if err != nil || upd.JSON200 == nil {
		t.Fatalf("update: %v %s", err, upd.Body)
	}
	u := *upd.JSON200
	if u.FriendlyName != name || u.SmsUrl != "" || u.SmsMethod != "GET" || u.VoiceUrl != voiceURL || !u.VoiceCallerIdLookup ||
		u.TrunkSid != nil || u.EmergencyAddressStatus != "registered" || u.DateCreated != p.DateCreated || u.PhoneNumber != p.PhoneNumber {
		t.Errorf("updated: %s", upd.Body)
	}
	// A friendly name set to "" goes back to the default.
	reset, _ := env.Client.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, sid, p.Sid, client.UpdateIncomingPhoneNumberRequest{FriendlyName: &empty})
	if reset.JSON200 == nil || reset.JSON200.FriendlyName != "(415) 555-0100" || reset.JSON200.VoiceUrl != voiceURL {
		t.Errorf("reset friendly name: %s", reset.Body)
	}

	// Release: gone from the account, 404 for a second release, and on sale again.
	del, err := env.Client.DeleteIncomingPhoneNumberWithResponse(ctx, sid, p.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent || len(del.Body) != 0 {
		t.Fatalf("delete: %v HTTP %d %q", err, del.StatusCode(), del.Body)
	}
	gone, _ := env.Client.FetchIncomingPhoneNumberWithResponse(ctx, sid, p.Sid)
	wantError(t, gone.StatusCode(), gone.Body, 404, 20404)
	again, _ := env.Client.DeleteIncomingPhoneNumberWithResponse(ctx, sid, p.Sid)
	wantError(t, again.StatusCode(), again.Body, 404, 20404)
	rebought := buy(t, env.Client, sid, number("+14155550100"))
	if rebought.Sid == p.Sid || rebought.SmsUrl != "" || rebought.FriendlyName != "(415) 555-0100" {
		t.Errorf("bought again: %+v", rebought)
	}
}

func TestPhoneNumberErrors(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	owned := buy(t, env.Client, sid, number("+14155550150"))
	list := "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers.json"
	item := func(pn string) string { return "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers/" + pn + ".json" }
	unknown := "PN" + strings.Repeat("0", 32)
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}

	tests := []struct {
		name, method, path, form string
		wantStatus, wantCode     int
	}{
		{"neither PhoneNumber nor AreaCode", "POST", list, form("FriendlyName", "x"), 400, 20001},
		{"empty body", "POST", list, "", 400, 20001},
		{"both PhoneNumber and AreaCode", "POST", list, form("PhoneNumber", "+14155550101", "AreaCode", "415"), 400, 20001},
		{"not E.164", "POST", list, form("PhoneNumber", "4155550101"), 400, 21421},
		{"too short", "POST", list, form("PhoneNumber", "+1555"), 400, 21421},
		{"not in the pool", "POST", list, form("PhoneNumber", "+14155550200"), 400, 21421},
		{"country not in the pool", "POST", list, form("PhoneNumber", "+33123456789"), 400, 21421},
		{"'+' sent as a space", "POST", list, "PhoneNumber=+14155550101", 400, 21421},
		{"owned already", "POST", list, form("PhoneNumber", owned.PhoneNumber), 400, 21422},
		{"magic: unavailable", "POST", list, form("PhoneNumber", "+15005550000"), 400, 21422},
		{"magic: invalid", "POST", list, form("PhoneNumber", "+15005550001"), 400, 21421},
		{"magic: empty area code", "POST", list, form("AreaCode", "533"), 400, 21452},
		{"area code without numbers", "POST", list, form("AreaCode", "999"), 400, 21452},
		{"area code of two digits", "POST", list, form("AreaCode", "41"), 400, 21451},
		{"area code not digits", "POST", list, form("AreaCode", "abc"), 400, 21451},
		{"area code starting with 1", "POST", list, form("AreaCode", "141"), 400, 21451},
		{"relative SmsUrl", "POST", list, form("PhoneNumber", "+14155550101", "SmsUrl", "example.com/sms"), 400, 21402},
		{"ftp VoiceUrl", "POST", list, form("AreaCode", "415", "VoiceUrl", "ftp://example.com/v"), 400, 21402},
		{"StatusCallback without host", "POST", list, form("AreaCode", "415", "StatusCallback", "https://"), 400, 21402},
		{"bad method", "POST", list, form("PhoneNumber", "+14155550101", "SmsMethod", "PUT"), 400, 20001},
		{"bad application SID", "POST", list, form("PhoneNumber", "+14155550101", "SmsApplicationSid", "AP123"), 400, 20001},
		{"FriendlyName over 64", "POST", list, form("PhoneNumber", "+14155550101", "FriendlyName", strings.Repeat("x", 65)), 400, 20001},
		{"bad boolean", "POST", list, form("PhoneNumber", "+14155550101", "VoiceCallerIdLookup", "maybe"), 400, 20001},
		{"update: bad fallback URL", "POST", item(owned.Sid), form("SmsFallbackUrl", "/relative"), 400, 21402},
		{"update: bad receive mode", "POST", item(owned.Sid), form("VoiceReceiveMode", "sms"), 400, 20001},
		{"update: move to an unknown account", "POST", item(owned.Sid), form("AccountSid", "AC"+strings.Repeat("9", 32)), 400, 20001},
		{"update unknown", "POST", item(unknown), form("FriendlyName", "x"), 404, 20404},
		{"fetch unknown", "GET", item(unknown), "", 404, 20404},
		{"fetch malformed SID", "GET", item("PNnope"), "", 404, 20404},
		{"fetch a message SID", "GET", item("SM" + strings.Repeat("0", 32)), "", 404, 20404},
		{"delete unknown", "DELETE", item(unknown), "", 404, 20404},
		{"list: bad PhoneNumber filter", "GET", list + "?PhoneNumber=415-555", "", 400, 20001},
		{"list: bad page token", "GET", list + "?PageToken=zzz", "", 400, 20001},
		{"list subresource paths are not SIDs", "GET", item("Local"), "", 404, 20404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var contentType string
			if tt.method == "POST" {
				contentType = formType
			}
			status, body := env.Do(t, tt.method, tt.path, sid, env.Main.AuthToken, strings.NewReader(tt.form), contentType)
			wantError(t, status, body, tt.wantStatus, tt.wantCode)
			if tt.name == "'+' sent as a space" && !strings.Contains(string(body), "%2B") {
				t.Errorf("no hint about encoding '+': %s", body)
			}
		})
	}

	// None of the failures bought anything: the account still has its one number.
	l, err := env.Client.ListIncomingPhoneNumbersWithResponse(context.Background(), sid, nil)
	if err != nil || l.JSON200 == nil || len(l.JSON200.IncomingPhoneNumbers) != 1 {
		t.Fatalf("after the failures: %v %s", err, l.Body)
	}
}

func TestMagicPhoneNumbers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	a := createSubaccount(t, env, "A")

	// +15005550006 can be bought; AreaCode=500 then finds the next free 500 number.
	magic := buy(t, env.Client, env.Main.Sid, number("+15005550006"))
	if magic.FriendlyName != "(500) 555-0006" || magic.Type != "local" {
		t.Errorf("magic number: %+v", magic)
	}
	next := buy(t, env.ClientFor(a.Sid, a.AuthToken), a.Sid, areaCode("500"))
	if next.PhoneNumber != "+15005550100" || next.AccountSid != a.Sid {
		t.Errorf("AreaCode=500 once +15005550006 is owned: %s for %s", next.PhoneNumber, next.AccountSid)
	}
	// Released, +15005550006 is the first of its area again.
	if del, _ := env.Client.DeleteIncomingPhoneNumberWithResponse(context.Background(), env.Main.Sid, magic.Sid); del.StatusCode() != 204 {
		t.Fatalf("release: HTTP %d", del.StatusCode())
	}
	if again := buy(t, env.Client, env.Main.Sid, areaCode("500")); again.PhoneNumber != "+15005550006" {
		t.Errorf("AreaCode=500 after the release: %s", again.PhoneNumber)
	}
	// The failing magic numbers fail for subaccounts too.
	for e164, code := range map[string]int{"+15005550000": 21422, "+15005550001": 21421} {
		r, _ := env.ClientFor(a.Sid, a.AuthToken).CreateIncomingPhoneNumberWithFormdataBodyWithResponse(context.Background(), a.Sid, number(e164))
		wantError(t, r.StatusCode(), r.Body, 400, code)
	}
}

func TestPhoneNumberOwnership(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main
	a := createSubaccount(t, env, "A")
	b := createSubaccount(t, env, "B")
	ca, cb := env.ClientFor(a.Sid, a.AuthToken), env.ClientFor(b.Sid, b.AuthToken)

	mine := buy(t, env.Client, main.Sid, number("+14155550100"))
	aNum := buy(t, ca, a.Sid, areaCode("415")) // the first free one of the area
	if aNum.PhoneNumber != "+14155550101" {
		t.Errorf("AreaCode=415 with 0100 owned gave %s", aNum.PhoneNumber)
	}

	// Nobody else can buy an owned number: not a sibling, not the parent, not the owner.
	for name, c := range map[string]struct {
		client  *client.ClientWithResponses
		account string
		number  string
	}{
		"B buys A's":           {cb, b.Sid, aNum.PhoneNumber},
		"B buys main's":        {cb, b.Sid, mine.PhoneNumber},
		"main buys A's":        {env.Client, main.Sid, aNum.PhoneNumber},
		"main buys for A":      {env.Client, a.Sid, mine.PhoneNumber},
		"main buys its own":    {env.Client, main.Sid, mine.PhoneNumber},
		"A buys its own again": {ca, a.Sid, aNum.PhoneNumber},
	} {
		r, _ := c.client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, c.account, number(c.number))
		t.Run(name, func(t *testing.T) { wantError(t, r.StatusCode(), r.Body, 400, 21422) })
	}

	// A number's SID under any other account's path is not found, even for the parent.
	r, _ := ca.FetchIncomingPhoneNumberWithResponse(ctx, a.Sid, mine.Sid)
	wantError(t, r.StatusCode(), r.Body, 404, 20404)
	r, _ = env.Client.FetchIncomingPhoneNumberWithResponse(ctx, main.Sid, aNum.Sid)
	wantError(t, r.StatusCode(), r.Body, 404, 20404)
	d, _ := env.Client.DeleteIncomingPhoneNumberWithResponse(ctx, b.Sid, aNum.Sid)
	wantError(t, d.StatusCode(), d.Body, 404, 20404)
	// The parent reaches the subaccount's number under the subaccount's path.
	if r, _ := env.Client.FetchIncomingPhoneNumberWithResponse(ctx, a.Sid, aNum.Sid); r.JSON200 == nil {
		t.Errorf("parent fetch of A's number: %s", r.Body)
	}
	// A subaccount cannot see its parent's numbers at all.
	l, _ := ca.ListIncomingPhoneNumbersWithResponse(ctx, main.Sid, nil)
	wantError(t, l.StatusCode(), l.Body, 401, 20003)
	for _, c := range []struct {
		client  *client.ClientWithResponses
		account string
		want    []string
	}{
		{env.Client, main.Sid, []string{mine.Sid}},
		{env.Client, a.Sid, []string{aNum.Sid}},
		{ca, a.Sid, []string{aNum.Sid}},
		{cb, b.Sid, nil},
	} {
		l, err := c.client.ListIncomingPhoneNumbersWithResponse(ctx, c.account, nil)
		if err != nil || l.JSON200 == nil {
			t.Fatalf("list %s: %v %s", c.account, err, l.Body)
		}
		if got := incomingSids(l.JSON200.IncomingPhoneNumbers); !slices.Equal(got, c.want) {
			t.Errorf("%s's numbers: %v, want %v", c.account, got, c.want)
		}
	}

	// Released by A, the number can be bought by B.
	if d, _ := ca.DeleteIncomingPhoneNumberWithResponse(ctx, a.Sid, aNum.Sid); d.StatusCode() != http.StatusNoContent {
		t.Fatalf("A releases: HTTP %d %s", d.StatusCode(), d.Body)
	}
	bNum := buy(t, cb, b.Sid, number(aNum.PhoneNumber))
	if bNum.AccountSid != b.Sid {
		t.Errorf("rebought by B: %+v", bNum)
	}

	// Moving a number within the family: main to A, and A cannot move it on to B.
	moved, err := env.Client.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, main.Sid, mine.Sid,
		client.UpdateIncomingPhoneNumberRequest{AccountSid: &a.Sid})
	if err != nil || moved.JSON200 == nil || moved.JSON200.AccountSid != a.Sid ||
		moved.JSON200.Uri != "/2010-04-01/Accounts/"+a.Sid+"/IncomingPhoneNumbers/"+mine.Sid+".json" {
		t.Fatalf("move to A: %v %s", err, moved.Body)
	}
	if r, _ := ca.FetchIncomingPhoneNumberWithResponse(ctx, a.Sid, mine.Sid); r.JSON200 == nil {
		t.Errorf("A fetches the moved number: %s", r.Body)
	}
	sideways, _ := ca.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, a.Sid, mine.Sid,
		client.UpdateIncomingPhoneNumberRequest{AccountSid: &b.Sid})
	wantError(t, sideways.StatusCode(), sideways.Body, 400, 20001)
	up, _ := ca.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, a.Sid, mine.Sid,
		client.UpdateIncomingPhoneNumberRequest{AccountSid: &main.Sid})
	wantError(t, up.StatusCode(), up.Body, 400, 20001)
	// Nor does it move to a subaccount that is not active, even at the parent's request.
	suspended := client.AccountStatusSuspended
	if r, err := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, b.Sid, client.UpdateAccountRequest{Status: &suspended}); err != nil || r.JSON200 == nil {
		t.Fatalf("suspend B: %v", err)
	}
	toSuspended, _ := env.Client.UpdateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, a.Sid, mine.Sid,
		client.UpdateIncomingPhoneNumberRequest{AccountSid: &b.Sid})
	wantError(t, toSuspended.StatusCode(), toSuspended.Body, 400, 20001)

	// The account's subresource_uris lead here.
	acct, _ := env.Client.FetchAccountWithResponse(ctx, a.Sid)
	if acct.JSON200 == nil ||
		acct.JSON200.SubresourceUris["incoming_phone_numbers"] != "/2010-04-01/Accounts/"+a.Sid+"/IncomingPhoneNumbers.json" ||
		acct.JSON200.SubresourceUris["available_phone_numbers"] != "/2010-04-01/Accounts/"+a.Sid+"/AvailablePhoneNumbers.json" {
		t.Errorf("subresource_uris: %s", acct.Body)
	}
}

func incomingSids(ps []client.IncomingPhoneNumber) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Sid)
	}
	return out
}

func TestListPhoneNumbersFiltersAndPaging(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid := env.Main.Sid
	var bought []string // newest first
	for i := range 25 {
		req := areaCode("212")
		if i%5 == 0 {
			req.FriendlyName = ptr("support")
		}
		bought = append([]string{buy(t, env.Client, sid, req).PhoneNumber}, bought...)
	}

	walk := func(t *testing.T, query string) []string {
		t.Helper()
		var seen []string
		uri := "/2010-04-01/Accounts/" + sid + "/IncomingPhoneNumbers.json?" + query
		for page := 0; page < 30; page++ {
			status, body := env.Do(t, http.MethodGet, uri, sid, env.Main.AuthToken, nil, "")
			if status != http.StatusOK {
				t.Fatalf("GET %s: HTTP %d %s", uri, status, body)
			}
			var p client.IncomingPhoneNumberList
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if p.Page != page || (page == 0) != (p.PreviousPageUri == nil) {
				t.Fatalf("page %d: page %d previous %v", page, p.Page, p.PreviousPageUri)
			}
			for _, n := range p.IncomingPhoneNumbers {
				seen = append(seen, n.PhoneNumber)
			}
			if p.NextPageUri == nil {
				return seen
			}
			uri = *p.NextPageUri
		}
		t.Fatal("paging does not end")
		return nil
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"PageSize=10", bought},
		{"PageSize=3&PhoneNumber=" + url.QueryEscape("+1212555010"), bought[15:]},
		{"PageSize=2&PhoneNumber=" + url.QueryEscape("55501*4"), []string{"+12125550124", "+12125550114", "+12125550104"}},
		{"PageSize=2&FriendlyName=support", []string{bought[4], bought[9], bought[14], bought[19], bought[24]}},
		{"FriendlyName=nobody", nil},
		{"Origin=twilio&Beta=false&PageSize=7", bought},
		{"Origin=hosted", nil},
	}
	for _, tt := range tests {
		if got := walk(t, tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("%s:\n got %v\nwant %v", tt.query, got, tt.want)
		}
	}
}

func TestAvailablePhoneNumbers(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid

	countries, err := env.Client.ListAvailablePhoneNumberCountriesWithResponse(ctx, sid, nil)
	if err != nil || countries.JSON200 == nil {
		t.Fatalf("countries: %v %s", err, countries.Body)
	}
	var codes []string
	for _, c := range countries.JSON200.Countries {
		codes = append(codes, c.CountryCode)
	}
	if !slices.Equal(codes, []string{"CA", "GB", "US"}) || countries.JSON200.NextPageUri != nil {
		t.Errorf("countries: %s", countries.Body)
	}
	gb, _ := env.Client.FetchAvailablePhoneNumberCountryWithResponse(ctx, sid, "gb")
	base := "/2010-04-01/Accounts/" + sid + "/AvailablePhoneNumbers/GB"
	if gb.JSON200 == nil || gb.JSON200.Country != "United Kingdom" || gb.JSON200.Uri != base+".json" ||
		gb.JSON200.SubresourceUris["mobile"] != base+"/Mobile.json" || gb.JSON200.SubresourceUris["toll_free"] != base+"/TollFree.json" {
		t.Errorf("GB: %s", gb.Body)
	}
	us, _ := env.Client.FetchAvailablePhoneNumberCountryWithResponse(ctx, sid, "US")
	if us.JSON200 == nil || len(us.JSON200.SubresourceUris) != 2 || us.JSON200.SubresourceUris["mobile"] != "" {
		t.Errorf("US lists a mobile search: %s", us.Body)
	}

	// A local search returns full records, owned numbers left out.
	buy(t, env.Client, sid, number("+14155550100"))
	size, ac := 3, 415
	local, err := env.Client.ListAvailablePhoneNumbersLocalWithResponse(ctx, sid, "US", &client.ListAvailablePhoneNumbersLocalParams{AreaCode: &ac, PageSize: &size})
	if err != nil || local.JSON200 == nil {
		t.Fatalf("local: %v %s", err, local.Body)
	}
	l := local.JSON200
	if len(l.AvailablePhoneNumbers) != 3 || l.NextPageUri != nil || l.PageSize != 3 || l.End != 2 ||
		!strings.Contains(l.Uri, "AreaCode=415") {
		t.Fatalf("local page: %s", local.Body)
	}
	first := l.AvailablePhoneNumbers[0]
	wantFirst := client.AvailablePhoneNumber{
		AddressRequirements: "none", Capabilities: client.PhoneNumberCapabilities{Voice: true, Sms: true, Mms: true},
		FriendlyName: "(415) 555-0101", IsoCountry: "US", Lata: ptr("722"), Latitude: ptr("37.774900"),
		Locality: ptr("San Francisco"), Longitude: ptr("-122.419400"), PhoneNumber: "+14155550101",
		PostalCode: ptr("94103"), RateCenter: ptr("SAN FRANCISCO"), Region: ptr("CA"),
	}
	if !jsonEqual(t, first, wantFirst) {
		t.Errorf("first number:\n got %s\nwant %s", mustJSON(t, first), mustJSON(t, wantFirst))
	}

	count := func(t *testing.T, path string) (int, []byte) {
		t.Helper()
		status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/AvailablePhoneNumbers/"+path, sid, env.Main.AuthToken, nil, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d %s", path, status, body)
		}
		var page client.AvailablePhoneNumberList
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		// The page's own URI is the search's path (Local, Mobile or TollFree).
		searched, _, _ := strings.Cut(path, "?")
		if want := "/2010-04-01/Accounts/" + sid + "/AvailablePhoneNumbers/" + searched; !strings.HasPrefix(page.Uri, want+"?") {
			t.Errorf("GET %s: uri %s, want the path %s", path, page.Uri, want)
		}
		return len(page.AvailablePhoneNumbers), body
	}
	for _, tt := range []struct {
		path     string
		want     int
		contains string
	}{
		{"US/Local.json", 50, `"phone_number":"+12025550100"`},
		{"US/Local.json?PageSize=1000&AreaCode=415", 99, `"locality":"San Francisco"`},
		{"US/Local.json?Contains=" + url.QueryEscape("+1415%99$"), 1, `"phone_number":"+14155550199"`},
		{"US/Local.json?Contains=555*142&InRegion=ca&InLata=722", 1, `"phone_number":"+14155550142"`},
		{"US/Local.json?InLocality=boston&PageSize=1000", 100, `"postal_code":"02108"`},
		{"US/Local.json?FaxEnabled=true", 0, `"available_phone_numbers":[]`},
		{"US/TollFree.json?PageSize=2", 2, `"phone_number":"+18005550100"`},
		{"CA/TollFree.json?MmsEnabled=true", 0, `"available_phone_numbers":[]`},
		{"CA/Local.json?InPostalCode=" + url.QueryEscape("M5H 2N2") + "&PageSize=1", 1, `"iso_country":"CA"`},
		{"GB/Local.json?SmsEnabled=true", 0, `"available_phone_numbers":[]`},
		{"GB/Local.json?Contains=%2B44207&PageSize=1", 1, `"friendly_name":"020 7946 0000"`},
		{"GB/Local.json?ExcludeAllAddressRequired=true", 0, `"available_phone_numbers":[]`},
		{"GB/Mobile.json?SmsEnabled=true&PageSize=1", 1, `"phone_number":"+447700900000"`},
		{"GB/Mobile.json?Contains=JOE", 1, `"phone_number":"+447700900563"`},
		{"GB/TollFree.json?VoiceEnabled=true&PageSize=5&Beta=true&NearNumber=%2B442079460000&Distance=10", 5, `"lata":null`},
	} {
		n, body := count(t, tt.path)
		if n != tt.want || !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: %d numbers, want %d containing %s:\n%.300s", tt.path, n, tt.want, tt.contains, body)
		}
	}

	for _, tt := range []struct {
		path         string
		status, code int
	}{
		{"FR/Local.json", 404, 20404},
		{"US/Mobile.json", 404, 20404},
		{"FR.json", 404, 20404},
		{"USA/Local.json", 404, 20404},
		{"US/Local.json?Contains=4", 400, 20001},
		{"US/Local.json?Contains=41-5", 400, 20001},
		{"US/Local.json?AreaCode=41", 400, 20001},
		{"US/Local.json?SmsEnabled=yes", 400, 20001},
		{"US/Local.json?PageSize=0", 400, 20001},
	} {
		status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/AvailablePhoneNumbers/"+tt.path, sid, env.Main.AuthToken, nil, "")
		t.Run(tt.path, func(t *testing.T) { wantError(t, status, body, tt.status, tt.code) })
	}

	// Another account's credentials on this account's path: the usual 401.
	sub := createSubaccount(t, env, "sub")
	r, _ := env.ClientFor(sub.Sid, sub.AuthToken).ListAvailablePhoneNumbersLocalWithResponse(ctx, sid, "US", nil)
	wantError(t, r.StatusCode(), r.Body, 401, 20003)
}

// TestBuyEveryNumberOfAnArea: AreaCode keeps finding the next free number until the area
// is sold out, and the search agrees at every step.
func TestBuyEveryNumberOfAnArea(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	sid := env.Main.Sid
	size, ac := 1000, 617
	for i := range 100 {
		p := buy(t, env.Client, sid, areaCode("617"))
		if want := fmt.Sprintf("+1617555%04d", 100+i); p.PhoneNumber != want {
			t.Fatalf("purchase %d: %s, want %s", i, p.PhoneNumber, want)
		}
	}
	r, _ := env.Client.CreateIncomingPhoneNumberWithFormdataBodyWithResponse(ctx, sid, areaCode("617"))
	wantError(t, r.StatusCode(), r.Body, 400, 21452)
	left, _ := env.Client.ListAvailablePhoneNumbersLocalWithResponse(ctx, sid, "US", &client.ListAvailablePhoneNumbersLocalParams{AreaCode: &ac, PageSize: &size})
	if left.JSON200 == nil || len(left.JSON200.AvailablePhoneNumbers) != 0 {
		t.Errorf("search of a sold-out area: %s", left.Body)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	return mustJSON(t, a) == mustJSON(t, b)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }
