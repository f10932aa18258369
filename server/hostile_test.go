package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
	"github.com/switchboard-dev/switchboard/store"
)

// TestParameterRules: text parameters are UTF-8 without NUL characters, and a parameter
// that takes one value is given once, in the query and the form alike (finding 8: such
// bytes were stored, a repeated form parameter kept its first value silently while a
// repeated query parameter was refused). Values of the wrong type name their parameter.
// No parameter name holds brackets.
func TestParameterRules(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	messages := "/2010-04-01/Accounts/" + sid + "/Messages.json"
	msg := send(t, env.Client, sid, text("+14155550100", testSender, "x"))
	valid := "To=%2B14155550100&From=%2B15005550006&Body=hi"
	for _, tt := range []struct {
		name, method, path, form, param string
		reason                          string // "" for any
	}{
		{"NUL in Body", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=a%00b", "Body", "contains a NUL character"},
		{"invalid UTF-8 in Body", "POST", messages, "To=%2B14155550100&From=%2B15005550006&Body=a%FF%FEb", "Body", "not valid UTF-8 text"},
		{"NUL in FriendlyName", "POST", "/2010-04-01/Accounts.json", "FriendlyName=a%00b", "FriendlyName", ""},
		{"invalid UTF-8 in a rename", "POST", "/2010-04-01/Accounts/" + sid + ".json", "FriendlyName=%C3%28", "FriendlyName", ""},
		{"invalid UTF-8 in a query filter", "GET", messages + "?From=%FF", "", "From", ""},
		{"NUL in a query filter", "GET", "/2010-04-01/Accounts.json?FriendlyName=%00", "", "FriendlyName", ""},
		{"NUL in an unknown parameter", "POST", messages, valid + "&Other=%00", "Other", "contains a NUL character"},
		{"To twice in the form", "POST", messages, valid + "&To=%2B14155550111", "To", "given 2 times; it takes one value"},
		{"To twice in the query", "GET", messages + "?To=%2B14155550100&To=%2B14155550111", "", "To", ""},
		{"Status twice in an update", "POST", "/2010-04-01/Accounts/" + sid + "/Messages/" + msg.Sid + ".json", "Status=canceled&Status=canceled", "Status", ""},
		{"PageSize twice", "GET", messages + "?PageSize=1&PageSize=2", "", "PageSize", ""},
		{"ValidityPeriod not a number", "POST", messages, valid + "&ValidityPeriod=abc", "ValidityPeriod", "an invalid integer"},
		{"SendAsMms not a boolean", "POST", messages, valid + "&SendAsMms=maybe", "SendAsMms", "an invalid boolean"},
		{"Attempt past int64", "POST", messages, valid + "&Attempt=99999999999999999999", "Attempt", ""},
		// Indexed names ("MediaUrl[0]") are rewritten as the plain one, repeated; any
		// other name with a bracket is refused. The generated binder panicked on the
		// first of these (a 500), and made a slice as long as the index said.
		{"an unclosed bracket", "POST", messages, valid + "&MediaUrl%5B=x", "MediaUrl[", "a parameter with several values is repeated"},
		{"a named index", "POST", messages, valid + "&MediaUrl%5Ba%5D=x", "MediaUrl[a]", ""},
		{"an index with a leading zero", "POST", messages, valid + "&MediaUrl%5B01%5D=x", "MediaUrl[01]", ""},
		{"two indexes", "POST", messages, valid + "&MediaUrl%5B0%5D%5B0%5D=x", "MediaUrl[0][0]", ""},
		{"a closing bracket alone", "POST", messages, valid + "&Media%5DUrl=x", "Media]Url", ""},
		{"a bracket in the query of a create", "POST", messages + "?MediaUrl%5B=x", valid, "MediaUrl[", ""},
		{"a bracket in a list's query", "GET", messages + "?To%5Bx%5D=%2B14155550100", "", "To[x]", ""},
		{"an index past 99", "POST", messages, valid + "&MediaUrl%5B10000000%5D=https%3A%2F%2Fa.example%2F1.png", "MediaUrl[10000000]", "an index goes up to 99"},
		{"an index past any integer", "POST", messages, valid + "&MediaUrl%5B99999999999999999999999%5D=x", "MediaUrl[99999999999999999999999]", "an index goes up to 99"},
		{"a gap in the indexes", "POST", messages, valid + "&MediaUrl%5B1%5D=https%3A%2F%2Fa.example%2F1.png", "MediaUrl[0]", "the indexes of a parameter run from 0 without a gap"},
		{"an index given twice", "POST", messages, valid + "&MediaUrl%5B0%5D=https%3A%2F%2Fa.example%2F1.png&MediaUrl%5B0%5D=https%3A%2F%2Fa.example%2F2.png", "MediaUrl[0]", "given 2 times"},
		{"To, plain and indexed", "POST", messages, valid + "&To%5B0%5D=%2B14155550111", "To", "given 2 times; it takes one value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			contentType := ""
			if tt.method == "POST" {
				body, contentType = strings.NewReader(tt.form), formType
			}
			status, got := env.Do(t, tt.method, tt.path, sid, token, body, contentType)
			wantError(t, status, got, 400, 20001)
			if !strings.Contains(string(got), "Invalid parameter "+tt.param+": "+tt.reason) {
				t.Errorf("the error does not name %s (and say %q): %s", tt.param, tt.reason, got)
			}
		})
	}
	// Arrays repeat, or are indexed from 0 (as the generated Go client sends them), or
	// both, in the order the binder took them: indexed, plain, then "[]". Parameters the
	// operation does not define are ignored, repeated or not.
	for _, tt := range []struct{ form, media string }{
		{"MediaUrl=https%3A%2F%2Fa.example%2F1.png&MediaUrl=https%3A%2F%2Fa.example%2F2.png&X=1&X=2", "1,2"},
		{"MediaUrl%5B1%5D=https%3A%2F%2Fa.example%2F2.png&MediaUrl%5B0%5D=https%3A%2F%2Fa.example%2F1.png&X%5B0%5D=1", "1,2"},
		{"MediaUrl%5B%5D=https%3A%2F%2Fa.example%2F3.png&MediaUrl=https%3A%2F%2Fa.example%2F2.png&MediaUrl%5B0%5D=https%3A%2F%2Fa.example%2F1.png", "1,2,3"},
	} {
		status, got := env.Do(t, "POST", messages, sid, token, strings.NewReader("To=%2B14155550100&From=%2B15005550006&"+tt.form), formType)
		var m struct{ Sid string }
		if status != http.StatusCreated || json.Unmarshal(got, &m) != nil {
			t.Errorf("%s: HTTP %d %s", tt.form, status, got)
			continue
		}
		media, err := env.DB.MessageMedia(context.Background(), sid, m.Sid)
		var urls []string
		for _, md := range media {
			urls = append(urls, strings.TrimSuffix(strings.TrimPrefix(md.URL, "https://a.example/"), ".png"))
		}
		if strings.Join(urls, ",") != tt.media || err != nil {
			t.Errorf("%s: media %v (%v), want %s", tt.form, urls, err, tt.media)
		}
	}
	// Indexed, the array is validated as the repeated one is: 11 media URLs are too many.
	eleven := "To=%2B14155550100&From=%2B15005550006"
	for i := range 11 {
		eleven += fmt.Sprintf("&MediaUrl%%5B%d%%5D=https%%3A%%2F%%2Fa.example%%2F%d.png", i, i)
	}
	status, got := env.Do(t, "POST", messages, sid, token, strings.NewReader(eleven), formType)
	wantError(t, status, got, 400, 21623)
	// Nothing of the refused requests was stored.
	list, _ := env.Client.ListMessagesWithResponse(context.Background(), sid, nil)
	if list.JSON200 == nil || len(list.JSON200.Messages) != 4 {
		t.Errorf("messages after the refused requests: %s", list.Body)
	}
}

