package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// listAs GETs a list URI as sid/token and decodes the page; any status but 200 fails.
func listAs(t *testing.T, env *servertest.Env, sid, token, uri string) client.MessageList {
	t.Helper()
	status, body := env.Do(t, http.MethodGet, uri, sid, token, nil, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", uri, status, body)
	}
	var page client.MessageList
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page
}

func pageToken(t *testing.T, uri *string) string {
	t.Helper()
	if uri == nil {
		t.Fatal("no page URI")
	}
	u, err := url.Parse(*uri)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("PageToken")
}

var numericToken = regexp.MustCompile(`^P[AB][0-9]+$`)

// TestPageTokensAreSealed: a page token says nothing about the list's position (which is a
// global sequence number, so a subaccount's tokens used to jump by its siblings' writes),
// cannot be forged, and works only for the list and caller it was made for.
func TestPageTokensAreSealed(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	main := env.Main
	a := createSubaccount(t, env, "A")
	b := createSubaccount(t, env, "B")
	for range 3 {
		send(t, env.ClientFor(a.Sid, a.AuthToken), a.Sid, text("+14155550100", testSender, "a"))
		send(t, env.ClientFor(b.Sid, b.AuthToken), b.Sid, text("+14155550100", testSender, "b"))
		send(t, env.Client, main.Sid, text("+14155550100", testSender, "main"))
	}
	aList := "/2010-04-01/Accounts/" + a.Sid + "/Messages.json"
	bList := "/2010-04-01/Accounts/" + b.Sid + "/Messages.json"
	p0 := listAs(t, env, a.Sid, a.AuthToken, aList+"?PageSize=1")
	token := pageToken(t, p0.NextPageUri)
	if numericToken.MatchString(token) || len(token) < 40 {
		t.Fatalf("token %q is not opaque", token)
	}

	bad := func(name, sid, authToken, uri string) {
		t.Helper()
		status, body := env.Do(t, http.MethodGet, uri, sid, authToken, nil, "")
		wantError(t, status, body, 400, 20001)
		if strings.Contains(string(body), a.Sid) || !strings.Contains(string(body), "PageToken") {
			t.Errorf("%s: the error should name PageToken and nothing of the list: %s", name, body)
		}
	}
	q := func(token string) string { return "&PageToken=" + url.QueryEscape(token) }
	// Sideways: B replays A's token on its own list; the old numeric form; a forged one.
	bad("another account's token", b.Sid, b.AuthToken, bList+"?PageSize=1&Page=1"+q(token))
	bad("numeric token", a.Sid, a.AuthToken, aList+"?PageSize=1&Page=1&PageToken=PA1")
	bad("altered token", a.Sid, a.AuthToken, aList+"?PageSize=1&Page=1"+q(token[:len(token)-2]+"AA"))
	// The same account's token is bound to its list's filters and to the caller.
	bad("other filters", a.Sid, a.AuthToken, aList+"?PageSize=1&Page=1&To=%2B14155550100"+q(token))
	bad("the parent on the same list", main.Sid, main.AuthToken, aList+"?PageSize=1&Page=1"+q(token))
	bad("the accounts list", a.Sid, a.AuthToken, "/2010-04-01/Accounts.json?PageSize=1&Page=1"+q(token))

	// The right caller on the right list walks on, whatever the siblings wrote meanwhile.
	send(t, env.ClientFor(b.Sid, b.AuthToken), b.Sid, text("+14155550100", testSender, "b"))
	p1 := listAs(t, env, a.Sid, a.AuthToken, *p0.NextPageUri)
	if len(p1.Messages) != 1 || p1.Messages[0].Sid == p0.Messages[0].Sid || p1.Messages[0].AccountSid != a.Sid {
		t.Fatalf("second page: %+v", p1.Messages)
	}
}

// TestPageTokensSurviveRestartsAndProcesses: the key lives in the database, so a token
// handed out before a restart, or by another server on the same database, still works.
func TestPageTokensSurviveRestartsAndProcesses(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for i := range 5 {
		send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, fmt.Sprint(i)))
	}
	first := listAs(t, env, env.Main.Sid, env.Main.AuthToken, "/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json?PageSize=2")
	want := listAs(t, env, env.Main.Sid, env.Main.AuthToken, *first.NextPageUri)

	other := servertest.Start(t, servertest.Options{DBPath: env.DBPath}) // a second process on the database
	got := listAs(t, other, env.Main.Sid, env.Main.AuthToken, *first.NextPageUri)
	if got.Messages[0].Sid != want.Messages[0].Sid {
		t.Errorf("another server on the same file read the token differently")
	}
	path := env.DBPath
	other.Stop()
	env.Stop()
	again := servertest.Start(t, servertest.Options{DBPath: path})
	got = listAs(t, again, env.Main.Sid, env.Main.AuthToken, *first.NextPageUri)
	if len(got.Messages) != 2 || got.Messages[0].Sid != want.Messages[0].Sid || got.Messages[1].Sid != want.Messages[1].Sid {
		t.Errorf("after a restart the token leads elsewhere: %+v", got.Messages)
	}
}

