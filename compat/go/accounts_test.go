package compat

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	api "github.com/twilio/twilio-go/rest/api/v2010"
)

var authToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkAccount asserts the fields of an account as the SDK decoded it.
func checkAccount(t *testing.T, a *api.ApiV2010Account, sid, owner, name, status string) {
	t.Helper()
	for _, c := range []struct{ field, got, want string }{
		{"sid", deref(a.Sid), sid},
		{"owner_account_sid", deref(a.OwnerAccountSid), owner},
		{"friendly_name", deref(a.FriendlyName), name},
		{"status", deref(a.Status), status},
		{"type", deref(a.Type), "Full"},
		{"uri", deref(a.Uri), "/2010-04-01/Accounts/" + sid + ".json"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !authToken.MatchString(deref(a.AuthToken)) {
		t.Errorf("auth_token %q is not 32 hex digits", deref(a.AuthToken))
	}
	if a.SubresourceUris == nil || (*a.SubresourceUris)["messages"] != "/2010-04-01/Accounts/"+sid+"/Messages.json" {
		t.Errorf("subresource_uris = %v", a.SubresourceUris)
	}
	created := parseDate(t, "date_created", a.DateCreated)
	if updated := parseDate(t, "date_updated", a.DateUpdated); updated.Before(created) {
		t.Errorf("date_updated %v before date_created %v", updated, created)
	}
}

func TestFetchOwnAccount(t *testing.T) {
	t.Parallel()
	e := start(t)
	a, err := e.SDK.Api.FetchAccount(e.Main.Sid)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, a, e.Main.Sid, e.Main.Sid, "Switchboard main account", "active")
	if deref(a.AuthToken) != e.Main.AuthToken {
		t.Errorf("auth_token = %q, want the main account's", deref(a.AuthToken))
	}
}

func TestSubaccounts(t *testing.T) {
	t.Parallel()
	e := start(t)
	main := e.SDK.Api

	sub, err := main.CreateAccount(&api.CreateAccountParams{FriendlyName: ptr("Staging")})
	if err != nil {
		t.Fatal(err)
	}
	if !accountSID.MatchString(deref(sub.Sid)) || *sub.Sid == e.Main.Sid {
		t.Fatalf("subaccount sid %q", deref(sub.Sid))
	}
	checkAccount(t, sub, *sub.Sid, e.Main.Sid, "Staging", "active")
	unnamed, err := main.CreateAccount(nil)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, unnamed, deref(unnamed.Sid), e.Main.Sid, deref(unnamed.FriendlyName), "active")
	if !strings.HasPrefix(deref(unnamed.FriendlyName), "SubAccount Created at ") {
		t.Errorf("default friendly_name = %q", deref(unnamed.FriendlyName))
	}

	// The subaccount's own credentials, as issued, work with the SDK. It cannot send from
	// its parent's number; from one it bought, it can.
	subAPI := e.clientFor(*sub.Sid, *sub.AuthToken).Api
	_, err = subAPI.CreateMessage(text("from the parent's number"))
	e.wantError(t, err, 400, 21606)
	if _, err := subAPI.CreateIncomingPhoneNumber(&api.CreateIncomingPhoneNumberParams{PhoneNumber: ptr("+14155550198")}); err != nil {
		t.Fatal(err)
	}
	m, err := subAPI.CreateMessage(&api.CreateMessageParams{To: ptr(to), From: ptr("+14155550198"), Body: ptr("from the subaccount")})
	if err != nil {
		t.Fatal(err)
	}
	checkMessage(t, m, *sub.Sid)
	self, err := subAPI.FetchAccount(*sub.Sid)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, self, *sub.Sid, e.Main.Sid, "Staging", "active")
	if got, err := subAPI.ListAccount(nil); err != nil || !slices.Equal(accountSids(got), []string{*sub.Sid}) {
		t.Errorf("subaccount lists accounts %v (%v), want only itself", accountSids(got), err)
	}

	// A subaccount reaches neither its parent nor a sibling, and cannot make subaccounts.
	_, err = subAPI.FetchAccount(e.Main.Sid)
	e.wantError(t, err, 401, 20003)
	_, err = subAPI.ListMessage(&api.ListMessageParams{PathAccountSid: ptr(e.Main.Sid)})
	e.wantError(t, err, 401, 20003)
	_, err = subAPI.FetchAccount(*unnamed.Sid)
	e.wantError(t, err, 401, 20003)
	_, err = subAPI.CreateAccount(&api.CreateAccountParams{FriendlyName: ptr("grandchild")})
	e.wantError(t, err, 403, 20403)

	// The parent reaches the subaccount's messages through PathAccountSid.
	got, err := main.FetchMessage(*m.Sid, &api.FetchMessageParams{PathAccountSid: sub.Sid})
	if err != nil {
		t.Fatal(err)
	}
	if !sameMessage(got, m) {
		t.Errorf("parent fetched %v, want %v", summary(got), summary(m))
	}
	list, err := main.ListMessage(&api.ListMessageParams{PathAccountSid: sub.Sid})
	if err != nil || !slices.Equal(sidsOf(list), []string{*m.Sid}) {
		t.Errorf("parent lists the subaccount's messages: %v (%v), want [%s]", sidsOf(list), err, *m.Sid)
	}
	// ... but not under its own path, where the message does not exist.
	_, err = main.FetchMessage(*m.Sid, nil)
	e.wantError(t, err, 404, 20404)
	if own, err := main.ListMessage(nil); err != nil || len(own) != 0 {
		t.Errorf("main account's own list: %v (%v), want empty", sidsOf(own), err)
	}

	// Lists, filters and paging of accounts.
	all, err := main.ListAccount(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{*unnamed.Sid, *sub.Sid, e.Main.Sid}; !slices.Equal(accountSids(all), want) {
		t.Errorf("accounts = %v, want newest first %v", accountSids(all), want)
	}
	mark := e.log.mark()
	paged, err := main.ListAccount(&api.ListAccountParams{PageSize: ptr(1)})
	if err != nil || !slices.Equal(accountSids(paged), accountSids(all)) {
		t.Errorf("accounts one per page = %v (%v), want %v", accountSids(paged), err, accountSids(all))
	}
	if n := len(e.log.since(mark)); n != 3 {
		t.Errorf("%d requests for 3 accounts one per page, want 3", n)
	}
	named, err := main.ListAccount(&api.ListAccountParams{FriendlyName: ptr("Staging")})
	if err != nil || !slices.Equal(accountSids(named), []string{*sub.Sid}) {
		t.Errorf("FriendlyName=Staging: %v (%v)", accountSids(named), err)
	}

	// Rename, suspend, reactivate, close.
	renamed, err := main.UpdateAccount(*sub.Sid, &api.UpdateAccountParams{FriendlyName: ptr("Staging 2")})
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, renamed, *sub.Sid, e.Main.Sid, "Staging 2", "active")

	suspended, err := main.UpdateAccount(*sub.Sid, &api.UpdateAccountParams{Status: ptr("suspended")})
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, suspended, *sub.Sid, e.Main.Sid, "Staging 2", "suspended")
	_, err = subAPI.CreateMessage(text("while suspended"))
	e.wantError(t, err, 401, 20005)
	_, err = main.ListMessage(&api.ListMessageParams{PathAccountSid: sub.Sid})
	e.wantError(t, err, 403, 20005)
	if s, err := main.ListAccount(&api.ListAccountParams{Status: ptr("suspended")}); err != nil || !slices.Equal(accountSids(s), []string{*sub.Sid}) {
		t.Errorf("Status=suspended: %v (%v)", accountSids(s), err)
	}

	if _, err := main.UpdateAccount(*sub.Sid, &api.UpdateAccountParams{Status: ptr("active")}); err != nil {
		t.Fatal(err)
	}
	if _, err := subAPI.CreateMessage(&api.CreateMessageParams{To: ptr(to), From: ptr("+14155550198"), Body: ptr("back")}); err != nil {
		t.Errorf("after reactivation: %v", err)
	}

	_, err = main.UpdateAccount(e.Main.Sid, &api.UpdateAccountParams{Status: ptr("suspended")})
	e.wantError(t, err, 403, 20403)

	closed, err := main.UpdateAccount(*unnamed.Sid, &api.UpdateAccountParams{Status: ptr("closed")})
	if err != nil {
		t.Fatal(err)
	}
	if deref(closed.Status) != "closed" {
		t.Errorf("status = %q, want closed", deref(closed.Status))
	}
	_, err = main.UpdateAccount(*unnamed.Sid, &api.UpdateAccountParams{Status: ptr("active")})
	e.wantError(t, err, 400, 20001)
}

func accountSids(as []api.ApiV2010Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = deref(a.Sid)
	}
	return out
}
