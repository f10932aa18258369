package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/sid"
	"github.com/switchboard-dev/switchboard/store"
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
						w := store.Writes{Messages: []store.Message{m}, Jobs: []store.Job{{Kind: "message-step", AccountSid: "AC1",
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

// BenchmarkClaimJobs is a runner's round with one job due: the job written, claimed with
// a limit that changes from one claim to the next (a runner claims what it has room for),
// and finished. SQLite prepares again a statement whose bound LIMIT changes, which cost
// more than the rest of the round; ClaimJobs writes its limit into the statement instead.
func BenchmarkClaimJobs(b *testing.B) {
	db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "store.db"), Options{Synchronous: "normal"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	leases := map[string]time.Duration{"message.step": time.Second, "webhook": 2 * time.Second, "call.step": time.Second}
	now := t0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		now = now.Add(time.Millisecond)
		if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("message.step", "SM"+strconv.Itoa(i), "", now)}}); err != nil {
			b.Fatal(err)
		}
		jobs, err := db.ClaimJobs(ctx, "runner", now, leases, 1+i%8)
		if err != nil || len(jobs) != 1 {
			b.Fatalf("claimed %d jobs (%v), want 1", len(jobs), err)
		}
		if err := db.FinishJob(ctx, jobs[0], store.Writes{}); err != nil {
			b.Fatal(err)
		}
	}
}
