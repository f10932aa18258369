package messaging

import (
	"fmt"
	"testing"
)

// TestValidNumberRemembered: the remembered answer is the parsed one, for numbers that
// are possible and numbers that are not, and the cache stays bounded.
func TestValidNumberRemembered(t *testing.T) {
	tests := []struct {
		number string
		want   bool
	}{
		{"+14155550100", true},
		{"+447400123456", true},
		{"+1415555010", false},   // too short for +1
		{"+141555501000", false}, // too long for +1
		{"+99912345678", false},  // no such country code
		{"14155550100", false},   // not E.164
		{"+1415555010a", false},  // not digits
		{"+4915112345678", true}, // Germany, a mobile number
		{"+44740", false},        // too short for the UK
	}
	for round := range 2 { // the second round answers from the cache
		for _, tt := range tests {
			if got := ValidNumber(tt.number); got != tt.want {
				t.Errorf("round %d: ValidNumber(%q) = %v, want %v", round, tt.number, got, tt.want)
			}
		}
	}
	for i := range maxPossibleNumbers + 10 {
		ValidNumber(fmt.Sprintf("+1415%07d", i))
	}
	possibleNumbers.mu.RLock()
	n := len(possibleNumbers.m)
	possibleNumbers.mu.RUnlock()
	if n > maxPossibleNumbers {
		t.Errorf("%d numbers remembered, more than %d", n, maxPossibleNumbers)
	}
}
