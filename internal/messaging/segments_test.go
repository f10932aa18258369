package messaging

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	tests := []struct {
		body string
		want Encoding
	}{
		{"", Encoding{Name: "GSM-7", Segments: 1}},
		{strings.Repeat("a", 160), Encoding{Name: "GSM-7", Segments: 1}},
		{strings.Repeat("a", 161), Encoding{Name: "GSM-7", Segments: 2}},
		{strings.Repeat("a", 306), Encoding{Name: "GSM-7", Segments: 2}},
		{strings.Repeat("a", 307), Encoding{Name: "GSM-7", Segments: 3}},
		{strings.Repeat("€", 80), Encoding{Name: "GSM-7", Segments: 1}}, // 2 septets each
		{strings.Repeat("€", 81), Encoding{Name: "GSM-7", Segments: 2}},
		{"hi жж ё", Encoding{Name: "UCS-2", Segments: 1, NonGSM: []rune{'ж', 'ё'}}},
		{strings.Repeat("ж", 70), Encoding{Name: "UCS-2", Segments: 1, NonGSM: []rune{'ж'}}},
		{strings.Repeat("ж", 71), Encoding{Name: "UCS-2", Segments: 2, NonGSM: []rune{'ж'}}},
		{strings.Repeat("😀", 35), Encoding{Name: "UCS-2", Segments: 1, NonGSM: []rune{'😀'}}}, // 2 units each
		{strings.Repeat("😀", 36), Encoding{Name: "UCS-2", Segments: 2, NonGSM: []rune{'😀'}}},
	}
	for _, tt := range tests {
		if got := Encode(tt.body); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Encode(%d runes, %q...) = %+v, want %+v", utf8.RuneCountInString(tt.body), []rune(tt.body + " ")[0], got, tt.want)
		}
	}
}

func FuzzNumSegments(f *testing.F) {
	for _, seed := range []string{"", "hello", strings.Repeat("a", 161), strings.Repeat("€", 81), "ж", "😀", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		n := NumSegments(body)
		units := len(utf16.Encode([]rune(body)))
		if n < 1 || (units > 0 && n > units) {
			t.Fatalf("%d segments for %q (%d UTF-16 units)", n, body, units)
		}
		// UCS-2 counts UTF-16 units (an emoji is two), so that is the bound for any alphabet.
		if units <= 70 && n != 1 {
			t.Fatalf("%q (%d UTF-16 units) fits one segment whatever its alphabet, got %d", body, units, n)
		}
		if utf8.ValidString(body) && units > 160 && n == 1 {
			t.Fatalf("%q (%d UTF-16 units) cannot fit one segment", body, units)
		}
	})
}

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
