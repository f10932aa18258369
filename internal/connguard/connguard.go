// Package connguard keeps slow or numerous clients from taking the server offline. It sits
// between net.Listener and http.Server, where the handlers cannot reach:
//
//   - Listener bounds the connections held at once: a main pool (Limits.MaxConns), of
//     which one source address may hold at most Limits.MaxConnsPerIP, so that one client
//     cannot take the whole pool; and a small reserve of short-lived connections for the
//     moments the pool is full, so that a health check (GET or HEAD HealthPath) still
//     gets through while slow connections wait to be evicted. The reserve serves health
//     checks only: any other request on it (an event stream that reconnects every two
//     seconds, say, which would otherwise hold the reserve for good) is answered 503.
//     Beyond that a connection is refused at once (a 503 error object, then close)
//     instead of queuing in the kernel or holding a file descriptor.
//   - Deadlines evicts slow clients: a request body must arrive at Timeouts.MinBodyRate
//     bytes a second after a grace period, so a 1 MB body still gets through on a slow
//     link while one that stops is dropped; responses must be read within
//     Timeouts.Write. Headers and idle keep-alive connections are bounded by
//     http.Server's ReadHeaderTimeout and IdleTimeout, which ServerTimeouts sets.
//   - The plain-text errors that http.Server writes itself, before any handler runs
//     (431 for oversized headers, 400 for malformed requests), are rewritten into
//     Twilio's error object, like every other error.
package connguard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits bound the connections a Listener holds.
type Limits struct {
	MaxConns      int // main pool, all sources together
	MaxConnsPerIP int // of the main pool, per source address; 0 means MaxConns
	// Reserve connections are taken when the pool (or the source's share) is full. Each
	// lives at most ReserveLifetime, reads and writes included, so slow clients cannot
	// keep them.
	Reserve         int
	ReserveLifetime time.Duration
}

// HealthPath is the health check's path: the only request a reserve connection serves.
const HealthPath = "/healthz"

// maxPeeks bounds the connections being read at once to tell a health check from
// anything else, while the pool is full. Each lasts until its request line arrives (at
// most peekTime); 2,000 event streams reconnecting ten times a second kept fewer than
// 64 in that state most of the time, and not always.
func (l Limits) maxPeeks() int { return 16 * l.Reserve }

// Defaults. The pool stays well below common file-descriptor limits (Go raises the soft
// limit to the hard one at start; CheckFileLimit warns when the pool does not fit).
const (
	DefaultMaxConns        = 1024
	DefaultReserve         = 32
	DefaultReserveLifetime = 2 * time.Second
)

// DefaultLimits gives one source at most half the pool.
func DefaultLimits() Limits {
	return Limits{MaxConns: DefaultMaxConns, MaxConnsPerIP: DefaultMaxConns / 2,
		Reserve: DefaultReserve, ReserveLifetime: DefaultReserveLifetime}
}

// Listener wraps a net.Listener with Limits. It is safe for concurrent use.
type Listener struct {
	net.Listener
	limits Limits
	log    *slog.Logger

	mu      sync.Mutex
	pool    int
	perIP   map[string]int
	reserve int
	peeks   int // connections being read to tell whether they are health checks
	refused int64

	startOnce sync.Once
	accepted  chan accepted // the raw listener's connections and errors
	ready     chan net.Conn // health checks admitted to the reserve
	closed    chan struct{}
	closeOnce sync.Once
}

type accepted struct {
	c   net.Conn
	err error
}

// NewListener wraps ln. log receives a warning when connections start being refused.
func NewListener(ln net.Listener, limits Limits, log *slog.Logger) *Listener {
	if limits.MaxConnsPerIP <= 0 {
		limits.MaxConnsPerIP = limits.MaxConns
	}
	limits.MaxConnsPerIP = min(limits.MaxConnsPerIP, limits.MaxConns)
	return &Listener{Listener: ln, limits: limits, log: log, perIP: map[string]int{},
		accepted: make(chan accepted), ready: make(chan net.Conn), closed: make(chan struct{})}
}

type lane int

const (
	refused lane = iota
	pool
	reserve
)

