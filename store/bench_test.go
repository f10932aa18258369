package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/sid"
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

// BenchmarkCreateWrites is what creating a message writes (the message and its first
// delivery step, as messaging.Service.Send asks), from 32 concurrent callers, with group
// commit: the ceiling the store sets on creates per second, with no HTTP in the way.
// Compare its ops/s with the baseline server's creates/s over HTTP (docs/performance.md).
// With random SIDs, as Switchboard made them before, against the time-ordered ones of
// internal/sid: the table grows by about 100,000 rows over a run, and where each insert
// lands in the SID indexes is what differs.
func BenchmarkCreateWrites(b *testing.B) {
	sids := []struct {
		name string
		new  func() string
	}{
		{"random-sids", func() string {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			return "SM" + hex.EncodeToString(b)
		}},
		{"time-ordered-sids", func() string { return sid.New("SM") }},
	}
	for _, sync := range []string{"normal", "full"} {
		for _, sids := range sids {
			b.Run(sync+"/"+sids.name, func(b *testing.B) {
				db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "store.db"), Options{Synchronous: sync})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				mustCreateAccount(b, db, testAccount("AC1", ""))
				b.SetParallelism(32 / runtime.GOMAXPROCS(0))
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					for pb.Next() {
						m := testMessage("AC1", 0)
						m.Sid = sids.new()
						now := time.Now()
						w := Writes{Messages: []Message{m}, Jobs: []Job{{Kind: "message-step", AccountSid: "AC1",
							ResourceSid: m.Sid, DueAt: now.Add(time.Hour), DateCreated: now}}}
						if err := db.Apply(ctx, w); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		}
	}
}
