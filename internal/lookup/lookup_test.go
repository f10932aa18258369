package lookup

import (
	"errors"
	"reflect"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// The server's tests (server/lookup_test.go) drive all of this over HTTP; these cover
// what is easier to reach directly: every number type libphonenumber knows, and Fields.

// TestLineTypes looks up libphonenumber's own example number of each type, in a few
// regions, and checks the line type Switchboard maps it to.
func TestLineTypes(t *testing.T) {
	want := map[phonenumbers.PhoneNumberType]string{
		phonenumbers.FIXED_LINE:      "landline",
		phonenumbers.MOBILE:          "mobile",
		phonenumbers.TOLL_FREE:       "tollFree",
		phonenumbers.PREMIUM_RATE:    "premium",
		phonenumbers.SHARED_COST:     "sharedCost",
		phonenumbers.VOIP:            "fixedVoip",
		phonenumbers.PERSONAL_NUMBER: "personal",
		phonenumbers.PAGER:           "pager",
		phonenumbers.UAN:             "uan",
		phonenumbers.VOICEMAIL:       "voicemail",
	}
	seen := map[string]bool{}
	for _, region := range []string{"GB", "DE", "FR", "IN", "BR", "JP", "AU", "ES", "IT", "AT"} {
		for typ, lineType := range want {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil || phonenumbers.GetNumberType(ex) != typ {
				continue // the region has no such numbers, or its example is of a broader type
			}
			e164 := phonenumbers.Format(ex, phonenumbers.E164)
			res, err := Lookup(Request{PhoneNumber: e164, Fields: "line_type_intelligence"})
			if err != nil || !res.Valid || res.LineTypeIntelligence == nil {
				t.Fatalf("%s %s: %+v %v", region, e164, res, err)
			}
			if got := res.LineTypeIntelligence.Type; got != lineType {
				t.Errorf("%s %s (type %d): %s, want %s", region, e164, typ, got, lineType)
			}
			seen[lineType] = true
		}
	}
	for _, lineType := range want {
		if !seen[lineType] {
			t.Errorf("no example number of line type %s in the regions tried", lineType)
		}
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		in      string
		want    Packages
		badName string
	}{
		{"", 0, ""},
		{"validation", 0, ""},
		{"caller_name", Packages(CallerNamePackage), ""},
		{" caller_name ,,sim_swap,", Packages(CallerNamePackage | SimSwapPackage), ""},
		{"pre_fill,pre_fill", Packages(PreFillPackage), ""},
		{"carrier", 0, "carrier"},
		{"caller_name,CALLER_NAME", 0, "CALLER_NAME"},
		{"caller_name;sim_swap", 0, "caller_name;sim_swap"},
	}
	for _, tt := range tests {
		got, err := ParseFields(tt.in)
		var pe *ParamError
		switch {
		case tt.badName == "" && (err != nil || got != tt.want):
			t.Errorf("ParseFields(%q) = %b, %v; want %b", tt.in, got, err, tt.want)
		case tt.badName != "" && (!errors.As(err, &pe) || pe.Param != "Fields" || pe.Reason != `unknown data package "`+tt.badName+`"`):
			t.Errorf("ParseFields(%q) error = %v, want unknown %q", tt.in, err, tt.badName)
		}
	}
}

// TestDeterministic: the same request always gets the same result, whatever was looked
// up in between.
func TestDeterministic(t *testing.T) {
	req := Request{PhoneNumber: "+14155550142", LastVerifiedDate: "20240115", FirstName: "Ada",
		Fields: "line_type_intelligence,caller_name,sim_swap,call_forwarding,line_status,identity_match,reassigned_number,sms_pumping_risk,phone_number_quality_score,pre_fill"}
	first, err := Lookup(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"+447400123456", "+14155550197", "+18005550100"} {
		if _, err := Lookup(Request{PhoneNumber: other, Fields: req.Fields}); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Lookup(req)
	if err != nil || !reflect.DeepEqual(first, again) {
		t.Fatalf("second lookup differs:\n%+v\n%+v (%v)", first, again, err)
	}
}