// Accept returns the next connection that fits the limits. A connection beyond the pool
// is read, in a goroutine of its own, until its request line says whether it is a health
// check: one is served from the reserve, anything else is answered with 503 and closed,
// as is a connection that fits nowhere, without reaching http.Server.
func (l *Listener) Accept() (net.Conn, error) {
	l.startOnce.Do(func() { go l.acceptLoop() })
	for {
		select {
		case <-l.closed:
			return nil, net.ErrClosed
		case c := <-l.ready:
			return c, nil
		case a := <-l.accepted:
			if a.err != nil {
				return nil, a.err
			}
			c, ip := a.c, sourceOf(a.c)
			switch l.admit(ip) {
			case pool:
				return &conn{Conn: c, release: func() { l.leave(pool, ip) }}, nil
			case reserve:
				go l.peek(c)
			default:
				refuse(c)
			}
		}
	}
}

// acceptLoop hands the raw listener's connections to Accept until it fails (closed).
func (l *Listener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		select {
		case l.accepted <- accepted{c, err}:
		case <-l.closed:
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
	}
}

// Close closes the listener; Accept returns its error.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// peekLimit bounds how much of a reserve candidate's request line is read, and
// peekTime how long it may take.
const (
	peekLimit = 512
	peekTime  = time.Second
)

// peek reads c's request line: a health check gets a reserve slot, if one is free, and
// goes to Accept; anything else is refused.
func (l *Listener) peek(c net.Conn) {
	defer l.donePeek()
	_ = c.SetReadDeadline(time.Now().Add(peekTime))
	head := make([]byte, 0, peekLimit)
	buf := make([]byte, peekLimit)
	for len(head) < peekLimit && !bytes.Contains(head, []byte("\r\n")) {
		n, err := c.Read(buf[:peekLimit-len(head)])
		head = append(head, buf[:n]...)
		if err != nil {
			break
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	if !isHealthCheck(line) || !l.takeReserve() {
		refuse(c)
		return
	}
	end := time.Now().Add(l.limits.ReserveLifetime)
	_ = c.SetDeadline(end)
	rc := &conn{Conn: &replayConn{Conn: c, head: head}, end: end, release: func() { l.leave(reserve, "") }}
	select {
	case l.ready <- rc:
	case <-l.closed:
		rc.Close()
	}
}

// isHealthCheck reports whether an HTTP request line asks for the health check.
func isHealthCheck(line []byte) bool {
	method, rest, _ := bytes.Cut(line, []byte(" "))
	target, _, _ := bytes.Cut(rest, []byte(" "))
	path, _, _ := bytes.Cut(target, []byte("?"))
	return (string(method) == http.MethodGet || string(method) == http.MethodHead) && string(path) == HealthPath
}

// replayConn reads head, the bytes read already, before the rest of the connection.
type replayConn struct {
	net.Conn
	head []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// admit picks the lane of a new connection from ip: the pool if it fits, else a read of
// its request line (while the reserve has room, and at most maxPeeks at once), else
// refused.
func (l *Listener) admit(ip string) lane {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.pool < l.limits.MaxConns && l.perIP[ip] < l.limits.MaxConnsPerIP:
		l.pool++
		l.perIP[ip]++
		return pool
	case l.reserve < l.limits.Reserve && l.peeks < l.limits.maxPeeks():
		l.peeks++
		return reserve
	}
	l.refusedOne(ip)
	return refused
}

// takeReserve gives a health check a reserve slot if one is free.
func (l *Listener) takeReserve() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reserve < l.limits.Reserve {
		l.reserve++
		return true
	}
	l.refusedOne("")
	return false
}

func (l *Listener) donePeek() {
	l.mu.Lock()
	l.peeks--
	l.mu.Unlock()
}

// refusedOne counts a refusal and warns at the first and every thousandth; l.mu is held.
func (l *Listener) refusedOne(ip string) {
	l.refused++
	if l.refused == 1 || l.refused%1000 == 0 {
		l.log.Warn("connection limit reached: refusing connections", slog.String("source", ip),
			slog.Int64("refused", l.refused), slog.Int("max_conns", l.limits.MaxConns),
			slog.Int("max_conns_per_ip", l.limits.MaxConnsPerIP))
	}
}

func (l *Listener) leave(from lane, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if from == reserve {
		l.reserve--
		return
	}
	l.pool--
	if l.perIP[ip]--; l.perIP[ip] == 0 {
		delete(l.perIP, ip)
	}
}

// Held is the number of connections open now (pool and reserve) and the number refused
// so far.
func (l *Listener) Held() (open int, refusedSoFar int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pool + l.reserve, l.refused
}

func sourceOf(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// refuse answers a connection over the limits without reading its request. The write
// goes into an empty socket buffer, so it does not block; the deadline makes sure.
func refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write(errorResponse(http.StatusServiceUnavailable, 20503,
		"Too many connections; try again shortly", "Retry-After: 1\r\n"))
	_ = c.Close()
}

// errorResponseBody is Twilio's error object.
func errorResponseBody(status, code int, message string) []byte {
	return fmt.Appendf(nil, `{"code":%d,"message":%s,"more_info":"https://www.twilio.com/docs/errors/%d","status":%d}`,
		code, strconv.Quote(message), code, status)
}

// errorResponse is a whole HTTP/1.1 response carrying Twilio's error object, for the
// places that have a connection but no http.ResponseWriter.
func errorResponse(status, code int, message, extraHeaders string) []byte {
	body := errorResponseBody(status, code, message)
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=UTF-8\r\n"+
		"X-Content-Type-Options: nosniff\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), extraHeaders, len(body), body)
}

// conn releases its slot once, and keeps a reserve connection's deadline (end) from being
// moved later by http.Server, which sets deadlines of its own for every request.
type conn struct {
	net.Conn
	end       time.Time // zero for pool connections
	release   func()
	closeOnce sync.Once
}

func (c *conn) Close() error {
	c.closeOnce.Do(c.release)
	return c.Conn.Close()
}

func (c *conn) clamp(t time.Time) time.Time {
	if !c.end.IsZero() && (t.IsZero() || t.After(c.end)) {
		return c.end
	}
	return t
}

func (c *conn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.clamp(t)) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.clamp(t)) }

