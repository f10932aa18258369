package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Outbox runs the tests of the Outbox family: writes with the work they cause, the job
// queue, webhook deliveries and the change log.
func Outbox(t *testing.T, open Opener) {
	runAll(t, open, []test{
		{"ApplySignalsTheRunnerOnlyForJobs", testApplySignalsTheRunnerOnlyForJobs},
		{"ApplyWritesJobsAndDeliveries", testApplyWritesJobsAndDeliveries},
		{"ClaimJobsDueLeaseAndQueue", testClaimJobsDueLeaseAndQueue},
		{"RenewLease", testRenewLease},
		{"JobsWrittenHeld", testJobsWrittenHeld},
		{"DeliveriesGoWithTheirResource", testDeliveriesGoWithTheirResource},
		{"DeliveriesKeptPerResource", testDeliveriesKeptPerResource},
		{"ClaimJobsNeverTwice", testClaimJobsNeverTwice},
		{"ClaimJobsOfItsKinds", testClaimJobsOfItsKinds},
		{"ClaimJobsSharedAndCapped", testClaimJobsSharedAndCapped},
		{"ClockOnlyMovesForward", testClockOnlyMovesForward},
		{"JobsChangedSignals", testJobsChangedSignals},
		{"ApplyAllOrNothing", testApplyAllOrNothing},
		{"GetDelivery", testGetDelivery},
		{"ChangeLog", testChangeLog},
		{"TrimChanges", testTrimChanges},
		{"WritesSignalChanged", testWritesSignalChanged},
	})
}

// testApplySignalsTheRunnerOnlyForJobs: Apply wakes the job runner when the writes may
// add or reschedule jobs (jobs, message and call status changes), and not otherwise.
func testApplySignalsTheRunnerOnlyForJobs(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 1)
	c := testCall("AC1", 1)
	mustApply(t, db, store.Writes{Messages: []store.Message{m}, Calls: []store.Call{c}})
	signalled := func() bool {
		select {
		case <-db.JobsChanged():
			return true
		default:
			return false
		}
	}
	signalled() // whatever came before
	for _, tt := range []struct {
		name string
		w    store.Writes
		want bool
	}{
		{"a message", store.Writes{Messages: []store.Message{testMessage("AC1", 2)}}, false},
		{"a job", store.Writes{Jobs: []store.Job{job("k", "SM1", "", t0)}}, true},
		{"a status change", store.Writes{StatusChanges: []store.StatusChange{{AccountSid: "AC1", Sid: m.Sid, To: "sent", DateUpdated: t0}}}, true},
		{"a call change", store.Writes{CallChanges: []store.CallChange{{Call: c, Version: 1}}}, true},
	} {
		if err := db.Apply(ctx, tt.w); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := signalled(); got != tt.want {
			t.Errorf("%s: runner signalled %v, want %v", tt.name, got, tt.want)
		}
	}
}

// testApplyWritesJobsAndDeliveries: jobs and webhook deliveries of one Apply are all
// written.
func testApplyWritesJobsAndDeliveries(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	d := store.WebhookDelivery{Sid: "WD1", AccountSid: "AC1", ResourceSid: "SM1", Event: "message-status", URL: "https://x", Method: "POST",
		Params: map[string]string{"a": "b"}, Attempt: 1, DateCreated: t0}
	answered := store.WebhookDelivery{Sid: "WD2", AccountSid: "AC1", ResourceSid: "SM2", Event: "incoming-message", URL: "https://y", Method: "GET",
		Params: map[string]string{}, ResponseStatus: 500, ResponseType: "text/plain", ResponseBody: "oops", Latency: 1500 * time.Millisecond,
		Attempt: 2, ErrorCode: 11200, ErrorMessage: "HTTP 500", DateCreated: t0, ReplayOf: "WD1"}
	mustApply(t, db, store.Writes{Jobs: []store.Job{job("k", "SM1", "", t0)}, Deliveries: []store.WebhookDelivery{d, answered}})
	if n, _ := db.CountJobs(ctx, "k"); n != 1 {
		t.Errorf("%d jobs", n)
	}
	for _, want := range []store.WebhookDelivery{d, answered} {
		got, err := db.GetDelivery(ctx, "AC1", want.Sid)
		got.Seq = 0
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("delivery %s:\n got %+v (%v)\nwant %+v", want.Sid, got, err, want)
		}
	}
	if list, _, err := db.ListDeliveries(ctx, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM2"}, store.Page{}); err != nil || len(list) != 1 || list[0].Sid != "WD2" {
		t.Errorf("deliveries of SM2: %+v, %v", list, err)
	}
}

