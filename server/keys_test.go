package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

var (
	keySID    = regexp.MustCompile(`^SK[0-9a-f]{32}$`)
	keySecret = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
)

// createKey makes a Standard key of account through the 2010 API, authenticated as
// sid/token.
func createKey(t testing.TB, env *servertest.Env, sid, token, account, name string) client.NewKey {
	t.Helper()
	resp, err := env.ClientFor(sid, token).CreateKeyWithFormdataBodyWithResponse(context.Background(), account, client.CreateKeyRequest{FriendlyName: &name})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create key: %v %s", err, resp.Body)
	}
	return *resp.JSON201
}

// createMainKey makes a Main key of the main account through Switchboard's endpoint.
func createMainKey(t testing.TB, env *servertest.Env, name string) client.SwitchboardNewKey {
	t.Helper()
	main := client.KeyTypeMain
	resp, err := env.Client.CreateSwitchboardKeyWithFormdataBodyWithResponse(context.Background(), env.Main.Sid,
		client.CreateSwitchboardKeyRequest{FriendlyName: &name, KeyType: &main})
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create main key: %v %s", err, resp.Body)
	}
	return *resp.JSON201
}

func TestStandardKeyAuthenticatesForItsAccount(t *testing.T) {
	env := servertest.Start(t, servertest.Options{StepDelay: time.Hour})
	ctx := context.Background()
	main := env.Main.Sid
	k := createKey(t, env, main, env.Main.AuthToken, main, "CI")
	if !keySID.MatchString(k.Sid) || !keySecret.MatchString(k.Secret) || deref(k.FriendlyName) != "CI" {
		t.Fatalf("new key %+v", k)
	}
	c := env.ClientFor(k.Sid, k.Secret)

	// Messages: create, fetch, list, all as the key's account.
	m := send(t, c, main, text("+14155550100", testSender, "sent with an API key"))
	if m.AccountSid != main {
		t.Fatalf("message of %s, want %s", m.AccountSid, main)
	}
	got, err := c.FetchMessageWithResponse(ctx, main, m.Sid)
	if err != nil || got.JSON200 == nil || got.JSON200.Sid != m.Sid {
		t.Fatalf("fetch with key: %v %s", err, got.Body)
	}
	list, err := c.ListMessagesWithResponse(ctx, main, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Messages) != 1 {
		t.Fatalf("list with key: %v %s", err, list.Body)
	}

	// Wrong secrets, another key's secret, a secret with the Account SID: all refused alike.
	other := createKey(t, env, main, env.Main.AuthToken, main, "other")
	msgs := "/2010-04-01/Accounts/" + main + "/Messages.json"
	for _, cred := range []struct{ name, user, password string }{
		{"wrong secret", k.Sid, strings.ToLower(k.Secret)},
		{"empty secret", k.Sid, ""},
		{"another key's secret", k.Sid, other.Secret},
		{"secret as auth token", main, k.Secret},
		{"unknown key", "SK" + strings.Repeat("0", 32), k.Secret},
		{"auth token as secret", k.Sid, env.Main.AuthToken},
	} {
		status, body := env.Do(t, http.MethodGet, msgs, cred.user, cred.password, nil, "")
		if status != http.StatusUnauthorized {
			t.Errorf("%s: HTTP %d %s", cred.name, status, body)
			continue
		}
		wantError(t, status, body, 401, 20003)
	}

	// Phone numbers and the simulator are the account's resources too.
	if resp, err := c.ListIncomingPhoneNumbersWithResponse(ctx, main, nil); err != nil || resp.JSON200 == nil {
		t.Fatalf("numbers with key: %v %s", err, resp.Body)
	}
	if resp, err := c.ListWebhookDeliveriesWithResponse(ctx, main, nil); err != nil || resp.JSON200 == nil {
		t.Fatalf("deliveries with key: %v %s", err, resp.Body)
	}
}

