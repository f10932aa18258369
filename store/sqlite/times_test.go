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
		t.Errorf("day filter through the date index after migrating: %+v", list)
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
