package phone

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

// TestNumberCacheFillsThenStartsAgain: the cache keeps every answer up to its bound (it
// is no use if it forgets them sooner) and starts again empty past it.
func TestNumberCacheFillsThenStartsAgain(t *testing.T) {
	c := &numberCache{m: map[string]bool{}}
	for i := range maxPossibleNumbers {
		c.put(fmt.Sprintf("+1415%07d", i), true)
		if len(c.m) != i+1 {
			t.Fatalf("after %d answers the cache holds %d", i+1, len(c.m))
		}
	}
	if valid, ok := c.get("+14150000000"); !ok || !valid {
		t.Errorf("the first answer is forgotten at the bound: %v %v", valid, ok)
	}
	c.put("+14159999999", false)
	if len(c.m) != 1 {
		t.Errorf("past the bound the cache holds %d, want 1 (started again)", len(c.m))
	}
	if valid, ok := c.get("+14159999999"); !ok || valid {
		t.Errorf("the answer that started it again: %v %v", valid, ok)
	}
}