// TestStandardKeyRefusedOnAccountsAndKeys: Twilio answers a Standard key on the Accounts
// and Keys resources as it answers wrong credentials (401, 20003).
func TestStandardKeyRefusedOnAccountsAndKeys(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	main, token := env.Main.Sid, env.Main.AuthToken
	k := createKey(t, env, main, token, main, "standard")
	sub := createSubaccount(t, env, "sub")

	keyPath := "/2010-04-01/Accounts/" + main + "/Keys/" + k.Sid + ".json"
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/2010-04-01/Accounts.json", ""},
		{http.MethodPost, "/2010-04-01/Accounts.json", "FriendlyName=new"},
		{http.MethodGet, "/2010-04-01/Accounts/" + main + ".json", ""},
		{http.MethodPost, "/2010-04-01/Accounts/" + main + ".json", "FriendlyName=renamed"},
		{http.MethodGet, "/2010-04-01/Accounts/" + main + "/Keys.json", ""},
		{http.MethodPost, "/2010-04-01/Accounts/" + main + "/Keys.json", "FriendlyName=another"},
		{http.MethodGet, keyPath, ""},
		{http.MethodPost, keyPath, "FriendlyName=renamed"},
		{http.MethodDelete, keyPath, ""},
		{http.MethodPost, "/switchboard/v1/Accounts/" + main + "/Keys", "KeyType=main"},
		// A Standard key is its own account's only: not its subaccounts'.
		{http.MethodGet, "/2010-04-01/Accounts/" + sub.Sid + "/Messages.json", ""},
	} {
		var body *strings.Reader
		ctype := ""
		if r.body != "" {
			body, ctype = strings.NewReader(r.body), formType
		} else {
			body = strings.NewReader("")
		}
		status, got := env.Do(t, r.method, r.path, k.Sid, k.Secret, body, ctype)
		if status != http.StatusUnauthorized {
			t.Errorf("%s %s with a Standard key: HTTP %d %s", r.method, r.path, status, got)
			continue
		}
		wantError(t, status, got, 401, 20003)
	}
	// Nothing happened: the key is still there, under its name.
	resp, err := env.Client.FetchKeyWithResponse(context.Background(), main, k.Sid)
	if err != nil || resp.JSON200 == nil || deref(resp.JSON200.FriendlyName) != "standard" {
		t.Fatalf("key after refused changes: %v %s", err, resp.Body)
	}
}

func TestMainKeyActsLikeAuthToken(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main.Sid
	mk := createMainKey(t, env, "admin")
	if mk.KeyType != client.KeyTypeMain || !keySecret.MatchString(mk.Secret) {
		t.Fatalf("main key %+v", mk)
	}
	c := env.ClientFor(mk.Sid, mk.Secret)
	accounts, err := c.ListAccountsWithResponse(ctx, nil)
	if err != nil || accounts.JSON200 == nil || len(accounts.JSON200.Accounts) != 1 || accounts.JSON200.Accounts[0].Sid != main {
		t.Fatalf("accounts with a main key: %v %s", err, accounts.Body)
	}
	// It manages keys, subaccounts, and acts on subaccounts like the auth token.
	k := createKey(t, env, mk.Sid, mk.Secret, main, "made by a main key")
	subResp, err := c.CreateAccountWithFormdataBodyWithResponse(ctx, client.CreateAccountRequest{})
	if err != nil || subResp.JSON201 == nil {
		t.Fatalf("subaccount with a main key: %v %s", err, subResp.Body)
	}
	sub := subResp.JSON201.Sid
	send(t, c, sub, text("+14155550100", testSender, "to the subaccount"))
	keys, err := c.ListKeysWithResponse(ctx, main, nil)
	if err != nil || keys.JSON200 == nil || len(keys.JSON200.Keys) != 2 || keys.JSON200.Keys[0].Sid != k.Sid || keys.JSON200.Keys[1].Sid != mk.Sid {
		t.Fatalf("keys: %v %s", err, keys.Body)
	}
	// A Standard key made through Switchboard's endpoint is a Standard key.
	std := client.KeyTypeStandard
	sresp, err := env.Client.CreateSwitchboardKeyWithFormdataBodyWithResponse(ctx, main, client.CreateSwitchboardKeyRequest{KeyType: &std})
	if err != nil || sresp.JSON201 == nil || sresp.JSON201.KeyType != std || sresp.JSON201.FriendlyName != nil {
		t.Fatalf("standard key through switchboard: %v %s", err, sresp.Body)
	}
	status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts.json", sresp.JSON201.Sid, sresp.JSON201.Secret, nil, "")
	wantError(t, status, body, 401, 20003)
}

// TestDeletedKeyStopsAtOnce: the very next request with a deleted key is refused, on a
// connection that served it a moment before.
func TestDeletedKeyStopsAtOnce(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main.Sid
	k := createKey(t, env, main, env.Main.AuthToken, main, "short-lived")
	c := env.ClientFor(k.Sid, k.Secret)
	for range 3 { // warm the connection, and any cache there might be
		if resp, err := c.ListMessagesWithResponse(ctx, main, nil); err != nil || resp.JSON200 == nil {
			t.Fatalf("before delete: %v %s", err, resp.Body)
		}
	}
	del, err := env.Client.DeleteKeyWithResponse(ctx, main, k.Sid)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %s", err, del.Body)
	}
	resp, err := c.ListMessagesWithResponse(ctx, main, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, resp.StatusCode(), resp.Body, 401, 20003)
	if again, _ := env.Client.DeleteKeyWithResponse(ctx, main, k.Sid); again.StatusCode() != http.StatusNotFound {
		t.Fatalf("second delete: HTTP %d", again.StatusCode())
	}
}

