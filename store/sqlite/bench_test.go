package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
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
		jobs, err := db.ClaimJobs(ctx, store.Claim{Owner: "runner", Now: now, Leases: leases, Limit: 1 + i%8})
		if err != nil || len(jobs) != 1 {
			b.Fatalf("claimed %d jobs (%v), want 1", len(jobs), err)
		}
		if err := db.FinishJob(ctx, jobs[0], store.Writes{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListMessagesKeyset reads one page of 50 from deep in the list: the cost
// should not grow with the number of rows.
func BenchmarkListMessagesKeyset(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := openTest(b)
			seedBenchmark(b, db, n)
			// Cursors 75-94% of the way down the list; a fresh file numbers rows 1..n, so
			// the row at depth d has seq n-d.
			deep := func(i int) store.Page {
				return store.Page{Size: 50, After: int64(n - n*(75+i%20)/100)}
			}
			// A day 5% from the oldest end, paged into from cursors inside it.
			day := n / benchPerDay / 20
			daySeq := int64(day * benchPerDay) // seq of the row just before the day
			inDay := func(i int) store.Page {
				return store.Page{Size: 50, After: daySeq + int64(benchPerDay*(50+i%20)/100)}
			}
			dayFrom := t0.AddDate(0, 0, day)
			filters := []struct {
				name string
				f    store.MessageFilter
				page func(int) store.Page
			}{
				{"all", store.MessageFilter{AccountSid: "AC1"}, deep},
				{"to", store.MessageFilter{AccountSid: "AC1", To: "+15550000042"}, deep},
				{"day", store.MessageFilter{AccountSid: "AC1", SentFrom: dayFrom, SentUntil: dayFrom.AddDate(0, 0, 1)}, inDay},
			}
			for _, fl := range filters {
				b.Run(fl.name, func(b *testing.B) {
					benchmarkList(b, db, fl.f, fl.page)
				})
			}
		})
	}
}

// BenchmarkListMessagesOffset walks the same depths by Offset, for contrast: its cost
// grows with the depth.
func BenchmarkListMessagesOffset(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := openTest(b)
			seedBenchmark(b, db, n)
			benchmarkList(b, db, store.MessageFilter{AccountSid: "AC1"}, func(i int) store.Page {
				return store.Page{Size: 50, Offset: n * (75 + i%20) / 100}
			})
		})
	}
}

func benchmarkList(b *testing.B, db *DB, f store.MessageFilter, page func(i int) store.Page) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		list, _, err := db.ListMessages(ctx, f, page(i))
		if err != nil {
			b.Fatal(err)
		}
		if len(list) == 0 {
			b.Fatalf("empty page for %+v", page(i))
		}
		i++
	}
}

// benchPerDay spreads benchmark messages over days, so that a day's window holds a
// realistic share of them.
const benchPerDay = 1_000

// seedBenchmark stores n messages of AC1, benchPerDay a day, sent as created, to 100
// numbers in turn.
func seedBenchmark(b testing.TB, db *DB, n int) {
	b.Helper()
	ctx := context.Background()
	mustCreateAccount(b, db, testAccount("AC1", ""))
	ms := make([]store.Message, n)
	for i := range ms {
		m := testMessage("AC1", i)
		m.To = fmt.Sprintf("+1555%07d", i%100)
		m.DateCreated = t0.Add(time.Duration(i) * 24 * time.Hour / benchPerDay)
		m.DateUpdated, m.DateSent = m.DateCreated, m.DateCreated
		ms[i] = m
	}
	start := time.Now()
	if err := db.Apply(ctx, store.Writes{Messages: ms}); err != nil {
		b.Fatal(err)
	}
	b.Logf("imported %d messages in %v", n, time.Since(start))
	first, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 1})
	if err != nil || len(first) != 1 || first[0].Seq != int64(n) {
		b.Fatalf("newest row %+v, err %v; want seq %d", first, err, n)
	}
}

