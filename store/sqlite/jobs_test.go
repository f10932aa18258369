package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

func job(kind, resource, queue string, due time.Time) store.Job {
	return store.Job{Kind: kind, AccountSid: "AC1", ResourceSid: resource, Queue: queue, Payload: []byte(`{"n":1}`), DueAt: due, DateCreated: due}
}

func claimIDs(t testing.TB, db *DB, owner string, now time.Time, limit int) []store.Job {
	t.Helper()
	jobs, err := db.ClaimJobs(context.Background(), owner, now, map[string]time.Duration{"step": time.Minute, "hook": time.Minute}, limit)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func ids(jobs []store.Job) []int64 { return seqs(jobs, func(j store.Job) int64 { return j.ID }) }

func TestClaimJobsDueLeaseAndQueue(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := t0
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{
		job("step", "SM1", "", now.Add(-time.Second)),         // 1: due
		job("hook", "SM1", "hook:SM1", now.Add(-time.Second)), // 2: due, first of its queue
		job("hook", "SM1", "hook:SM1", now.Add(-time.Second)), // 3: due, waits behind 2
		job("step", "SM2", "", now.Add(time.Hour)),            // 4: not due
	}}); err != nil {
		t.Fatal(err)
	}
	first := claimIDs(t, db, "a", now, 10)
	if got := ids(first); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("claimed %v, want [1 2]", got)
	}
	for _, j := range first {
		if j.LeaseOwner != "a" || !j.LeaseUntil.Equal(now.Add(time.Minute)) || j.Attempts != 1 || string(j.Payload) != `{"n":1}` {
			t.Errorf("claimed job %+v", j)
		}
	}
	// Leased jobs are nobody else's; 3 still waits behind 2, which is leased.
	if got := claimIDs(t, db, "b", now, 10); len(got) != 0 {
		t.Fatalf("second claim got %v", ids(got))
	}
	// Finishing 2 lets 3 go.
	if err := db.FinishJob(ctx, first[1], store.Writes{}); err != nil {
		t.Fatal(err)
	}
	if got := ids(claimIDs(t, db, "b", now, 10)); !slices.Equal(got, []int64{3}) {
		t.Fatalf("after finishing 2, claimed %v, want [3]", got)
	}
	// A lease that ran out makes the job claimable again, with its attempt counted.
	again := claimIDs(t, db, "c", now.Add(2*time.Minute), 10)
	if got := ids(again); !slices.Equal(got, []int64{1, 3}) || again[0].Attempts != 2 {
		t.Fatalf("after the leases ran out, claimed %v (%+v)", got, again)
	}
	// The first owner lost job 1: its result is refused and nothing it wanted written is.
	err := db.FinishJob(ctx, first[0], store.Writes{Jobs: []store.Job{job("step", "SM9", "", now)}})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("finish with a lost lease: %v", err)
	}
	if err := db.RetryJob(ctx, first[0], now, store.Writes{}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("retry with a lost lease: %v", err)
	}
	if n, _ := db.CountJobs(ctx, ""); n != 3 {
		t.Fatalf("%d jobs, want 3 (1, 3, 4)", n)
	}
	// Retry releases the lease and moves the due time.
	if err := db.RetryJob(ctx, again[0], now.Add(10*time.Minute), store.Writes{}); err != nil {
		t.Fatal(err)
	}
	// Job 1 is due again at +10m, job 4 at +1h, and c holds job 3 until +3m.
	for _, c := range []struct {
		at, want time.Time
	}{
		{now.Add(2 * time.Minute), now.Add(3 * time.Minute)},        // job 3's lease ends first
		{now.Add(3 * time.Minute), now.Add(10 * time.Minute)},       // job 3 is claimable at +3m: not after it
		{now.Add(10 * time.Minute), now.Add(time.Hour)},             // job 1 is due at +10m: not after it
		{now.Add(time.Hour - time.Millisecond), now.Add(time.Hour)}, // job 4
		{now.Add(time.Hour), time.Time{}},                           // nothing becomes claimable later
	} {
		next, err := db.NextJobDue(ctx, c.at)
		if err != nil || !next.Equal(c.want) {
			t.Errorf("next due after %v: %v (%v), want %v", c.at.Sub(now), next.Sub(now), err, c.want.Sub(now))
		}
	}
}

// TestNextJobDueReadsIndexes: the outbox asks on every wake, so the question must not read
// every waiting job (it did: a scan of 100,000 jobs took 10 ms).
func TestNextJobDueReadsIndexes(t *testing.T) {
	db := openTest(t)
	rows, err := db.query(context.Background(), "EXPLAIN QUERY PLAN "+nextJobDueQuery, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "\n")
	if strings.Contains(joined, "SCAN jobs") || !strings.Contains(joined, "jobs_due") || !strings.Contains(joined, "jobs_lease") {
		t.Fatalf("query plan:\n%s", joined)
	}
}

