package lookup

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// The simulated data packages. Nothing here is random: every value is a function of the
// number (and of the query's own details, for identity_match), so that tests can rely on
// it. docs/lookup.md states these rules for users; keep the two in step.

// Carrier is who holds a number. MCC and MNC are "" where Twilio gives none (not mobile).
type Carrier struct {
	Name string
	MCC  string
	MNC  string
}

// LineTypeIntelligence is the line_type_intelligence package.
type LineTypeIntelligence struct {
	Type    string // mobile, landline, fixedVoip, nonFixedVoip, tollFree...
	Carrier Carrier
}

// CallerName is the caller_name package: Name and Type are "" when ErrorCode is set.
type CallerName struct {
	Name      string
	Type      string // CONSUMER or BUSINESS
	ErrorCode int
}

// SimSwap is the sim_swap package.
type SimSwap struct {
	SwappedPeriod   string // ISO 8601 duration
	SwappedInPeriod bool
	Carrier         Carrier
}

// CallForwarding is the call_forwarding package.
type CallForwarding struct {
	Enabled bool
}

// LineStatus is the line_status package.
type LineStatus struct {
	Status string // active, unreachable or inactive
}

// Match is how one detail given to identity_match compares with the owner on file.
type Match string

const (
	ExactMatch      Match = "exact_match"
	NoMatch         Match = "no_match"
	NoDataAvailable Match = "no_data_available"
)

// IdentityMatch is the identity_match package.
type IdentityMatch struct {
	FirstName, LastName, AddressLines, City, State, PostalCode Match
	AddressCountry, NationalID, DateOfBirth                    Match
	SummaryScore                                               int // 0-100
}

// ReassignedNumber is the reassigned_number package: LastVerifiedDate (YYYY-MM-DD) and
// IsReassigned are "" when ErrorCode is set.
type ReassignedNumber struct {
	LastVerifiedDate string
	IsReassigned     string // yes, no or no_data_available
	ErrorCode        int
}

// SMSPumpingRisk is the sms_pumping_risk package.
type SMSPumpingRisk struct {
	Score    int    // 0-99
	Category string // low, mild, moderate or high
	Blocked  bool
}

// QualityScore is the phone_number_quality_score package; ScoreCategory bands each score.
type QualityScore struct {
	Quality, CarrierRisk, VelocityRisk, DisposableRisk int // 0-100
}

// ScoreCategory is the band of a 0-100 score: low, medium or high.
func ScoreCategory(score int) string {
	switch {
	case score < 34:
		return "low"
	case score < 67:
		return "medium"
	}
	return "high"
}

// PreFill is the pre_fill package: the owner on file. Fields not on file are "", and all
// are "" when ErrorCode is set.
type PreFill struct {
	FirstName, LastName, AddressLine, City, State, PostalCode, Country string
	ErrorCode                                                          int
}

// simulation is what the packages of one valid number are made from.
type simulation struct {
	country  string
	lineType string
	carrier  Carrier
	// tail is the number's last two digits, 0-99: 90 and above make a "risky" number in
	// every risk package, so that tests can pick one.
	tail  int
	owner owner
}

// owner is the simulated person (or business) a number belongs to.
type owner struct {
	first, last, business string
	address               string
	city, state, postal   string // "" when not on file
}

func newSimulation(num *phonenumbers.PhoneNumber, res Result) simulation {
	national := phonenumbers.GetNationalSignificantNumber(num)
	s := simulation{country: res.Country, tail: lastDigits(national, 2)}
	s.lineType = lineType(num, lastDigits(national, 1))
	s.carrier = carrierOf(num, s.lineType)
	s.owner = ownerOf(num, res.PhoneNumber, res.Country)
	return s
}

// risky reports whether the number is one of the simulated troubled ones (last two
// digits 90-99): SIM just swapped, calls forwarded, high SMS pumping risk...
func (s simulation) risky() bool { return s.tail >= 90 }

// usOnly reports whether a US-only package has data for this number.
func (s simulation) usOnly() bool { return s.country == "US" }

