package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/client"
)

// The fuzz targets below feed client input through the whole HTTP stack of a real server:
// form bodies into CreateMessage and UpdateMessage, query strings into the lists, page
// tokens, and SIDs in paths. Every answer must match openapi.yaml, none may be a 5xx, and
// what is accepted must be stored as sent. The seeds run with every `go test`;
// `make fuzz-short` runs each target for a few seconds (CI) and `make fuzz` for longer.
// Crashers are kept in testdata/fuzz/<target>.

// fuzzServer is one server per fuzz target, shared by all the inputs of a worker. It has
// the main account (with messages), a subaccount (with one message) and a second tenant
// (with one message). Requests go as the caller: the main account, or the subaccount.
type fuzzServer struct {
	env    *servertest.Env
	http   *http.Client
	mu     sync.Mutex
	issues []string

	sub, other          client.Account
	subMsg              client.Message
	otherMsg            string
	mine                client.Message
	callerSid, callerPw string
	secrets             []string // what the caller must never see
}

func newFuzzServer(f *testing.F, asSubaccount bool) *fuzzServer {
	zero := time.Duration(0)
	fs := &fuzzServer{env: servertest.Start(f, servertest.Options{NoSpecCheck: true, ScheduleMinLead: &zero, StepDelay: time.Hour})}
	transport, err := servertest.NewSpecTransportFunc(&http.Transport{MaxIdleConnsPerHost: 8}, fs.report)
	if err != nil {
		f.Fatal(err)
	}
	fs.http = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	env := fs.env
	fs.sub = createSubaccount(f, env, "fuzz sub")
	fs.subMsg = send(f, env.ClientFor(fs.sub.Sid, fs.sub.AuthToken), fs.sub.Sid, text("+14155550100", testSender, "sub secret"))
	fs.other, fs.otherMsg = secondTenant(f, env)
	for i := range 5 {
		fs.mine = send(f, env.Client, env.Main.Sid, text("+14155550100", testSender, fmt.Sprint("main's secret ", i)))
	}
	fs.callerSid, fs.callerPw = env.Main.Sid, env.Main.AuthToken
	fs.secrets = []string{fs.subMsg.Sid, "sub secret", fs.otherMsg, fs.other.Sid, "other tenant's secret"}
	if asSubaccount {
		fs.callerSid, fs.callerPw = fs.sub.Sid, fs.sub.AuthToken
		fs.secrets = []string{fs.mine.Sid, "main's secret", fs.otherMsg, fs.other.Sid, "other tenant's secret"}
	}
	return fs
}

func (fs *fuzzServer) report(format string, args ...any) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.issues = append(fs.issues, fmt.Sprintf(format, args...))
}

// do sends a request as the main account and fails t on a 5xx or an answer off the spec.
func (fs *fuzzServer) do(t *testing.T, method, path string, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if method == http.MethodPost {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, fs.env.URL+path, r)
	if err != nil {
		t.Skipf("not a request an HTTP client can send: %v", err)
	}
	req.SetBasicAuth(fs.callerSid, fs.callerPw)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", formType)
	}
	resp, err := fs.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	data := readBody(t, resp)
	fs.mu.Lock()
	issues := fs.issues
	fs.issues = nil
	fs.mu.Unlock()
	for _, issue := range issues {
		t.Error(issue)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, data
}

// leaks fails t if data mentions what the caller does not own, other than what the
// caller sent itself (a 404 quotes the path it was asked for).
func (fs *fuzzServer) leaks(t *testing.T, data []byte, sent string) {
	t.Helper()
	for _, secret := range fs.secrets {
		if strings.Contains(sent, secret) {
			continue
		}
		if strings.Contains(string(data), secret) {
			t.Fatalf("the answer holds %s, which the caller does not own: %s", secret, data)
		}
	}
}

func allowed(t *testing.T, status int, body []byte, ok ...int) {
	t.Helper()
	for _, s := range ok {
		if status == s {
			return
		}
	}
	t.Fatalf("HTTP %d, want one of %v: %s", status, ok, body)
}

