// Package numbers is Switchboard's stock of phone numbers for sale: a fixed,
// deterministic pool of fictional numbers in the US, Canada and the UK, and the
// search over it that AvailablePhoneNumbers serves and IncomingPhoneNumbers buys from.
//
// Every number comes from a range set aside so that it can never reach a real phone:
// NANP 555-0100 to 555-0199 in every US and Canadian area code (reserved for fiction),
// Ofcom's drama ranges for the UK (020 7946 0xxx, 07700 900xxx, 0808 157 0xxx...), and
// Twilio's test ("magic") numbers in the 500 area code. The pool is generated from a
// short table of blocks (pool.go) and never changes at run time; which numbers are owned
// is the store's business, so searches take a function that says whether a number is
// taken. docs/numbers.md lists the pool.
package numbers

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Type is the kind of a number, spelled as the `type` field of an incoming phone number.
type Type string

// The number types of the pool.
const (
	Local    Type = "local"
	Mobile   Type = "mobile"
	TollFree Type = "tollfree"
)

// Address requirements, as AvailablePhoneNumbers reports them.
const (
	AddressNone    = "none"
	AddressAny     = "any"
	AddressLocal   = "local"
	AddressForeign = "foreign"
)

// Twilio's test numbers for buying, which behave the same for every account here.
const (
	// MagicUnavailable can never be bought (21422).
	MagicUnavailable = "+15005550000"
	// MagicInvalid is not a number for sale (21421); it is simply not in the pool.
	MagicInvalid = "+15005550001"
	// MagicAvailable can be bought: the first number of the 500 area code.
	MagicAvailable = "+15005550006"
	// MagicAreaCode has numbers for sale: MagicAvailable first.
	MagicAreaCode = "500"
	// MagicEmptyAreaCode has no numbers at all (21452).
	MagicEmptyAreaCode = "533"
)

// Capabilities says what a number can receive.
type Capabilities struct {
	Voice, SMS, MMS, Fax bool
}

// LatLong is a position in decimal degrees.
type LatLong struct {
	Latitude, Longitude float64
}

// Place is where a geographic number belongs. Empty fields do not apply to the number
// (a UK number has no LATA).
type Place struct {
	Locality   string
	Region     string // US state or Canadian province code
	PostalCode string
	LATA       string
	RateCenter string
	Position   *LatLong // nil when unknown
}

// Number is one number of the pool.
type Number struct {
	E164                string
	Country             string // ISO 3166-1 alpha-2
	Type                Type
	Place               Place // zero for non-geographic numbers
	Capabilities        Capabilities
	AddressRequirements string
}

// National is the number as it is written at home, which Twilio uses as the default
// friendly name: "(415) 555-0100", "020 7946 0123".
func (n Number) National() string {
	// The pool knows the country, so the number is built rather than parsed: parsing
	// was most of the cost of a search.
	cc := int32(phonenumbers.GetCountryCodeForRegion(n.Country))
	nsn, err := strconv.ParseUint(strings.TrimPrefix(n.E164, CallingCode(n.Country)), 10, 64)
	if cc == 0 || err != nil { // never for pool numbers; TestPool formats every one
		return n.E164
	}
	return phonenumbers.Format(&phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nsn}, phonenumbers.NATIONAL)
}

// Country is a country the pool sells numbers in.
type Country struct {
	Code  string // ISO 3166-1 alpha-2
	Name  string
	Types []Type // in the order Local, Mobile, TollFree
}

// Countries returns the countries of the pool, by code.
func Countries() []Country {
	out := make([]Country, len(countries))
	for i, c := range countries {
		out[i] = c
		out[i].Types = append([]Type(nil), c.Types...)
	}
	return out
}

// FindCountry returns the country with this ISO code (any case).
func FindCountry(code string) (Country, bool) {
	code = strings.ToUpper(code)
	for _, c := range Countries() {
		if c.Code == code {
			return c, true
		}
	}
	return Country{}, false
}

// Lookup returns the pool's number with this E.164 form, if the pool has it.
func Lookup(e164 string) (Number, bool) {
	for i := range blocks {
		if n, ok := blocks[i].number(e164); ok {
			return n, true
		}
	}
	return Number{}, false
}

// PlaceOf is where a number is, as far as the pool knows: a number of the pool is where
// its block is; any other US or Canadian number is where its area code is, when the pool
// sells local numbers in that area (a telephone network places a NANP number by its area
// code and exchange; the pool knows one place per area code). ok is false when nothing is
// known: toll-free, mobile and test numbers, other areas and countries, anything that is
// not a phone number. Webhooks say where their parties are with it (FromCity...).
func PlaceOf(e164 string) (place Place, ok bool) {
	if n, found := Lookup(e164); found {
		return n.Place, n.Place.Locality != ""
	}
	if len(e164) != len("+14155550100") || !strings.HasPrefix(e164, "+1") || strings.Trim(e164[2:], "0123456789") != "" {
		return Place{}, false
	}
	area := e164[:len("+1415")]
	for i := range blocks {
		if b := &blocks[i]; b.typ == Local && b.place.Locality != "" && strings.HasPrefix(b.prefix, area) {
			return b.place, true
		}
	}
	return Place{}, false
}

// Query narrows a search; zero fields do not narrow it.
type Query struct {
	Country  string // ISO code, any case
	Type     Type
	AreaCode string // US or Canadian area code: the three digits after +1
	// Contains is Twilio's pattern: digits, letters (as on a phone keypad), `*` for one
	// digit, `%` for any run of digits, a leading `+` and a trailing `$` as anchors.
	Contains string

	SMS, MMS, Voice, Fax *bool // capability wanted (true) or unwanted (false)

	ExcludeAllAddressRequired     bool
	ExcludeLocalAddressRequired   bool
	ExcludeForeignAddressRequired bool

	// Place filters compare case-insensitively; postal codes also ignore spaces.
	Region, Locality, PostalCode, LATA, RateCenter string
}

