package throttle

import (
	"fmt"
	"testing"
	"time"
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
