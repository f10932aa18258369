package connguard

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// listen returns a Listener on loopback and a channel of the connections it accepts.
func listen(t *testing.T, limits Limits) (*Listener, <-chan net.Conn) {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(raw, limits, quietLog())
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	return ln, accepted
}

func dialFrom(t *testing.T, addr, source string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialHealth connects from source and sends a health check's request line and headers.
func dialHealth(t *testing.T, addr, source string) net.Conn {
	t.Helper()
	c := dialFrom(t, addr, source)
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

// accept waits for the listener to hand over a connection, or reports that it did not.
func accept(t *testing.T, accepted <-chan net.Conn) net.Conn {
	t.Helper()
	select {
	case c := <-accepted:
		return c
	case <-time.After(2 * time.Second):
		t.Fatal("the connection was not accepted")
		return nil
	}
}

// wasRefused checks that c was answered with the 503 error object and closed.
func wasRefused(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("refused connection: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), `"code":20503`) ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("refused connection got %d %v %s", resp.StatusCode, resp.Header, body)
	}
}

func TestListenerLimits(t *testing.T) {
	ln, accepted := listen(t, Limits{MaxConns: 2, MaxConnsPerIP: 1, Reserve: 1, ReserveLifetime: 300 * time.Millisecond})
	addr := ln.Addr().String()

	dialFrom(t, addr, "127.0.0.1")
	pooled := accept(t, accepted) // the source's one pool slot
	dialHealth(t, addr, "127.0.0.1")
	reserved := accept(t, accepted) // its share is used: the reserve, for a health check
	wasRefused(t, dialFrom(t, addr, "127.0.0.1"))
	dialFrom(t, addr, "127.0.0.2")
	accept(t, accepted) // another source has the rest of the pool
	wasRefused(t, dialFrom(t, addr, "127.0.0.3"))
	if open, n := ln.Held(); open != 3 || n != 2 {
		t.Fatalf("held %d, refused %d; want 3 and 2", open, n)
	}

	if reserved.(*conn).end.IsZero() || !pooled.(*conn).end.IsZero() {
		t.Fatal("only the reserve connection has an end")
	}
	// The reserve connection reads the request line it was admitted for; and its
	// deadline cannot be moved past its lifetime.
	start := time.Now()
	_ = reserved.SetReadDeadline(time.Time{})
	head, err := io.ReadAll(reserved)
	if err == nil || time.Since(start) > 2*time.Second || !strings.HasPrefix(string(head), "GET /healthz HTTP/1.1\r\n") {
		t.Fatalf("reserve connection read %q: %v after %s", head, err, time.Since(start))
	}
	_ = reserved.SetWriteDeadline(time.Now().Add(time.Hour))
	_ = reserved.SetDeadline(time.Now().Add(time.Hour))
	if _, err := reserved.Write([]byte("x")); err == nil {
		t.Fatal("a reserve connection wrote past its lifetime")
	}

	// Closing gives each slot back to its own lane, once however often it is closed: the
	// source gets the reserve again, then its pool slot.
	reserved.Close()
	dialHealth(t, addr, "127.0.0.1")
	if again := accept(t, accepted); again.(*conn).end.IsZero() {
		t.Fatal("a closed reserve connection gave its slot to the pool")
	} else {
		again.Close()
	}
	pooled.Close()
	pooled.Close()
	if open, _ := ln.Held(); open != 1 {
		t.Fatalf("held %d after closing two, want 1", open)
	}
	dialFrom(t, addr, "127.0.0.1")
	c := accept(t, accepted)
	dialHealth(t, addr, "127.0.0.1")
	accept(t, accepted)
	wasRefused(t, dialFrom(t, addr, "127.0.0.1"))
	// A pool connection's deadlines are its own to set.
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read without data or deadline error")
	}
	if open, _ := ln.Held(); open != 3 {
		t.Fatalf("held %d, want 3", open)
	}
}

func TestListenerCountsPerSource(t *testing.T) {
	var logs strings.Builder
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(raw, Limits{MaxConns: 3, MaxConnsPerIP: 2}, slog.New(slog.NewTextHandler(&logs, nil)))
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	addr := ln.Addr().String()
	dialFrom(t, addr, "127.0.0.1")
	first := accept(t, accepted)
	dialFrom(t, addr, "127.0.0.1")
	accept(t, accepted)
	wasRefused(t, dialFrom(t, addr, "127.0.0.1")) // its share of 2 is used; no reserve
	first.Close()
	dialFrom(t, addr, "127.0.0.1")
	accept(t, accepted)                           // one slot back
	wasRefused(t, dialFrom(t, addr, "127.0.0.1")) // and no more than one
	// A flood of refusals is logged once, then once a thousand.
	for range 998 {
		c := dialFrom(t, addr, "127.0.0.1")
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}
	if n := strings.Count(logs.String(), "connection limit reached"); n != 2 {
		t.Errorf("%d warnings for 1000 refusals, want 2 (the first and the thousandth)", n)
	}
}

func TestNewListenerPerIPDefault(t *testing.T) {
	for _, perIP := range []int{0, -1, 99} {
		ln := NewListener(nil, Limits{MaxConns: 10, MaxConnsPerIP: perIP}, quietLog())
		if ln.limits.MaxConnsPerIP != 10 {
			t.Errorf("per-IP %d became %d, want the whole pool (10)", perIP, ln.limits.MaxConnsPerIP)
		}
	}
	if ln := NewListener(nil, Limits{MaxConns: 10, MaxConnsPerIP: 10}, quietLog()); ln.limits.MaxConnsPerIP != 10 {
		t.Errorf("per-IP equal to the pool changed to %d", ln.limits.MaxConnsPerIP)
	}
}

func TestFitFileLimit(t *testing.T) {
	defer func(f func() uint64) { fileLimit = f }(fileLimit)
	for _, tt := range []struct {
		limit          uint64
		max, perIP     int
		lowered        bool
		wantMax, wantP int
	}{
		{0, 1024, 512, false, 1024, 512},                     // unknown: as configured
		{100000, 1024, 512, false, 1024, 512},                // fits
		{1024 + 32 + 512 + 64, 1024, 512, false, 1024, 512},  // fits exactly (pool, reserve, peeks, other files)
		{1024 + 32 + 512 + 63, 1024, 512, true, 1023, 511},   // one short
		{204 + 608, 1024, 512, true, 204, 102},               // half the pool stays half
		{50, 1024, 512, true, 1, 1},                          // never below one
		{1 << 40, 1 << 20, 1 << 19, false, 1 << 20, 1 << 19}, // huge limits
		{1<<20 + 607, 1 << 20, 1 << 20, true, 1<<20 - 1, 1<<20 - 1},
		{204 + 608, 1024, 0, true, 204, 0}, // no separate share stays none
		{50, 0, 5, true, 1, 5},             // nothing to scale from
	} {
		fileLimit = func() uint64 { return tt.limit }
		got, lowered := FitFileLimit(Limits{MaxConns: tt.max, MaxConnsPerIP: tt.perIP, Reserve: 32})
		if lowered != tt.lowered || got.MaxConns != tt.wantMax || got.MaxConnsPerIP != tt.wantP {
			t.Errorf("limit %d: %d/%d lowered %v; want %d/%d %v", tt.limit, got.MaxConns, got.MaxConnsPerIP, lowered, tt.wantMax, tt.wantP, tt.lowered)
		}
	}
}

// TestGoErrorsBecomeErrorObjects: what http.Server writes on its own reaches the client
// as the error object; anything else passes through untouched.
func TestGoErrorsBecomeErrorObjects(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		{"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large",
			fmt.Sprintf(`"code":20001,"message":"Request header fields too large (limit %d KiB)"`, MaxHeaderBytes/1024)},
		{"HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header",
			`"code":20001,"message":"Bad Request","more_info":"https://www.twilio.com/docs/errors/20001","status":400`},
		{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
	} {
		server, client := net.Pipe()
		c := &conn{Conn: server, release: func() {}}
		go func() {
			n, err := c.Write([]byte(tt.in))
			if err != nil || n != len(tt.in) {
				t.Errorf("Write: %d %v", n, err)
			}
			c.Close()
		}()
		got, _ := io.ReadAll(client)
		if !strings.Contains(string(got), tt.want) {
			t.Errorf("%.30q came out as %q", tt.in, got)
		}
	}
}

// TestReserveServesHealthChecksOnly: while the pool is full, a reserve connection answers
// a health check, and any other request (an event stream reconnecting, say) gets the 503
// error object, so that such requests cannot take the reserve from health checks.
func TestReserveServesHealthChecksOnly(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(raw, Limits{MaxConns: 1, Reserve: 2, ReserveLifetime: 2 * time.Second}, quietLog())
	tm := DefaultTimeouts(1 << 20)
	s := &http.Server{Handler: Deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok "+r.URL.Path)
	}), tm)}
	ConfigureServer(s, tm)
	go s.Serve(ln) //nolint:errcheck // ends at Close
	t.Cleanup(func() { s.Close() })
	addr := raw.Addr().String()

	get := func(c net.Conn, method, path string) (*http.Response, string) {
		t.Helper()
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: x\r\n\r\n", method, path)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	// The pool's one connection, kept open: it serves anything.
	pooled := dialFrom(t, addr, "127.0.0.1")
	if resp, body := get(pooled, "GET", "/2010-04-01/Accounts.json"); resp.StatusCode != 200 || body != "ok /2010-04-01/Accounts.json" {
		t.Fatalf("pool: %d %q", resp.StatusCode, body)
	}
	for _, tt := range []struct {
		method, path string
		served       bool
	}{
		{"GET", "/healthz", true},
		{"HEAD", "/healthz", true},
		{"GET", "/switchboard/v1/Accounts/AC1/Events", false},
		{"GET", "/2010-04-01/Accounts.json", false},
		{"POST", "/healthz", false},
		{"GET", "/healthz/x", false},
	} {
		c := dialFrom(t, addr, "127.0.0.1")
		resp, body := get(c, tt.method, tt.path)
		switch {
		case tt.served && resp.StatusCode != 200:
			t.Errorf("reserve, %s %s: %d %s, want it served", tt.method, tt.path, resp.StatusCode, body)
		case !tt.served && (resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, `"code":20503`)):
			t.Errorf("reserve, %s %s: %d %v %s, want the 503 error object", tt.method, tt.path, resp.StatusCode, resp.Header, body)
		}
		c.Close()
	}
}
