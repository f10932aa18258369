package webhook

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

// The test vectors of the reference (both reproduced by Twilio's own validators).
func TestSignVectors(t *testing.T) {
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	tests := []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
			"From": "+12349013030", "To": "+18005551212"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
		{map[string]string{"Digits": "1234", "CallSid": "CA1234567890ABCDE", "To": "+18005551212",
			"Caller": "+14158675309", "From": "+14158675309", "ReasonConferenceEnded": "test", "Reason": "Participant"},
			"vOEb5UThFn24KEfnOFLQY2AE5FY="},
	}
	for _, tt := range tests {
		if got := Sign("12345", u, tt.params); got != tt.want {
			t.Errorf("Sign(%v) = %s, want %s", tt.params, got, tt.want)
		}
	}
}

// receiver records the last request and checks its signature with the official Go SDK's
// validator, an implementation nobody here wrote.
type receiver struct {
	t      *testing.T
	token  string
	status int
	body   string
	ctype  string
	delay  time.Duration
	got    chan *http.Request
	form   chan url.Values
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rc.delay > 0 {
		time.Sleep(rc.delay)
	}
	if err := r.ParseForm(); err != nil {
		rc.t.Error(err)
	}
	full := "http://" + r.Host + r.URL.RequestURI()
	params := map[string]string{}
	if r.Method == http.MethodPost {
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
	}
	v := twclient.NewRequestValidator(rc.token)
	if !v.Validate(full, params, r.Header.Get("X-Twilio-Signature")) {
		rc.t.Errorf("%s %s: signature %q does not validate", r.Method, full, r.Header.Get("X-Twilio-Signature"))
	}
	if rc.ctype != "" {
		w.Header().Set("Content-Type", rc.ctype)
	}
	w.WriteHeader(rc.status)
	io.WriteString(w, rc.body)
	rc.got <- r
	if r.Method == http.MethodPost {
		rc.form <- r.PostForm
	} else {
		rc.form <- r.URL.Query()
	}
}

func newReceiver(t *testing.T, status int, body string) (*receiver, *httptest.Server) {
	rc := &receiver{t: t, token: "secret", status: status, body: body, got: make(chan *http.Request, 4), form: make(chan url.Values, 4)}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

func TestDoPostSignedAndRecorded(t *testing.T) {
	rc, srv := newReceiver(t, 200, "<Response/>")
	rc.ctype = "text/xml"
	c := NewClient(time.Second, 1<<10, AnyTarget)
	res := c.Do(context.Background(), Request{
		URL: srv.URL + "/sms?x=1", Params: map[string]string{"Body": "hi there & more", "From": "+15005550006"},
		AuthToken: "secret", IdempotencyToken: "tok-1",
	})
	if !res.OK() || res.Status != 200 || string(res.Body) != "<Response/>" || res.ContentType != "text/xml" || res.Method != "POST" {
		t.Fatalf("result %+v", res)
	}
	r, form := <-rc.got, <-rc.form
	if r.Method != http.MethodPost || r.Header.Get("I-Twilio-Idempotency-Token") != "tok-1" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("request %s headers %v", r.Method, r.Header)
	}
	if form.Get("Body") != "hi there & more" || form.Get("From") != "+15005550006" {
		t.Errorf("form %v", form)
	}
	if r.Header.Get("X-Twilio-Signature") != res.Signature {
		t.Errorf("result signature %s, sent %s", res.Signature, r.Header.Get("X-Twilio-Signature"))
	}
}

func TestDoGetPutsParamsInURL(t *testing.T) {
	rc, srv := newReceiver(t, 204, "")
	res := NewClient(time.Second, 1<<10, AnyTarget).Do(context.Background(), Request{
		URL: srv.URL + "/cb?keep=yes", Method: "GET", Params: map[string]string{"MessageStatus": "sent"}, AuthToken: "secret",
	})
	if !res.OK() || res.Status != 204 {
		t.Fatalf("result %+v", res)
	}
	<-rc.got
	q := <-rc.form
	if q.Get("keep") != "yes" || q.Get("MessageStatus") != "sent" || !strings.Contains(res.URL, "MessageStatus=sent") {
		t.Errorf("query %v, url %s", q, res.URL)
	}
}

