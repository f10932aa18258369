package messaging

import (
	"regexp"

	"github.com/nyaruka/phonenumbers"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// ValidNumber reports whether s is an E.164 number of a possible length for its
// country. It uses libphonenumber's metadata rather than a bare pattern, which would take
// "+1555" for a number; "possible" rather than "valid" keeps the fictional 555 numbers
// that tests and docs use.
func ValidNumber(s string) bool {
	if !e164.MatchString(s) {
		return false
	}
	n, err := phonenumbers.Parse(s, "")
	return err == nil && phonenumbers.IsPossibleNumber(n)
}
