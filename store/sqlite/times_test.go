package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// TestTimesAcrossTheYears: every time a client can send (years 0001-9999) is stored and
// read back as itself, and range filters beyond any message match none. Unix nanoseconds
// wrapped past 2262: SendAt 9999-12-31 came back as 1816.
func TestTimesAcrossTheYears(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))

	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(1677, 9, 21, 0, 0, 0, 0, time.UTC), // just before int64 nanoseconds begin
		time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC), // just after they end
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC),
	}
	for i, at := range times {
		m := testMessage("AC1", i)
		m.SendAt, m.DateSent = at, at
		created := mustCreateMessage(t, db, m)
		got, err := db.GetMessage(ctx, "AC1", created.Sid)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SendAt.Equal(at) || !got.DateSent.Equal(at) {
			t.Errorf("stored %s, read back send_at %s date_sent %s", at, got.SendAt, got.DateSent)
		}
	}

	count := func(f store.MessageFilter) int {
		t.Helper()
		f.AccountSid = "AC1"
		list, _, err := db.ListMessages(ctx, f, store.Page{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	for _, tt := range []struct {
		name string
		f    store.MessageFilter
		want int
	}{
		{"from 3000", store.MessageFilter{SentFrom: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{"from 10000", store.MessageFilter{SentFrom: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, 0},
		{"until 1000", store.MessageFilter{SentUntil: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
		{"until year 0", store.MessageFilter{SentUntil: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, 0},
		{"2262 to 2301", store.MessageFilter{SentFrom: times[2], SentUntil: time.Date(2301, 1, 1, 0, 0, 0, 0, time.UTC)}, 2},
		{"the last day", store.MessageFilter{SentFrom: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), SentUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, 1},
	} {
		if got := count(tt.f); got != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.name, got, tt.want)
		}
	}
}

// TestSubMillisecondBounds: a bound between two milliseconds is compared as the time it
// is, not as the millisecond it falls in.
func TestSubMillisecondBounds(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	mustCreateAccount(t, db, testAccount("AC1", ""))
	m := testMessage("AC1", 0) // created at t0, a whole millisecond
	mustCreateMessage(t, db, m)
	half := 500 * time.Microsecond
	for _, tt := range []struct {
		name string
		f    store.MessageFilter
		want int
	}{
		{"from just after", store.MessageFilter{SentFrom: t0.Add(half)}, 0},
		{"from just before", store.MessageFilter{SentFrom: t0.Add(-half)}, 1},
		{"until just after", store.MessageFilter{SentUntil: t0.Add(half)}, 1},
		{"until just before", store.MessageFilter{SentUntil: t0.Add(-half)}, 0},
		{"until exactly", store.MessageFilter{SentUntil: t0}, 0},
		{"from exactly", store.MessageFilter{SentFrom: t0}, 1},
	} {
		tt.f.AccountSid = "AC1"
		list, _, err := db.ListMessages(ctx, tt.f, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.name, len(list), tt.want)
		}
	}
	// Stored times keep milliseconds and drop the rest, rounding down.
	m2 := testMessage("AC1", 1)
	m2.DateCreated = t0.Add(999 * time.Microsecond)
	got := mustCreateMessage(t, db, m2)
	if !got.DateCreated.Equal(t0) {
		t.Errorf("date_created %s, want %s", got.DateCreated, t0)
	}
}

// TestMigrateNanosecondsToMilliseconds opens a database written by the first schema
// (times in nanoseconds) and checks that every time column, the generated filter_date and
// the index on it come out in milliseconds.
func TestMigrateNanosecondsToMilliseconds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", dsn(path, commonPragmas))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2025, 3, 1, 12, 0, 0, 123_456_789, time.UTC)
	// Half a millisecond past a whole one, before 1970: rounding towards zero would give
	// the next millisecond, rounding down this one.
	before1970 := time.Date(1969, 6, 1, 0, 0, 0, 500_000, time.UTC)
	ns := func(t time.Time) int64 { return t.UnixNano() }
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{ms[0].sql, nil},
		{"PRAGMA user_version = 1", nil},
		{"INSERT INTO accounts (sid, status, auth_token, date_created, date_updated) VALUES ('AC1', 'active', 't', ?, ?)",
			[]any{ns(created), ns(created.Add(time.Second))}},
		// Sent, scheduled and unsent messages: filter_date comes from date_sent, then date_created.
		{`INSERT INTO messages (sid, account_sid, to_number, status, direction, send_at, date_created, date_updated, date_sent)
			VALUES ('SM1', 'AC1', '+1', 'delivered', 'outbound-api', NULL, ?, ?, ?)`,
			[]any{ns(created), ns(created), ns(created.Add(time.Hour))}},
		{`INSERT INTO messages (sid, account_sid, to_number, status, direction, send_at, date_created, date_updated, date_sent)
			VALUES ('SM2', 'AC1', '+1', 'scheduled', 'outbound-api', ?, ?, ?, NULL)`,
			[]any{ns(created.Add(48 * time.Hour)), ns(created.Add(time.Minute)), ns(created.Add(time.Minute))}},
		{`INSERT INTO messages (sid, account_sid, to_number, status, direction, send_at, date_created, date_updated, date_sent)
			VALUES ('SM3', 'AC1', '+1', 'queued', 'outbound-api', NULL, ?, ?, NULL)`,
			[]any{ns(before1970), ns(before1970), nil}},
	} {
		if _, err := old.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms3 := func(t time.Time) time.Time { return t.Truncate(time.Millisecond) }
	a, err := db.GetAccount(ctx, "AC1")
	if err != nil {
		t.Fatal(err)
	}
	if !a.DateCreated.Equal(ms3(created)) || !a.DateUpdated.Equal(ms3(created.Add(time.Second))) {
		t.Errorf("account times %s %s", a.DateCreated, a.DateUpdated)
	}
	want := map[string][3]time.Time{ // send_at, date_created, date_sent
		"SM1": {{}, ms3(created), ms3(created.Add(time.Hour))},
		"SM2": {ms3(created.Add(48 * time.Hour)), ms3(created.Add(time.Minute)), {}},
		"SM3": {{}, time.Date(1969, 6, 1, 0, 0, 0, 0, time.UTC), {}},
	}
	for sid, w := range want {
		m, err := db.GetMessage(ctx, "AC1", sid)
		if err != nil {
			t.Fatal(err)
		}
		if !m.SendAt.Equal(w[0]) || !m.DateCreated.Equal(w[1]) || !m.DateSent.Equal(w[2]) {
			t.Errorf("%s: send_at %s date_created %s date_sent %s, want %v", sid, m.SendAt, m.DateCreated, m.DateSent, w)
		}
	}

	// The generated column and its index agree with the new values.
	var check string
	if err := db.queryRow(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	day := store.MessageFilter{AccountSid: "AC1", SentFrom: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), SentUntil: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC)}
	query, args, _ := messageListQuery(day, store.Page{Size: 10})
	if plan := explain(t, db, query, args); !strings.Contains(plan, "USING INDEX messages_account_date") {
		t.Fatalf("a day's window does not use the date index:\n%s", plan)
	}
	list, _, err := db.ListMessages(ctx, day, store.Page{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Sid != "SM2" || list[1].Sid != "SM1" {
		t.Errorf("day filter through the date index after migrating: %v", messageSeqs(list))
	}
	// The migration changes nothing when run again: it converts only values that can
	// only be nanoseconds, so its place among other migrations cannot hurt.
	if _, err := db.writer.ExecContext(ctx, ms[1].sql); err != nil {
		t.Fatal(err)
	}
	for sid, w := range want {
		m, err := db.GetMessage(ctx, "AC1", sid)
		if err != nil || !m.SendAt.Equal(w[0]) || !m.DateCreated.Equal(w[1]) || !m.DateSent.Equal(w[2]) {
			t.Errorf("%s after running the migration twice: %+v %v", sid, m, err)
		}
	}
	if again, err := db.GetAccount(ctx, "AC1"); err != nil || !again.DateCreated.Equal(a.DateCreated) {
		t.Errorf("account after running the migration twice: %+v %v", again, err)
	}
	var filterDate int64
	if err := db.queryRow(ctx, "SELECT filter_date FROM messages INDEXED BY messages_account_date WHERE account_sid = 'AC1' AND filter_date < 0").Scan(&filterDate); err != nil || filterDate != time.Date(1969, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("filter_date of the 1969 message via the index: %d %v", filterDate, err)
	}
}

func TestEnsureSetting(t *testing.T) {
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
	if got, err := db.EnsureSetting(ctx, "other", []byte("x")); err != nil || string(got) != "x" {
		t.Fatalf("another name: %q %v", got, err)
	}
}
