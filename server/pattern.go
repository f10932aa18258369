package server

import (
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// compilePattern compiles a schema's pattern for kin-openapi. The spec's most common
// pattern, a resource SID ('^SM[0-9a-f]{32}$': two capitals, then 32 hexadecimal
// digits; '^(SM|MM)[0-9a-f]{32}$' where a resource has two prefixes, as messages with
// and without media do), is on every request's path, and Go's regexp engine took 3% of
// a fetch's CPU to match two of them; a SID pattern gets a matcher that compares bytes
// instead. Any other pattern is a regular expression, as kin-openapi would have compiled
// it (the spec writes no \uXXXX escapes, the one syntax kin-openapi rewrites for Go).
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if m := sidPatternParts.FindStringSubmatch(expr); m != nil {
		prefixes := []string{m[1]}
		if m[1] == "" {
			prefixes = strings.Split(m[2], "|")
		}
		return sidMatcher{prefixes: prefixes, upperHex: m[3] != ""}, nil
	}
	return regexp.Compile(expr)
}

// sidPatternParts recognizes a SID pattern: its prefix, or its prefixes as alternatives
// ("SM|MM"), and whether capital hexadecimal digits are allowed too.
var sidPatternParts = regexp.MustCompile(`^\^(?:([A-Z]{2})|\(([A-Z]{2}(?:\|[A-Z]{2})+)\))\[0-9a-f(A-F)?\]\{32\}\$$`)

// sidMatcher matches what '^<prefix>[0-9a-f]{32}$' (or '[0-9a-fA-F]') matches, for any
// of its two-letter prefixes.
type sidMatcher struct {
	prefixes []string
	upperHex bool
}

func (m sidMatcher) MatchString(s string) bool {
	if len(s) != 2+32 {
		return false
	}
	known := false
	for _, p := range m.prefixes {
		known = known || s[:2] == p
	}
	if !known {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case m.upperHex && 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return true
}
