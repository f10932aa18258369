package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/store"
)

// countingStore counts the reads of credentials (accounts and API keys), the work
// authentication does per attempt.
type countingStore struct {
	server.ServerStore
	lookups atomic.Int64
}

// wrap makes the server read its credentials through s.
func (s *countingStore) wrap(stores server.Stores) server.Stores {
	s.ServerStore, stores.Server = stores.Server, s
	return stores
}

func (s *countingStore) GetAccount(ctx context.Context, sid string) (store.Account, error) {
	s.lookups.Add(1)
	return s.ServerStore.GetAccount(ctx, sid)
}

func (s *countingStore) KeyForAuth(ctx context.Context, sid string) (store.APIKey, store.Account, error) {
	s.lookups.Add(1)
	return s.ServerStore.KeyForAuth(ctx, sid)
}

// from returns a spec-checking HTTP client whose connections come from source, an address
// on the loopback (127.0.0.0/8 all reach the server on Linux). Each request opens a new
// connection, from a new port, as an attacker's might: what counts is the address.
func from(t *testing.T, source string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	return &http.Client{Timeout: 10 * time.Second,
		Transport: servertest.NewSpecTransport(t, &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true})}
}

func login(t *testing.T, c *http.Client, env *servertest.Env, sid, token string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/2010-04-01/Accounts/"+sid+"/Messages.json", nil)
	req.SetBasicAuth(sid, token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

// TestFailedLoginsAreThrottled (finding 2: 1,000 wrong tokens got 1,000 × 401 in 1.3 s,
// --rate-limit or not, because the limiter ran after authentication).
func TestFailedLoginsAreThrottled(t *testing.T) {
	counting := &countingStore{}
	env := servertest.Start(t, servertest.Options{WrapStores: counting.wrap})
	sid, token := env.Main.Sid, env.Main.AuthToken
	attacker, owner := from(t, "127.0.0.1"), from(t, "127.0.0.2")

	// One address guessing: its failures are checked up to the budget, then refused
	// before any lookup, with 429 20429 and Retry-After.
	checked, start := 0, time.Now()
	for i := range 200 {
		status, retry, body := login(t, attacker, env, sid, "guess"+string(rune('a'+i%26)))
		switch status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			wantError(t, status, body, 429, 20429)
			if retry != "1" { // a failure comes back every second
				t.Fatalf("429 with Retry-After %q, want 1", retry)
			}
		default:
			t.Fatalf("guess %d: HTTP %d %s", i, status, body)
		}
	}
	took := time.Since(start)
	t.Logf("one address: %d of 200 wrong tokens were checked in %s", checked, took.Round(time.Millisecond))
	if refill := int(took/time.Second) + 1; checked < 20 || checked > 20+refill {
		t.Fatalf("%d of 200 wrong tokens were checked in %s; the budget is 20, and 1 more a second", checked, took)
	}
	lookups := counting.lookups.Load()
	// The throttled address is refused even with the right token...
	if status, _, _ := login(t, attacker, env, sid, token); status != http.StatusTooManyRequests {
		t.Fatalf("right token from the throttled address: HTTP %d, want 429", status)
	}
	if n := counting.lookups.Load() - lookups; n != 0 {
		t.Errorf("a throttled attempt cost %d account lookups", n)
	}
	// ...but the owner, from another address, still gets in, although the attack used up
	// the account's budget.
	if status, _, body := login(t, owner, env, sid, token); status != http.StatusOK {
		t.Fatalf("the owner's right token from another address: HTTP %d %s", status, body)
	}

	// Many addresses guessing at one account: each gets one guess checked, then the
	// account, over its budget, refuses sources that have failed.
	for i := 3; i < 13; i++ {
		c := from(t, "127.0.0."+strconv.Itoa(i))
		status, _, _ := login(t, c, env, sid, "distributed")
		if status != http.StatusUnauthorized {
			t.Fatalf("first guess from 127.0.0.%d: HTTP %d, want 401", i, status)
		}
		if status, _, _ := login(t, c, env, sid, "again"); status != http.StatusTooManyRequests {
			t.Fatalf("second guess from 127.0.0.%d at an account under attack: HTTP %d, want 429", i, status)
		}
	}
	// The owner is still fine, and other accounts are not affected at all.
	if status, _, body := login(t, owner, env, sid, token); status != http.StatusOK {
		t.Fatalf("owner after the distributed guessing: HTTP %d %s", status, body)
	}

	// Guesses at SIDs that do not exist count against the address too.
	prober := from(t, "127.0.0.20")
	refused := 0
	for i := range 40 {
		sid := "AC" + strings.Repeat(string("0123456789abcdef"[i%16]), 32)
		if status, _, _ := login(t, prober, env, sid, "x"); status == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused < 15 {
		t.Errorf("only %d of 40 guesses at unknown accounts were refused", refused)
	}
}
