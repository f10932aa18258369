package store

import (
	"slices"
	"testing"
	"time"
)

func TestChoose(t *testing.T) {
	cands := func(spec ...string) []Candidate { // "account/target" each, IDs from 1
		var out []Candidate
		for i, s := range spec {
			a, tg, _ := cut(s)
			out = append(out, Candidate{ID: int64(i + 1), AccountSid: a, Target: tg})
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		claim Claim
		cands []Candidate
		want  []int64
	}{
		{"round robin by account", Claim{Limit: 4, PerAccount: 10}, cands("A/", "A/", "A/", "B/", "B/", "C/"), []int64{1, 4, 6, 2}},
		{"limit", Claim{Limit: 2, PerAccount: 10}, cands("A/", "B/", "C/"), []int64{1, 2}},
		{"account cap", Claim{Limit: 10, PerAccount: 2}, cands("A/", "A/", "A/", "B/"), []int64{1, 4, 2}},
		{"account room", Claim{Limit: 10, PerAccount: 2, AccountRoom: map[string]int{"A": 1, "B": 0}}, cands("A/", "A/", "B/", "C/", "C/"), []int64{1, 4, 5}},
		{"target cap", Claim{Limit: 10, PerTarget: 1}, cands("A/h", "A/h", "B/h", "B/g", "C/"), []int64{1, 4, 5}},
		{"target room", Claim{Limit: 10, PerTarget: 3, TargetRoom: map[string]int{"h": 1}}, cands("A/h", "B/h", "B/g", "B/g"), []int64{1, 3, 4}},
		{"no target is not capped", Claim{Limit: 10, PerTarget: 1}, cands("A/", "A/", "A/"), []int64{1, 2, 3}},
		{"a blocked candidate lets the account's next go", Claim{Limit: 10, PerAccount: 5, PerTarget: 1}, cands("A/h", "A/h", "A/g"), []int64{1, 3}},
		{"nothing", Claim{Limit: 5, PerAccount: 1}, nil, nil},
	} {
		if got := tt.claim.Choose(tt.cands); !slices.Equal(got, tt.want) {
			t.Errorf("%s: chose %v, want %v", tt.name, got, tt.want)
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func TestClaimFullAndCapped(t *testing.T) {
	c := Claim{PerAccount: 2, AccountRoom: map[string]int{"A": 0, "B": 1}, PerTarget: 3, TargetRoom: map[string]int{"h": 0}}
	accounts, targets := c.Full()
	if !slices.Equal(accounts, []string{"A"}) || !slices.Equal(targets, []string{"h"}) || !c.Capped() {
		t.Fatalf("full %v %v, capped %v", accounts, targets, c.Capped())
	}
	if (Claim{}).Capped() {
		t.Fatal("a claim without caps is capped")
	}
	// Room given without a cap caps nothing.
	if a, tg := (Claim{AccountRoom: map[string]int{"A": 0}}).Full(); a != nil || tg != nil {
		t.Fatalf("full without caps: %v %v", a, tg)
	}
}

func TestOldestCandidates(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	candidates := []Candidate{
		{ID: 4, ReadyAt: t0.Add(time.Second)},
		{ID: 3, ReadyAt: t0},
		{ID: 1, ReadyAt: t0.Add(time.Second)},
		{ID: 2, ReadyAt: t0},
	}
	var got []int64
	for _, c := range OldestCandidates(candidates, 3) {
		got = append(got, c.ID)
	}
	if want := []int64{2, 3, 1}; !slices.Equal(got, want) {
		t.Errorf("OldestCandidates = %v, want %v (by ready time, then id, the first 3)", got, want)
	}
	if got := OldestCandidates(candidates[:2], 3); len(got) != 2 {
		t.Errorf("OldestCandidates of 2, up to 3: %d", len(got))
	}
}
