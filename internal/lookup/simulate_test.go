package lookup

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The rules of the simulated packages (docs/lookup.md), checked here directly so that
// each one has a test beside the code; server/lookup_test.go checks them over HTTP.

const allFields = "line_type_intelligence,caller_name,sim_swap,call_forwarding,line_status,identity_match," +
	"reassigned_number,sms_pumping_risk,phone_number_quality_score,pre_fill"

func lookup(t *testing.T, req Request) Result {
	t.Helper()
	if req.Fields == "" {
		req.Fields = allFields
	}
	res, err := Lookup(req)
	if err != nil || !res.Valid {
		t.Fatalf("Lookup(%+v) = %+v, %v", req, res, err)
	}
	return res
}

// TestRiskByLastTwoDigits: the last two digits are the risk score; 90 and above are the
// troubled numbers, 95 and above inactive; the bands of the pumping risk.
func TestRiskByLastTwoDigits(t *testing.T) {
	tests := []struct {
		tail     int
		risky    bool
		status   string
		category string
	}{
		{0, false, "active", "low"},
		{39, false, "active", "low"},
		{40, false, "active", "mild"},
		{59, false, "active", "mild"},
		{60, false, "active", "moderate"},
		{79, false, "active", "moderate"},
		{80, false, "active", "high"},
		{89, false, "active", "high"},
		{90, true, "unreachable", "high"},
		{94, true, "unreachable", "high"},
		{95, true, "inactive", "high"},
		{99, true, "inactive", "high"},
	}
	for _, tt := range tests {
		number := "+141555501" + strconv.Itoa(100 + tt.tail)[1:]
		res := lookup(t, Request{PhoneNumber: number, LastVerifiedDate: "20240115"})
		reassigned := map[bool]string{true: "yes", false: "no"}[tt.risky]
		if res.SimSwap.SwappedInPeriod != tt.risky || res.CallForwarding.Enabled != tt.risky || res.SMSPumpingRisk.Blocked != tt.risky ||
			res.ReassignedNumber.IsReassigned != reassigned || res.LineStatus.Status != tt.status {
			t.Errorf("%s: sim swap %v, forwarding %v, blocked %v, reassigned %s, status %s; want risky %v, status %s", number,
				res.SimSwap.SwappedInPeriod, res.CallForwarding.Enabled, res.SMSPumpingRisk.Blocked, res.ReassignedNumber.IsReassigned,
				res.LineStatus.Status, tt.risky, tt.status)
		}
		q := res.QualityScore
		if s := res.SMSPumpingRisk; s.Score != tt.tail || s.Category != tt.category {
			t.Errorf("%s: pumping risk %+v, want score %d %s", number, s, tt.tail, tt.category)
		}
		if q.Quality != 100-tt.tail || q.CarrierRisk != tt.tail || q.VelocityRisk != tt.tail || q.DisposableRisk != tt.tail {
			t.Errorf("%s: quality %+v", number, q)
		}
	}
}

var (
	usAddress = regexp.MustCompile(`^([1-9][0-9]{0,2}) [A-Z][a-z]+ [A-Z][a-z]+$`)
	mnc2      = regexp.MustCompile(`^(0[1-9]|[1-9][0-9])$`)
	mnc3      = regexp.MustCompile(`^[0-9]{3}$`)
)

