package sid

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"
)

var format = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func TestFormat(t *testing.T) {
	for range 100 {
		if s := New("SM"); !format.MatchString(s) {
			t.Fatalf("New(SM) = %q, want SM and 32 lowercase hex digits", s)
		}
	}
}

func TestStartsWithTheTime(t *testing.T) {
	for _, when := range []time.Time{
		time.Unix(0, 0),
		time.Date(2026, 11, 26, 6, 30, 0, 123_456_789, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
	} {
		s := at(when, "CA")
		if want := fmt.Sprintf("CA%012x", when.UnixMilli()); s[:14] != want {
			t.Errorf("at(%v) = %q, want it to start %q", when, s, want)
		}
	}
	before := time.Now().UnixMilli()
	s := New("SM")
	after := time.Now().UnixMilli()
	var ms int64
	if _, err := fmt.Sscanf(s[2:14], "%012x", &ms); err != nil || ms < before || ms > after {
		t.Errorf("New made %q at %d ms, want between %d and %d", s, ms, before, after)
	}
}

// What the store gains from depends on this: a SID made later sorts after, so inserts
// append to an index instead of landing all over it.
func TestLaterSortsAfter(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 6, 30, 0, 0, time.UTC)
	var sids []string
	for i := range 1000 {
		sids = append(sids, at(t0.Add(time.Duration(i)*time.Millisecond), "SM"))
	}
	if !slices.IsSorted(sids) {
		t.Error("SIDs made one millisecond apart are not in the order they were made")
	}
}

// The 20 digits after the time are random: SIDs made in the same millisecond differ, and
// every one of those digits varies.
func TestRandomTail(t *testing.T) {
	now := time.Now()
	seen := map[string]bool{}
	varies := make([]map[byte]bool, 32)
	for i := range varies {
		varies[i] = map[byte]bool{}
	}
	for range 1000 {
		s := at(now, "SM")
		if seen[s] {
			t.Fatalf("%q made twice", s)
		}
		seen[s] = true
		for i := range 32 {
			varies[i][s[2+i]] = true
		}
	}
	for i := 12; i < 32; i++ {
		if len(varies[i]) < 8 {
			t.Errorf("digit %d took %d values over 1000 SIDs, want it random", i, len(varies[i]))
		}
	}
}
