// Package lookup answers Twilio Lookup v2 phone number queries. Parsing, validation,
// formatting, number types, carriers and places come from libphonenumber's metadata
// (github.com/nyaruka/phonenumbers); the data packages beyond that (line status, SIM swap,
// risk scores, the owner on file...) are simulated, deterministically: the same number
// always gets the same answer, by the rules that docs/lookup.md lists.
//
// The package knows nothing of HTTP: the server turns a Request into a Result and the
// Result into the wire format.
package lookup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// DefaultCountry is the country of a national-format number given without CountryCode,
// as Twilio documents ("default country code is +1").
const DefaultCountry = "US"

// ErrUnsupportedCountry is the error_code of a package that is offered for US numbers
// only, for a number of another country (Twilio's 60607, "Lookup Unsupported Country").
const ErrUnsupportedCountry = 60607

// Request is a lookup as the client asked for it. Empty strings are parameters not given.
type Request struct {
	PhoneNumber string // E.164 or national format
	CountryCode string // ISO 3166-1 alpha-2 country of a national-format PhoneNumber
	Fields      string // comma-separated package names

	// Compared by identity_match.
	FirstName, LastName, AddressLine1, AddressLine2, City, State, PostalCode string
	AddressCountryCode, NationalID, DateOfBirth                              string
	// For reassigned_number: YYYYMMDD.
	LastVerifiedDate string
}

// ParamError is a request parameter that cannot be used. Its Error is the message the
// client sees.
type ParamError struct {
	Param  string
	Reason string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("Invalid parameter: %s: %s", e.Param, e.Reason)
}

// ValidationError is why a number is not valid, in Twilio's (and libphonenumber's) words.
type ValidationError string

const (
	TooShort           ValidationError = "TOO_SHORT"
	TooLong            ValidationError = "TOO_LONG"
	InvalidButPossible ValidationError = "INVALID_BUT_POSSIBLE"
	InvalidCountryCode ValidationError = "INVALID_COUNTRY_CODE"
	InvalidLength      ValidationError = "INVALID_LENGTH"
	NotANumber         ValidationError = "NOT_A_NUMBER"
)

// Result is the answer to a Request. The number fields other than PhoneNumber and Valid
// are zero unless the number is valid; a package is nil unless it was requested and the
// number is valid (Twilio: "only valid numbers will return results").
type Result struct {
	PhoneNumber      string // E.164, or the input as given when it could not be parsed
	Valid            bool
	ValidationErrors []ValidationError // empty when Valid
	CallingCode      string            // "1", "44"
	Country          string            // ISO 3166-1 alpha-2
	NationalFormat   string

	LineTypeIntelligence *LineTypeIntelligence
	CallerName           *CallerName
	SimSwap              *SimSwap
	CallForwarding       *CallForwarding
	LineStatus           *LineStatus
	IdentityMatch        *IdentityMatch
	ReassignedNumber     *ReassignedNumber
	SMSPumpingRisk       *SMSPumpingRisk
	QualityScore         *QualityScore
	PreFill              *PreFill
}

// Lookup answers req. The only errors are *ParamError, for parameters that cannot be used;
// a number that is not valid is a Result with Valid false, not an error.
func Lookup(req Request) (Result, error) {
	fields, err := ParseFields(req.Fields)
	if err != nil {
		return Result{}, err
	}
	lastVerified, err := parseDate("LastVerifiedDate", req.LastVerifiedDate)
	if err != nil {
		return Result{}, err
	}
	if _, err := parseDate("DateOfBirth", req.DateOfBirth); err != nil {
		return Result{}, err
	}

	num, res := parse(req.PhoneNumber, req.CountryCode)
	if !res.Valid || fields == 0 {
		return res, nil
	}
	sim := newSimulation(num, res)
	if fields.Has(LineTypeIntelligencePackage) {
		res.LineTypeIntelligence = &LineTypeIntelligence{Type: sim.lineType, Carrier: sim.carrier}
	}
	if fields.Has(CallerNamePackage) {
		res.CallerName = sim.callerName()
	}
	if fields.Has(SimSwapPackage) {
		res.SimSwap = &SimSwap{SwappedPeriod: "PT24H", SwappedInPeriod: sim.risky(), Carrier: sim.carrier}
	}
	if fields.Has(CallForwardingPackage) {
		res.CallForwarding = &CallForwarding{Enabled: sim.risky()}
	}
	if fields.Has(LineStatusPackage) {
		res.LineStatus = &LineStatus{Status: sim.lineStatus()}
	}
	if fields.Has(IdentityMatchPackage) {
		res.IdentityMatch = sim.identityMatch(req)
	}
	if fields.Has(ReassignedNumberPackage) {
		res.ReassignedNumber = sim.reassignedNumber(lastVerified)
	}
	if fields.Has(SMSPumpingRiskPackage) {
		res.SMSPumpingRisk = sim.smsPumpingRisk()
	}
	if fields.Has(QualityScorePackage) {
		res.QualityScore = sim.qualityScore()
	}
	if fields.Has(PreFillPackage) {
		res.PreFill = sim.preFill()
	}
	return res, nil
}

// parse reads the number with libphonenumber and fills in the validation and format
// fields of a Result. The parsed number is nil unless the Result is valid.
func parse(input, country string) (*phonenumbers.PhoneNumber, Result) {
	res := Result{PhoneNumber: input}
	if country == "" {
		country = DefaultCountry
	}
	num, err := phonenumbers.Parse(input, strings.ToUpper(country))
	if err != nil {
		res.ValidationErrors = []ValidationError{parseError(err)}
		return nil, res
	}
	res.PhoneNumber = phonenumbers.Format(num, phonenumbers.E164)
	if reason := possibility(phonenumbers.IsPossibleNumberWithReason(num)); reason != "" {
		res.ValidationErrors = []ValidationError{reason}
		return nil, res
	}
	if !phonenumbers.IsValidNumber(num) {
		res.ValidationErrors = []ValidationError{InvalidButPossible}
		return nil, res
	}
	res.Valid = true
	res.ValidationErrors = []ValidationError{}
	res.CallingCode = strconv.Itoa(int(num.GetCountryCode()))
	res.Country = phonenumbers.GetRegionCodeForNumber(num)
	res.NationalFormat = phonenumbers.Format(num, phonenumbers.NATIONAL)
	return num, res
}

// parseError names a libphonenumber parse failure.
func parseError(err error) ValidationError {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return InvalidCountryCode
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return TooShort
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return TooLong
	}
	return NotANumber
}

// possibility names why a parsed number is not possible, or "" when it is. A number that
// can only be dialled locally (no area code) is possible but not valid.
func possibility(r phonenumbers.ValidationResult) ValidationError {
	switch r {
	case phonenumbers.IS_POSSIBLE:
		return ""
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return InvalidButPossible
	case phonenumbers.INVALID_COUNTRY_CODE:
		return InvalidCountryCode
	case phonenumbers.TOO_SHORT:
		return TooShort
	case phonenumbers.TOO_LONG:
		return TooLong
	}
	return InvalidLength
}

// parseDate checks a YYYYMMDD date parameter; the zero time when absent.
func parseDate(param, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("20060102", s)
	if err != nil || len(s) != 8 {
		return time.Time{}, &ParamError{Param: param, Reason: fmt.Sprintf("%q is not a YYYYMMDD date", s)}
	}
	return t, nil
}