// TestOwnerOnFile: US numbers have an owner with a street address (house number 1-999),
// the city and state of the area code and a five-digit postal code; toll-free numbers
// belong to businesses; other countries have no owner data.
func TestOwnerOnFile(t *testing.T) {
	for _, number := range []string{"+14155550142", "+14155550100", "+12125550123", "+13105550188"} {
		res := lookup(t, Request{PhoneNumber: number})
		p := res.PreFill
		m := usAddress.FindStringSubmatch(p.AddressLine)
		if p.ErrorCode != 0 || m == nil || p.FirstName == "" || p.LastName == "" || p.Country != "US" {
			t.Errorf("%s: pre_fill %+v", number, p)
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > 999 {
			t.Errorf("%s: house number %d", number, n)
		}
		if postal, err := strconv.Atoi(p.PostalCode); err != nil || len(p.PostalCode) != 5 || postal < 10000 {
			t.Errorf("%s: postal code %q", number, p.PostalCode)
		}
		if c := res.CallerName; c.Type != "CONSUMER" || c.Name != p.FirstName+" "+p.LastName || c.ErrorCode != 0 {
			t.Errorf("%s: caller_name %+v", number, c)
		}
	}
	if p := lookup(t, Request{PhoneNumber: "+14155550142"}).PreFill; p.City != "San Francisco" || p.State != "CA" {
		t.Errorf("a 415 number's place: %q, %q", p.City, p.State)
	}
	tollFree := lookup(t, Request{PhoneNumber: "+18005550100"})
	if c := tollFree.CallerName; c.Type != "BUSINESS" || !strings.Contains(strings.Join(businesses, "|"), c.Name) || c.Name == "" {
		t.Errorf("toll-free caller_name %+v", c)
	}
	gb := lookup(t, Request{PhoneNumber: "+447400123456", LastVerifiedDate: "20240115"})
	if gb.CallerName.ErrorCode != ErrUnsupportedCountry || gb.CallerName.Name != "" || gb.ReassignedNumber.ErrorCode != ErrUnsupportedCountry ||
		gb.PreFill.ErrorCode != ErrUnsupportedCountry || gb.PreFill.FirstName != "" {
		t.Errorf("GB number: %+v %+v %+v", gb.CallerName, gb.ReassignedNumber, gb.PreFill)
	}
}

// TestCarriers: mobile numbers get their country's MCC and an MNC (three digits in North
// America, two from 01 elsewhere); other line types none.
func TestCarriers(t *testing.T) {
	tests := []struct {
		number, lineType, name, mcc string
		mnc                         *regexp.Regexp
	}{
		{"+14155550142", "mobile", "Switchboard Mobile", "310", mnc3},
		{"+14155550149", "nonFixedVoip", "Switchboard VoIP", "310", mnc3},
		{"+14155550146", "landline", "Switchboard Fixed", "", nil},
		{"+14155550148", "fixedVoip", "Switchboard VoIP", "", nil},
		{"+18005550100", "tollFree", "Switchboard Telecom", "", nil},
		{"+16135550100", "mobile", "Switchboard Mobile", "302", mnc3}, // Canada
	}
	for _, tt := range tests {
		c := lookup(t, Request{PhoneNumber: tt.number}).LineTypeIntelligence
		if c.Type != tt.lineType || c.Carrier.Name != tt.name || c.Carrier.MCC != tt.mcc ||
			(tt.mnc == nil) != (c.Carrier.MNC == "") || (tt.mnc != nil && !tt.mnc.MatchString(c.Carrier.MNC)) {
			t.Errorf("%s: %+v, want %s %s MCC %q", tt.number, c, tt.lineType, tt.name, tt.mcc)
		}
	}
	// A GB mobile number: libphonenumber names its carrier; the MNC has two digits.
	gb := lookup(t, Request{PhoneNumber: "+447400123456"}).LineTypeIntelligence
	if gb.Type != "mobile" || strings.HasPrefix(gb.Carrier.Name, "Switchboard") || gb.Carrier.MCC != "234" || !mnc2.MatchString(gb.Carrier.MNC) {
		t.Errorf("GB mobile: %+v", gb)
	}
	// sim_swap names the same carrier.
	if r := lookup(t, Request{PhoneNumber: "+447400123456"}); r.SimSwap.Carrier != r.LineTypeIntelligence.Carrier {
		t.Errorf("sim_swap carrier %+v, line type carrier %+v", r.SimSwap.Carrier, r.LineTypeIntelligence.Carrier)
	}
}

// TestIdentityMatch: each detail given is compared with the owner on file, ignoring case
// and runs of spaces; blank details and those not on file are no_data_available; the
// score is the share of compared details that matched.
func TestIdentityMatch(t *testing.T) {
	const number = "+14155550142"
	o := lookup(t, Request{PhoneNumber: number}).PreFill
	all := lookup(t, Request{PhoneNumber: number, Fields: "identity_match", FirstName: "  " + strings.ToUpper(o.FirstName) + " ",
		LastName: o.LastName, AddressLine1: strings.ReplaceAll(o.AddressLine, " ", "   "), City: o.City, State: o.State,
		PostalCode: o.PostalCode, AddressCountryCode: "US", NationalID: "123", DateOfBirth: "19900101"}).IdentityMatch
	want := IdentityMatch{ExactMatch, ExactMatch, ExactMatch, ExactMatch, ExactMatch, ExactMatch, ExactMatch, NoDataAvailable, NoDataAvailable, 100}
	if *all != want {
		t.Errorf("every detail right: %+v", all)
	}
	some := lookup(t, Request{PhoneNumber: number, Fields: "identity_match", FirstName: o.FirstName, LastName: "Nobody",
		City: "   ", PostalCode: "00000", AddressCountryCode: "US"}).IdentityMatch
	want = IdentityMatch{ExactMatch, NoMatch, NoDataAvailable, NoDataAvailable, NoDataAvailable, NoMatch, ExactMatch, NoDataAvailable, NoDataAvailable, 50}
	if *some != want {
		t.Errorf("two of four right: %+v", some)
	}
	none := lookup(t, Request{PhoneNumber: number, Fields: "identity_match"}).IdentityMatch
	if none.FirstName != NoDataAvailable || none.SummaryScore != 0 {
		t.Errorf("no details: %+v", none)
	}
	// A GB number's owner has a name but no city, state or postal code on file.
	gb := lookup(t, Request{PhoneNumber: "+447400123456", Fields: "identity_match", City: "London", PostalCode: "N1 9GU", AddressCountryCode: "GB"}).IdentityMatch
	if gb.City != NoDataAvailable || gb.PostalCode != NoDataAvailable || gb.AddressCountry != ExactMatch || gb.SummaryScore != 100 {
		t.Errorf("GB: %+v", gb)
	}
}

// TestNationalNumbers: a national-format number is read in CountryCode's country, or the
// default (US) without one.
func TestNationalNumbers(t *testing.T) {
	if res := lookup(t, Request{PhoneNumber: "(415) 555-0142", Fields: "validation"}); res.PhoneNumber != "+14155550142" || res.Country != "US" {
		t.Errorf("without CountryCode: %+v", res)
	}
	if res := lookup(t, Request{PhoneNumber: "07400 123456", CountryCode: "gb", Fields: "validation"}); res.PhoneNumber != "+447400123456" || res.Country != "GB" {
		t.Errorf("CountryCode gb: %+v", res)
	}
}

func TestLastDigits(t *testing.T) {
	for _, tt := range []struct {
		digits string
		n      int
		want   int
	}{{"4155550142", 2, 42}, {"4155550142", 1, 2}, {"7", 2, 7}, {"4155550190", 2, 90}} {
		if got := lastDigits(tt.digits, tt.n); got != tt.want {
			t.Errorf("lastDigits(%q, %d) = %d, want %d", tt.digits, tt.n, got, tt.want)
		}
	}
}
