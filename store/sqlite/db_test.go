package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := mustCreateMessage(t, db, testMessage("AC1", 1))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// The first migration's CREATE TABLEs would fail if it ran again.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.GetMessage(ctx, "AC1", m.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("after reopen\n got %+v\nwant %+v", got, m)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := schemaVersion(ctx, db.writer)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(ms) {
		t.Errorf("schema version %d, want %d", v, len(ms))
	}
	// Seq keeps counting where it left off.
	next := mustCreateMessage(t, db, testMessage("AC1", 2))
	if next.Seq <= m.Seq {
		t.Errorf("seq after reopen %d, want > %d", next.Seq, m.Seq)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA user_version = 9999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
}

func TestOpenOddPath(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a dir?#%20x", "store.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustCreateAccount(t, db, testAccount("AC1", ""))
	if _, err := os.Stat(path); err != nil {
		t.Errorf("store not at %q: %v", path, err)
	}
}

// TestMigrationAppliedByAnotherProcess: a migration that another process applied between
// reading the version and taking the write lock is skipped, not run twice.
func TestMigrationAppliedByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	// Running 0001 again would fail: its tables exist.
	if err := applyMigration(ctx, db.writer, ms[0]); err != nil {
		t.Fatalf("an applied migration was run again: %v", err)
	}
	v, err := schemaVersion(ctx, db.writer)
	if err != nil || v != len(ms) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(ms))
	}
	// The latest migration, whose version is the current one, is skipped too.
	if err := applyMigration(ctx, db.writer, ms[len(ms)-1]); err != nil {
		t.Fatalf("the current migration was run again: %v", err)
	}
	broken := migration{version: len(ms) + 1, name: "broken", sql: "CREATE TABLE accounts (x)"}
	if err := applyMigration(ctx, db.writer, broken); err == nil {
		t.Fatal("a failing migration reported success")
	}
	if v, _ := schemaVersion(ctx, db.writer); v != len(ms) {
		t.Fatalf("a failed migration moved the version to %d", v)
	}
}

// cachedStmts are the statements c holds now.
func cachedStmts(c *stmtCache) []*sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Collect(maps.Values(c.m))
}

// TestCloseClosesStatements: Close closes the prepared statements too, not only the pools
// (that reads and writes after Close fail is the conformance suite's Lifecycle/Close).
func TestCloseClosesStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAccount(ctx, "ACnone"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	mustCreateAccount(t, db, testAccount("AC1", ""))
	// The writer prepares the statements a transaction asked for after answering it.
	var stmts []*sql.Stmt
	for deadline := time.Now().Add(5 * time.Second); len(stmts) == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		stmts = cachedStmts(db.wstmts)
	}
	if len(stmts) == 0 {
		t.Fatal("no statement cached")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, stmt := range stmts {
		if _, err := stmt.Exec(); err == nil || !strings.Contains(err.Error(), "statement is closed") {
			t.Errorf("statement %d after Close: %v", i, err)
		}
	}
}

// TestEnsureSettingAcrossProcesses: the first value stored under a name stays through
// another process on the same file and a restart (that it stays in one store is the
// conformance suite's Accounts/EnsureSetting).
func TestEnsureSettingAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.EnsureSetting(ctx, "k", []byte("one"))
	if err != nil || string(first) != "one" {
		t.Fatalf("first: %q %v", first, err)
	}
	// Another process on the same file, then a restart: the first value stays.
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.EnsureSetting(ctx, "k", []byte("two")); err != nil || string(got) != "one" {
		t.Fatalf("second process: %q %v", got, err)
	}
	other.Close()
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.EnsureSetting(ctx, "k", []byte("three")); err != nil || string(got) != "one" {
		t.Fatalf("after restart: %q %v", got, err)
	}
}