// ErrBadPattern is returned by Search for a Contains pattern it cannot read.
var ErrBadPattern = errors.New("invalid Contains pattern")

// Search returns up to limit numbers that match q and that taken does not report as
// taken, in ascending E.164 order, which is also the pool's order.
func Search(q Query, taken func(e164 string) bool, limit int) ([]Number, error) {
	match, err := containsMatcher(q.Contains)
	if err != nil {
		return nil, err
	}
	var out []Number
	buf := make([]byte, 0, 16) // one number at a time, so that misses allocate nothing
	for i := range blocks {
		b := &blocks[i]
		if !b.matches(q) {
			continue
		}
		for line := b.first; line < b.first+b.count && len(out) < limit; line++ {
			buf = b.appendE164(buf[:0], line)
			if match != nil && !match.Match(buf) {
				continue
			}
			e164 := string(buf)
			if taken != nil && taken(e164) {
				continue
			}
			out = append(out, b.toNumber(e164))
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// CallingCode returns the E.164 prefix of a pool country ("+1", "+44"), which every one
// of its numbers starts with.
func CallingCode(country string) string {
	return "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(strings.ToUpper(country)))
}

// block is a run of consecutive numbers that share everything but their last digits:
// prefix followed by the line numbers first .. first+count-1, zero-padded to width.
type block struct {
	country      string
	typ          Type
	prefix       string
	first, count int
	width        int
	place        Place
	caps         Capabilities
	address      string
}

// appendE164 appends the number of line: the prefix, then the line zero-padded to width.
func (b *block) appendE164(dst []byte, line int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], int64(line), 10)
	dst = append(dst, b.prefix...)
	for range b.width - len(d) {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

func (b *block) toNumber(e164 string) Number {
	return Number{E164: e164, Country: b.country, Type: b.typ, Place: b.place,
		Capabilities: b.caps, AddressRequirements: b.address}
}

func (b *block) number(e164 string) (Number, bool) {
	rest, ok := strings.CutPrefix(e164, b.prefix)
	if !ok || len(rest) != b.width {
		return Number{}, false
	}
	if strings.Trim(rest, "0123456789") != "" {
		return Number{}, false
	}
	line, err := strconv.Atoi(rest)
	if err != nil || line < b.first || line >= b.first+b.count {
		return Number{}, false
	}
	return b.toNumber(e164), true
}

// matches reports whether the block's shared properties pass q; the per-number filters
// (Contains, taken) are left to the caller.
func (b *block) matches(q Query) bool {
	wantCap := func(want *bool, has bool) bool { return want == nil || *want == has }
	same := func(want, has string) bool { return want == "" || strings.EqualFold(want, has) }
	squash := func(s string) string { return strings.ReplaceAll(s, " ", "") }
	switch {
	case q.Country != "" && !strings.EqualFold(q.Country, b.country):
	case q.Type != "" && q.Type != b.typ:
	case q.AreaCode != "" && !strings.HasPrefix(b.prefix, "+1"+q.AreaCode):
	case !wantCap(q.SMS, b.caps.SMS), !wantCap(q.MMS, b.caps.MMS),
		!wantCap(q.Voice, b.caps.Voice), !wantCap(q.Fax, b.caps.Fax):
	case q.ExcludeAllAddressRequired && b.address != AddressNone:
	case q.ExcludeLocalAddressRequired && b.address == AddressLocal:
	case q.ExcludeForeignAddressRequired && b.address == AddressForeign:
	case !same(q.Region, b.place.Region), !same(q.Locality, b.place.Locality),
		!same(q.LATA, b.place.LATA), !same(q.RateCenter, b.place.RateCenter),
		!same(squash(q.PostalCode), squash(b.place.PostalCode)):
	default:
		return true
	}
	return false
}

// keypad maps letters to the digits they share a phone key with.
var keypad = strings.NewReplacer(
	"A", "2", "B", "2", "C", "2", "D", "3", "E", "3", "F", "3", "G", "4", "H", "4", "I", "4",
	"J", "5", "K", "5", "L", "5", "M", "6", "N", "6", "O", "6", "P", "7", "Q", "7", "R", "7",
	"S", "7", "T", "8", "U", "8", "V", "8", "W", "9", "X", "9", "Y", "9", "Z", "9",
)

var containsSyntax = regexp.MustCompile(`^\+?[0-9A-Z*%]+\$?$`)

// containsMatcher compiles a Contains pattern into a regular expression over the E.164
// form; nil for the empty pattern.
func containsMatcher(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, nil
	}
	p := strings.ToUpper(pattern)
	if !containsSyntax.MatchString(p) {
		return nil, fmt.Errorf("%w: %q", ErrBadPattern, pattern)
	}
	var re strings.Builder
	if rest, ok := strings.CutPrefix(p, "+"); ok {
		re.WriteString(`^\+`)
		p = rest
	}
	anchorEnd := strings.HasSuffix(p, "$")
	p = strings.TrimSuffix(p, "$")
	for _, c := range keypad.Replace(p) {
		switch c {
		case '*':
			re.WriteString(`[0-9]`)
		case '%':
			re.WriteString(`[0-9]*`)
		default: // a digit: the syntax check and the keypad leave nothing else
			re.WriteRune(c)
		}
	}
	if anchorEnd {
		re.WriteString(`$`)
	}
	return regexp.Compile(re.String())
}
