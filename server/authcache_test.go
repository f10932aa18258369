package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/store"
)

// TestCredentialsAreCachedNotReadEachRequest: repeated requests with the same credentials
// read them once, not once per request, and caching a second account or a key does not
// push out the others.
func TestCredentialsAreCachedNotReadEachRequest(t *testing.T) {
	counting := &countingStore{}
	env := servertest.Start(t, servertest.Options{WrapStores: counting.wrap})
	sub := createSubaccount(t, env, "sub")
	key := createKey(t, env, env.Main.Sid, env.Main.AuthToken, env.Main.Sid, "cached")
	credentials := []struct{ user, password, account string }{
		{env.Main.Sid, env.Main.AuthToken, env.Main.Sid},
		{sub.Sid, sub.AuthToken, sub.Sid},
		{key.Sid, key.Secret, env.Main.Sid},
	}
	before := counting.lookups.Load()
	for i := range 30 {
		c := credentials[i%len(credentials)]
		path := "/2010-04-01/Accounts/" + c.account + "/Messages.json"
		if status, body := env.Do(t, http.MethodGet, path, c.user, c.password, nil, ""); status != 200 {
			t.Fatalf("HTTP %d %s", status, body)
		}
	}
	if n := counting.lookups.Load() - before; n > 3 {
		t.Errorf("%d lookups of credentials for 30 requests, taking turns with two accounts' and a key's", n)
	}
}

// TestCachedCredentialsAreNeverStale: a token or status changed through the API counts
// from the very next request; changed by another process on the same database, from the
// next request with SQLite, and within the bound the backend states with PostgreSQL,
// whose other processes' changes arrive as notifications (store.Store's contract).
func TestCachedCredentialsAreNeverStale(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	path := "/2010-04-01/Accounts/" + sid + "/Messages.json"
	get := func(user, password string) int {
		status, _ := env.Do(t, http.MethodGet, path, user, password, nil, "")
		return status
	}
	// bound is how long another process's change may take to count.
	var bound time.Duration
	if env.Postgres() {
		bound = 2 * time.Second // a notification, or the second's refresh when it is lost
	}
	// within asks until the answer is want, for bound at most (once with SQLite), and
	// returns the last answer.
	within := func(want int, ask func() int) int {
		deadline := time.Now().Add(bound)
		for {
			got := ask()
			if got == want || time.Now().After(deadline) {
				return got
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	sub := createSubaccount(t, env, "sub")
	for range 2 { // the second from the cache
		if get(sid, token) != 200 {
			t.Fatal("the main account's credentials do not work")
		}
	}

	// Another process (its own connections to the database) rotates the token.
	other := env.OpenStore(t)
	if _, err := other.SetAuthToken(context.Background(), sid, "rotatedToken123", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := within(http.StatusUnauthorized, func() int { return get(sid, token) }); got != http.StatusUnauthorized {
		t.Fatalf("the old token after another process rotated it: HTTP %d", got)
	}
	if got := get(sid, "rotatedToken123"); got != 200 {
		t.Fatalf("the new token: HTTP %d", got)
	}

	// A subaccount suspended by its parent through the API is refused at once, and
	// reactivated by the other process, accepted at once.
	subPath := "/2010-04-01/Accounts/" + sub.Sid + "/Messages.json"
	if status, _ := env.Do(t, http.MethodGet, subPath, sub.Sid, sub.AuthToken, nil, ""); status != 200 {
		t.Fatalf("subaccount: HTTP %d", status)
	}
	status, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+sub.Sid+".json", sid, "rotatedToken123",
		stringsReader("Status=suspended"), formType)
	if status != 200 {
		t.Fatalf("suspend: HTTP %d %s", status, body)
	}
	status, body = env.Do(t, http.MethodGet, subPath, sub.Sid, sub.AuthToken, nil, "")
	wantError(t, status, body, 401, 20005)
	active := "active"
	if _, err := other.UpdateAccount(context.Background(), sub.Sid, store.AccountUpdate{Status: &active, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	reactivated := within(200, func() int {
		status, _ := env.Do(t, http.MethodGet, subPath, sub.Sid, sub.AuthToken, nil, "")
		return status
	})
	if reactivated != 200 {
		t.Fatalf("reactivated by the other process: HTTP %d", reactivated)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
