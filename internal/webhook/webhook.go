// Package webhook makes the HTTP requests Switchboard sends to users' apps: status
// callbacks and incoming-message webhooks. It signs each request as Twilio does
// (X-Twilio-Signature), applies the per-attempt timeout and the target policy, and
// reports the outcome with Twilio's error codes. It knows nothing of the store: what a
// response means is for the caller to decide.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Twilio's error codes for a failed webhook request.
const (
	CodeRetrievalFailure = 11200 // unreachable, or an answer that is not 2xx
	CodeTimeout          = 11205 // no answer within the timeout
	CodeParseFailure     = 12100 // the answer is not a TwiML document (callers decide)
	CodeBadContentType   = 12300 // the answer's Content-Type cannot hold TwiML (callers decide)
)

// Sign computes X-Twilio-Signature: HMAC-SHA1, keyed with the auth token, of the full URL
// followed by every POST parameter sorted by name, each as name then value; base64.
// For GET requests params is empty: the parameters are already in the URL.
func Sign(authToken, fullURL string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.Sort(names)
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL)
	for _, name := range names {
		io.WriteString(mac, name)
		io.WriteString(mac, params[name])
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Request is one webhook request to make.
type Request struct {
	URL    string
	Method string // GET or POST; "" means POST
	Params map[string]string
	// AuthToken of the account, which keys the signature.
	AuthToken string
	// IdempotencyToken is sent as I-Twilio-Idempotency-Token; the same for every retry of
	// one webhook, so a receiver can drop a repeat.
	IdempotencyToken string
}

// Result is what happened. ErrorCode is 0 when the app answered 2xx.
type Result struct {
	URL          string // the URL requested (with the parameters, for GET)
	Method       string
	Signature    string
	Status       int // 0 when no response came
	ContentType  string
	Body         []byte // at most Client.MaxBody bytes
	Latency      time.Duration
	ErrorCode    int
	ErrorMessage string
}

// OK reports whether the app answered 2xx.
func (r Result) OK() bool { return r.ErrorCode == 0 }

// RecordedBodySize is how much of an answer a delivery record (WebhookDeliveries) keeps.
const RecordedBodySize = 4 << 10

// RecordedBody is the answer's body as a delivery record keeps it: at most
// RecordedBodySize bytes of valid UTF-8, never half a character.
func (r Result) RecordedBody() string { return truncateUTF8(r.Body, RecordedBodySize) }

// truncateUTF8 keeps at most n bytes of b without cutting a character in two.
func truncateUTF8(b []byte, n int) string {
	if len(b) <= n {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	b = b[:n]
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Targets says which hosts webhooks may reach.
type Targets string

const (
	// AnyTarget allows every host, loopback and private networks included: Switchboard is
	// a local tool and the apps it calls usually run on the same machine.
	AnyTarget Targets = "any"
	// PublicTargets refuses loopback, private, link-local and other non-public addresses,
	// for shared deployments where users must not reach the server's own network.
	PublicTargets Targets = "public"
)

// ParseTargets reads a --webhook-targets value.
func ParseTargets(s string) (Targets, error) {
	switch t := Targets(s); t {
	case AnyTarget, PublicTargets:
		return t, nil
	}
	return "", fmt.Errorf("webhook targets must be %q or %q, not %q", AnyTarget, PublicTargets, s)
}

// Client sends webhook requests. Its zero value is not usable: use NewClient.
type Client struct {
	http    *http.Client
	timeout time.Duration
	maxBody int64
}

// NewClient returns a client whose requests each time out after timeout (Twilio: 15 s),
// that reads at most maxBody bytes of an answer, and reaches only the targets allowed.
func NewClient(timeout time.Duration, maxBody int64, targets Targets) *Client {
	dialer := &net.Dialer{Timeout: timeout}
	if targets == PublicTargets {
		// Checked on the address actually dialed, after DNS, so a name that resolves to a
		// private address is refused too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return fmt.Errorf("%w: %s", errTargetRefused, host)
			}
			return nil
		}
	}
	transport := &http.Transport{
		DialContext: dialer.DialContext,
		// As many kept-alive connections per host as the outbox lets requests to one host
		// run at once (outbox.DefaultRequestsPerTarget), so a busy host's requests reuse
		// their connections.
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: timeout,
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			// A redirect is an answer like any other that is not 2xx: Twilio reports it
			// rather than following it with the signature of another URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: timeout,
		maxBody: maxBody,
	}
}

// Host is the host a request to rawURL goes to, as the outbox counts requests per target:
// lowercased, with the scheme's port when the URL names none ("" when rawURL is not an
// absolute http or https URL).
func Host(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	port := u.Port()
	switch {
	case port != "":
	case u.Scheme == "http":
		port = "80"
	case u.Scheme == "https":
		port = "443"
	default:
		return ""
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

var errTargetRefused = errors.New("webhook target refused by --webhook-targets=public")

func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified())
}

// Do makes the request and reports the outcome; it never returns an error, because a
// failed request is an outcome the caller records.
func (c *Client) Do(ctx context.Context, r Request) Result {
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	res := Result{URL: r.URL, Method: method}

	// The URL is signed as the app will see it: a bare host is requested as "/".
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return failed(res, CodeRetrievalFailure, fmt.Sprintf("%q is not an absolute http(s) URL", r.URL))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	var body io.Reader
	signed := r.Params
	if method == http.MethodGet {
		q := u.Query()
		for name, value := range r.Params {
			q.Set(name, value)
		}
		u.RawQuery = q.Encode()
		signed = nil
	} else {
		form := url.Values{}
		for name, value := range r.Params {
			form.Set(name, value)
		}
		body = strings.NewReader(form.Encode())
	}
	res.URL = u.String()
	res.Signature = Sign(r.AuthToken, res.URL, signed)

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, res.URL, body)
	if err != nil {
		return failed(res, CodeRetrievalFailure, fmt.Sprintf("invalid request: %v", err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Twilio-Signature", res.Signature)
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (Switchboard)")
	req.Header.Set("Accept", "*/*")
	if r.IdempotencyToken != "" {
		req.Header.Set("I-Twilio-Idempotency-Token", r.IdempotencyToken)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		if errors.Is(err, context.DeadlineExceeded) {
			return failed(res, CodeTimeout, fmt.Sprintf("no answer within %s", c.timeout))
		}
		return failed(res, CodeRetrievalFailure, err.Error())
	}
	defer resp.Body.Close()
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody))
	res.Latency = time.Since(start)
	res.Status = resp.StatusCode
	res.ContentType = resp.Header.Get("Content-Type")
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return failed(res, CodeTimeout, fmt.Sprintf("answer not complete within %s", c.timeout))
	case err != nil:
		return failed(res, CodeRetrievalFailure, fmt.Sprintf("reading the answer: %v", err))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return failed(res, CodeRetrievalFailure, fmt.Sprintf("the app answered HTTP %d", resp.StatusCode))
	}
	return res
}