func TestDoFailures(t *testing.T) {
	_, srv500 := newReceiver(t, 500, strings.Repeat("x", 100))
	slow, srvSlow := newReceiver(t, 200, "")
	slow.delay = 300 * time.Millisecond
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	c := NewClient(100*time.Millisecond, 10, AnyTarget)
	tests := []struct {
		name      string
		url       string
		wantCode  int
		wantState int
		wantBody  string
	}{
		{"non-2xx", srv500.URL, CodeRetrievalFailure, 500, "xxxxxxxxxx"}, // body cut at maxBody
		{"timeout", srvSlow.URL, CodeTimeout, 0, ""},
		{"refused", closed.URL, CodeRetrievalFailure, 0, ""},
		{"bad url", "http://[::1", CodeRetrievalFailure, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.Do(context.Background(), Request{URL: tt.url, AuthToken: "secret"})
			if res.OK() || res.ErrorCode != tt.wantCode || res.Status != tt.wantState || string(res.Body) != tt.wantBody || res.ErrorMessage == "" {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

func TestPublicTargetsRefuseLoopback(t *testing.T) {
	rc, srv := newReceiver(t, 200, "")
	res := NewClient(time.Second, 10, PublicTargets).Do(context.Background(), Request{URL: srv.URL, AuthToken: "secret"})
	if res.ErrorCode != CodeRetrievalFailure || !strings.Contains(res.ErrorMessage, "webhook-targets") {
		t.Fatalf("result %+v", res)
	}
	select {
	case <-rc.got:
		t.Fatal("the loopback receiver was reached")
	default:
	}
	if _, err := ParseTargets("everything"); err == nil {
		t.Error("ParseTargets accepted a bad value")
	}
	for _, s := range []string{"any", "public"} {
		if got, err := ParseTargets(s); err != nil || string(got) != s {
			t.Errorf("ParseTargets(%q) = %q, %v", s, got, err)
		}
	}
}

func TestPublicIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "192.168.0.1": false, "172.16.0.1": false, "169.254.1.1": false,
		"::1": false, "fe80::1": false, "0.0.0.0": false, "224.0.0.1": false, "fc00::1": false,
		"8.8.8.8": true, "2001:4860:4860::8888": true,
	} {
		if got := publicIP(mustIP(t, ip)); got != want {
			t.Errorf("publicIP(%s) = %v, want %v", ip, got, want)
		}
	}
}

func mustIP(t *testing.T, s string) net.IP {
	ip := net.ParseIP(s)
	if ip == nil {
		t.Fatalf("bad IP %s", s)
	}
	return ip
}

func TestFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/typed":
			w.Header().Set("Content-Type", "image/gif")
			io.WriteString(w, "GIF89a")
		case "/untyped":
			w.Header()["Content-Type"] = nil // let Fetch sniff it
			w.Write([]byte("\x89PNG\r\n\x1a\n0000"))
		case "/big":
			w.Write(make([]byte, 101))
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := NewClient(100*time.Millisecond, 10, AnyTarget)
	tests := []struct {
		path, ctype, body string
		code              int
	}{
		{"/typed", "image/gif", "GIF89a", 0},
		{"/untyped", "image/png", "\x89PNG\r\n\x1a\n0000", 0},
		{"/big", "", "", CodeMediaTooLarge},
		{"/missing", "", "", CodeRetrievalFailure},
		{"/slow", "", "", CodeTimeout},
	}
	for _, tt := range tests {
		got := c.Fetch(context.Background(), srv.URL+tt.path, 100)
		if got.ErrorCode != tt.code || got.ContentType != tt.ctype || string(got.Body) != tt.body || (tt.code != 0) != (got.ErrorMessage != "") {
			t.Errorf("Fetch(%s) = %+v, want %s %q code %d", tt.path, got, tt.ctype, tt.body, tt.code)
		}
	}
	if got := c.Fetch(context.Background(), "http://[::1", 100); got.ErrorCode != CodeRetrievalFailure {
		t.Errorf("bad URL: %+v", got)
	}
}

// TestDoAndFetchSuccessIsEvery2xx: every 2xx status is an answer, 299 included, and 300
// is not (nor followed); a file of exactly the limit is fetched whole.
func TestDoAndFetchSuccessIsEvery2xx(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/299":
			w.WriteHeader(299)
			io.WriteString(w, "ok")
		case "/300":
			w.Header().Set("Location", "/299")
			w.WriteHeader(300)
		case "/exact":
			w.Write([]byte("0123456789"))
		}
	}))
	defer srv.Close()
	c := NewClient(time.Second, 100, AnyTarget)
	if res := c.Do(context.Background(), Request{URL: srv.URL + "/299", AuthToken: "secret"}); !res.OK() || res.Status != 299 || string(res.Body) != "ok" {
		t.Errorf("webhook answered 299: %+v", res)
	}
	if res := c.Do(context.Background(), Request{URL: srv.URL + "/300", AuthToken: "secret"}); res.OK() || res.Status != 300 {
		t.Errorf("webhook answered 300: %+v", res)
	}
	if got := c.Fetch(context.Background(), srv.URL+"/299", 100); got.ErrorCode != 0 || string(got.Body) != "ok" {
		t.Errorf("file answered 299: %+v", got)
	}
	if got := c.Fetch(context.Background(), srv.URL+"/300", 100); got.ErrorCode != CodeRetrievalFailure {
		t.Errorf("file answered 300: %+v", got)
	}
	if got := c.Fetch(context.Background(), srv.URL+"/exact", 10); got.ErrorCode != 0 || string(got.Body) != "0123456789" {
		t.Errorf("a file of exactly the limit: %+v", got)
	}
}