func FuzzCreateMessageForm(f *testing.F) {
	fs := newFuzzServer(f, false)
	for _, seed := range []string{
		"To=%2B14155550100&From=%2B15005550006&Body=hi",
		"To=%2B14155550100&MessagingServiceSid=MG" + strings.Repeat("a", 32) + "&MediaUrl=https%3A%2F%2Fe.x%2F1.png",
		"To=%2B14155550100&From=%2B15005550006&Body=a%00b",
		"To=%2B14155550100&From=%2B15005550006&Body=%FF",
		"To=%2B14155550100&To=%2B14155550100&From=x&Body=hi",
		"To=%2B14155550100&From=%2B15005550006&Body=x&ScheduleType=fixed&SendAt=9999-12-31T23%3A59%3A59Z",
		"To=%2B14155550100&From=%2B15005550006&Body=x&ScheduleType=fixed&SendAt=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
		"To=%2B14155550100&From=%2B15005550006&Body=x&ValidityPeriod=abc&Attempt=99999999999999999999",
		"To=+14155550100&From=%2B1&Body=" + strings.Repeat("%E2%82%AC", 600),
		"%zz=1", "", "&&&==", "To",
		// Bracketed names: the generated form binder panicked on "MediaUrl[".
		"To=%2B14155550100&From=%2B15005550006&Body=x&MediaUrl%5B=x",
		"To=%2B14155550100&From=%2B15005550006&MediaUrl%5B0%5D=https%3A%2F%2Fe.x%2F1.png&MediaUrl%5B%5D=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, form string) {
		status, body := fs.do(t, http.MethodPost, "/2010-04-01/Accounts/"+fs.env.Main.Sid+"/Messages.json", form)
		allowed(t, status, body, 201, 400, 413)
		if status != http.StatusCreated {
			return
		}
		// Accepted: every value was clean text, and the message is what was sent.
		values, err := url.ParseQuery(form)
		if err != nil {
			t.Fatalf("accepted a form that does not parse: %q", form)
		}
		for name, vs := range values {
			for _, v := range vs {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Fatalf("accepted %s=%q", name, v)
				}
			}
		}
		var m client.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		first := func(name string) string {
			if vs := spellings(values, name); len(vs) > 0 {
				return vs[0]
			}
			return ""
		}
		if m.To != first("To") || m.Body != first("Body") || m.NumMedia != fmt.Sprint(len(spellings(values, "MediaUrl"))) {
			t.Fatalf("sent %q, stored to %q body %q num_media %s", form, m.To, m.Body, m.NumMedia)
		}
		if m.Status == "scheduled" {
			sendAt, err := time.Parse(time.RFC3339, values.Get("SendAt"))
			if err != nil || sendAt.After(time.Now().Add(35*24*time.Hour+time.Minute)) || sendAt.Before(time.Now().Add(-time.Minute)) {
				t.Fatalf("scheduled for %q (%v)", values.Get("SendAt"), err)
			}
		}
	})
}

func FuzzUpdateMessageForm(f *testing.F) {
	fs := newFuzzServer(f, false)
	for _, seed := range []string{"Body=", "Status=canceled", "Body=&Status=canceled", "Body=x", "Body=&Body=", "Status=%00", "Body=%FF", "", "%"} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, form string, otherAccount bool) {
		// A scheduled message of the caller's, and one of the subaccount's under the
		// caller's own path, which must stay out of reach.
		target := send(t, fs.env.Client, fs.env.Main.Sid, client.CreateMessageRequest{To: "+14155550100",
			From: ptrTo(testSender), Body: ptrTo("to update"), ScheduleType: ptrTo(client.CreateMessageRequestScheduleTypeFixed),
			SendAt: ptrTo(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))}).Sid
		if otherAccount {
			target = fs.subMsg.Sid
		}
		status, body := fs.do(t, http.MethodPost, "/2010-04-01/Accounts/"+fs.env.Main.Sid+"/Messages/"+target+".json", form)
		fs.leaks(t, body, target+form)
		if otherAccount {
			allowed(t, status, body, 400, 404, 413)
			if got, err := fs.env.DB.GetMessage(context.Background(), fs.sub.Sid, fs.subMsg.Sid); err != nil || got.Body != "sub secret" || got.Status != "queued" {
				t.Fatalf("the subaccount's message changed: %+v %v", got, err)
			}
			return
		}
		allowed(t, status, body, 200, 400, 413)
		if status != http.StatusOK {
			return
		}
		var m client.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		values, _ := url.ParseQuery(form)
		_, redact := values["Body"]
		if (redact && m.Body != "") || (!redact && m.Status != "canceled") || (redact && m.Status != "scheduled") {
			t.Fatalf("%q gave body %q status %s", form, m.Body, m.Status)
		}
	})
}

func FuzzListQuery(f *testing.F) {
	fs := newFuzzServer(f, true)
	for _, seed := range []string{
		"PageSize=2", "To=%2B14155550100&PageSize=1&Page=3", "DateSent%3E=3000-01-01", "DateSent%3C=0000-01-01",
		"DateSent=2026-11-24T10:00:00%2B02:00", "Page=9223372036854775807", "PageSize=0", "PageSize=99999999999999999999",
		"PageToken=PA1", "To=%FF", "To=a&To=b", "FriendlyName=%00", "Status=closed", "%zz", "DateSent%3E=9999-12-31T23:59:59-23:59",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, query string, accounts bool) {
		path := "/2010-04-01/Accounts/" + fs.callerSid + "/Messages.json"
		if accounts {
			path = "/2010-04-01/Accounts.json"
		}
		status, body := fs.do(t, http.MethodGet, path+"?"+query, "")
		allowed(t, status, body, 200, 400)
		fs.leaks(t, body, query)
		if status != http.StatusOK {
			return
		}
		var page client.ListPage
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if page.Start < 0 || page.End < page.Start || page.PageSize < 1 || page.PageSize > 1000 {
			t.Fatalf("page %+v", page)
		}
		// Every link the page gives is a path on this list that answers 200.
		for _, uri := range []*string{&page.Uri, &page.FirstPageUri, page.NextPageUri, page.PreviousPageUri} {
			if uri == nil {
				continue
			}
			if !strings.HasPrefix(*uri, path+"?") {
				t.Fatalf("link %q leaves the list %s", *uri, path)
			}
			if status, body := fs.do(t, http.MethodGet, *uri, ""); status != http.StatusOK {
				t.Fatalf("GET %s (a link of %s): HTTP %d %s", *uri, query, status, body)
			}
		}
	})
}

