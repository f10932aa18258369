package throttle

import (
	"fmt"
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestSourceAndAccountBudgets(t *testing.T) {
	f := New(Budget{PerSecond: 0.001, Burst: 3}, Budget{PerSecond: 0.001, Burst: 5})
	for i := range 3 {
		if ok, _ := f.Allow("a", "AC1"); !ok {
			t.Fatalf("attempt %d refused within the source's budget", i)
		}
		f.Fail("a", "AC1")
	}
	ok, wait := f.Allow("a", "AC1")
	if ok || wait < time.Second {
		t.Fatalf("source over budget: allowed %v, wait %s", ok, wait)
	}
	if ok, _ := f.Allow("a", "AC2"); ok {
		t.Fatal("a throttled source was allowed at another account")
	}
	// Two more failures from b use up the account's budget (3 + 2 = 5).
	f.Fail("b", "AC1")
	f.Fail("b", "AC1")
	if ok, _ := f.Allow("b", "AC1"); ok {
		t.Fatal("a source that failed was allowed at an account over budget")
	}
	if ok, _ := f.Allow("b", "AC2"); !ok {
		t.Fatal("a source under its own budget was refused at another account")
	}
	// A clean source is still checked at the account under attack: the owner gets in.
	if ok, _ := f.Allow("clean", "AC1"); !ok {
		t.Fatal("a clean source was refused at an account under attack")
	}
	// Unknown accounts ("") do not enter the account table.
	f.Fail("c", "")
	if len(f.accounts) != 1 {
		t.Fatalf("account table holds %d entries", len(f.accounts))
	}
}

func TestTablesStayBounded(t *testing.T) {
	f := New(Budget{PerSecond: 1e9, Burst: 1}, DefaultPerAccount) // refills at once
	for i := range maxEntries + 10 {
		f.Fail(fmt.Sprint(i), "")
	}
	if n := len(f.sources); n > maxEntries {
		t.Fatalf("%d sources kept, bound %d", n, maxEntries)
	}
	slow := New(Budget{PerSecond: 0.001, Burst: 1}, DefaultPerAccount) // never refills here
	for i := range maxEntries + 10 {
		slow.Fail(fmt.Sprint(i), "")
	}
	if n := len(slow.sources); n > maxEntries {
		t.Fatalf("%d sources kept, bound %d", n, maxEntries)
	}
}

// The budgets below never refill (PerSecond 0) or refill at once (1e9), so that token
// counts sit exactly on the boundaries the rules compare against.

func TestBoundaries(t *testing.T) {
	f := New(Budget{PerSecond: 0, Burst: 3}, Budget{PerSecond: 0, Burst: 100})
	f.Fail("a", "AC1")
	f.Fail("a", "AC1")
	if ok, _ := f.Allow("a", "AC1"); !ok { // exactly one failure left
		t.Fatal("the last failure of the budget was refused")
	}
	f.Fail("a", "AC1")
	if ok, _ := f.Allow("a", "AC1"); ok {
		t.Fatal("a source past its budget was allowed")
	}

	acct := New(Budget{PerSecond: 0, Burst: 10}, Budget{PerSecond: 0, Burst: 2})
	acct.Fail("x", "AC1")
	if ok, _ := acct.Allow("x", "AC1"); !ok { // the account has exactly one failure left
		t.Fatal("an account with one failure left refused a source that failed")
	}
	acct.Fail("x", "AC1")
	if ok, _ := acct.Allow("x", "AC1"); ok {
		t.Fatal("an account past its budget allowed a source that failed")
	}

	// A source whose budget has refilled whole has a clean record again.
	refilled := New(Budget{PerSecond: 1e9, Burst: 5}, Budget{PerSecond: 0, Burst: 1})
	refilled.Fail("a", "AC1")
	if ok, _ := refilled.Allow("a", "AC1"); !ok {
		t.Fatal("a source with its whole budget back was refused at an account under attack")
	}
}

func TestWait(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		perSecond float64
		used      int
		want      time.Duration
	}{
		{0.5, 1, 2 * time.Second},     // a whole token at half a token a second
		{2, 1, time.Second},           // half a second, rounded up
		{0.0001, 1, time.Hour},        // capped
		{0, 1, time.Second},           // never refills: still a number to send
		{math.Inf(1), 0, time.Second}, // unlimited
	} {
		lim := rate.NewLimiter(rate.Limit(tt.perSecond), 1)
		lim.AllowN(now, tt.used)
		if got := wait(lim, now); got != tt.want {
			t.Errorf("wait at %v/s: %s, want %s", tt.perSecond, got, tt.want)
		}
	}
	// Allow reports it.
	f := New(Budget{PerSecond: 0.5, Burst: 1}, DefaultPerAccount)
	f.Fail("a", "")
	if ok, d := f.Allow("a", ""); ok || d != 2*time.Second {
		t.Fatalf("Allow after the budget: %v %s", ok, d)
	}
}

// TestTableBoundIsExact: the table never holds more than maxEntries, and a sweep drops the
// sources whose budget refilled while it keeps the ones still throttled.
func TestTableBoundIsExact(t *testing.T) {
	never := New(Budget{PerSecond: 0, Burst: 1}, DefaultPerAccount)
	for i := range maxEntries + 1 {
		never.Fail(fmt.Sprint(i), "")
		if n := len(never.sources); n > maxEntries {
			t.Fatalf("%d sources after %d failures, bound %d", n, i+1, maxEntries)
		}
	}

	f := New(Budget{PerSecond: 1, Burst: 1}, DefaultPerAccount)
	for i := range maxEntries / 2 {
		f.Fail(fmt.Sprint("old", i), "")
	}
	time.Sleep(1100 * time.Millisecond) // the old ones refill; the new ones have a second
	for i := range maxEntries/2 + 1 {
		f.Fail(fmt.Sprint("new", i), "")
	}
	if n := len(f.sources); n > maxEntries/2+1 {
		t.Fatalf("%d sources kept; the refilled ones should be gone", n)
	}
	if ok, _ := f.Allow("new0", ""); ok {
		t.Fatal("a source still throttled was forgotten by the sweep")
	}
}
