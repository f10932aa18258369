package postgres

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
	"github.com/switchboard-dev/switchboard/store"
)

// t0 has milliseconds, the precision the store keeps, so that times round-trip exactly.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

func testAccount(sid string) store.Account {
	return store.Account{Sid: sid, FriendlyName: "name of " + sid, Status: "active", AuthToken: "token-" + sid,
		DateCreated: t0, DateUpdated: t0}
}

func testMessage(account string, i int) store.Message {
	at := t0.Add(time.Duration(i) * time.Second)
	return store.Message{Sid: fmt.Sprintf("SM%s%08d", account, i), AccountSid: account, To: "+15550000001", From: "+15559999999",
		Body: fmt.Sprintf("message %d", i), Status: "queued", Direction: "outbound-api", NumSegments: 1, DateCreated: at, DateUpdated: at}
}

// connect opens a plain connection to url, closed when the test ends.
func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// appliedMigrations lists the versions schema_migrations holds, in order.
func appliedMigrations(t *testing.T, conn *pgx.Conn) []int {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return versions
}

// TestMigrateReplicasTogether: processes that open a new database at the same moment
// migrate it once between them (a second run of the baseline would fail on its CREATE
// TABLEs), and all of them open.
func TestMigrateReplicasTogether(t *testing.T) {
	url := pgtest.Database(t)
	const replicas = 6
	var wg sync.WaitGroup
	errs := make(chan error, replicas)
	start := make(chan struct{})
	for range replicas {
		wg.Go(func() {
			<-start
			db, err := Open(context.Background(), url, Options{})
			if err != nil {
				errs <- err
				return
			}
			errs <- db.Close()
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.version)
	}
	if got := appliedMigrations(t, connect(t, url)); !reflect.DeepEqual(got, want) {
		t.Errorf("migrations applied %v, want each of %v once", got, want)
	}
}

// TestMigrateWaitsForTheLock: a process that finds another migrating (holding the
// migration lock) waits for it, and then finds the schema it left.
func TestMigrateWaitsForTheLock(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	other := connect(t, url)
	if _, err := other.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockKey)); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		db, err := Open(ctx, url, Options{})
		if err == nil {
			err = db.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("Open returned while another process held the migration lock: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := other.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(migrateLockKey)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-opened:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open did not return once the migration lock was released")
	}
}

// TestOpenRefusesNewerSchema: a database migrated by a newer build is refused, with both
// versions named, and left as it is.
func TestOpenRefusesNewerSchema(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	newer := len(ms) + 1
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')", newer); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, url, Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a schema newer than it knows")
	}
	for _, v := range []int{newer, len(ms)} {
		if !strings.Contains(err.Error(), fmt.Sprint(v)) {
			t.Errorf("the error does not name version %d: %v", v, err)
		}
	}
	if got := appliedMigrations(t, conn); len(got) != newer {
		t.Errorf("migrations after the refusal: %v", got)
	}
}

// TestReopen: a store opened again finds what it wrote, migrates nothing, and hands out
// seqs after the old ones.
func TestReopen(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateAccount(ctx, testAccount("AC1")); err != nil {
		t.Fatal(err)
	}
	m, err := db.CreateMessage(ctx, testMessage("AC1", 1))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openURL(t, url)
	got, err := db.GetMessage(ctx, "AC1", m.Sid)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("after reopening:\n got %+v (%v)\nwant %+v", got, err, m)
	}
	next, err := db.CreateMessage(ctx, testMessage("AC1", 2))
	if err != nil || next.Seq <= m.Seq {
		t.Errorf("seq after reopening %d (%v), want > %d", next.Seq, err, m.Seq)
	}
	if err := db.Ping(ctx); err != nil {
		t.Error(err)
	}
}

// TestPingNoticesAnotherDatabase: Ping fails when the database behind the URL is no
// longer the one opened.
func TestPingNoticesAnotherDatabase(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	db := openURL(t, url)
	if _, err := connect(t, url).Exec(ctx, "UPDATE settings SET value = 'another' WHERE name = $1", identitySetting); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping passed on a database with another identity")
	}
}
