package phone

import (
	"regexp"
	"testing"
)

// The hand-written checks against the regular expressions they replace, on a table and
// under the fuzzer.
var (
	e164Pattern  = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortPattern = regexp.MustCompile(`^[0-9]{5,6}$`)
	alphaPattern = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letter       = regexp.MustCompile(`[A-Za-z]`)
)

func checkSenderShapes(t *testing.T, s string) {
	if got, want := isE164(s), e164Pattern.MatchString(s); got != want {
		t.Errorf("isE164(%q) = %v, want %v", s, got, want)
	}
	if got, want := IsShortCode(s), shortPattern.MatchString(s); got != want {
		t.Errorf("IsShortCode(%q) = %v, want %v", s, got, want)
	}
	if got, want := IsAlphaSender(s), alphaPattern.MatchString(s) && letter.MatchString(s); got != want {
		t.Errorf("IsAlphaSender(%q) = %v, want %v", s, got, want)
	}
}

func TestSenderShapes(t *testing.T) {
	for _, s := range []string{"", "+", "+1", "+12", "+0123", "+123456789012345", "+1234567890123456", "+1a3",
		"12345", "123456", "1234", "1234567", "1234a", "A", "Switchboard", "Switchboard1", "12 34", "ab-c", "é", "           ",
		// Each end of each character class, and the characters just outside it.
		"+10", "+19", "+1/", "+1:", "1234/", "1234:", "a0", "a9", "a/", "a:", "a", "z", "Z", "`", "{", "@", "[", "a ", "a_"} {
		checkSenderShapes(t, s)
	}
}

func FuzzSenderShapes(f *testing.F) {
	for _, s := range []string{"+14155550100", "12345", "Acme Inc", "+0", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(checkSenderShapes)
}