// TestClaimJobsNeverTwice: many workers claiming at once, over two connections pools
// to one file (two processes in all but name), never share a job.
func TestClaimJobsNeverTwice(t *testing.T) {
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
				got, err := db.ClaimJobs(context.Background(), owner, t0, nil, 7)
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

func TestStatusChangeGuardAndJobs(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1)) // queued
	cb := job("hook", m.Sid, "hook:"+m.Sid, t0)

	// A change whose guard fails writes nothing, not even its jobs.
	if err := db.Apply(ctx, store.Writes{StatusChanges: []store.StatusChange{{AccountSid: "AC1", Sid: m.Sid, From: []string{"sending"},
		To: "sent", DateUpdated: t0, Jobs: []store.Job{cb}}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetMessage(ctx, "AC1", m.Sid); got.Status != "queued" {
		t.Fatalf("status %s after a failed guard", got.Status)
	}
	if n, _ := db.CountJobs(ctx, ""); n != 0 {
		t.Fatalf("%d jobs written by a change that did not happen", n)
	}

	// One that holds writes the change and its jobs, and can cancel the message's jobs.
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("step", m.Sid, "", t0)}}); err != nil {
		t.Fatal(err)
	}
	sent := t0.Add(time.Minute)
	got, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "undelivered",
		ErrorCode: 30003, ErrorMessage: "Unreachable", Price: "-0.00790", DateSent: sent, DateUpdated: sent,
		CancelJobsOfKind: "step", Jobs: []store.Job{cb}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "undelivered" || got.ErrorCode != 30003 || got.ErrorMessage != "Unreachable" || got.Price != "-0.00790" ||
		!got.DateSent.Equal(sent) || !got.DateUpdated.Equal(sent) {
		t.Fatalf("changed %+v", got)
	}
	if n, _ := db.CountJobs(ctx, "step"); n != 0 {
		t.Errorf("%d step jobs left after CancelJobsOfKind", n)
	}
	if n, _ := db.CountJobs(ctx, "hook"); n != 1 {
		t.Errorf("%d callback jobs, want 1", n)
	}
	// ChangeStatus tells a failed guard from a missing message.
	if _, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "sent"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("failed guard: %v", err)
	}
	if _, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC2", Sid: m.Sid, To: "sent"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's message: %v", err)
	}
}

// TestApplyStatusChangeJobs: through Apply (as a delivery step makes its change, without
// reading the message back), a change whose guard holds writes the change and its jobs and
// cancels the message's jobs of a kind; one naming another account's message writes
// nothing, jobs included.
func TestApplyStatusChangeJobs(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1)) // queued
	mustApply(t, db, store.Writes{Jobs: []store.Job{job("step", m.Sid, "", t0)}})
	sent := t0.Add(time.Minute)
	mustApply(t, db, store.Writes{StatusChanges: []store.StatusChange{
		{AccountSid: "AC2", Sid: m.Sid, To: "delivered", DateUpdated: sent,
			CancelJobsOfKind: "step", Jobs: []store.Job{job("other", m.Sid, "", t0)}},
		{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "sent", Sender: "+15557777777",
			ErrorCode: 30007, ErrorMessage: "Filtered", Price: "-0.00790", DateSent: sent, DateUpdated: sent,
			CancelJobsOfKind: "step", Jobs: []store.Job{job("hook", m.Sid, "hook:"+m.Sid, t0)}},
	}})
	got, err := db.GetMessage(ctx, "AC1", m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "sent" || got.From != "+15557777777" || got.ErrorCode != 30007 || got.ErrorMessage != "Filtered" ||
		got.Price != "-0.00790" || !got.DateSent.Equal(sent) || !got.DateUpdated.Equal(sent) {
		t.Errorf("changed %+v", got)
	}
	for kind, want := range map[string]int{"step": 0, "hook": 1, "other": 0} {
		if n, err := db.CountJobs(ctx, kind); err != nil || n != want {
			t.Errorf("%d %s jobs (%v), want %d", n, kind, err, want)
		}
	}
}

func TestDeleteMessageBusyAndMediaCascade(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 1)
	m.NumMedia = 2
	md := []store.Media{
		{Sid: "ME1", AccountSid: "AC1", MessageSid: m.Sid, URL: "http://x/1", DateCreated: t0, DateUpdated: t0},
		{Sid: "ME2", AccountSid: "AC1", MessageSid: m.Sid, URL: "http://x/2", DateCreated: t0, DateUpdated: t0},
	}
	if err := db.Apply(ctx, store.Writes{Messages: []store.Message{m}, Media: md,
		MediaContents: []store.MediaContent{{Sid: "ME1", ContentType: "image/png", Content: []byte("png"), DateUpdated: t0}}}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.MediaContent(ctx, "AC1", m.Sid, "ME1"); err != nil || string(got.Content) != "png" || got.ContentType != "image/png" {
		t.Fatalf("content %+v %v", got, err)
	}
	if _, err := db.MediaContent(ctx, "AC1", m.Sid, "ME2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unfetched content: %v", err)
	}
	if err := db.DeleteMedia(ctx, "AC1", m.Sid, "ME2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetMessage(ctx, "AC1", m.Sid); got.NumMedia != 1 {
		t.Errorf("num_media %d after deleting one of two", got.NumMedia)
	}
	if err := db.DeleteMedia(ctx, "AC1", m.Sid, "ME2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid, "queued", "sending"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("delete of a busy message: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid, "sending"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetMedia(ctx, "AC1", m.Sid, "ME1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("media outlived its message: %v", err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a deleted message: %v", err)
	}
}

func TestRenewLease(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("hook", "SM1", "", t0)}}); err != nil {
		t.Fatal(err)
	}
	first := claimIDs(t, db, "a", t0, 1)[0]
	if err := db.RenewLease(ctx, first, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Renewed past the first lease: nobody can claim it at t0+2m.
	if got := claimIDs(t, db, "b", t0.Add(2*time.Minute), 1); len(got) != 0 {
		t.Fatalf("claimed a renewed job: %+v", got)
	}
	// Taken over after the renewed lease: the first claim can neither renew nor finish.
	second := claimIDs(t, db, "a", t0.Add(11*time.Minute), 1)[0]
	if err := db.RenewLease(ctx, first, t0.Add(20*time.Minute)); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("renew of a lost claim by the same owner: %v", err)
	}
	if err := db.FinishJob(ctx, first, store.Writes{}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("finish of a lost claim by the same owner: %v", err)
	}
	if err := db.FinishJob(ctx, second, store.Writes{}); err != nil {
		t.Fatal(err)
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