// goErrorHeaders is what http.Server puts between the status line and the body of the
// plain-text errors it writes on its own, each in one Write. No handler of ours sends
// text/plain with Connection: close, so the match cannot catch a real response.
var goErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// Write passes responses through, except http.Server's own plain-text errors, which
// become the error object.
func (c *conn) Write(p []byte) (int, error) {
	if status, ok := goError(p); ok {
		message := http.StatusText(status)
		if status == http.StatusRequestHeaderFieldsTooLarge {
			message = fmt.Sprintf("Request header fields too large (limit %d KiB)", MaxHeaderBytes/1024)
		}
		if _, err := c.Conn.Write(errorResponse(status, 20001, message, "")); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// goError recognizes http.Server's plain-text error responses and returns their status.
// It looks only at the start of p, so ordinary responses cost next to nothing.
func goError(p []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 4 || (rest[0] != '4' && rest[0] != '5') {
		return 0, false
	}
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil {
		return 0, false
	}
	// The status line must end right where the canned headers begin.
	end := bytes.IndexByte(rest[:min(len(rest), 256)], '\r')
	if end < 0 || !bytes.HasPrefix(rest[end:], goErrorHeaders) {
		return 0, false
	}
	return status, true
}

// Timeouts bound how long a request may take to arrive and its response to leave.
type Timeouts struct {
	// Grace is how long headers may take, and how long a body may take before it must
	// keep up MinBodyRate; also the idle limit between keep-alive requests is Idle.
	Grace       time.Duration
	MinBodyRate int64 // bytes per second, after Grace
	Write       time.Duration
	Idle        time.Duration
	MaxBody     int64 // the largest body the server accepts, for chunked bodies' deadlines
}

// Defaults: a 1 MB body takes at most 10 s + 1 MB / 4 KiB/s, about 4.5 minutes, which
// is 32 kbit/s: slower than any mobile data link still in service.
const (
	DefaultGrace       = 10 * time.Second
	DefaultMinBodyRate = 4096
	DefaultWrite       = 30 * time.Second
	DefaultIdle        = 60 * time.Second
	// MaxHeaderBytes is http.Server's header limit; larger headers get a 431 error
	// object. Far above what any client sends, and small enough that a pool full of
	// clients sending huge headers costs little memory.
	MaxHeaderBytes = 64 << 10
)

// DefaultTimeouts for a body limit of maxBody bytes.
func DefaultTimeouts(maxBody int64) Timeouts {
	return Timeouts{Grace: DefaultGrace, MinBodyRate: DefaultMinBodyRate, Write: DefaultWrite, Idle: DefaultIdle, MaxBody: maxBody}
}

// ConfigureServer sets what http.Server enforces itself: the timeouts of t, and, in each
// request's context, the connection it came on, so that Deadlines knows a reserve
// connection's requests.
func ConfigureServer(s *http.Server, t Timeouts) {
	s.ReadHeaderTimeout = t.Grace
	s.IdleTimeout = t.Idle
	s.MaxHeaderBytes = MaxHeaderBytes
	// ReadTimeout and WriteTimeout stay 0: one fixed deadline would cut off a slow but
	// steady upload. Deadlines sets both per request instead.
	s.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
}

type connKey struct{}

// onReserve reports whether r came on a reserve connection of a Listener.
func onReserve(r *http.Request) bool {
	c, ok := r.Context().Value(connKey{}).(*conn)
	return ok && !c.end.IsZero()
}

// errReserveForHealth answers a request other than a health check on a reserve
// connection.
var errReserveForHealth = errorResponseBody(http.StatusServiceUnavailable, 20503,
	"Too many connections; try again shortly (while the server is full, only health checks are served)")

// Deadlines wraps a handler with the per-request read and write deadlines of t, and
// keeps the reserve connections for health checks.
func Deadlines(next http.Handler, t Timeouts) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onReserve(r) && !(r.URL.Path == HealthPath && (r.Method == http.MethodGet || r.Method == http.MethodHead)) {
			h := w.Header()
			h.Set("Content-Type", "application/json; charset=UTF-8")
			h.Set("Retry-After", "1")
			h.Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write(errReserveForHealth)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		expect := r.ContentLength
		if expect < 0 { // chunked: as long as the largest body could be
			expect = t.MaxBody
		}
		bodyTime := time.Duration(0)
		if expect > 0 && r.Body != nil && r.Body != http.NoBody {
			bodyTime = t.Grace + transferTime(min(expect, t.MaxBody), t.MinBodyRate)
			b := &rateBody{ReadCloser: r.Body, rc: rc, start: start, grace: t.Grace, rate: t.MinBodyRate}
			_ = rc.SetReadDeadline(start.Add(t.Grace))
			r.Body = b
		}
		_ = rc.SetWriteDeadline(start.Add(bodyTime + t.Write))
		next.ServeHTTP(w, r)
	})
}