// TestDoReachesHTTPS: an https webhook is requested (over TLS, signed with its https URL),
// not refused as a URL of another scheme.
func TestDoReachesHTTPS(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		full := "https://" + r.Host + r.URL.RequestURI()
		v := twclient.NewRequestValidator("secret")
		if !v.Validate(full, map[string]string{"A": r.PostForm.Get("A")}, r.Header.Get("X-Twilio-Signature")) {
			t.Errorf("signature for %s does not validate", full)
		}
		got <- r.PostForm.Get("A")
	}))
	defer srv.Close()
	c := NewClient(time.Second, 100, AnyTarget)
	// Trust the test server's certificate, as a real client trusts a CA's.
	c.http.Transport.(*http.Transport).TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
	res := c.Do(context.Background(), Request{URL: srv.URL + "/hook", Params: map[string]string{"A": "b"}, AuthToken: "secret"})
	if !res.OK() || res.Status != 200 {
		t.Fatalf("https webhook: %+v", res)
	}
	if a := <-got; a != "b" {
		t.Errorf("form A = %q", a)
	}
	for _, u := range []string{"ftp://" + strings.TrimPrefix(srv.URL, "https://") + "/hook", "/relative", "https:///nohost"} {
		if res := c.Do(context.Background(), Request{URL: u, AuthToken: "secret"}); res.ErrorCode != CodeRetrievalFailure || !strings.Contains(res.ErrorMessage, "not an absolute http(s) URL") {
			t.Errorf("%s: %+v", u, res)
		}
	}
}

// TestPublicTargetsDialPublicAddresses: the public-targets policy refuses only addresses
// that are not public; a public one is dialed. 192.0.2.1 (TEST-NET-1) is public to the
// policy and answers nothing, so the request fails, but not by the policy.
func TestPublicTargetsDialPublicAddresses(t *testing.T) {
	res := NewClient(200*time.Millisecond, 10, PublicTargets).Do(context.Background(), Request{URL: "http://192.0.2.1:9/", AuthToken: "secret"})
	if res.OK() || strings.Contains(res.ErrorMessage, "webhook-targets") {
		t.Fatalf("a public address: %+v", res)
	}
}

// TestConnectionsKept: a client keeps connections to an app's host for reuse, as many as
// the outbox runs requests to one host at once (32), and closes those left idle rather
// than hold them, and a file descriptor each, for as long as the process runs.
func TestConnectionsKept(t *testing.T) {
	tr := NewClient(time.Second, 10, AnyTarget).http.Transport.(*http.Transport)
	if tr.MaxIdleConnsPerHost != 32 {
		t.Errorf("MaxIdleConnsPerHost = %d, want 32", tr.MaxIdleConnsPerHost)
	}
	if tr.IdleConnTimeout <= 0 || tr.IdleConnTimeout > time.Minute {
		t.Errorf("IdleConnTimeout = %s, want a limit of a minute or less", tr.IdleConnTimeout)
	}
}

// TestTruncateUTF8: a recorded answer keeps at most n bytes, never half a character, and
// invalid bytes of a short answer read as U+FFFD.
func TestTruncateUTF8(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 3, "hel"},
		{"ab\xff", 3, "ab\uFFFD"},
		{"ab\xff", 4, "ab\uFFFD"},
		{"hé", 2, "h"},   // é is two bytes: cut whole
		{"h€x", 3, "h"},  // € is three
		{"h€x", 4, "h€"}, // exactly after it
		{"", 0, ""},
	} {
		if got := truncateUTF8([]byte(tt.in), tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// TestRecordedBody: a delivery record keeps the first RecordedBodySize bytes of a longer
// answer, and a short one whole.
func TestRecordedBody(t *testing.T) {
	long := strings.Repeat("é", RecordedBodySize) // two bytes each
	if got := (Result{Body: []byte(long)}).RecordedBody(); got != long[:RecordedBodySize] {
		t.Errorf("long answer: kept %d bytes, want %d", len(got), RecordedBodySize)
	}
	if got := (Result{Body: []byte("<Response/>")}).RecordedBody(); got != "<Response/>" {
		t.Errorf("short answer: %q", got)
	}
}

func TestHost(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"https://App.Example.com/sms", "app.example.com:443"},
		{"http://app.example.com/sms", "app.example.com:80"},
		{"http://127.0.0.1:8080/x?y=1", "127.0.0.1:8080"},
		{"https://user:pw@example.com:8443/", "example.com:8443"},
		{"http://[::1]:9000/", "[::1]:9000"},
		{"ftp://example.com/", ""},
		{"notaurl", ""},
		{"", ""},
	} {
		if got := Host(tt.url); got != tt.want {
			t.Errorf("Host(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
