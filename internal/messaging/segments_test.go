package messaging

import (
	"reflect"
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