// transferTime is how long n bytes take at rate bytes a second, without overflowing.
func transferTime(n, rate int64) time.Duration {
	if rate <= 0 {
		return 0
	}
	secs := min(n/rate, int64(24*time.Hour/time.Second)) // a day is "forever" here
	// The remainder is under a second; as a fraction it cannot overflow, as
	// (n%rate)*time.Second would for rates above a billion.
	frac := time.Duration(float64(n%rate) / float64(rate) * float64(time.Second))
	return time.Duration(secs)*time.Second + frac
}

// rateBody moves the connection's read deadline as bytes arrive: the body may take
// grace, plus the time its bytes so far would take at rate. A client that keeps sending
// keeps its connection; one that stops is cut off, whatever it declared.
type rateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	read  int64
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == io.EOF:
		// All read: the handler's own work is not the client's to hurry, and http.Server
		// watches the idle connection itself from here on.
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0 && b.rate > 0:
		_ = b.rc.SetReadDeadline(b.start.Add(b.grace + transferTime(b.read, b.rate)))
	}
	return n, err
}

// fileLimit is systemFileLimit, replaced in tests.
var fileLimit = systemFileLimit

// filesBesideConns is what the process needs open besides client connections: the
// SQLite file, its WAL and shared memory for each pooled connection, the listener, logs.
const filesBesideConns = 64

// FitFileLimit lowers MaxConns (and MaxConnsPerIP with it) so that the pool, the
// reserve and the connections read to fill it fit the process's open-file limit, and reports whether it had to: running out
// of descriptors fails accept(2) for everyone, health checks included.
func FitFileLimit(l Limits) (Limits, bool) {
	limit := fileLimit()
	if limit == 0 || uint64(l.MaxConns+l.Reserve+l.maxPeeks()+filesBesideConns) <= limit {
		return l, false
	}
	room := max(1, int(min(limit, 1<<30))-l.Reserve-l.maxPeeks()-filesBesideConns)
	// One source keeps the same share of the smaller pool (both factors are at most
	// 2^30, so the product fits an int64).
	if l.MaxConnsPerIP > 0 && l.MaxConns > 0 {
		l.MaxConnsPerIP = max(1, int(int64(l.MaxConnsPerIP)*int64(room)/int64(l.MaxConns)))
	}
	l.MaxConns = room
	return l, true
}
