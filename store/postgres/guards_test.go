package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
)

// The guards that SQLite's single writer makes hold by running one write at a time, and
// that PostgreSQL's concurrent transactions hold only with the row locks the store takes:
// each test races many writers, through two stores (two processes) on one database.

// race runs n calls of f at once, through the stores in turn, and returns their errors.
func race(stores []*DB, n int, f func(db *DB, i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(stores[i%len(stores)], i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// twoStores opens two stores on a fresh database with account AC1.
func twoStores(t *testing.T) []*DB {
	t.Helper()
	url := pgtest.Database(t)
	stores := []*DB{openURL(t, url), openURL(t, url)}
	if _, err := stores[0].CreateAccount(context.Background(), testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	return stores
}

// count tallies errors: nil, or the first of wanted they match, or "other: ...".
func count(errs []error, wanted ...error) map[string]int {
	out := map[string]int{}
	for _, err := range errs {
		key := "ok"
		if err != nil {
			key = "other: " + err.Error()
			for _, w := range wanted {
				if errors.Is(err, w) {
					key = w.Error()
					break
				}
			}
		}
		out[key]++
	}
	return out
}

func TestSubaccountLimitUnderRace(t *testing.T) {
	stores := twoStores(t)
	const limit = 3
	errs := race(stores, 12, func(db *DB, i int) error {
		a := testAccount(fmt.Sprintf("ACsub%d", i))
		a.ParentSid = "AC1"
		_, err := db.CreateSubaccount(context.Background(), a, limit)
		return err
	})
	if got := count(errs, store.ErrLimit); got["ok"] != limit || got[store.ErrLimit.Error()] != 12-limit {
		t.Errorf("12 subaccounts at once with room for %d: %v", limit, got)
	}
}

func TestServicePoolLimitUnderRace(t *testing.T) {
	stores := twoStores(t)
	ctx := context.Background()
	if _, err := stores[0].CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", DateCreated: t0, DateUpdated: t0}); err != nil {
		t.Fatal(err)
	}
	const n, limit = 10, 4
	for i := range n {
		p := store.PhoneNumber{Sid: fmt.Sprintf("PN%d", i), AccountSid: "AC1", PhoneNumber: fmt.Sprintf("+1500555%04d", i),
			IsoCountry: "US", Type: "local", Capabilities: store.Capabilities{SMS: true}, DateCreated: t0, DateUpdated: t0}
		if _, err := stores[0].CreatePhoneNumber(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	errs := race(stores, n, func(db *DB, i int) error {
		_, _, err := db.AddServiceNumber(ctx, "AC1", "MG1", fmt.Sprintf("PN%d", i), limit, t0)
		return err
	})
	if got := count(errs, store.ErrLimit); got["ok"] != limit || got[store.ErrLimit.Error()] != n-limit {
		t.Errorf("%d numbers at once into a pool with room for %d: %v", n, limit, got)
	}
}

func TestOneAlphaSenderUnderRace(t *testing.T) {
	stores := twoStores(t)
	ctx := context.Background()
	if _, err := stores[0].CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", DateCreated: t0, DateUpdated: t0}); err != nil {
		t.Fatal(err)
	}
	errs := race(stores, 8, func(db *DB, i int) error {
		_, err := db.CreateAlphaSender(ctx, store.AlphaSender{Sid: fmt.Sprintf("AI%d", i), ServiceSid: "MG1", AccountSid: "AC1",
			AlphaSender: fmt.Sprintf("ACME%d", i), DateCreated: t0, DateUpdated: t0})
		return err
	})
	if got := count(errs, store.ErrConflict); got["ok"] != 1 || got[store.ErrConflict.Error()] != 7 {
		t.Errorf("8 alpha senders at once for one service: %v", got)
	}
}

func TestStickySenderUnderRace(t *testing.T) {
	stores := twoStores(t)
	ctx := context.Background()
	if _, err := stores[0].CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", DateCreated: t0, DateUpdated: t0}); err != nil {
		t.Fatal(err)
	}
	chosen := make([]string, 8)
	errs := race(stores, len(chosen), func(db *DB, i int) error {
		var err error
		chosen[i], err = db.StickySender(ctx, "MG1", "+14155550100", t0, func(current string, _ map[string]int) string {
			if current != "" {
				return current
			}
			time.Sleep(10 * time.Millisecond) // a choice takes a moment
			return fmt.Sprintf("+1500555%04d", i)
		})
		return err
	})
	if got := count(errs); got["ok"] != len(chosen) {
		t.Fatalf("errors: %v", got)
	}
	for _, c := range chosen {
		if c != chosen[0] {
			t.Fatalf("one new recipient got different senders: %v", chosen)
		}
	}
}

// TestUpdatesUnderRace: read-modify-write updates of one row at once lose none of each
// other's changes.
func TestUpdatesUnderRace(t *testing.T) {
	stores := twoStores(t)
	ctx := context.Background()
	p := store.PhoneNumber{Sid: "PN1", AccountSid: "AC1", PhoneNumber: "+15005550100", IsoCountry: "US", Type: "local",
		DateCreated: t0, DateUpdated: t0}
	if _, err := stores[0].CreatePhoneNumber(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[0].CreateMessagingService(ctx, store.MessagingService{Sid: "MG1", AccountSid: "AC1", DateCreated: t0, DateUpdated: t0}); err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := race(stores, n, func(db *DB, i int) error {
		_, err := db.UpdatePhoneNumber(ctx, "AC1", "PN1", t0, func(p *store.PhoneNumber) error {
			p.FriendlyName += fmt.Sprintf("%d,", i)
			return nil
		})
		if err != nil {
			return err
		}
		_, err = db.UpdateMessagingService(ctx, "AC1", "MG1", t0, func(m *store.MessagingService) error {
			m.FriendlyName += fmt.Sprintf("%d,", i)
			return nil
		})
		return err
	})
	if got := count(errs); got["ok"] != n {
		t.Fatalf("errors: %v", got)
	}
	number, err := stores[0].GetPhoneNumber(ctx, "AC1", "PN1")
	if err != nil {
		t.Fatal(err)
	}
	service, err := stores[0].GetMessagingService(ctx, "AC1", "MG1")
	if err != nil {
		t.Fatal(err)
	}
	for what, names := range map[string]string{"phone number": number.FriendlyName, "messaging service": service.FriendlyName} {
		parts := strings.Split(strings.TrimSuffix(names, ","), ",")
		sort.Strings(parts)
		if len(parts) != n {
			t.Errorf("%s: %d of %d updates kept: %q", what, len(parts), n, names)
		}
	}
}

// TestClaimsAcrossProcesses: workers of two processes claiming at once never share a
// job, claim every one, and run the jobs of a queue one at a time, in the order they
// were written.
func TestClaimsAcrossProcesses(t *testing.T) {
	stores := twoStores(t)
	ctx := context.Background()
	var w store.Writes
	for i := range 300 {
		queue := ""
		if i%3 != 0 {
			queue = fmt.Sprintf("q%d", i%10)
		}
		w.Jobs = append(w.Jobs, store.Job{Kind: "k", AccountSid: "AC1", ResourceSid: fmt.Sprint(i), Queue: queue, DueAt: t0, DateCreated: t0})
	}
	if err := stores[0].Apply(ctx, w); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]bool{}
		running = map[string]bool{}  // queues with a job running
		lastID  = map[string]int64{} // of each queue
	)
	race(stores, 8, func(db *DB, i int) error {
		for {
			jobs, err := db.ClaimJobs(ctx, store.Claim{Owner: fmt.Sprint("worker-", i), Now: t0, Leases: map[string]time.Duration{"k": time.Minute}, Limit: 5})
			if err != nil {
				t.Error(err)
				return err
			}
			if len(jobs) == 0 {
				if n, _ := db.CountJobs(ctx, ""); n == 0 {
					return nil
				}
				time.Sleep(time.Millisecond) // jobs of a queue wait for their turn
				continue
			}
			for _, j := range jobs {
				mu.Lock()
				if claimed[j.ID] {
					t.Errorf("job %d claimed twice", j.ID)
				}
				claimed[j.ID] = true
				if j.Queue != "" {
					if running[j.Queue] {
						t.Errorf("two jobs of queue %s at once", j.Queue)
					}
					if j.ID < lastID[j.Queue] {
						t.Errorf("queue %s: job %d after job %d", j.Queue, j.ID, lastID[j.Queue])
					}
					running[j.Queue], lastID[j.Queue] = true, j.ID
				}
				mu.Unlock()
			}
			for _, j := range jobs {
				mu.Lock()
				running[j.Queue] = false
				mu.Unlock()
				if err := db.FinishJob(ctx, j, store.Writes{}); err != nil {
					t.Error(err)
					return err
				}
			}
		}
	})
	if len(claimed) != len(w.Jobs) {
		t.Errorf("%d jobs claimed, want %d", len(claimed), len(w.Jobs))
	}
}