// TestBenchmarkFixtures runs, under plain go test, the checks the benchmarks rely on: the
// seeded list is numbered as they assume, and the pages they read are full.
func TestBenchmarkFixtures(t *testing.T) {
	db := openTest(t)
	const n = 2 * benchPerDay
	seedBenchmark(t, db, n)
	ctx := context.Background()
	deep, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 50, After: int64(n - n*80/100)})
	if err != nil || len(deep) != 50 || deep[0].Seq != int64(n-n*80/100-1) {
		t.Fatalf("keyset page deep in the list: %d rows, %v", len(deep), err)
	}
	offset, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 50, Offset: n * 80 / 100})
	if err != nil || len(offset) != 50 || offset[0].Seq != deep[0].Seq+1 {
		t.Fatalf("offset page: %d rows, %v", len(offset), err)
	}
}

// BenchmarkMessageLifecycleWrites is what the store writes for one message from create to
// its delivered callback, as messaging and the outbox write it: the message and its first
// step; three steps (each: claim the step, change the status, write the callback job and
// the next step, finish); three callbacks (each: record the delivery, finish). The
// callbacks are written held by the runner, as the outbox does when their lane has room
// (callbacks-held), or claimed each with a claim of its own (callbacks-claimed). From 32
// callers at once, with group commit at FULL, as the server runs: the ceiling the store
// sets on messages delivered end to end per second (ops/s). Each caller claims kinds of
// its own, so that it finds its own message's jobs.
func BenchmarkMessageLifecycleWrites(b *testing.B) {
	for _, held := range []bool{true, false} {
		name := map[bool]string{true: "callbacks-held", false: "callbacks-claimed"}[held]
		b.Run(name, func(b *testing.B) { benchmarkMessageLifecycle(b, held) })
	}
}