func testClaimJobsDueLeaseAndQueue(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	now := t0
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{
		numbered(1, job("step", "SM1", "", now.Add(-time.Second))),         // 1: due
		numbered(2, job("hook", "SM1", "hook:SM1", now.Add(-time.Second))), // 2: due, first of its queue
		numbered(3, job("hook", "SM1", "hook:SM1", now.Add(-time.Second))), // 3: due, waits behind 2
		numbered(4, job("step", "SM2", "", now.Add(time.Hour))),            // 4: not due
	}}); err != nil {
		t.Fatal(err)
	}
	first := claim(t, db, "a", now, 10)
	if got := numbers(t, first); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("claimed %v, want [1 2]", got)
	}
	for i, j := range first {
		if j.LeaseOwner != "a" || !j.LeaseUntil.Equal(now.Add(time.Minute)) || j.Attempts != 1 || string(j.Payload) != fmt.Sprintf(`{"n":%d}`, i+1) {
			t.Errorf("claimed job %+v", j)
		}
	}
	// Leased jobs are nobody else's; 3 still waits behind 2, which is leased.
	if got := claim(t, db, "b", now, 10); len(got) != 0 {
		t.Fatalf("second claim got %v", numbers(t, got))
	}
	// Finishing 2 lets 3 go.
	if err := db.FinishJob(ctx, first[1], store.Writes{}); err != nil {
		t.Fatal(err)
	}
	if got := numbers(t, claim(t, db, "b", now, 10)); !slices.Equal(got, []int{3}) {
		t.Fatalf("after finishing 2, claimed %v, want [3]", got)
	}
	// A lease that ran out makes the job claimable again, with its attempt counted.
	again := claim(t, db, "c", now.Add(2*time.Minute), 10)
	if got := numbers(t, again); !slices.Equal(got, []int{1, 3}) || again[0].Attempts != 2 {
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

// testJobsWrittenHeld: a job written with a LeaseOwner is held by it as if claimed, so
// that no claim takes it before its lease ends, unless an earlier job of its queue
// exists; the backend says which, and gives the held ones' IDs.
func testJobsWrittenHeld(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	now := t0
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 1) // queued
	mustApply(t, db, store.Writes{Messages: []store.Message{m}, Jobs: []store.Job{
		numbered(1, job("step", "SM1", "", now)),
		numbered(2, job("hook", "SM1", "hook:SM1", now)),
	}})
	first := claim(t, db, "a", now, 1)
	if got := numbers(t, first); !slices.Equal(got, []int{1}) {
		t.Fatalf("claimed %v, want [1]", got)
	}
	held := func(n int, j store.Job) store.Job {
		j = numbered(n, j)
		j.LeaseOwner, j.LeaseUntil = "a", now.Add(time.Minute)
		return j
	}
	jobs := []store.Job{
		held(3, job("step", "SM1", "", now)),                    // held
		held(4, job("hook", "SM1", "hook:SM1", now)),            // behind 2: written unheld
		held(5, job("hook", "SM1", "hook:other", now)),          // first of its queue: held
		numbered(6, job("step", "SM1", "", now.Add(time.Hour))), // not asked to be held
	}
	// A status change that does not take place (the message is not sending) writes
	// none of its jobs, held or not.
	skipped := []store.Job{held(7, job("step", "SM1", "", now))}
	if err := db.FinishJob(ctx, first[0], store.Writes{Jobs: jobs, StatusChanges: []store.StatusChange{{AccountSid: "AC1",
		Sid: m.Sid, From: []string{"sending"}, To: "sent", DateUpdated: now, Jobs: skipped}}}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"a", "", "a"} {
		j := jobs[i]
		if j.ID == 0 || j.LeaseOwner != want || (want != "") != (j.Attempts == 1 && j.LeaseUntil.Equal(now.Add(time.Minute))) {
			t.Errorf("job %d written as %+v, want held by %q", i+3, j, want)
		}
	}
	if skipped[0].ID != 0 || skipped[0].LeaseOwner != "a" {
		t.Errorf("the skipped change's job came back as %+v, want unwritten (no ID)", skipped[0])
	}
	// Another owner's claim takes what is not held, in order: 2, then 4 behind it.
	if got := numbers(t, claim(t, db, "b", now, 10)); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim beside the held jobs got %v, want [2]", got)
	}
	// The holder finishes one held job as if it had claimed it, and gives the other back.
	if err := db.FinishJob(ctx, jobs[0], store.Writes{}); err != nil {
		t.Fatalf("finish a held job: %v", err)
	}
	if err := db.RetryJob(ctx, jobs[2], now, store.Writes{}); err != nil {
		t.Fatalf("retry a held job: %v", err)
	}
	if got := numbers(t, claim(t, db, "b", now, 10)); !slices.Equal(got, []int{5}) {
		t.Fatalf("claim after the retry got %v, want [5]", got)
	}
	if n, _ := db.CountJobs(ctx, ""); n != 4 {
		t.Fatalf("%d jobs, want 4 (2, 4, 5, 6)", n)
	}
}

