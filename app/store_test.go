package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func TestIsPostgres(t *testing.T) {
	for db, want := range map[string]bool{
		"postgres://u:p@localhost/db":       true,
		"postgresql://localhost:5433/db":    true,
		"POSTGRES://localhost/db":           true,
		"switchboard.db":                    false,
		"/var/lib/switchboard/sb.db":        false,
		"postgres.db":                       false,
		"./postgres://not-a-url":            false,
		"file:switchboard.db?mode=rwc":      false,
		"host=localhost dbname=switchboard": false,
	} {
		if got := IsPostgres(db); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", db, got, want)
		}
	}
}

func TestRedactDB(t *testing.T) {
	tests := []struct{ db, want string }{
		{"switchboard.db", "switchboard.db"},
		{"postgres://sb@db.internal:5432/switchboard", "postgres://sb@db.internal:5432/switchboard"},
		{"postgres://sb:s3cret@db.internal:5432/switchboard?sslmode=require", "postgres://sb:xxxxx@db.internal:5432/switchboard?sslmode=require"},
		{"postgresql://db.internal/switchboard?user=sb&password=s3cret", "postgresql://db.internal/switchboard?password=xxxxx&user=sb"},
		{"postgres://sb:s3cret@h1:5432,h2:5432/switchboard?password=s3cret", "postgres://sb:xxxxx@h1:5432,h2:5432/switchboard?password=xxxxx"},
		// Not a URL Go parses: still redacted.
		{"postgres://sb:s3cret@[::1/switchboard?password=s3cret", "postgres://xxxxx@[::1/switchboard?xxxxx"},
	}
	for _, tt := range tests {
		got := RedactDB(tt.db)
		if got != tt.want {
			t.Errorf("RedactDB(%q) = %q, want %q", tt.db, got, tt.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("RedactDB(%q) = %q: the password shows", tt.db, got)
		}
	}
}

// TestOpenStore: the setting picks the backend, and either store works.
func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ db, want string }{
		{filepath.Join(t.TempDir(), "sb.db"), "*sqlite.DB"},
		{pgtest.Database(t), "*postgres.DB"},
	} {
		s, err := OpenStore(ctx, tt.db, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", s); got != tt.want {
			t.Errorf("%s opened a %s, want a %s", tt.db, got, tt.want)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("%s: %v", tt.db, err)
		}
		if _, err := s.GetAccount(ctx, "AC1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: an account of an empty store: %v", tt.db, err)
		}
		s.Close()
	}
}

// TestOpenStoreErrorHidesThePassword: a server that cannot be reached is reported
// without the URL's password.
func TestOpenStoreErrorHidesThePassword(t *testing.T) {
	_, err := OpenStore(context.Background(), "postgres://sb:s3cret@127.0.0.1:1/switchboard?connect_timeout=2", sqlite.Options{})
	if err == nil {
		t.Fatal("opened a store on a port nobody listens on")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error shows the password: %v", err)
	}
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("%v, want ErrUnavailable", err)
	}
}
