package server

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// sidPatterns are the three shapes of SID pattern the spec uses (one prefix, capital
// digits allowed, one of several prefixes), and one that only looks like them (it must
// stay a regular expression).
var sidPatterns = []string{`^SM[0-9a-f]{32}$`, `^AP[0-9a-fA-F]{32}$`, `^(SM|MM)[0-9a-f]{32}$`, `^SM[0-9a-f]{32}`}

// TestCompilePatternAgreesWithRegexp: every pattern in openapi.yaml, compiled for the
// validator, matches exactly what Go's regexp matches, on SIDs and near misses.
func TestCompilePatternAgreesWithRegexp(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]bool{}
	for _, p := range sidPatterns {
		patterns[p] = true
	}
	for _, s := range doc.Components.Schemas {
		collectPatterns(s.Value, patterns, map[*openapi3.Schema]bool{})
	}
	for _, pi := range doc.Paths.Map() {
		for _, op := range pi.Operations() {
			for _, p := range append(op.Parameters, pi.Parameters...) {
				if p.Value.Schema != nil {
					collectPatterns(p.Value.Schema.Value, patterns, map[*openapi3.Schema]bool{})
				}
			}
		}
	}
	hex := strings.Repeat("0123456789abcdef", 2)
	inputs := []string{"", "SM", "SM" + hex, "SM" + strings.ToUpper(hex), "AP" + strings.ToUpper(hex), "AP" + hex,
		"SM" + hex[:31], "SM" + hex + "0", "SM" + hex + "\n", "sm" + hex, "MM" + hex, "SM" + hex[:31] + "g",
		"SM" + hex[:31] + "é", "CA" + hex, "+15005550006", "AC" + hex, "MM" + hex[:31], "MS" + hex, "SMMM" + hex[:30], "(SM" + hex}
	var sids int
	for p := range patterns {
		got, err := compilePattern(p)
		if err != nil {
			t.Errorf("compilePattern(%q): %v", p, err)
			continue
		}
		if _, ok := got.(sidMatcher); ok {
			sids++
		}
		want := regexp.MustCompile(p)
		for _, in := range inputs {
			if got.MatchString(in) != want.MatchString(in) {
				t.Errorf("pattern %q on %q: %v, regexp says %v", p, in, got.MatchString(in), want.MatchString(in))
			}
		}
	}
	if sids < 5 {
		t.Errorf("only %d of the spec's %d patterns are SID patterns matched without regexp", sids, len(patterns))
	}
}

// TestMessageSidPatternByBytes: the spec's message SID takes SM and MM (a message with
// media), and is matched without a regular expression like every other SID.
func TestMessageSidPatternByBytes(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	pattern := doc.Components.Schemas["MessageSid"].Value.Pattern
	m, err := compilePattern(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(sidMatcher); !ok {
		t.Fatalf("MessageSid's pattern %q is matched by %T, not by bytes", pattern, m)
	}
	hex := strings.Repeat("0123456789abcdef", 2)
	for in, want := range map[string]bool{"SM" + hex: true, "MM" + hex: true, "MS" + hex: false, "CA" + hex: false, "MM" + hex[1:]: false} {
		if got := m.MatchString(in); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// collectPatterns adds the patterns of schema and of the schemas within it.
func collectPatterns(schema *openapi3.Schema, into map[string]bool, seen map[*openapi3.Schema]bool) {
	if schema == nil || seen[schema] {
		return
	}
	seen[schema] = true
	if schema.Pattern != "" {
		into[schema.Pattern] = true
	}
	for _, ref := range schema.Properties {
		collectPatterns(ref.Value, into, seen)
	}
	if schema.Items != nil {
		collectPatterns(schema.Items.Value, into, seen)
	}
	for _, refs := range [][]*openapi3.SchemaRef{schema.AllOf, schema.AnyOf, schema.OneOf} {
		for _, ref := range refs {
			collectPatterns(ref.Value, into, seen)
		}
	}
}

// FuzzSIDMatcher: the matcher and the regular expression it replaces agree on any input.
func FuzzSIDMatcher(f *testing.F) {
	f.Add("SM0123456789abcdef0123456789abcdef")
	f.Add("AP0123456789ABCDEF0123456789abcdef")
	f.Add("SM0123456789abcdef0123456789abcdeg")
	f.Add("MM0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range sidPatterns[:3] {
			m, _ := compilePattern(p)
			if got, want := m.MatchString(in), regexp.MustCompile(p).MatchString(in); got != want {
				t.Fatalf("pattern %q on %q: %v, regexp says %v", p, in, got, want)
			}
		}
	})
}

// BenchmarkSIDPattern: the matcher against the regular expression it replaces, on a SID.
func BenchmarkSIDPattern(b *testing.B) {
	const pattern, sid = `^SM[0-9a-f]{32}$`, "SM0123456789abcdef0123456789abcdef"
	fast, _ := compilePattern(pattern)
	for _, m := range []struct {
		name    string
		matcher interface{ MatchString(string) bool }
	}{{"matcher", fast}, {"regexp", regexp.MustCompile(pattern)}} {
		b.Run(m.name, func(b *testing.B) {
			for b.Loop() {
				if !m.matcher.MatchString(sid) {
					b.Fatal("no match")
				}
			}
		})
	}
}