func TestKeyCRUD(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	main := env.Main.Sid
	sub := createSubaccount(t, env, "sub")

	// No name: friendly_name is null.
	resp, err := env.Client.CreateKeyWithFormdataBodyWithResponse(ctx, main, client.CreateKeyRequest{})
	if err != nil || resp.JSON201 == nil || resp.JSON201.FriendlyName != nil {
		t.Fatalf("create without a name: %v %s", err, resp.Body)
	}
	first := *resp.JSON201
	second := createKey(t, env, main, env.Main.AuthToken, main, "second")

	renamed, err := env.Client.UpdateKeyWithFormdataBodyWithResponse(ctx, main, first.Sid, client.UpdateKeyRequest{FriendlyName: ptr("first")})
	if err != nil || renamed.JSON200 == nil || deref(renamed.JSON200.FriendlyName) != "first" || renamed.JSON200.Sid != first.Sid {
		t.Fatalf("rename: %v %s", err, renamed.Body)
	}
	unchanged, err := env.Client.UpdateKeyWithFormdataBodyWithResponse(ctx, main, first.Sid, client.UpdateKeyRequest{})
	if err != nil || unchanged.JSON200 == nil || deref(unchanged.JSON200.FriendlyName) != "first" {
		t.Fatalf("empty update: %v %s", err, unchanged.Body)
	}
	// The renamed key still authenticates with its secret.
	send(t, env.ClientFor(first.Sid, first.Secret), main, text("+14155550100", testSender, "still works"))

	// Paging: one a page, newest first, following next_page_uri.
	size := 1
	page1, err := env.Client.ListKeysWithResponse(ctx, main, &client.ListKeysParams{PageSize: &size})
	if err != nil || page1.JSON200 == nil || len(page1.JSON200.Keys) != 1 || page1.JSON200.Keys[0].Sid != second.Sid || page1.JSON200.NextPageUri == nil {
		t.Fatalf("page 1: %v %s", err, page1.Body)
	}
	status, body := env.Do(t, http.MethodGet, *page1.JSON200.NextPageUri, main, env.Main.AuthToken, nil, "")
	if status != http.StatusOK || !strings.Contains(string(body), first.Sid) || strings.Contains(string(body), second.Sid) {
		t.Fatalf("page 2: HTTP %d %s", status, body)
	}

	// Another account's key is not found under this account, nor this account's under it.
	subKey := createKey(t, env, sub.Sid, sub.AuthToken, sub.Sid, "sub's")
	if r, _ := env.Client.FetchKeyWithResponse(ctx, main, subKey.Sid); r.StatusCode() != http.StatusNotFound {
		t.Fatalf("sub's key under main: HTTP %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := env.ClientFor(sub.Sid, sub.AuthToken).FetchKeyWithResponse(ctx, sub.Sid, first.Sid); r.StatusCode() != http.StatusNotFound {
		t.Fatalf("main's key under sub: HTTP %d %s", r.StatusCode(), r.Body)
	}
	// The parent manages its subaccount's keys, as it manages the rest of it.
	if r, _ := env.Client.FetchKeyWithResponse(ctx, sub.Sid, subKey.Sid); r.JSON200 == nil {
		t.Fatalf("sub's key from the parent: HTTP %d %s", r.StatusCode(), r.Body)
	}
	// A suspended account's keys are refused like its auth token.
	if r, err := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, sub.Sid, client.UpdateAccountRequest{Status: ptr(client.AccountStatusSuspended)}); err != nil || r.JSON200 == nil {
		t.Fatalf("suspend: %v %s", err, r.Body)
	}
	status, body = env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+sub.Sid+"/Messages.json", subKey.Sid, subKey.Secret, nil, "")
	wantError(t, status, body, 401, 20005)
}