func FuzzPageTokenHTTP(f *testing.F) {
	fs := newFuzzServer(f, false)
	list := "/2010-04-01/Accounts/" + fs.env.Main.Sid + "/Messages.json"
	_, first := fs.do(&testing.T{}, http.MethodGet, list+"?PageSize=2", "")
	var page client.MessageList
	if err := json.Unmarshal(first, &page); err != nil || page.NextPageUri == nil {
		f.Fatalf("first page: %s", first)
	}
	next, _ := url.Parse(*page.NextPageUri)
	valid := next.Query().Get("PageToken")
	for _, seed := range []string{valid, valid[:len(valid)-1], "PB" + valid[2:], "PA1", "PB9", "PA", "PA" + strings.Repeat("A", 64), "PZ" + valid[2:], ""} {
		f.Add(seed, uint8(1))
	}
	f.Fuzz(func(t *testing.T, token string, pageNumber uint8) {
		q := url.Values{"PageSize": {"2"}, "Page": {fmt.Sprint(pageNumber)}, "PageToken": {token}}
		status, body := fs.do(t, http.MethodGet, list+"?"+q.Encode(), "")
		fs.leaks(t, body, token)
		// Only a token this list handed out opens; the fuzzer cannot forge one.
		if token == valid {
			allowed(t, status, body, 200)
			return
		}
		allowed(t, status, body, 400)
		if !strings.Contains(string(body), "PageToken") && !strings.Contains(string(body), "Page") {
			t.Fatalf("the refusal does not say which parameter: %s", body)
		}
	})
}

func FuzzPathSID(f *testing.F) {
	fs := newFuzzServer(f, true) // the subaccount probes its parent and the other tenant
	own, main := fs.sub.Sid, fs.env.Main.Sid
	for _, seed := range []string{fs.mine.Sid, fs.subMsg.Sid, fs.otherMsg, "SM" + strings.Repeat("0", 32), "SMnope", "", "..", "%2e%2e", "SM" + strings.Repeat("A", 32), "MM" + fs.mine.Sid[2:]} {
		for method := range uint8(4) {
			f.Add(seed, own, method)
			f.Add(seed, main, method)
			f.Add(seed, fs.other.Sid, method)
		}
	}
	f.Fuzz(func(t *testing.T, sid, account string, method uint8) {
		path := "/2010-04-01/Accounts/" + url.PathEscape(account) + "/Messages/" + url.PathEscape(sid) + ".json"
		var status int
		var body []byte
		switch method % 4 {
		case 0:
			status, body = fs.do(t, http.MethodGet, path, "")
			allowed(t, status, body, 200, 401, 404)
		case 1:
			path = "/2010-04-01/Accounts/" + url.PathEscape(sid) + ".json"
			account = sid
			status, body = fs.do(t, http.MethodGet, path, "")
			allowed(t, status, body, 200, 401, 404)
		case 2:
			status, body = fs.do(t, http.MethodDelete, path, "")
			allowed(t, status, body, 204, 400, 401, 404) // 400: 20009, a message still on its way
		default:
			status, body = fs.do(t, http.MethodPost, path, "Body=")
			allowed(t, status, body, 200, 400, 401, 404)
		}
		if status < 300 && account != own {
			t.Fatalf("%s under %s answered %d", sid, account, status)
		}
		fs.leaks(t, body, sid+account)
		// Nothing of the parent's or the other tenant's changed.
		for _, check := range []struct{ account, sid, body string }{
			{main, fs.mine.Sid, "main's secret 4"}, {fs.other.Sid, fs.otherMsg, "other tenant's secret"},
		} {
			if got, err := fs.env.DB.GetMessage(context.Background(), check.account, check.sid); err != nil || got.Body != check.body {
				t.Fatalf("%s's message after %q under %q: %+v %v", check.account, sid, account, got, err)
			}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// spellings are the values of parameter name in all its spellings: repeated (name),
// indexed (name[0], name[1]...) and PHP's (name[]).
func spellings(values url.Values, name string) []string {
	var out []string
	for k, vs := range values {
		rest, ok := strings.CutPrefix(k, name)
		if !ok {
			continue
		}
		if index, ok := strings.CutSuffix(strings.TrimPrefix(rest, "["), "]"); rest == "" ||
			(ok && strings.HasPrefix(rest, "[") && strings.Trim(index, "0123456789") == "") {
			out = append(out, vs...)
		}
	}
	return out
}