func testRenewLease(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("hook", "SM1", "", t0)}}); err != nil {
		t.Fatal(err)
	}
	first := claim(t, db, "a", t0, 1)[0]
	if err := db.RenewLease(ctx, first, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Renewed past the first lease: nobody can claim it at t0+2m.
	if got := claim(t, db, "b", t0.Add(2*time.Minute), 1); len(got) != 0 {
		t.Fatalf("claimed a renewed job: %+v", got)
	}
	// Taken over after the renewed lease: the first claim can neither renew nor finish.
	second := claim(t, db, "a", t0.Add(11*time.Minute), 1)[0]
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

// testDeliveriesGoWithTheirResource: deleting a message or a call deletes its webhook
// deliveries, and nobody else's.
func testDeliveriesGoWithTheirResource(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m, other := testMessage("AC1", 1), testMessage("AC1", 2)
	m.Status, other.Status = "delivered", "delivered"
	c := testCall("AC1", 1)
	c.Status = "completed"
	mustApply(t, db, store.Writes{Messages: []store.Message{m, other}, Calls: []store.Call{c}, Deliveries: []store.WebhookDelivery{
		testDelivery("AC1", m.Sid, 1), testDelivery("AC1", m.Sid, 2), testDelivery("AC1", other.Sid, 1), testDelivery("AC1", c.Sid, 1),
	}})

	if err := db.DeleteMessage(ctx, "AC1", m.Sid); err != nil {
		t.Fatal(err)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: m.Sid}); len(got) != 0 {
		t.Errorf("deliveries of the deleted message: %v", got)
	}
	if err := db.DeleteCall(ctx, "AC1", c.Sid); err != nil {
		t.Fatal(err)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: c.Sid}); len(got) != 0 {
		t.Errorf("deliveries of the deleted call: %v", got)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1"}); len(got) != 1 || got[0] != testDelivery("AC1", other.Sid, 1).Sid {
		t.Errorf("deliveries left: %v, want the other message's only", got)
	}
}

