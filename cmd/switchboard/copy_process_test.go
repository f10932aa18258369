package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// rawClient makes requests to a process as its main account and gives back the bodies
// byte for byte: what two servers answer is compared as it is sent.
type rawClient struct{ p *process }

func (c rawClient) do(t *testing.T, method, path string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.p.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(c.p.SID, c.p.Token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// create POSTs form to path, expects a 2xx, and returns the answer's field sid.
func (c rawClient) create(t *testing.T, path string, form url.Values) string {
	t.Helper()
	status, body := c.do(t, http.MethodPost, path, form)
	if status/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, status, body)
	}
	var out struct{ Sid string }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("POST %s: %v: %s", path, err, body)
	}
	return out.Sid
}

// field returns the JSON field name of what GET path answers.
func (c rawClient) field(t *testing.T, path, name string) any {
	t.Helper()
	status, body := c.do(t, http.MethodGet, path, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out[name]
}

// waitFor polls until ok holds, for at most limit.
func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pageToken matches a page token in a URL.
var pageToken = regexp.MustCompile(`PageToken=[A-Za-z0-9_-]+`)

// normalize makes an answer of the server at base comparable with another server's:
// without its address, which absolute URLs hold, and without page tokens.
func normalize(body []byte, base string) []byte {
	body = bytes.ReplaceAll(body, []byte(base), []byte("http://switchboard"))
	return pageToken.ReplaceAll(body, []byte("PageToken=TOKEN"))
}

// nextPage returns the path and query of the next page a list's answer points to, or ""
// for none: next_page_uri (2010-04-01), or the meta's next_page_url (v1, v2, simulator).
func nextPage(t *testing.T, body []byte, base string) string {
	t.Helper()
	var page struct {
		NextPageURI *string `json:"next_page_uri"`
		Meta        struct {
			NextPageURL *string `json:"next_page_url"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return "" // not a JSON object: media content, a WAV file
	}
	switch {
	case page.NextPageURI != nil:
		return *page.NextPageURI
	case page.Meta.NextPageURL != nil:
		return strings.TrimPrefix(*page.Meta.NextPageURL, base)
	}
	return ""
}

// app is what the resources' URLs reach: a PNG for media, and a receiver of callbacks.
type copyApp struct {
	mu        sync.Mutex
	callbacks int
}

func (a *copyApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cat.png":
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00 not really a cat"))
	default:
		a.mu.Lock()
		a.callbacks++
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestCopyToPostgres is the round trip of `switchboard copy`: a server on SQLite makes
// one of every kind of resource through the API and stops; the command copies its file
// to PostgreSQL; a server on PostgreSQL then answers every list and fetch with the same
// bytes as the first one did (page tokens included), and the clock reads the same.
func TestCopyToPostgres(t *testing.T) {
	servertest.SQLiteOnly(t) // it names both backends itself, whatever the run's: once, in the SQLite run
	app := &copyApp{}
	appServer := httptest.NewServer(app)
	defer appServer.Close()
	file := filepath.Join(t.TempDir(), "source.db")
	flags := []string{"--call-speed", "100", "--delivery-delay", "10ms", "--webhook-targets", "any"}
	src := startSB(t, file, flags...)
	c := rawClient{src.process}
	acct := "/2010-04-01/Accounts/" + src.SID

	c.create(t, "/switchboard/v1/Clock", url.Values{"Advance": {"PT1H"}})
	sub := c.create(t, "/2010-04-01/Accounts.json", url.Values{"FriendlyName": {"a subaccount"}})
	key := c.create(t, acct+"/Keys.json", url.Values{"FriendlyName": {"ci"}})
	number := c.create(t, acct+"/IncomingPhoneNumbers.json", url.Values{"PhoneNumber": {procFrom}, "FriendlyName": {"main line"}})
	other := c.create(t, acct+"/IncomingPhoneNumbers.json", url.Values{"PhoneNumber": {"+14155550198"}})
	service := c.create(t, "/v1/Services", url.Values{"FriendlyName": {"notifications"}, "StickySender": {"true"}})
	c.create(t, "/v1/Services/"+service+"/PhoneNumbers", url.Values{"PhoneNumberSid": {other}})
	alpha := c.create(t, "/v1/Services/"+service+"/AlphaSenders", url.Values{"AlphaSender": {"Acme"}})

	withMedia := c.create(t, acct+"/Messages.json", url.Values{"From": {procFrom}, "To": {"+14155550100"}, "Body": {"a cat"},
		"MediaUrl": {appServer.URL + "/cat.png"}, "StatusCallback": {appServer.URL + "/status"}})
	viaService := c.create(t, acct+"/Messages.json", url.Values{"MessagingServiceSid": {service}, "To": {"+14155550101"},
		"Body": {"from the pool"}})
	c.create(t, "/switchboard/v1/Accounts/"+src.SID+"/InboundMessages", url.Values{"From": {"+14155550100"}, "To": {procFrom},
		"Body": {"meow"}})
	call := c.create(t, acct+"/Calls.json", url.Values{"From": {procFrom}, "To": {"+14155550102"}, "Record": {"true"},
		"Twiml":          {`<Response><Say>Leave a message.</Say><Record maxLength="3" timeout="2"/></Response>`},
		"StatusCallback": {appServer.URL + "/call-status"}})
	verifyService := c.create(t, "/v2/Services", url.Values{"FriendlyName": {"login"}})
	verification := c.create(t, "/v2/Services/"+verifyService+"/Verifications", url.Values{"To": {"+14155550103"},
		"Channel": {"sms"}})

	// Everything settles before the server stops: what is compared must not move on
	// after the copy (the jobs still to run would be copied and run on, but differently
	// timed on the second server).
	waitFor(t, "the message with media delivered", 30*time.Second, func() bool {
		return c.field(t, acct+"/Messages/"+withMedia+".json", "status") == "delivered"
	})
	waitFor(t, "the call completed", 60*time.Second, func() bool {
		return c.field(t, acct+"/Calls/"+call+".json", "status") == "completed"
	})
	var recording string
	waitFor(t, "the call's recordings completed", 30*time.Second, func() bool {
		status, body := c.do(t, http.MethodGet, acct+"/Calls/"+call+"/Recordings.json", nil)
		var list struct {
			Recordings []struct{ Sid, Status string }
		}
		if status != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Recordings) == 0 {
			return false
		}
		for _, r := range list.Recordings {
			if r.Status != "completed" {
				return false
			}
		}
		recording = list.Recordings[0].Sid
		return true
	})
	waitFor(t, "no job left to run", 30*time.Second, func() bool {
		status, body := c.do(t, http.MethodGet, "/metrics", nil)
		return status == http.StatusOK && regexp.MustCompile(`(?m)^switchboard_outbox_depth 0$`).Match(body)
	})
	var media string
	{
		status, body := c.do(t, http.MethodGet, acct+"/Messages/"+withMedia+"/Media.json", nil)
		var list struct {
			MediaList []struct{ Sid string } `json:"media_list"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.MediaList) != 1 {
			t.Fatalf("media of %s: %d %s", withMedia, status, body)
		}
		media = list.MediaList[0].Sid
	}
	app.mu.Lock()
	if app.callbacks == 0 {
		t.Error("the app got no callback: the copy has no webhook deliveries to compare")
	}
	app.mu.Unlock()

	sb := "/switchboard/v1/Accounts/" + src.SID
	paths := []string{
		"/2010-04-01/Accounts.json", "/2010-04-01/Accounts.json?PageSize=1", acct + ".json", "/2010-04-01/Accounts/" + sub + ".json",
		acct + "/Keys.json", acct + "/Keys/" + key + ".json",
		acct + "/IncomingPhoneNumbers.json", acct + "/IncomingPhoneNumbers.json?PageSize=1", acct + "/IncomingPhoneNumbers/" + number + ".json",
		"/v1/Services", "/v1/Services/" + service, "/v1/Services/" + service + "/PhoneNumbers",
		"/v1/Services/" + service + "/PhoneNumbers/" + other, "/v1/Services/" + service + "/AlphaSenders",
		"/v1/Services/" + service + "/AlphaSenders/" + alpha,
		acct + "/Messages.json", acct + "/Messages.json?PageSize=2", acct + "/Messages/" + withMedia + ".json",
		acct + "/Messages/" + viaService + ".json", acct + "/Messages/" + withMedia + "/Media.json",
		acct + "/Messages/" + withMedia + "/Media/" + media + ".json", acct + "/Messages/" + withMedia + "/Media/" + media,
		acct + "/Calls.json", acct + "/Calls/" + call + ".json", acct + "/Calls/" + call + "/Recordings.json",
		acct + "/Recordings.json", acct + "/Recordings/" + recording + ".json", acct + "/Recordings/" + recording + ".wav",
		sb + "/Calls/" + call + "/Events",
		"/v2/Services", "/v2/Services/" + verifyService, "/v2/Services/" + verifyService + "/Verifications/" + verification,
		sb + "/Verifications", sb + "/WebhookDeliveries", sb + "/WebhookDeliveries?PageSize=1",
		sb + "/Threads",
	}
	// A page token is sealed with a random nonce, so two answers hold different tokens
	// for the same page: they are compared without their tokens, and each next page the
	// SQLite server pointed to is fetched from both servers with the SQLite server's own
	// token (sealed with the key the copy carries over, at a position it keeps).
	before, asked := map[string][]byte{}, len(paths)
	for i := 0; i < len(paths); i++ {
		p := paths[i]
		status, body := c.do(t, http.MethodGet, p, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s on SQLite: %d %s", p, status, body)
		}
		before[p] = normalize(body, src.URL)
		if next := nextPage(t, body, src.URL); next != "" && !strings.Contains(p, "PageToken") {
			paths = append(paths, next)
		}
	}
	if follows := len(paths) - asked; follows < 4 {
		t.Errorf("followed %d next pages, want the 4 lists asked for page by page", follows)
	}
	offset := c.field(t, "/switchboard/v1/Clock", "offset_seconds")
	if err := src.stop(t, 10*time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}

	// The test cluster trusts every connection: a password in the URL is accepted and
	// ignored, and must not be printed.
	dbURL := pgtest.Database(t)
	withPassword := strings.Replace(dbURL, "postgres@", "postgres:s3cretPassword@", 1)
	out, err := exec.Command(switchboardBinary(t), "copy", "--from", file, "--to", withPassword).CombinedOutput()
	if err != nil {
		t.Fatalf("switchboard copy: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("s3cretPassword")) {
		t.Errorf("switchboard copy printed the password:\n%s", out)
	}
	for _, want := range []string{"Copied 2 settings", "2 accounts", "1 API keys", "2 phone numbers", "1 messaging services",
		"1 service numbers", "1 alpha senders", "1 media", "1 calls", "1 verify services", "1 verifications", "0 jobs"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("switchboard copy does not say %q:\n%s", want, out)
		}
	}

	dst := startSB(t, withPassword, flags...)
	d := rawClient{dst.process}
	for _, p := range paths {
		status, body := d.do(t, http.MethodGet, p, nil)
		if body = normalize(body, dst.URL); status != http.StatusOK || !bytes.Equal(body, before[p]) {
			t.Errorf("GET %s differs after the copy:\nSQLite:     %s\nPostgreSQL: %d %s", p, before[p], status, body)
		}
	}
	if got := d.field(t, "/switchboard/v1/Clock", "offset_seconds"); got != offset {
		t.Errorf("the clock is %v ahead after the copy, %v before", got, offset)
	}
	// The copy goes on: the PostgreSQL server sends from the copied number.
	sid := d.create(t, acct+"/Messages.json", url.Values{"From": {procFrom}, "To": {"+14155550104"}, "Body": {"after the copy"}})
	waitFor(t, "a message sent after the copy delivered", 30*time.Second, func() bool {
		return d.field(t, acct+"/Messages/"+sid+".json", "status") == "delivered"
	})

	// A second copy into the same database is refused, and changes nothing.
	if err := dst.stop(t, 10*time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	out, err = exec.Command(switchboardBinary(t), "copy", "--from", file, "--to", withPassword).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !bytes.Contains(out, []byte("not empty")) || bytes.Contains(out, []byte("s3cretPassword")) {
		t.Errorf("a copy into a database that is not empty: %v\n%s", err, out)
	}
}

func TestCopyCommandErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no flags", nil, nil, "--from (a SQLite file) and --to (a postgres:// URL) are both needed"},
		{"no destination", []string{"--from", "x.db"}, nil, "are both needed"},
		{"a SQLite destination", []string{"--from", "x.db", "--to", filepath.Join(dir, "y.db")}, nil, "--to must be a postgres:// URL"},
		{"a PostgreSQL source", []string{"--from", "postgres://u:pw@localhost/a", "--to", "postgres://localhost/b"}, nil,
			"--from must be the path of a SQLite file"},
		{"a missing source", []string{"--from", filepath.Join(dir, "missing.db"), "--to", "postgres://u:pw@localhost/b"}, nil,
			"no SQLite database at"},
		{"an argument", []string{"--from", "x.db", "--to", "postgres://localhost/b", "extra"}, nil, `unexpected argument "extra"`},
		{"a flag of the server", []string{"--db", "x.db"}, nil, "flag provided but not defined: -db"},
		{"environment twins", nil, map[string]string{"SWITCHBOARD_COPY_FROM": filepath.Join(dir, "missing.db"),
			"SWITCHBOARD_COPY_TO": "postgres://u:pw@localhost/b"}, "no SQLite database at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), append([]string{"copy"}, tt.args...), func(k string) string { return tt.env[k] }, &stdout, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("switchboard copy %v: %v, want an error saying %q", tt.args, err, tt.want)
			}
			if strings.Contains(err.Error()+stdout.String(), "pw@") {
				t.Errorf("the password was shown: %v %s", err, stdout.String())
			}
		})
	}
}

func TestCopyHelp(t *testing.T) {
	var stdout bytes.Buffer
	env := map[string]string{"SWITCHBOARD_COPY_TO": "postgres://u:s3cret@localhost/b"}
	err := run(context.Background(), []string{"copy", "--help"}, func(k string) string { return env[k] }, &stdout, io.Discard)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("copy --help: %v", err)
	}
	help := stdout.String()
	for _, want := range []string{"Usage: switchboard copy --from FILE --to URL", "-from", "-to", "SWITCHBOARD_COPY_TO",
		"postgres://u:xxxxx@localhost/b"} {
		if !strings.Contains(help, want) {
			t.Errorf("copy --help does not say %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "s3cret") {
		t.Errorf("copy --help shows the password:\n%s", help)
	}
}