// TestPageBounds: Page × PageSize cannot overflow. Page=2^63-1 used to be served as the
// first page with start -50.
func TestPageBounds(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	send(t, env.Client, env.Main.Sid, text("+14155550100", testSender, "x"))
	list := "/2010-04-01/Accounts/" + env.Main.Sid + "/Messages.json"
	for _, query := range []string{
		"?Page=9223372036854775807",
		"?Page=9223372036854775807&PageSize=1000",
		"?Page=4503599627370496&PageSize=2", // 2^53: one past the bound
		"?Page=184467440737095517&PageSize=100",
	} {
		status, body := env.Do(t, http.MethodGet, list+query, env.Main.Sid, env.Main.AuthToken, nil, "")
		wantError(t, status, body, 400, 20001)
		if !strings.Contains(string(body), "Page") {
			t.Errorf("%s: %s", query, body)
		}
	}
	// Past the end but within the bound: an empty page, no links back into nothing.
	for _, query := range []string{"?Page=9007199254740991&PageSize=1", "?Page=3&PageSize=50"} {
		p := listAs(t, env, env.Main.Sid, env.Main.AuthToken, list+query)
		if len(p.Messages) != 0 || p.Start < 0 || p.End != p.Start || p.NextPageUri != nil || p.PreviousPageUri != nil {
			t.Errorf("%s: %+v", query, p)
		}
	}
	// The accounts list: a filter that matches nothing is an empty page, not an error.
	status, body := env.Do(t, http.MethodGet, "/2010-04-01/Accounts.json?FriendlyName=nobody", env.Main.Sid, env.Main.AuthToken, nil, "")
	var accounts client.AccountList
	if err := json.Unmarshal(body, &accounts); status != http.StatusOK || err != nil || len(accounts.Accounts) != 0 || accounts.NextPageUri != nil {
		t.Errorf("empty accounts page: HTTP %d %s", status, body)
	}
}

// TestPagingFollowsPositionsNotOffsets: a list that grows while a client pages through it
// continues where the client was, with no row twice; links that fell back to offsets
// would repeat the rows pushed down by the new ones. Pages reached backwards link both
// ways.
func TestPagingFollowsPositionsNotOffsets(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	for i := range 6 {
		send(t, env.Client, sid, text("+14155550100", testSender, fmt.Sprint(i)))
	}
	list := "/2010-04-01/Accounts/" + sid + "/Messages.json?PageSize=2"
	p0 := listAs(t, env, sid, token, list)
	for range 3 {
		send(t, env.Client, sid, text("+14155550100", testSender, "newer"))
	}
	p1 := listAs(t, env, sid, token, *p0.NextPageUri)
	if p1.Messages[0].Body != "3" || p1.Messages[1].Body != "2" {
		t.Fatalf("after 3 new messages the next page holds %q, %q; want 3, 2", p1.Messages[0].Body, p1.Messages[1].Body)
	}
	p2 := listAs(t, env, sid, token, *p1.NextPageUri)
	if p2.NextPageUri != nil || len(p2.Messages) != 2 {
		t.Fatalf("last page: %+v", p2)
	}
	// Backwards from the last page: page 1 again, linking forward to page 2 and back to page 0.
	back := listAs(t, env, sid, token, *p2.PreviousPageUri)
	if back.Page != 1 || back.Messages[0].Sid != p1.Messages[0].Sid || back.NextPageUri == nil || back.PreviousPageUri == nil {
		t.Fatalf("page 1 reached backwards: %+v", back)
	}
	if fwd := listAs(t, env, sid, token, *back.NextPageUri); fwd.Messages[0].Sid != p2.Messages[0].Sid {
		t.Fatalf("forward again from a backwards page lands on %s", fwd.Messages[0].Sid)
	}
	// Page 0 reached backwards shows the rows just newer than page 1: the original page 0,
	// not the newest rows.
	front := listAs(t, env, sid, token, *back.PreviousPageUri)
	if front.Messages[0].Sid != p0.Messages[0].Sid || front.Messages[1].Sid != p0.Messages[1].Sid || front.NextPageUri == nil || front.PreviousPageUri != nil {
		t.Fatalf("page 0 reached backwards: %+v", front)
	}
	for _, uri := range []*string{p0.NextPageUri, p1.NextPageUri, p2.PreviousPageUri, back.NextPageUri, back.PreviousPageUri} {
		if pageToken(t, uri) == "" {
			t.Errorf("page link %s carries no PageToken", *uri)
		}
	}
}