// testDeliveriesKeptPerResource: a resource keeps its newest MaxDeliveriesPerResource
// deliveries; another resource's, and another account's with the same resource SID, are
// not touched.
func testDeliveriesKeptPerResource(t *testing.T, open Opener) {
	db := open(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	var w store.Writes
	for i := range store.MaxDeliveriesPerResource {
		w.Deliveries = append(w.Deliveries, testDelivery("AC1", "SM1", i))
	}
	w.Deliveries = append(w.Deliveries, testDelivery("AC1", "SM2", 0), testDelivery("AC2", "SM1", 0))
	mustApply(t, db, w)
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM1"}); len(got) != store.MaxDeliveriesPerResource {
		t.Fatalf("%d deliveries kept at the limit, want all %d", len(got), store.MaxDeliveriesPerResource)
	}

	mustApply(t, db, store.Writes{Deliveries: []store.WebhookDelivery{testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource), testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource+1)}})
	got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1", ResourceSid: "SM1"})
	if len(got) != store.MaxDeliveriesPerResource {
		t.Fatalf("%d deliveries kept, want %d", len(got), store.MaxDeliveriesPerResource)
	}
	// Newest first: the two new ones lead, and the two oldest are gone.
	if got[0] != testDelivery("AC1", "SM1", store.MaxDeliveriesPerResource+1).Sid || got[len(got)-1] != testDelivery("AC1", "SM1", 2).Sid {
		t.Errorf("kept %s … %s, want the newest %d", got[0], got[len(got)-1], store.MaxDeliveriesPerResource)
	}
	for _, f := range []store.DeliveryFilter{{AccountSid: "AC1", ResourceSid: "SM2"}, {AccountSid: "AC2", ResourceSid: "SM1"}} {
		if got := deliverySids(t, db, f); len(got) != 1 {
			t.Errorf("%+v: %d deliveries, want 1", f, len(got))
		}
	}
}

// deliverySids lists the SIDs of the deliveries f selects, on one page that would hold
// twice as many as a resource keeps.
func deliverySids(t *testing.T, db store.Store, f store.DeliveryFilter) []string {
	t.Helper()
	list, more, err := db.ListDeliveries(context.Background(), f, store.Page{Size: 2 * store.MaxDeliveriesPerResource})
	if more {
		t.Fatalf("more than %d deliveries of %+v", 2*store.MaxDeliveriesPerResource, f)
	}
	if err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, d := range list {
		sids = append(sids, d.Sid)
	}
	return sids
}

func claim(t testing.TB, db store.Store, owner string, now time.Time, limit int) []store.Job {
	t.Helper()
	jobs, err := db.ClaimJobs(context.Background(), store.Claim{Owner: owner, Now: now,
		Leases: map[string]time.Duration{"step": time.Minute, "hook": time.Minute}, Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

// numbered is j with the payload {"n":n}, by which numbers tells it among others: job
// IDs are the backend's to choose.
func numbered(n int, j store.Job) store.Job {
	j.Payload = []byte(fmt.Sprintf(`{"n":%d}`, n))
	return j
}

// numbers are the numbers of jobs written by numbered, in the order given.
func numbers(t testing.TB, jobs []store.Job) []int {
	t.Helper()
	out := make([]int, len(jobs))
	for i, j := range jobs {
		if _, err := fmt.Sscanf(string(j.Payload), `{"n":%d}`, &out[i]); err != nil {
			t.Fatalf("job %+v: payload %q: %v", j, j.Payload, err)
		}
	}
	return out
}

// testClaimJobsNeverTwice: many workers claiming at once never share a job, and between
// them claim every one.
func testClaimJobsNeverTwice(t *testing.T, open Opener) {
	db := open(t)
	const n = 300
	var jobs []store.Job
	for i := range n {
		jobs = append(jobs, numbered(i, job("step", fmt.Sprintf("SM%d", i), "", t0)))
	}
	mustApply(t, db, store.Writes{Jobs: jobs})
	var (
		mu      sync.Mutex
		claimed = map[int64]string{}
		wg      sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			owner := fmt.Sprintf("worker-%d", w)
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
		})
	}
	wg.Wait()
	if len(claimed) != n {
		t.Fatalf("%d jobs claimed, want %d", len(claimed), n)
	}
}

// testJobsChangedSignals: a status change and a retry wake the runner, as a write of jobs
// does (testApplySignalsTheRunnerOnlyForJobs); a job finished with nothing to write
// does not.
func testJobsChangedSignals(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1))
	mustApply(t, db, store.Writes{Jobs: []store.Job{job("step", m.Sid, "", t0), job("step", m.Sid, "", t0)}})
	signalled := func() bool {
		select {
		case <-db.JobsChanged():
			return true
		default:
			return false
		}
	}
	jobs := claim(t, db, "a", t0, 2)
	if len(jobs) != 2 {
		t.Fatalf("claimed %d jobs, want 2", len(jobs))
	}
	signalled() // whatever came before
	for _, tt := range []struct {
		name   string
		change func() error
		want   bool
	}{
		{"a status change", func() error {
			_, err := db.ChangeStatus(ctx, store.StatusChange{AccountSid: "AC1", Sid: m.Sid, To: "sent", DateUpdated: t0})
			return err
		}, true},
		{"a retry", func() error { return db.RetryJob(ctx, jobs[0], t0.Add(time.Minute), store.Writes{}) }, true},
		{"a job finished", func() error { return db.FinishJob(ctx, jobs[1], store.Writes{}) }, false},
	} {
		if err := tt.change(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := signalled(); got != tt.want {
			t.Errorf("%s: runner signalled %v, want %v", tt.name, got, tt.want)
		}
	}
}

