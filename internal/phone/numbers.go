package phone

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/switchboard-dev/switchboard/internal/numbers"
)

// Checks on the hot path of every create, written as loops rather than regular
// expressions: the profile of a create had the regular expression of To at 6%.

// ValidNumber reports whether s is an E.164 number of a possible length for its
// country. It uses libphonenumber's metadata rather than a bare pattern, which would take
// "+1555" for a number; "possible" rather than "valid" keeps the fictional 555 numbers
// that tests and docs use.
func ValidNumber(s string) bool {
	if !isE164(s) {
		return false
	}
	if valid, ok := possibleNumbers.get(s); ok {
		return valid
	}
	n, err := phonenumbers.Parse(s, "")
	valid := err == nil && phonenumbers.IsPossibleNumber(n)
	possibleNumbers.put(s, valid)
	return valid
}

// possibleNumbers remembers ValidNumber's answers. Parsing with libphonenumber took 8 us
// and 27 allocations, twice per create (To and From), and the same numbers come back
// message after message (an app's senders, its users). The answer depends on the number
// alone (libphonenumber's metadata is compiled in), so a remembered one is always right.
var possibleNumbers = numberCache{m: map[string]bool{}}

// maxPossibleNumbers bounds the cache: past it, it starts again empty. Only E.164
// strings get in, 16 bytes at most, so it holds a few hundred kilobytes at most.
const maxPossibleNumbers = 10_000

type numberCache struct {
	mu sync.RWMutex
	m  map[string]bool
}

func (c *numberCache) get(s string) (valid, ok bool) {
	c.mu.RLock()
	valid, ok = c.m[s]
	c.mu.RUnlock()
	return valid, ok
}

func (c *numberCache) put(s string, valid bool) {
	c.mu.Lock()
	if len(c.m) >= maxPossibleNumbers {
		clear(c.m)
	}
	c.m[s] = valid
	c.mu.Unlock()
}

// isE164 is ^\+[1-9][0-9]{1,14}$.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	return allDigits(s[1:])
}

// IsShortCode is ^[0-9]{5,6}$.
func IsShortCode(s string) bool { return (len(s) == 5 || len(s) == 6) && allDigits(s) }

// IsAlphaSender reports whether s is an alphanumeric sender ID: 1 to 11 ASCII letters,
// digits and spaces, at least one of them a letter.
func IsAlphaSender(s string) bool {
	if len(s) < 1 || len(s) > 11 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isLetter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		isDigit := '0' <= c && c <= '9'
		if !isLetter && !isDigit && c != ' ' {
			return false
		}
		letter = letter || isLetter
	}
	return letter
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Country is the ISO country of a number (as FromCountry and ToCountry in webhooks, and
// as a Messaging Service's geomatch compares it with its numbers' IsoCountry), "" for
// anything that is not a phone number (a Client identifier, a SIP address). A number of
// Switchboard's pool is of the country it is sold in: toll-free codes serve the US and
// Canada both, and the pool gives each to one of them. Any other number is of the region
// libphonenumber assigns it, or, for ranges it takes for unassigned (Ofcom's drama
// ranges, Twilio's 500 area code), of the main country of its calling code.
func Country(number string) string {
	if !strings.HasPrefix(number, "+") {
		return ""
	}
	if n, ok := numbers.Lookup(number); ok {
		return n.Country
	}
	n, err := phonenumbers.Parse(number, "")
	if err != nil {
		return ""
	}
	if r := phonenumbers.GetRegionCodeForNumber(n); r != "" && r != phonenumbers.UNKNOWN_REGION {
		return r
	}
	if r := phonenumbers.GetRegionCodeForCountryCode(int(n.GetCountryCode())); r != phonenumbers.UNKNOWN_REGION {
		return r
	}
	return ""
}

// AddPlaces adds to a webhook's parameters where its parties are, as Twilio's
// incoming-message and voice webhooks say it: FromCity, FromState, FromZip, ToCity,
// ToState and ToZip from the pool's places (numbers.PlaceOf), always sent and empty when
// unknown, so that an app that reads them finds them; FromCountry and ToCountry when the
// party is a phone number (Country). Cities are in capitals, as Twilio sends them.
func AddPlaces(params map[string]string, from, to string) {
	for _, party := range []struct{ prefix, number string }{{"From", from}, {"To", to}} {
		place, _ := numbers.PlaceOf(party.number)
		params[party.prefix+"City"] = strings.ToUpper(place.Locality)
		params[party.prefix+"State"] = place.Region
		params[party.prefix+"Zip"] = place.PostalCode
		if c := Country(party.number); c != "" {
			params[party.prefix+"Country"] = c
		}
	}
}
