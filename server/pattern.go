package server

import (
	"regexp"

	"github.com/getkin/kin-openapi/openapi3"
)

// compilePattern compiles a schema's pattern for kin-openapi. The spec's most common
// pattern, a resource SID ('^SM[0-9a-f]{32}$': two capitals, then 32 hexadecimal
// digits), is on every request's path, and Go's regexp engine took 3% of a fetch's CPU
// to match two of them; a SID pattern gets a matcher that compares bytes instead. Any
// other pattern is a regular expression, as kin-openapi would have compiled it (the
// spec writes no \uXXXX escapes, the one syntax kin-openapi rewrites for Go).
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	if m := sidPatternParts.FindStringSubmatch(expr); m != nil {
		return sidMatcher{prefix: m[1], upperHex: m[2] != ""}, nil
	}
	return regexp.Compile(expr)
}

// sidPatternParts recognizes a SID pattern: its prefix, and whether capital hexadecimal
// digits are allowed too.
var sidPatternParts = regexp.MustCompile(`^\^([A-Z]{2})\[0-9a-f(A-F)?\]\{32\}\$$`)

// sidMatcher matches what '^<prefix>[0-9a-f]{32}$' (or '[0-9a-fA-F]') matches.
type sidMatcher struct {
	prefix   string
	upperHex bool
}

func (m sidMatcher) MatchString(s string) bool {
	if len(s) != len(m.prefix)+32 || s[:len(m.prefix)] != m.prefix {
		return false
	}
	for i := len(m.prefix); i < len(s); i++ {
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