// testApplyAllOrNothing: when one change of a Writes fails, none of the others is made,
// those before it included.
func testApplyAllOrNothing(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	taken := mustCreateMessage(t, db, testMessage("AC1", 0))
	dup := testMessage("AC1", 99)
	dup.Sid = taken.Sid
	first := testMessage("AC1", 98)
	err := db.Apply(ctx, store.Writes{Messages: []store.Message{first, dup}, Jobs: []store.Job{job("step", first.Sid, "", t0)},
		Deliveries: []store.WebhookDelivery{testDelivery("AC1", first.Sid, 1)}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a duplicate: %v, want ErrConflict", err)
	}
	if _, err := db.GetMessage(ctx, "AC1", first.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed write left its first message behind: %v", err)
	}
	if n := countJobs(t, db, ""); n != 0 {
		t.Errorf("the failed write left %d jobs behind", n)
	}
	if got := deliverySids(t, db, store.DeliveryFilter{AccountSid: "AC1"}); len(got) != 0 {
		t.Errorf("the failed write left deliveries behind: %v", got)
	}
	if err := db.Apply(ctx, store.Writes{}); err != nil {
		t.Errorf("nothing to write: %v", err)
	}
}

// testGetDelivery: a delivery is its account's only.
func testGetDelivery(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	d := testDelivery("AC1", "SM1", 1)
	mustApply(t, db, store.Writes{Deliveries: []store.WebhookDelivery{d}})
	if got, err := db.GetDelivery(ctx, "AC1", d.Sid); err != nil || got.Seq == 0 || got.Sid != d.Sid {
		t.Errorf("get: %+v (%v)", got, err)
	}
	if _, err := db.GetDelivery(ctx, "AC2", d.Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another account's delivery: %v", err)
	}
	if _, err := db.GetDelivery(ctx, "AC1", "WHnope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown delivery: %v", err)
	}
}