func benchmarkMessageLifecycle(b *testing.B, held bool) {
	db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "store.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	mustCreateAccount(b, db, testAccount("AC1", ""))
	var callers atomic.Int64
	b.SetParallelism(32 / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		n := callers.Add(1)
		stepKind, hookKind := fmt.Sprintf("message.step.%d", n), fmt.Sprintf("webhook.%d", n)
		claim := func(kind string) store.Job {
			jobs, err := db.ClaimJobs(ctx, store.Claim{Owner: "runner", Now: time.Now(), Leases: map[string]time.Duration{kind: time.Minute}, Limit: 1})
			if err != nil || len(jobs) != 1 {
				b.Fatalf("claim %s: %d jobs (%v)", kind, len(jobs), err)
			}
			return jobs[0]
		}
		for pb.Next() {
			now := time.Now()
			m := testMessage("AC1", 0)
			m.Sid = sid.New("SM")
			step := store.Job{Kind: stepKind, AccountSid: "AC1", ResourceSid: m.Sid, DueAt: now, DateCreated: now}
			if err := db.Apply(ctx, store.Writes{Messages: []store.Message{m}, Jobs: []store.Job{step}}); err != nil {
				b.Fatal(err)
			}
			for i, status := range []string{"sending", "sent", "delivered"} {
				j := claim(stepKind)
				jobs := []store.Job{{Kind: hookKind, AccountSid: "AC1", ResourceSid: m.Sid, Queue: "webhook:" + m.Sid, Target: "127.0.0.1:9",
					Payload: []byte(`{"event":"message-status","url":"http://127.0.0.1:9/s","method":"POST","params":{"MessageStatus":"` + status + `"}}`),
					DueAt:   now, DateCreated: now}}
				if held {
					jobs[0].LeaseOwner, jobs[0].LeaseUntil = "runner", now.Add(time.Minute)
				}
				if status != "delivered" {
					jobs = append(jobs, store.Job{Kind: stepKind, AccountSid: "AC1", ResourceSid: m.Sid, DueAt: now, DateCreated: now})
				}
				if err := db.FinishJob(ctx, j, store.Writes{StatusChanges: []store.StatusChange{{AccountSid: "AC1", Sid: m.Sid,
					From: []string{[]string{"queued", "sending", "sent"}[i]}, To: status, DateUpdated: now, Jobs: jobs}}}); err != nil {
					b.Fatal(err)
				}
				h := jobs[0]
				if !held {
					h = claim(hookKind)
				} else if h.LeaseOwner == "" {
					b.Fatalf("callback %s written unheld", status)
				}
				if err := db.FinishJob(ctx, h, store.Writes{Deliveries: []store.WebhookDelivery{{Sid: sid.New("WH"), AccountSid: "AC1",
					ResourceSid: m.Sid, Event: "message-status", URL: "http://127.0.0.1:9/s", Method: "POST",
					Params: map[string]string{"MessageStatus": status}, ResponseStatus: 200, Attempt: 1, DateCreated: now}}}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkClaimBehindBacklog is BenchmarkClaimJobs's round (a delivery step written,
// claimed and finished) while 5,000 webhooks, a kind the claim does not take, are ready:
// a burst of deliveries whose callbacks wait for their lane. The claim's cost should not
// grow with the other lane's backlog.
func BenchmarkClaimBehindBacklog(b *testing.B) {
	db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "store.db"), Options{Synchronous: "normal"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var backlog []store.Job
	for i := range 5000 {
		backlog = append(backlog, job("webhook", "SMhook"+strconv.Itoa(i), "webhook:SMhook"+strconv.Itoa(i), t0))
	}
	if err := db.Apply(ctx, store.Writes{Jobs: backlog}); err != nil {
		b.Fatal(err)
	}
	leases := map[string]time.Duration{"message.step": time.Second, "call.step": time.Second}
	now := t0
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		now = now.Add(time.Millisecond)
		if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{job("message.step", "SM"+strconv.Itoa(i), "", now)}}); err != nil {
			b.Fatal(err)
		}
		jobs, err := db.ClaimJobs(ctx, store.Claim{Owner: "runner", Now: now, Leases: leases, Limit: 64})
		if err != nil || len(jobs) != 1 {
			b.Fatalf("claimed %d jobs (%v), want 1", len(jobs), err)
		}
		if err := db.FinishJob(ctx, jobs[0], store.Writes{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCappedClaimBehindFullTenant is a webhook of account A written, claimed by a
// capped claim and finished, while account B, at its cap, has a backlog of ready webhooks
// (its app is slow, and its callbacks pile up). A claim that skips B's jobs one by one
// costs more the more B has waiting: B slows every claim, A's included.
func BenchmarkCappedClaimBehindFullTenant(b *testing.B) {
	for _, backlog := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("backlog-%d", backlog), func(b *testing.B) {
			db, err := OpenWith(context.Background(), filepath.Join(b.TempDir(), "store.db"), Options{Synchronous: "normal"})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			var jobs []store.Job
			for i := range backlog {
				j := job("webhook", "SMb"+strconv.Itoa(i), "webhook:SMb"+strconv.Itoa(i), t0)
				j.AccountSid, j.Target = "ACb", "slow.example:443"
				jobs = append(jobs, j)
			}
			if err := db.Apply(ctx, store.Writes{Jobs: jobs}); err != nil {
				b.Fatal(err)
			}
			leases := map[string]time.Duration{"webhook": time.Minute}
			now := t0
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				now = now.Add(time.Millisecond)
				j := job("webhook", "SMa"+strconv.Itoa(i), "webhook:SMa"+strconv.Itoa(i), now)
				j.AccountSid, j.Target = "ACa", "fast.example:443"
				if err := db.Apply(ctx, store.Writes{Jobs: []store.Job{j}}); err != nil {
					b.Fatal(err)
				}
				claimed, err := db.ClaimJobs(ctx, store.Claim{Owner: "runner", Now: now, Leases: leases, Limit: 32,
					PerAccount: 32, PerTarget: 32, AccountRoom: map[string]int{"ACb": 0}, TargetRoom: map[string]int{"slow.example:443": 0}})
				if err != nil || len(claimed) != 1 {
					b.Fatalf("claimed %d jobs (%v), want 1", len(claimed), err)
				}
				if err := db.FinishJob(ctx, claimed[0], store.Writes{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
