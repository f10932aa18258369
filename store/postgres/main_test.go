package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// openTest opens a store on a fresh database, closed when the test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	return openURL(t, pgtest.Database(t))
}

// openURL opens a store on the database at url, closed when the test ends.
func openURL(t testing.TB, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}