// testChangeLog: every change of a message (its media's content included), a webhook
// delivery or a phone number is logged once, in commit order, with its account; changes
// that did not happen, and writes of anything else, are not.
func testChangeLog(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	for name, get := range map[string]func(context.Context) (int64, error){"LastChange": db.LastChange, "FirstChange": db.FirstChange} {
		if seq, err := get(ctx); err != nil || seq != 0 {
			t.Errorf("%s of an empty log: %d (%v), want 0", name, seq, err)
		}
	}
	if changes, err := db.Changes(ctx, 0, 10); err != nil || len(changes) != 0 {
		t.Errorf("changes of an empty log: %+v (%v)", changes, err)
	}

	mustCreateAccount(t, db, testAccount("AC1", ""))
	mustCreateAccount(t, db, testAccount("AC2", ""))
	withMedia := testMessage("AC1", 1)
	withMedia.NumMedia = 1
	m := mustCreateMessage(t, db, withMedia)
	later := t0.Add(time.Hour)
	sent := store.StatusChange{AccountSid: "AC1", Sid: m.Sid, From: []string{"queued"}, To: "sent", DateUpdated: later}
	mustApply(t, db, store.Writes{StatusChanges: []store.StatusChange{sent}})
	mustApply(t, db, store.Writes{StatusChanges: []store.StatusChange{sent}}) // its guard fails now
	d := testDelivery("AC1", m.Sid, 1)
	mustApply(t, db, store.Writes{Deliveries: []store.WebhookDelivery{d}})
	media := store.Media{Sid: "ME1", AccountSid: "AC1", MessageSid: m.Sid, URL: "https://x/1", DateCreated: t0, DateUpdated: t0}
	mustApply(t, db, store.Writes{Media: []store.Media{media}})
	mustApply(t, db, store.Writes{MediaContents: []store.MediaContent{{Sid: "ME1", ContentType: "image/png", Content: []byte("png"), DateUpdated: later}}})
	other := mustCreateMessage(t, db, testMessage("AC2", 2))
	pn := mustCreatePhoneNumber(t, db, testPhoneNumber("AC1", "+15005550100", 1))
	if _, err := db.UpdatePhoneNumber(ctx, "AC1", pn.Sid, later, func(p *store.PhoneNumber) error { p.FriendlyName = "x"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateKey(ctx, testKey("AC1", 1)); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePhoneNumber(ctx, "AC1", pn.Sid); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMedia(ctx, "AC1", m.Sid, "ME1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedactMessage(ctx, "AC1", m.Sid, later); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMessage(ctx, "AC1", m.Sid); err != nil {
		t.Fatal(err)
	}

	type entry struct{ account, kind, sid, op string }
	want := []entry{
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeCreated},
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeUpdated},         // sent
		{"AC1", store.ChangeWebhookDelivery, d.Sid, store.ChangeCreated}, // its callback's record
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeUpdated},         // its media fetched
		{"AC2", store.ChangeMessage, other.Sid, store.ChangeCreated},     // another account's
		{"AC1", store.ChangePhoneNumber, pn.Sid, store.ChangeCreated},    //
		{"AC1", store.ChangePhoneNumber, pn.Sid, store.ChangeUpdated},    //
		{"AC1", store.ChangePhoneNumber, pn.Sid, store.ChangeDeleted},    //
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeUpdated},         // a media deleted
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeUpdated},         // redacted
		{"AC1", store.ChangeMessage, m.Sid, store.ChangeDeleted},         //
	}
	changes, err := db.Changes(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []entry
	for i, c := range changes {
		got = append(got, entry{c.AccountSid, c.Kind, c.Sid, c.Op})
		if i > 0 && c.Seq <= changes[i-1].Seq {
			t.Errorf("change %d: seq %d after %d", i, c.Seq, changes[i-1].Seq)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes:\n got %v\nwant %v", got, want)
	}
	if first, err := db.FirstChange(ctx); err != nil || first != changes[0].Seq {
		t.Errorf("FirstChange %d (%v), want %d", first, err, changes[0].Seq)
	}
	if last, err := db.LastChange(ctx); err != nil || last != changes[len(changes)-1].Seq {
		t.Errorf("LastChange %d (%v), want %d", last, err, changes[len(changes)-1].Seq)
	}
	if page, err := db.Changes(ctx, changes[3].Seq, 2); err != nil || !reflect.DeepEqual(page, changes[4:6]) {
		t.Errorf("two changes after the fourth: %+v (%v), want %+v", page, err, changes[4:6])
	}
	if page, err := db.Changes(ctx, changes[len(changes)-1].Seq, 10); err != nil || len(page) != 0 {
		t.Errorf("changes after the last: %+v (%v)", page, err)
	}
}

// testTrimChanges: the change log is trimmed to the newest keep changes, however many
// there are; the newest stays where it was.
func testTrimChanges(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	const n = 2500
	messagesWithWork(t, db, "AC1", n) // a change each
	first, err := db.FirstChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last, err := db.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last-first+1 < n {
		t.Fatalf("changes %d..%d, want at least %d", first, last, n)
	}
	deleted, err := db.TrimChanges(ctx, 100)
	if err != nil || deleted != last-first+1-100 {
		t.Fatalf("TrimChanges: deleted %d (%v), want %d", deleted, err, last-first+1-100)
	}
	if got, _ := db.FirstChange(ctx); got != last-99 {
		t.Errorf("oldest change kept %d, want %d", got, last-99)
	}
	if got, _ := db.LastChange(ctx); got != last {
		t.Errorf("newest change %d, want %d", got, last)
	}
	if kept, err := db.Changes(ctx, 0, 1000); err != nil || len(kept) != 100 || kept[0].Seq != last-99 {
		t.Errorf("%d changes kept (%v), want 100 from %d", len(kept), err, last-99)
	}
	if deleted, err := db.TrimChanges(ctx, 100); err != nil || deleted != 0 {
		t.Errorf("trimming again: deleted %d (%v), want none", deleted, err)
	}
}

// testWritesSignalChanged: a write of this process signals Changed, for the live event
// stream to read the log at once.
func testWritesSignalChanged(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	wait := func(what string) {
		t.Helper()
		select {
		case <-db.Changed():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s did not signal Changed", what)
		}
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	wait("a new account")
	mustCreateMessage(t, db, testMessage("AC1", 1))
	wait("a new message")
	if _, err := db.ClearMessages(ctx, "AC1"); err != nil {
		t.Fatal(err)
	}
	wait("clearing messages")
}

// testClaimJobsOfItsKinds: a claim takes only the kinds it names (another pool of
// workers, or a newer build, takes the others), and a job's target comes back as written.
func testClaimJobsOfItsKinds(t *testing.T, open Opener) {
	db := open(t)
	hook := numbered(2, job("hook", "SM1", "", t0))
	hook.Target = "app.example.com:8443"
	mustApply(t, db, store.Writes{Jobs: []store.Job{numbered(1, job("step", "SM1", "", t0)), hook, numbered(3, job("newer", "SM1", "", t0))}})
	got, err := db.ClaimJobs(context.Background(), store.Claim{Owner: "a", Now: t0, Leases: map[string]time.Duration{"hook": time.Minute}, Limit: 10})
	if err != nil || len(got) != 1 || numbers(t, got)[0] != 2 || got[0].Target != "app.example.com:8443" {
		t.Fatalf("claim of hooks: %+v, %v", got, err)
	}
	if got := numbers(t, claim(t, db, "b", t0, 10)); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim of steps and hooks: %v, want [1]", got)
	}
	if n, _ := db.CountJobs(context.Background(), "newer"); n != 1 {
		t.Fatalf("the job of a kind nobody claims: %d left, want 1", n)
	}
}

// testClaimJobsSharedAndCapped: an uncapped claim takes the oldest ready jobs; a capped
// one takes every account's oldest ready job before any account's second (so one
// account's backlog does not hold back another's jobs), and keeps within its caps per
// account and per target, with the room the caller says an account or target has left.
func testClaimJobsSharedAndCapped(t *testing.T, open Opener) {
	ctx := context.Background()
	write := func(db store.Store) {
		var jobs []store.Job
		n := 0
		add := func(account, target string, count int, due time.Time) {
			for range count {
				n++
				j := numbered(n, job("hook", fmt.Sprintf("SM%d", n), "", due))
				j.AccountSid, j.Target = account, target
				jobs = append(jobs, j)
			}
		}
		add("AC1", "slow.example", 6, t0.Add(-time.Minute)) // 1-6: the oldest, a backlog
		add("AC2", "fast.example", 2, t0)                   // 7-8
		add("AC3", "", 2, t0)                               // 9-10: no target
		add("AC1", "other.example", 1, t0)                  // 11: the backlogged account's other target
		mustApply(t, db, store.Writes{Jobs: jobs})
	}
	claimWith := func(db store.Store, c store.Claim) []int {
		t.Helper()
		c.Owner, c.Now, c.Leases = "w", t0, map[string]time.Duration{"hook": time.Minute}
		got, err := db.ClaimJobs(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ns := numbers(t, got)
		slices.Sort(ns)
		return ns
	}

	db := open(t)
	write(db)
	if got := claimWith(db, store.Claim{Limit: 6}); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("uncapped claim took %v, want the oldest: [1 2 3 4 5 6]", got)
	}

	db = open(t)
	write(db)
	if got := claimWith(db, store.Claim{Limit: 6, PerAccount: 6}); !slices.Equal(got, []int{1, 2, 7, 8, 9, 10}) {
		t.Fatalf("capped claim took %v, want every account's two oldest: [1 2 7 8 9 10]", got)
	}

	db = open(t)
	write(db)
	got := claimWith(db, store.Claim{Limit: 10, PerAccount: 3, AccountRoom: map[string]int{"AC2": 1}})
	if !slices.Equal(got, []int{1, 2, 3, 7, 9, 10}) {
		t.Fatalf("claim capped at 3 per account, AC2 with room for 1: took %v, want [1 2 3 7 9 10]", got)
	}

	db = open(t)
	write(db)
	got = claimWith(db, store.Claim{Limit: 10, PerTarget: 2, TargetRoom: map[string]int{"fast.example": 0}})
	if !slices.Equal(got, []int{1, 2, 9, 10, 11}) {
		t.Fatalf("claim capped at 2 per target, fast.example full: took %v, want [1 2 9 10 11] (jobs without a target are not capped)", got)
	}

	// Full accounts and targets are passed over, however much they have waiting, and the
	// others' jobs found behind them.
	db = open(t)
	write(db)
	got = claimWith(db, store.Claim{Limit: 10, PerTarget: 2, TargetRoom: map[string]int{"slow.example": 0}})
	if !slices.Equal(got, []int{7, 8, 9, 10, 11}) {
		t.Fatalf("claim capped at 2 per target, slow.example full: took %v, want [7 8 9 10 11]", got)
	}
	db = open(t)
	write(db)
	got = claimWith(db, store.Claim{Limit: 10, PerAccount: 6, AccountRoom: map[string]int{"AC1": 0, "AC3": 1}})
	if !slices.Equal(got, []int{7, 8, 9}) {
		t.Fatalf("claim capped at 6 per account, AC1 full and AC3 with room for 1: took %v, want [7 8 9]", got)
	}
	db = open(t)
	write(db)
	got = claimWith(db, store.Claim{Limit: 3, PerAccount: 6, PerTarget: 6, AccountRoom: map[string]int{"AC2": 0}, TargetRoom: map[string]int{"other.example": 0}})
	if !slices.Equal(got, []int{1, 2, 9}) {
		t.Fatalf("claim of 3, AC2 and other.example full: took %v, want the oldest of the others, shared: [1 2 9]", got)
	}
}

// testClockOnlyMovesForward: the simulator clock's offset starts at 0, moves forward and
// never back, and carries the leases of the jobs under way with it: a job running when
// the clock jumps is still leased after the jump, for as long as it was before it, and a
// renewal never shortens a lease.
func testClockOnlyMovesForward(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	offset := func() time.Duration {
		t.Helper()
		d, err := db.ClockOffset(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := offset(); d != 0 {
		t.Fatalf("offset %s before any move, want 0", d)
	}
	mustApply(t, db, store.Writes{Jobs: []store.Job{numbered(1, job("step", "SM1", "", t0)), numbered(2, job("step", "SM2", "", t0.Add(time.Hour)))}})
	held := claim(t, db, "a", t0, 10) // job 1, leased for a minute
	if got := numbers(t, held); !slices.Equal(got, []int{1}) {
		t.Fatalf("claimed %v, want [1]", got)
	}
	for _, tt := range []struct {
		to, want time.Duration
	}{
		{10 * time.Minute, 10 * time.Minute},
		{5 * time.Minute, 10 * time.Minute}, // never back
		{time.Hour + 1500*time.Microsecond, time.Hour + time.Millisecond},
	} {
		got, err := db.AdvanceClock(ctx, tt.to)
		if err != nil || got != tt.want || offset() != tt.want {
			t.Fatalf("advance to %s: %s (%v), offset %s; want %s", tt.to, got, err, offset(), tt.want)
		}
	}
	// A renewal from a process whose clock has not seen the move yet does not take the
	// lease back.
	if err := db.RenewLease(ctx, held[0], t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// An hour on (t0 + 1 h is the job 2's due time), job 1's lease has moved an hour too.
	later := t0.Add(time.Hour + time.Millisecond + 30*time.Second)
	if got := numbers(t, claim(t, db, "b", later, 10)); !slices.Equal(got, []int{2}) {
		t.Fatalf("claim half a lease after the jump: %v, want only [2] (1 is still leased)", got)
	}
	if got := numbers(t, claim(t, db, "c", later.Add(40*time.Second), 10)); !slices.Equal(got, []int{1}) {
		t.Fatalf("claim after the moved lease ran out: %v, want [1]", got)
	}
	if err := db.FinishJob(ctx, held[0], store.Writes{}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("the first owner finished after losing the job: %v", err)
	}
}