// lineType maps libphonenumber's number type to Twilio's line types. Where the metadata
// cannot tell mobile from fixed (the whole North American plan), the last digit decides:
// 0-5 mobile, 6-7 landline, 8 fixedVoip, 9 nonFixedVoip.
func lineType(num *phonenumbers.PhoneNumber, last int) string {
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		return "mobile"
	case phonenumbers.FIXED_LINE:
		return "landline"
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		switch {
		case last <= 5:
			return "mobile"
		case last <= 7:
			return "landline"
		case last == 8:
			return "fixedVoip"
		}
		return "nonFixedVoip"
	case phonenumbers.TOLL_FREE:
		return "tollFree"
	case phonenumbers.PREMIUM_RATE:
		return "premium"
	case phonenumbers.SHARED_COST:
		return "sharedCost"
	case phonenumbers.VOIP:
		return "fixedVoip"
	case phonenumbers.PERSONAL_NUMBER:
		return "personal"
	case phonenumbers.PAGER:
		return "pager"
	case phonenumbers.UAN:
		return "uan"
	case phonenumbers.VOICEMAIL:
		return "voicemail"
	}
	return "unknown"
}

// carrierOf names the carrier from libphonenumber's carrier data (which knows the mobile
// ranges of many countries, though not of number-portable ones such as the US), or else a
// Switchboard name by line type. Mobile and non-fixed VoIP numbers get the country's
// mobile country code and a network code derived from the carrier's name.
func carrierOf(num *phonenumbers.PhoneNumber, lineType string) Carrier {
	name, _ := phonenumbers.GetCarrierForNumber(num, "en")
	if name == "" {
		switch lineType {
		case "mobile":
			name = "Switchboard Mobile"
		case "landline":
			name = "Switchboard Fixed"
		case "fixedVoip", "nonFixedVoip":
			name = "Switchboard VoIP"
		default:
			name = "Switchboard Telecom"
		}
	}
	c := Carrier{Name: name}
	mcc, ok := mobileCountryCodes[phonenumbers.GetRegionCodeForNumber(num)]
	if !ok || (lineType != "mobile" && lineType != "nonFixedVoip") {
		return c
	}
	c.MCC = mcc
	h := hash(name)
	if num.GetCountryCode() == 1 { // North American network codes have three digits
		c.MNC = fmt.Sprintf("%03d", h%1000)
	} else {
		c.MNC = fmt.Sprintf("%02d", 1+h%99)
	}
	return c
}

// mobileCountryCodes are ITU-T E.212 mobile country codes (the first one, where a
// country has several) of the countries Switchboard gives them for; other countries' mobile
// numbers have none.
var mobileCountryCodes = map[string]string{
	"AE": "424", "AR": "722", "AT": "232", "AU": "505", "BD": "470", "BE": "206",
	"BR": "724", "CA": "302", "CH": "228", "CL": "730", "CN": "460", "CO": "732",
	"CZ": "230", "DE": "262", "DK": "238", "EG": "602", "ES": "214", "FI": "244",
	"FR": "208", "GB": "234", "GR": "202", "HK": "454", "ID": "510", "IE": "272",
	"IL": "425", "IN": "404", "IT": "222", "JP": "440", "KE": "639", "KR": "450",
	"MX": "334", "MY": "502", "NG": "621", "NL": "204", "NO": "242", "NZ": "530",
	"PE": "716", "PH": "515", "PK": "410", "PL": "260", "PT": "268", "RU": "250",
	"SA": "420", "SE": "240", "SG": "525", "TH": "520", "TR": "286", "TW": "466",
	"UA": "255", "US": "310", "VN": "452", "ZA": "655",
}

var (
	firstNames = []string{"Ada", "Amara", "Carlos", "Chen", "Dmitri", "Emma", "Fatima", "Hiro",
		"Ingrid", "Jamal", "Lucia", "Mateo", "Noor", "Olivia", "Priya", "Sven"}
	lastNames = []string{"Alvarez", "Becker", "Dubois", "Garcia", "Hansen", "Ito", "Kowalski", "Mensah",
		"Novak", "Okafor", "Patel", "Rossi", "Santos", "Silva", "Smith", "Tanaka"}
	businesses = []string{"Acme Supplies", "Bluebird Dental", "Cedar Plumbing", "Delta Freight",
		"Evergreen Clinic", "Harbor Insurance", "Summit Realty", "Union Hardware"}
	streets = []string{"Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Park Road",
		"Elm Street", "Lake View", "Hill Street"}
)

