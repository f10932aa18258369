package switchboardtest_test

import (
	"os"
	"testing"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// The servers of these tests run on SQLite, or on PostgreSQL with
// SWITCHBOARD_TEST_STORE=postgres (app/servertest); pgtest.Run removes the cluster they
// shared.
func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
