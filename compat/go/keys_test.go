package compat

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	api "github.com/twilio/twilio-go/rest/api/v2010"
)

var (
	keySID    = regexp.MustCompile(`^SK[0-9a-f]{32}$`)
	keySecret = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
)

// newKey creates a Standard key of the main account through the SDK.
func (e *sdkEnv) newKey(t *testing.T, name string) *api.ApiV2010NewKey {
	t.Helper()
	k, err := e.SDK.Api.CreateNewKey(&api.CreateNewKeyParams{FriendlyName: ptr(name)})
	if err != nil {
		t.Fatal(err)
	}
	if !keySID.MatchString(deref(k.Sid)) || !keySecret.MatchString(deref(k.Secret)) || deref(k.FriendlyName) != name {
		t.Fatalf("new key %+v", k)
	}
	parseDate(t, "date_created", k.DateCreated)
	return k
}

// TestAPIKeyClientSendsFetchesLists: a client built with an API key (and the Account
// SID), as Twilio recommends for production, does what the auth token does with messages.
func TestAPIKeyClientSendsFetchesLists(t *testing.T) {
	t.Parallel()
	e := start(t)
	k := e.newKey(t, "production app")
	app := e.keyClientFor(*k.Sid, *k.Secret, e.Main.Sid).Api

	m, err := app.CreateMessage(text("sent with an API key"))
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, m, e.Main.Sid)
	got, err := app.FetchMessage(*m.Sid, nil)
	if err != nil || deref(got.Body) != "sent with an API key" {
		t.Fatalf("fetch: %v %+v", err, got)
	}
	list, err := app.ListMessage(&api.ListMessageParams{To: ptr(to)})
	if err != nil || len(list) != 1 || deref(list[0].Sid) != *m.Sid {
		t.Fatalf("list: %v %d messages", err, len(list))
	}
	// Every request went out with the key as the Basic user, to the account's paths.
	seen := 0
	for _, r := range e.log.since(0) {
		if !strings.Contains(r.URL.Path, "/Messages") {
			continue
		}
		seen++
		user, _, ok := (&http.Request{Header: r.Header}).BasicAuth()
		if !ok || user != *k.Sid || !strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/"+e.Main.Sid+"/") {
			t.Errorf("%s %s sent as %q", r.Method, r.URL, user)
		}
	}
	if seen != 3 {
		t.Errorf("%d message requests on the wire, want 3 (create, fetch, list)", seen)
	}

	// A wrong secret is 401/20003.
	_, err = e.keyClientFor(*k.Sid, strings.ToLower(*k.Secret), e.Main.Sid).Api.CreateMessage(text("no"))
	e.wantError(t, err, 401, 20003)
}

// TestStandardKeyRefusedOnAccountsAndKeys: Twilio answers a Standard key on /Accounts
// and /Keys with 401/20003, and so does Switchboard.
func TestStandardKeyRefusedOnAccountsAndKeys(t *testing.T) {
	t.Parallel()
	e := start(t)
	k := e.newKey(t, "standard")
	app := e.keyClientFor(*k.Sid, *k.Secret, e.Main.Sid).Api

	_, err := app.FetchAccount(e.Main.Sid)
	e.wantError(t, err, 401, 20003)
	_, err = app.ListAccount(nil)
	e.wantError(t, err, 401, 20003)
	_, err = app.CreateAccount(&api.CreateAccountParams{FriendlyName: ptr("nope")})
	e.wantError(t, err, 401, 20003)
	_, err = app.CreateNewKey(&api.CreateNewKeyParams{FriendlyName: ptr("nope")})
	e.wantError(t, err, 401, 20003)
	_, err = app.ListKey(nil)
	e.wantError(t, err, 401, 20003)
	_, err = app.FetchKey(*k.Sid, nil)
	e.wantError(t, err, 401, 20003)
	err = app.DeleteKey(*k.Sid, nil)
	e.wantError(t, err, 401, 20003)
	// ... while the messages next door work.
	if _, err := app.ListMessage(nil); err != nil {
		t.Fatalf("messages with the same key: %v", err)
	}
}

// TestKeysCRUD: create, fetch, list, rename and delete through the SDK; the secret comes
// back from create only, and a deleted key stops working on the next request.
func TestKeysCRUD(t *testing.T) {
	t.Parallel()
	e := start(t)
	tw := e.SDK.Api
	first := e.newKey(t, "first")
	second := e.newKey(t, "second")

	got, err := tw.FetchKey(*first.Sid, nil)
	if err != nil || deref(got.Sid) != *first.Sid || deref(got.FriendlyName) != "first" {
		t.Fatalf("fetch: %v %+v", err, got)
	}
	parseDate(t, "date_updated", got.DateUpdated)
	// One a page: the SDK follows next_page_uri.
	keys, err := tw.ListKey(&api.ListKeyParams{PageSize: ptr(1)})
	if err != nil || len(keys) != 2 || deref(keys[0].Sid) != *second.Sid || deref(keys[1].Sid) != *first.Sid {
		t.Fatalf("list: %v %+v", err, keys)
	}
	renamed, err := tw.UpdateKey(*first.Sid, &api.UpdateKeyParams{FriendlyName: ptr("renamed")})
	if err != nil || deref(renamed.FriendlyName) != "renamed" {
		t.Fatalf("update: %v %+v", err, renamed)
	}

	app := e.keyClientFor(*second.Sid, *second.Secret, e.Main.Sid).Api
	if _, err := app.ListMessage(nil); err != nil {
		t.Fatalf("before delete: %v", err)
	}
	if err := tw.DeleteKey(*second.Sid, nil); err != nil {
		t.Fatal(err)
	}
	_, err = app.ListMessage(nil)
	e.wantError(t, err, 401, 20003)
	_, err = tw.FetchKey(*second.Sid, nil)
	e.wantError(t, err, 404, 20404)
}
