package server_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
)

// TestExternalLockIs503: another process holding the database's write lock for longer
// than busy_timeout (5 s) is a 503 the client can retry, with Retry-After, logged at error
// level; it was a 500 "database is locked (5) (SQLITE_BUSY)" (finding 6).
func TestExternalLockIs503(t *testing.T) {
	// SQLite's write lock, taken through its file; PostgreSQL's lock_timeout is
	// store/postgres's TestLockWaitIsUnavailable.
	servertest.SQLiteOnly(t)
	t.Parallel() // it waits out busy_timeout
	var logs lockedBuffer
	env := servertest.Start(t, servertest.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	sid, token := env.Main.Sid, env.Main.AuthToken
	m := send(t, env.Client, sid, text("+14155550100", testSender, "before the lock"))

	// What the sqlite3 shell does with BEGIN IMMEDIATE and then waits. Its own
	// busy_timeout lets it wait for the server's writer (delivering the message sent
	// above) instead of failing at once on a loaded machine.
	other, err := sql.Open("sqlite", "file:"+env.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	form := "To=%2B14155550100&From=%2B15005550006&Body=during+the+lock"
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/2010-04-01/Accounts/"+sid+"/Messages.json", strings.NewReader(form))
	req.SetBasicAuth(sid, token)
	req.Header.Set("Content-Type", formType)
	resp, err := env.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	wantError(t, resp.StatusCode, body, 503, 20503)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	// Reads go on under WAL.
	if status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sid+"/Messages/"+m.Sid+".json", sid, token, nil, ""); status != http.StatusOK {
		t.Errorf("a read during the lock: HTTP %d %s", status, body)
	}
	got := logs.String()
	if !strings.Contains(got, `"level":"ERROR"`) || !strings.Contains(got, "request failed") || !strings.Contains(got, "SQLITE_BUSY") {
		t.Errorf("the 503 was not logged at error level with its cause:\n%s", got)
	}

	// Once the lock is gone, the same request works.
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	send(t, env.Client, sid, text("+14155550100", testSender, "after the lock"))
}