// TestChunkedBodyOverLimit: a body over 1 MB is 413 whether or not it declared its
// length (finding 8: chunked, it was 400 "reading failed").
func TestChunkedBodyOverLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for _, chunked := range []bool{false, true} {
		form := "To=%2B14155550100&From=%2B15005550006&Body=" + strings.Repeat("a", 2<<20)
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/2010-04-01/Accounts/"+env.Main.Sid+"/Messages.json", io.MultiReader(strings.NewReader(form)))
		if !chunked {
			req.ContentLength = int64(len(form))
		}
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		req.Header.Set("Content-Type", formType)
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, resp.StatusCode, readBody(t, resp), 413, 20001)
	}
}

// TestHeadIsGetWithoutBody (finding 8: HEAD on a GET route was 405).
func TestHeadIsGetWithoutBody(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	sid, token := env.Main.Sid, env.Main.AuthToken
	m := send(t, env.Client, sid, text("+14155550100", testSender, "x"))
	for _, tt := range []struct {
		path  string
		creds bool
		want  int
	}{
		{"/2010-04-01/Accounts/" + sid + "/Messages.json", true, 200},
		{"/2010-04-01/Accounts/" + sid + "/Messages/" + m.Sid + ".json", true, 200},
		{"/2010-04-01/Accounts/" + sid + "/Messages/SM" + strings.Repeat("0", 32) + ".json", true, 404},
		{"/2010-04-01/Accounts/" + sid + "/Messages.json", false, 401},
		{"/2010-04-01/Accounts.json", true, 200},
		{"/healthz", false, 200},
		{"/openapi.yaml", false, 200},
		{"/docs/", false, 200},
	} {
		req, _ := http.NewRequest(http.MethodHead, env.URL+tt.path, nil)
		if tt.creds {
			req.SetBasicAuth(sid, token)
		}
		resp, err := http.DefaultClient.Do(req) // HEAD is not in the spec: no spec check
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if resp.StatusCode != tt.want || len(body) != 0 {
			t.Errorf("HEAD %s: HTTP %d with %d body bytes, want %d and none", tt.path, resp.StatusCode, len(body), tt.want)
		}
		if tt.want >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("HEAD %s: Content-Type %q", tt.path, resp.Header.Get("Content-Type"))
		}
	}
}

