package postgres

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	_ "modernc.org/sqlite" // database/sql's "sqlite", to read SQLite's schema

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// TestSchemaMatchesSQLite: every table and view of SQLite's schema, as its migrations
// leave it, is here with the same columns in the same order, and nothing else is, so
// that rows can be copied from one to the other table by table, column by column. A
// migration of one backend fails this until the other has its counterpart.
func TestSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()

	path := filepath.Join(t.TempDir(), "store.db")
	lite, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	lite.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	want := map[string][]string{}
	rows, err := raw.QueryContext(ctx, `SELECT m.name, c.name FROM sqlite_master m, pragma_table_xinfo(m.name) c
		WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		want[table] = append(want[table], column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) < 10 {
		t.Fatalf("SQLite's schema has %d tables: %v", len(want), want)
	}

	url := pgtest.Database(t)
	openURL(t, url)
	got := map[string][]string{}
	pgRows, err := connect(t, url).Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var table, column string
	if _, err := pgx.ForEachRow(pgRows, []any{&table, &column}, func() error {
		got[table] = append(got[table], column)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for table, columns := range want {
		if !reflect.DeepEqual(got[table], columns) {
			t.Errorf("%s:\n PostgreSQL %v\n     SQLite %v", table, got[table], columns)
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("table %s is not in SQLite's schema", table)
		}
	}
}
