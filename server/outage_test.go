package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// TestDatabaseOutage: while its PostgreSQL server is down, a replica says it is not ready
// (/healthz) and answers a read and a write with 503, code 20503 and Retry-After, never
// 500, so that a load balancer takes it out and clients retry; once the database is back,
// the same replica is ready and serves them again by itself. It runs on a cluster of its
// own, which it stops and restarts, whichever backend the other tests run on.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	cluster, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Remove) // after the server's own cleanup, which closes its store
	db, err := pgtest.CreateDatabase(ctx, cluster.URL("postgres"), "switchboard")
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.Options{DBPath: db, StepDelay: time.Hour})
	sid, token := env.Main.Sid, env.Main.AuthToken
	sent := send(t, env.Client, sid, text("+14155550100", testSender, "before the outage"))

	messages := "/2010-04-01/Accounts/" + sid + "/Messages"
	form := url.Values{"To": {"+14155550100"}, "From": {testSender}, "Body": {"during the outage"}}.Encode()
	type request struct{ name, method, path, body string }
	requests := []request{
		{"health check", http.MethodGet, "/healthz", ""},
		{"fetch", http.MethodGet, messages + "/" + sent.Sid + ".json", ""},
		{"create", http.MethodPost, messages + ".json", form},
	}
	do := func(r request) (int, []byte, string) {
		t.Helper()
		req, err := http.NewRequest(r.method, env.URL+r.path, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.path != "/healthz" {
			req.SetBasicAuth(sid, token)
		}
		if r.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body, resp.Header.Get("Retry-After")
	}

	cluster.Stop()
	// At once, with the pool's connections broken; then past the two seconds after which
	// the store no longer vouches for the credentials the server keeps in memory, so that
	// authentication itself meets the outage.
	for _, after := range []time.Duration{0, 2500 * time.Millisecond} {
		time.Sleep(after)
		for _, r := range requests {
			status, body, retry := do(r)
			wantError(t, status, body, http.StatusServiceUnavailable, 20503)
			if retry == "" {
				t.Errorf("%s %v into the outage: 503 without Retry-After", r.name, after)
			}
		}
	}

	if err := cluster.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if cluster.URL("switchboard") != db {
		t.Fatalf("the cluster came back at %s, not at %s (its port was taken meanwhile)", cluster.URL("switchboard"), db)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, _ := do(requests[0])
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz answers %d 10 s after the database came back", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range requests[1:] {
		if status, body, _ := do(r); status != http.StatusOK && status != http.StatusCreated {
			t.Errorf("%s once the database is back: HTTP %d %s", r.name, status, body)
		}
	}
}
