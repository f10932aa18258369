package store

import (
	"context"
	"testing"
)

// The benchmarks of the store calls on every request's path, with a context that can be
// cancelled, as a request's is (database/sql and the driver watch such a context).

func BenchmarkAuthGeneration(b *testing.B) {
	db := openTest(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.AuthGeneration(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetMessage(b *testing.B) {
	db := openTest(b)
	mustCreateAccount(b, db, testAccount("AC1", ""))
	m := mustCreateMessage(b, db, testMessage("AC1", 1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.GetMessage(ctx, "AC1", m.Sid); err != nil {
			b.Fatal(err)
		}
	}
}
