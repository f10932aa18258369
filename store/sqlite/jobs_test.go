package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestClaimJobsNeverTwiceAcrossProcesses: many workers claiming at once, over two
// connection pools to one file (two processes in all but name), never share a job (the
// conformance suite's Outbox/ClaimJobsNeverTwice has them share one store).
func TestClaimJobsNeverTwiceAcrossProcesses(t *testing.T) {
	path := t.TempDir() + "/jobs.db"
	var dbs []*DB
	for range 2 {
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	const n = 300
	var jobs []store.Job
	for i := range n {
		jobs = append(jobs, job("step", fmt.Sprintf("SM%d", i), "", t0))
	}
	if err := dbs[0].Apply(context.Background(), store.Writes{Jobs: jobs}); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]string{}
		wg      sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, owner := dbs[w%2], fmt.Sprintf("worker-%d", w)
			for {
				got, err := db.ClaimJobs(context.Background(), store.Claim{Owner: owner, Now: t0,
					Leases: map[string]time.Duration{"step": time.Minute}, Limit: 7})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if prev, ok := claimed[j.ID]; ok {
						t.Errorf("job %d claimed by %s and %s", j.ID, prev, owner)
					}
					claimed[j.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Fatalf("%d jobs claimed, want %d", len(claimed), n)
	}
}

// BenchmarkNextJobDue: the outbox's question with 100,000 jobs waiting (e.g. scheduled
// messages), ten of them held under a lease.
func BenchmarkNextJobDue(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	now := t0
	var jobs []store.Job
	for i := range 100_000 {
		jobs = append(jobs, job("step", fmt.Sprintf("SM%d", i), "", now.Add(time.Duration(i+1)*time.Second)))
	}
	if err := db.Apply(ctx, store.Writes{Jobs: jobs}); err != nil {
		b.Fatal(err)
	}
	for range 10 {
		if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("step", "SMdue", "", now)}}); err != nil {
			b.Fatal(err)
		}
	}
	if got := claimIDs(b, db, "a", now, 10); len(got) != 10 {
		b.Fatalf("claimed %d", len(got))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.NextJobDue(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
}
