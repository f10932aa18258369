package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// batches records the commits the writer made.
type batches struct {
	mu    sync.Mutex
	sizes []int
}

func (b *batches) ObserveCommit(writes int, _ time.Duration) {
	b.mu.Lock()
	b.sizes = append(b.sizes, writes)
	b.mu.Unlock()
}

// openCounting opens a store whose commits are counted in the returned batches.
func openCounting(t *testing.T) (*DB, *batches) {
	t.Helper()
	b := &batches{}
	db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "c.db"), Options{Batches: b})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, b
}

func (b *batches) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sizes)
}

// holdWriter occupies the writer with a write that waits for release, so that the writes
// started meanwhile queue up and go together in the next batch.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, done := make(chan struct{}), make(chan struct{})
	go func() {
		db.write(context.Background(), func(*sql.Tx) error {
			close(started)
			<-done
			return nil
		})
	}()
	<-started
	return func() { close(done) }
}

// TestBatchFailsAloneAndCommitsTheRest: writes that queue together commit in one
// transaction; one that fails (a duplicate SID) fails alone, with its own error, and
// leaves nothing behind, while the others of its batch are all there.
func TestBatchFailsAloneAndCommitsTheRest(t *testing.T) {
	db, b := openCounting(t)
	ctx := context.Background()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	taken := mustCreateMessage(t, db, testMessage("AC1", 0))

	release := holdWriter(t, db)
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 4 {
				// Two inserts, the second a duplicate refused by the UNIQUE constraint:
				// the first must go with it.
				dup := testMessage("AC1", 99)
				dup.Sid = taken.Sid
				errs[i] = db.Apply(ctx, store.Writes{Messages: []store.Message{testMessage("AC1", 98), dup}})
				return
			}
			_, errs[i] = db.CreateMessage(ctx, testMessage("AC1", i+1))
		}()
	}
	time.Sleep(100 * time.Millisecond) // every write is queued behind the held one
	release()
	wg.Wait()

	for i, err := range errs {
		if i == 4 {
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("duplicate: %v, want ErrConflict", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	list, _, err := db.ListMessages(ctx, store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 100})
	if err != nil || len(list) != n {
		t.Fatalf("%d messages stored (%v), want %d: the taken one and the nine others", len(list), err, n)
	}
	if _, err := db.GetMessage(ctx, "AC1", testMessage("AC1", 98).Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed write left its first insert behind: %v", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if last := b.sizes[len(b.sizes)-1]; last != n {
		t.Errorf("batch sizes %v: the queued writes did not commit together", b.sizes)
	}
}

// TestBatchSkipsACanceledCaller: a write whose caller gave up before its batch ran is
// not made, and the others are.
func TestBatchSkipsACanceledCaller(t *testing.T) {
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	release := holdWriter(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var canceledErr, otherErr error
	wg.Add(2)
	go func() { defer wg.Done(); _, canceledErr = db.CreateMessage(ctx, testMessage("AC1", 1)) }()
	go func() { defer wg.Done(); _, otherErr = db.CreateMessage(context.Background(), testMessage("AC1", 2)) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	release()
	wg.Wait()
	if !errors.Is(canceledErr, context.Canceled) || otherErr != nil {
		t.Fatalf("canceled: %v; other: %v", canceledErr, otherErr)
	}
	if _, err := db.GetMessage(context.Background(), "AC1", testMessage("AC1", 1).Sid); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the canceled write was made: %v", err)
	}
}

// TestWithoutGroupCommit: the old mode (a transaction per write) still works.
func TestWithoutGroupCommit(t *testing.T) {
	db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "n.db"), Options{NoGroupCommit: true, Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); mustCreateMessage(t, db, testMessage("AC1", i)) }()
	}
	wg.Wait()
	list, _, err := db.ListMessages(context.Background(), store.MessageFilter{AccountSid: "AC1"}, store.Page{Size: 100})
	if err != nil || len(list) != 20 {
		t.Fatalf("%d messages (%v)", len(list), err)
	}
	if _, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "x.db"), Options{Synchronous: "sometimes"}); err == nil {
		t.Error("a bad synchronous setting was accepted")
	}
}

func TestSynchronousSetting(t *testing.T) {
	for _, tt := range []struct {
		opt  string
		want int // SQLite: 1 NORMAL, 2 FULL
	}{{"", 2}, {"full", 2}, {"normal", 1}} {
		db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), fmt.Sprint("s", tt.opt, ".db")), Options{Synchronous: tt.opt})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.writer.QueryRow("PRAGMA synchronous").Scan(&got); err != nil || got != tt.want {
			t.Errorf("Synchronous %q: PRAGMA synchronous = %d (%v), want %d", tt.opt, got, err, tt.want)
		}
		db.Close()
	}
}

// TestConnectionSettings: the settings each pool's DSN carries reach its connections (a
// DSN parameter misspelled is silently ignored by SQLite).
func TestConnectionSettings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for _, tt := range []struct {
		reader bool // on the readers, else the writer
		pragma string
		want   int
	}{
		{false, "cache_size", -2000}, // SQLite's default, in KiB
		{false, "temp_store", 2},     // MEMORY
		{false, "query_only", 0},
		{false, "busy_timeout", 5000},
		{true, "cache_size", -readerCacheKiB},
		{true, "busy_timeout", 5000},
	} {
		var got int
		var err error
		if tt.reader {
			// Every reader connection: the pool hands them out in turn.
			for range db.readers.n {
				if err = db.queryRow(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil || got != tt.want {
					break
				}
			}
		} else {
			err = db.writer.QueryRow("PRAGMA " + tt.pragma).Scan(&got)
		}
		if err != nil || got != tt.want {
			t.Errorf("reader %v: PRAGMA %s = %d (%v), want %d", tt.reader, tt.pragma, got, err, tt.want)
		}
	}
	// The readers are read-only: a write sent to them by mistake fails.
	var name string
	err := db.queryRow(ctx, "INSERT INTO settings (name, value) VALUES ('x', 'y') RETURNING name").Scan(&name)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("a write on a reader: %v", err)
	}
}

// TestWithoutGroupCommitSignalsChanges: a write committed on its own (no group commit)
// tells the change feed too.
func TestWithoutGroupCommitSignalsChanges(t *testing.T) {
	db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "n.db"), Options{NoGroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	select {
	case <-db.Changed():
	default:
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	select {
	case <-db.Changed():
	case <-time.After(time.Second):
		t.Fatal("a write without group commit did not signal the change feed")
	}
	if _, err := db.CreateAccount(context.Background(), testAccount("AC1", "")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a duplicate without group commit: %v", err)
	}
}
