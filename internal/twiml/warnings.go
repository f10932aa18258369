package twiml

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Warning is an attribute of a voice document whose value is not one the attribute
// takes, as Twilio documents it: the verb runs with the attribute's default, and Twilio
// records a warning with its code (13xxx) on the call (its debugger); Switchboard records
// it on the call's timeline and on the request that fetched the document.
type Warning struct {
	Code      int    // Twilio's warning code, e.g. 13313
	Verb      string // as Twilio names it in the warning: "Gather", "Gather->Say"
	Attribute string
	Value     string // as the document wrote it
	Message   string // Twilio's title, what was wrong and what was used instead
}

// attrs reads the attributes of one verb, and notes a Warning for each value that is not
// one its attribute takes.
type attrs struct {
	verb     string // as Twilio names it in its warnings
	values   map[string]string
	warnings *[]Warning
}

// bound is the whole numbers an attribute takes, as Twilio documents them: min to max, or
// min and above when max is 0 (Twilio sets no upper bound: a <Gather> may wait for a key,
// or a <Pause> last, as long as the call).
type bound struct{ min, max int }

func atLeast(min int) bound      { return bound{min: min} }
func between(min, max int) bound { return bound{min, max} }

// String words the bound for a warning.
func (b bound) String() string {
	if b.max != 0 {
		return fmt.Sprintf("a whole number from %d to %d", b.min, b.max)
	}
	return fmt.Sprintf("a whole number, %d or more", b.min)
}

// int reads a whole-number attribute: def when it is missing; its value when b takes it
// (a number too large for an int is taken as the largest int where b has no upper
// bound: it stands for "as long as the call"); else def, with warning code.
func (a attrs) int(name string, def int, b bound, code int) int {
	s, ok := a.values[name]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) && n == math.MaxInt && b.max == 0 {
		return n // Atoi gives the largest int for a number too large
	}
	if err != nil || n < b.min || (b.max != 0 && n > b.max) {
		a.warn(code, name, s, fmt.Sprintf("not %s; the default, %d, is used", b, def))
		return def
	}
	return n
}

// keys reads an attribute naming phone keys (0-9, * and #): def when it is missing; its
// value when it names keys, one at most if single; else def, with warning code. Present
// and empty, it names none.
func (a attrs) keys(name, def string, single bool, code int) string {
	s, ok := a.values[name]
	if !ok {
		return def
	}
	if strings.Trim(s, "0123456789*#") != "" || (single && len(s) > 1) {
		what := "keys of 0-9, * and #"
		if single {
			what = "one key of 0-9, * and #, or none"
		}
		a.warn(code, name, s, fmt.Sprintf("not %s; the default, %q, is used", what, def))
		return def
	}
	return s
}

// warn notes that the value s of attribute name was not taken, in Twilio's words
// ("Gather: Invalid timeout value") and ours (why, and what was used instead).
func (a attrs) warn(code int, name, s, why string) {
	*a.warnings = append(*a.warnings, Warning{Code: code, Verb: a.verb, Attribute: name, Value: s,
		Message: fmt.Sprintf("%s: Invalid %s value: %q is %s", a.verb, name, s, why)})
}
