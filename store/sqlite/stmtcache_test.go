package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestBatchesAreBounded: however many writes wait, a batch takes at most maxBatch of
// them, and takes that many when they are there.
func TestBatchesAreBounded(t *testing.T) {
	obs := &batches{}
	db, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "b.db"), Options{Batches: obs, Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := holdWriter(t, db)
	var wg sync.WaitGroup
	for range 2*maxBatch + 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db.write(context.Background(), func(*sql.Tx) error { return nil })
		}()
	}
	time.Sleep(200 * time.Millisecond) // all of them waiting on the queue
	release()
	wg.Wait()
	obs.mu.Lock()
	defer obs.mu.Unlock()
	largest, total := 0, 0
	for _, n := range obs.sizes {
		largest = max(largest, n)
		total += n
	}
	if largest != maxBatch || total != 2*maxBatch+11 {
		t.Errorf("batches %v: largest %d, want %d; total %d", obs.sizes, largest, maxBatch, total)
	}
}

// TestStatementCacheIsBounded: the caches keep at most maxCached statements, counting
// those wanted from inside transactions, and a query past the bound still runs.
func TestStatementCacheIsBounded(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	query := func(i int) string { return fmt.Sprintf("SELECT %d", i) }

	// A reader connection's statements.
	c, err := db.readers.take(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range maxCached + 20 {
		st, err := c.statement(query(i))
		if err != nil {
			t.Fatal(err)
		}
		row, err := st.Step()
		if err != nil || !row || st.ColumnInt64(0) != int64(i) {
			t.Fatalf("%s: %v %v", query(i), row, err)
		}
		if err := c.release(query(i), st); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.stmts) != maxCached {
		t.Errorf("%d statements cached, want %d", len(c.stmts), maxCached)
	}
	// A statement cached is the one used again.
	again, err := c.statement(query(0))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := c.statement(query(0))
	if again != first {
		t.Error("a cached query was prepared again")
	}
	c.release(query(0), again)
	db.readers.put(c)

	// The writer's cache: 500 cached, then 20 wanted inside transactions; only 12 fit.
	on, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	w := &stmtCache{on: on, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	defer w.close()
	for i := range maxCached - 12 {
		w.lookup(query(i))
	}
	w.prepareWanted()
	for i := range 20 {
		if _, ok := w.lookup(query(1000 + i)); ok {
			t.Fatalf("%s was cached", query(1000+i))
		}
	}
	if len(w.m) != maxCached-12 || len(w.wanted) != 12 {
		t.Errorf("%d statements cached (want %d), %d wanted (want 12, the room left)", len(w.m), maxCached-12, len(w.wanted))
	}
	// Five more cached meanwhile: of the 12 wanted, 7 still fit when they are prepared.
	for i := range 5 {
		s, err := on.Prepare(query(2000 + i))
		if err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		w.m[query(2000+i)] = s
		w.mu.Unlock()
	}
	w.prepareWanted()
	if len(w.m) != maxCached || len(w.wanted) != 0 {
		t.Errorf("after prepareWanted: %d cached (want %d), %d wanted", len(w.m), maxCached, len(w.wanted))
	}
}

// TestStatementsWantedInATransactionArePrepared: a query first run inside a write is
// prepared on the writer once the write is over, and used from then on.
func TestStatementsWantedInATransactionArePrepared(t *testing.T) {
	db := openTest(t)
	const q = "SELECT 42"
	for range 2 {
		if err := db.write(context.Background(), func(tx *sql.Tx) error {
			var n int
			return db.txQueryRow(context.Background(), tx, q).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.wstmts.mu.Lock()
	_, cached := db.wstmts.m[q]
	db.wstmts.mu.Unlock()
	if !cached {
		t.Error("a statement run inside a write was not prepared afterwards")
	}
}

// TestReadersBesideAuthGeneration: max(4, NumCPU) reads run at once while AuthGeneration
// holds its own reader connection; none waits for another to finish.
func TestReadersBesideAuthGeneration(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := db.AuthGeneration(ctx); err != nil {
		t.Fatal(err)
	}
	var open []*readRows
	defer func() {
		for _, r := range open {
			r.Close()
		}
	}()
	for i := range max(4, runtime.NumCPU()) {
		rows, err := db.query(ctx, "SELECT 1")
		if err != nil {
			t.Fatalf("read %d at once: %v", i+1, err)
		}
		open = append(open, rows)
	}
}