// ownerOf makes up the number's owner from a hash of its E.164 form. City and state come
// from libphonenumber's geocoding where it names both ("San Francisco, CA"); the postal
// code is made up for US numbers only.
func ownerOf(num *phonenumbers.PhoneNumber, e164, country string) owner {
	h := hash(e164)
	o := owner{
		first:    firstNames[h%uint64(len(firstNames))],
		last:     lastNames[(h>>8)%uint64(len(lastNames))],
		business: businesses[(h>>16)%uint64(len(businesses))],
		address:  fmt.Sprintf("%d %s", 1+(h>>24)%999, streets[(h>>40)%uint64(len(streets))]),
	}
	if place, _ := phonenumbers.GetGeocodingForNumber(num, "en"); place != "" {
		if city, state, ok := strings.Cut(place, ", "); ok {
			o.city, o.state = city, state
		}
	}
	if country == "US" {
		o.postal = fmt.Sprintf("%05d", 10000+(h>>48)%90000)
	}
	return o
}

func (s simulation) callerName() *CallerName {
	if !s.usOnly() {
		return &CallerName{ErrorCode: ErrUnsupportedCountry}
	}
	if s.lineType == "tollFree" {
		return &CallerName{Name: s.owner.business, Type: "BUSINESS"}
	}
	return &CallerName{Name: s.owner.first + " " + s.owner.last, Type: "CONSUMER"}
}

func (s simulation) lineStatus() string {
	switch {
	case s.tail >= 95:
		return "inactive"
	case s.tail >= 90:
		return "unreachable"
	}
	return "active"
}

func (s simulation) reassignedNumber(lastVerified time.Time) *ReassignedNumber {
	switch {
	case !s.usOnly():
		return &ReassignedNumber{ErrorCode: ErrUnsupportedCountry}
	case lastVerified.IsZero():
		return &ReassignedNumber{IsReassigned: "no_data_available"}
	case s.risky():
		return &ReassignedNumber{LastVerifiedDate: lastVerified.Format(time.DateOnly), IsReassigned: "yes"}
	}
	return &ReassignedNumber{LastVerifiedDate: lastVerified.Format(time.DateOnly), IsReassigned: "no"}
}

func (s simulation) smsPumpingRisk() *SMSPumpingRisk {
	r := &SMSPumpingRisk{Score: s.tail, Blocked: s.risky()}
	switch {
	case s.tail < 40:
		r.Category = "low"
	case s.tail < 60:
		r.Category = "mild"
	case s.tail < 80:
		r.Category = "moderate"
	default:
		r.Category = "high"
	}
	return r
}

func (s simulation) qualityScore() *QualityScore {
	return &QualityScore{Quality: 100 - s.tail, CarrierRisk: s.tail, VelocityRisk: s.tail, DisposableRisk: s.tail}
}

func (s simulation) preFill() *PreFill {
	if !s.usOnly() {
		return &PreFill{ErrorCode: ErrUnsupportedCountry}
	}
	o := s.owner
	return &PreFill{FirstName: o.first, LastName: o.last, AddressLine: o.address,
		City: o.city, State: o.state, PostalCode: o.postal, Country: s.country}
}

// identityMatch compares each detail of the query with the owner on file. A detail not
// given, or not on file (national ID and date of birth never are), is no_data_available;
// the summary score is the share of compared details that matched exactly.
func (s simulation) identityMatch(req Request) *IdentityMatch {
	o := s.owner
	var compared, matched int
	match := func(given, onFile string) Match {
		if strings.TrimSpace(given) == "" || onFile == "" {
			return NoDataAvailable
		}
		compared++
		if normalize(given) != normalize(onFile) {
			return NoMatch
		}
		matched++
		return ExactMatch
	}
	m := &IdentityMatch{
		FirstName:      match(req.FirstName, o.first),
		LastName:       match(req.LastName, o.last),
		AddressLines:   match(req.AddressLine1, o.address),
		City:           match(req.City, o.city),
		State:          match(req.State, o.state),
		PostalCode:     match(req.PostalCode, o.postal),
		AddressCountry: match(req.AddressCountryCode, s.country),
		NationalID:     NoDataAvailable,
		DateOfBirth:    NoDataAvailable,
	}
	if compared > 0 {
		m.SummaryScore = 100 * matched / compared
	}
	return m
}

// normalize makes comparisons ignore case and runs of spaces.
func normalize(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// lastDigits is the number formed by the last n digits of a digit string.
func lastDigits(digits string, n int) int {
	v := 0
	for _, c := range digits[max(0, len(digits)-n):] {
		v = v*10 + int(c-'0')
	}
	return v
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