func failed(r Result, code int, message string) Result {
	r.ErrorCode, r.ErrorMessage = code, message
	return r
}

// Fetched is a file downloaded by Fetch.
type Fetched struct {
	ContentType  string
	Body         []byte
	ErrorCode    int // 0 when the file was fetched whole
	ErrorMessage string
}

// CodeMediaTooLarge is Twilio's code for media over the size limit.
const CodeMediaTooLarge = 11751

// Fetch downloads a media file of at most limit bytes, under the same timeout and target
// policy as webhooks.
func (c *Client) Fetch(ctx context.Context, fileURL string, limit int64) Fetched {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fileURL, nil)
	if err != nil {
		return Fetched{ErrorCode: CodeRetrievalFailure, ErrorMessage: fmt.Sprintf("invalid URL: %v", err)}
	}
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (Switchboard)")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return Fetched{ErrorCode: CodeTimeout, ErrorMessage: fmt.Sprintf("no answer within %s", c.timeout)}
		}
		return Fetched{ErrorCode: CodeRetrievalFailure, ErrorMessage: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Fetched{ErrorCode: CodeRetrievalFailure, ErrorMessage: fmt.Sprintf("%s answered HTTP %d", fileURL, resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case err != nil:
		return Fetched{ErrorCode: CodeRetrievalFailure, ErrorMessage: fmt.Sprintf("reading %s: %v", fileURL, err)}
	case int64(len(body)) > limit:
		return Fetched{ErrorCode: CodeMediaTooLarge, ErrorMessage: fmt.Sprintf("%s is larger than %d bytes", fileURL, limit)}
	}
	ctype := resp.Header.Get("Content-Type")
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	return Fetched{ContentType: ctype, Body: body}
}