// TestKeySecretShownOnceStoredNowhere: the secret is in the create response and in no
// other response, no log line (at debug level, with every response checked against the
// spec) and no byte of the database files.
func TestKeySecretShownOnceStoredNowhere(t *testing.T) {
	logs := &lockedBuffer{}
	env := servertest.Start(t, servertest.Options{CheckResponses: true,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	main, token := env.Main.Sid, env.Main.AuthToken
	ctx := context.Background()

	status, created := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+main+"/Keys.json", main, token,
		strings.NewReader("FriendlyName=secret-test"), formType)
	if status != http.StatusCreated {
		t.Fatalf("create: HTTP %d %s", status, created)
	}
	secret := regexp.MustCompile(`"secret":"([A-Za-z0-9]+)"`).FindSubmatch(created)
	if secret == nil {
		t.Fatalf("no secret in %s", created)
	}
	sid := regexp.MustCompile(`"sid":"(SK[0-9a-f]+)"`).FindSubmatch(created)[1]

	// Use the key every way there is, failures included.
	c := env.ClientFor(string(sid), string(secret[1]))
	send(t, c, main, text("+14155550100", testSender, "hello"))
	env.Do(t, http.MethodGet, "/2010-04-01/Accounts.json", string(sid), string(secret[1]), nil, "") // refused: Standard
	env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+main+"/Messages.json", string(sid), string(secret[1])+"x", nil, "")

	var later [][]byte
	for _, path := range []string{"/Keys.json", "/Keys/" + string(sid) + ".json"} {
		_, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts/"+main+path, main, token, nil, "")
		later = append(later, body)
	}
	_, body := env.Do(t, http.MethodPost, "/2010-04-01/Accounts/"+main+"/Keys/"+string(sid)+".json", main, token,
		strings.NewReader("FriendlyName=renamed"), formType)
	later = append(later, body)
	for i, b := range later {
		if !bytes.Contains(b, sid) {
			t.Fatalf("response %d does not show the key at all: %s", i, b)
		}
		if bytes.Contains(b, secret[1]) || bytes.Contains(b, []byte(`"secret"`)) {
			t.Errorf("response %d shows the secret: %s", i, b)
		}
	}

	if _, err := env.Client.ListKeysWithResponse(ctx, main, nil); err != nil {
		t.Fatal(err)
	}
	env.Stop() // closes the database, so that every write has reached its files
	if l := []byte(logs.String()); !bytes.Contains(l, []byte("/Keys.json")) {
		t.Fatalf("the captured log has no request lines; is it the server's? %q", l)
	} else if bytes.Contains(l, secret[1]) {
		t.Errorf("the log holds the secret:\n%s", l)
	}
	stored := databaseContents(t, env)
	var sawSid bool
	for where, data := range stored {
		sawSid = sawSid || bytes.Contains(data, sid)
		if bytes.Contains(data, secret[1]) {
			t.Errorf("%s holds the secret in clear", where)
		}
	}
	if !sawSid {
		t.Fatal("nothing in the database holds the key's SID: this is not the server's database")
	}
}

// databaseContents returns what the server's database holds, by where it is: with SQLite, the
// bytes of its files (the database and any -wal, -shm), free pages and all; with
// PostgreSQL, every row of every table, as text.
func databaseContents(t *testing.T, env *servertest.Env) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	if !env.Postgres() {
		files, err := filepath.Glob(env.DBPath + "*")
		if err != nil || len(files) == 0 {
			t.Fatalf("database files: %v %v", files, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = data
		}
		return out
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		t.Fatalf("tables: %v %v", tables, err)
	}
	for _, table := range tables {
		var text []byte
		if err := conn.QueryRow(ctx, "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM "+pgx.Identifier{table}.Sanitize()+" t").Scan(&text); err != nil {
			t.Fatal(err)
		}
		out["table "+table] = text
	}
	return out
}

// TestFailedKeyLoginsAreThrottled: guessing a key's secret is throttled like guessing an
// auth token (per address, and per key), and the key's owner, from another address,
// still gets in.
func TestFailedKeyLoginsAreThrottled(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	main := env.Main.Sid
	k := createKey(t, env, main, env.Main.AuthToken, main, "guessed")
	attacker, owner := from(t, "127.0.0.1"), from(t, "127.0.0.2")
	try := func(c *http.Client, secret string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, env.URL+"/2010-04-01/Accounts/"+main+"/Messages.json", nil)
		req.SetBasicAuth(k.Sid, secret)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	checked, refused, start := 0, 0, time.Now()
	for i := range 100 {
		switch status, body := try(attacker, fmt.Sprintf("guess%027d", i)); status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			wantError(t, status, body, 429, 20429)
			refused++
		default:
			t.Fatalf("guess %d: HTTP %d %s", i, status, body)
		}
	}
	// A burst of 20, and one more for each second the loop took (a slow machine's too).
	if budget := 20 + int(time.Since(start).Seconds()) + 1; refused == 0 || checked > budget {
		t.Fatalf("%d guesses checked (budget %d), %d refused: not throttled", checked, budget, refused)
	}
	if status, body := try(owner, k.Secret); status != http.StatusOK {
		t.Fatalf("the owner from a clean address: HTTP %d %s", status, body)
	}
}
