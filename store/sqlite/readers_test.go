package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestScanSameAsDatabaseSQL: the readers scan every kind of SQLite value into every kind
// of destination the store uses as database/sql with modernc.org/sqlite's driver does
// (the writer's path, and the readers' before): the same value, or an error for both.
func TestScanSameAsDatabaseSQL(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	std := openDatabaseSQL(t, db)
	values := []string{"NULL", "0", "1", "2", "-7", "9223372036854775807", "1.5", "2.0", "-3.0", "-0.25", "2000000.0", "123456.0", "1e300",
		"''", "'abc'", "'42'", "' 42'", "'4.5'", "'true'", "'f'", "'1'", "x''", "x'0102'", "x'3432'", "'héllo'"}
	dests := []func() any{
		func() any { return new(string) }, func() any { return new(int64) }, func() any { return new(int) },
		func() any { return new(bool) }, func() any { return new(float64) }, func() any { return new([]byte) },
		func() any { return new(sql.NullString) }, func() any { return new(sql.NullInt64) }, func() any { return new(any) },
	}
	for _, v := range values {
		for _, newDest := range dests {
			want, got := newDest(), newDest()
			t.Run(fmt.Sprintf("%s into %T", v, want), func(t *testing.T) {
				query := "SELECT " + v
				wantErr := std.QueryRowContext(ctx, query).Scan(want)
				gotErr := db.queryRow(ctx, query).Scan(got)
				if (wantErr != nil) != (gotErr != nil) {
					t.Fatalf("error %v, database/sql's %v", gotErr, wantErr)
				}
				if wantErr == nil && !reflect.DeepEqual(got, want) {
					t.Errorf("scanned %#v, database/sql %#v", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
				}
			})
		}
	}
}

// TestBindSameAsDatabaseSQL: arguments of the types the store passes reach SQLite as
// database/sql binds them.
func TestBindSameAsDatabaseSQL(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	std := openDatabaseSQL(t, db)
	for _, arg := range []any{nil, "", "abc", "héllo", int64(-3), 7, true, false, 2.5, []byte{1, 2}, []byte{},
		sql.NullString{}, sql.NullString{String: "x", Valid: true}, sql.NullInt64{Int64: 9, Valid: true}} {
		t.Run(fmt.Sprintf("%T %v", arg, arg), func(t *testing.T) {
			const query = "SELECT typeof(?1), quote(?1)"
			var wantType, wantQuote, gotType, gotQuote string
			if err := std.QueryRowContext(ctx, query, arg).Scan(&wantType, &wantQuote); err != nil {
				t.Fatal(err)
			}
			if err := db.queryRow(ctx, query, arg).Scan(&gotType, &gotQuote); err != nil {
				t.Fatal(err)
			}
			if gotType != wantType || gotQuote != wantQuote {
				t.Errorf("bound as %s %s, database/sql %s %s", gotType, gotQuote, wantType, wantQuote)
			}
		})
	}
	// Refused alike: a type neither knows, and too few arguments.
	for _, args := range [][]any{{struct{}{}}, nil} {
		var a, b any
		wantErr := std.QueryRowContext(ctx, "SELECT ?", args...).Scan(&a)
		gotErr := db.queryRow(ctx, "SELECT ?", args...).Scan(&b)
		if wantErr == nil || gotErr == nil {
			t.Errorf("SELECT ? %v: error %v, database/sql's %v", args, gotErr, wantErr)
		}
	}
	// Too many arguments: the driver ignores the extra ones; the readers refuse them, as
	// a sign of a query and its arguments out of step.
	var n any
	if err := db.queryRow(ctx, "SELECT ?", 1, 2).Scan(&n); err == nil {
		t.Error("SELECT ? with two arguments: no error")
	}
}

// TestListInterruptedWhenContextEnds: a read of many rows stops once its context ends,
// with the context's error, and its connection serves the next read.
func TestListInterruptedWhenContextEnds(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// A billion rows, none stored: only an interrupt ends it in time.
	rows, err := db.query(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n WHERE i > 1000000000")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if rows.Next() {
		t.Fatal("a row")
	}
	if !errors.Is(rows.Err(), context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's", rows.Err())
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("interrupted after %v", waited)
	}
	rows.Close()
	for range db.readers.n + 1 { // every connection, the interrupted one too
		var one int
		if err := db.queryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("a read after the interrupt: %d %v", one, err)
		}
	}
}

// openDatabaseSQL opens db's file through database/sql and modernc.org/sqlite's driver,
// the way the readers are compared with.
func openDatabaseSQL(t *testing.T, db *DB) *sql.DB {
	t.Helper()
	std, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { std.Close() })
	return std
}