// TestResponsesAreNotMarkup: 404 messages quote the path escaped, and every response
// forbids content sniffing (finding 8: "<" and ">" came back as sent).
func TestResponsesAreNotMarkup(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	for _, path := range []string{
		"/2010-04-01/<script>alert(1)</script>.json",
		"/2010-04-01/Accounts/" + env.Main.Sid + "/Messages/\"><img>.json",
	} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		req.SetBasicAuth(env.Main.Sid, env.Main.AuthToken)
		resp, err := env.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		wantError(t, resp.StatusCode, body, 404, 20404)
		if strings.ContainsAny(string(body), "<>") || strings.Contains(string(body), `\u003c`) {
			t.Errorf("404 body carries markup: %s", body)
		}
	}
	for _, path := range []string{"/healthz", "/openapi.json", "/docs/", "/nope", "/2010-04-01/Accounts.json"} {
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", path, got)
		}
	}
}

// TestOversizedHeaderGetsErrorObject: http.Server answers headers over its limit itself,
// before any handler; the answer is still the error object (finding 8: plain text).
func TestOversizedHeaderGetsErrorObject(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/2010-04-01/Accounts.json", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 2<<20))
	resp, err := http.DefaultClient.Do(req) // 431 is the transport's, not an operation's
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	wantError(t, resp.StatusCode, body, 431, 20001)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

// TestSubaccountLimit: a main account has at most 1,000 subaccounts that are not closed,
// as Twilio's default (21480).
func TestSubaccountLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range 999 {
		if _, err := env.DB.CreateAccount(ctx, store.Account{Sid: fmt.Sprintf("AC%032x", i+1), ParentSid: env.Main.Sid,
			FriendlyName: "seeded", Status: "active", AuthToken: "t", DateCreated: now, DateUpdated: now}); err != nil {
			t.Fatal(err)
		}
	}
	last := createSubaccount(t, env, "the thousandth")
	over, _ := env.Client.CreateAccountWithFormdataBodyWithResponse(ctx, client.CreateAccountRequest{})
	wantError(t, over.StatusCode(), over.Body, 400, 21480)
	closed := client.AccountStatusClosed
	if r, _ := env.Client.UpdateAccountWithFormdataBodyWithResponse(ctx, last.Sid, client.UpdateAccountRequest{Status: &closed}); r.JSON200 == nil {
		t.Fatalf("close: %s", r.Body)
	}
	createSubaccount(t, env, "after closing one") // closed ones do not count
}

// TestHealthNoticesTheFileGoing: /healthz fails once the database file is deleted or
// replaced under the running server, where writes would go to a file nobody will open
// again (finding 8: it said ok).
func TestHealthNoticesTheFileGoing(t *testing.T) {
	// SQLite's file: PostgreSQL's counterpart, the server going away, is
	// TestDatabaseOutage.
	servertest.SQLiteOnly(t)
	for _, replace := range []bool{false, true} {
		var logs lockedBuffer
		env := servertest.Start(t, servertest.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if status, _ := env.Do(t, http.MethodGet, "/healthz", "", "", nil, ""); status != http.StatusOK {
			t.Fatalf("healthz before: %d", status)
		}
		want := "deleted"
		if replace {
			want = "replaced"
			other := env.DBPath + ".new"
			if err := os.WriteFile(other, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, env.DBPath); err != nil {
				t.Fatal(err)
			}
		} else if err := os.Remove(env.DBPath); err != nil {
			t.Fatal(err)
		}
		status, body := env.Do(t, http.MethodGet, "/healthz", "", "", nil, "")
		wantError(t, status, body, 503, 20503)
		if !strings.Contains(logs.String(), "was "+want) {
			t.Errorf("the log does not say the file was %s:\n%s", want, logs.String())
		}
	}
}
