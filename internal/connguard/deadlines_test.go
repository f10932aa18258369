package connguard

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve runs handler behind Deadlines on loopback and returns its address.
func serve(t *testing.T, tm Timeouts, handler http.HandlerFunc) string {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: Deadlines(handler, tm)}
	ConfigureServer(s, tm)
	go s.Serve(raw) //nolint:errcheck // ends at Close
	t.Cleanup(func() { s.Close() })
	return raw.Addr().String()
}

// post sends a POST declaring size body bytes, written in chunks of chunk bytes every
// pause; stopAfter > 0 stops writing after that many bytes. It returns the status line, or
// the read error.
func post(t *testing.T, addr string, size, chunk int, pause time.Duration, stopAfter int) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
	go func() {
		for sent := 0; sent < size && (stopAfter == 0 || sent < stopAfter); sent += chunk {
			if _, err := c.Write([]byte(strings.Repeat("a", min(chunk, size-sent)))); err != nil {
				return
			}
			time.Sleep(pause)
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return bufio.NewReader(c).ReadString('\n')
}

func TestBodyMustKeepUpAfterGrace(t *testing.T) {
	// Write is shorter than the body takes: the response's time starts when the body was
	// due, not when the request began.
	tm := Timeouts{Grace: 300 * time.Millisecond, MinBodyRate: 10000, Write: 500 * time.Millisecond, Idle: time.Second, MaxBody: 1 << 20}
	results := make(chan error, 10)
	addr := serve(t, tm, func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		results <- err
		if err != nil {
			return
		}
		// Past the grace period, after the whole body: the handler's own time is not the
		// client's, and the request goes on.
		time.Sleep(3 * tm.Grace)
		if r.Context().Err() != nil {
			results <- r.Context().Err()
		}
		w.WriteHeader(http.StatusNoContent)
	})

	// 20 kB at 20 kB/s, twice the minimum rate, over three times the grace period.
	if line, err := post(t, addr, 20000, 2000, 100*time.Millisecond, 0); err != nil || !strings.Contains(line, "204") {
		t.Fatalf("a steady body: %q %v", line, err)
	}
	if err := <-results; err != nil {
		t.Fatalf("a steady body failed to read: %v", err)
	}
	// The same body stopping after its first bytes is cut off after the grace period.
	start := time.Now()
	post(t, addr, 20000, 2000, 100*time.Millisecond, 2000)
	if err := <-results; err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("a stalled body: %v after %s", err, time.Since(start))
	}
	// A chunked body has no length to go by, and stalls the same way.
	start = time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	if err := <-results; err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("a stalled chunked body: %v after %s", err, time.Since(start))
	}
	// Slower than the rate: 20 kB at 5 kB/s is cut off too, though it keeps sending.
	start = time.Now()
	post(t, addr, 20000, 500, 100*time.Millisecond, 0)
	if err := <-results; err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("a body below the rate: %v after %s", err, time.Since(start))
	}
}

func TestResponseMustBeReadInTime(t *testing.T) {
	tm := Timeouts{Grace: 200 * time.Millisecond, MinBodyRate: 1000, Write: 300 * time.Millisecond, Idle: time.Second, MaxBody: 1 << 20}
	wrote := make(chan error, 1)
	addr := serve(t, tm, func(w http.ResponseWriter, r *http.Request) {
		// Far more than the socket buffers hold, to a client that never reads.
		_, err := w.Write([]byte(strings.Repeat("x", 64<<20)))
		wrote <- err
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("a response nobody reads was written whole")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the write to a client that does not read was not cut off")
	}
}

func TestTimeoutsDefaults(t *testing.T) {
	tm := DefaultTimeouts(1 << 20)
	s := &http.Server{}
	ConfigureServer(s, tm)
	if s.ReadHeaderTimeout != DefaultGrace || s.IdleTimeout != DefaultIdle || s.MaxHeaderBytes != MaxHeaderBytes || s.ReadTimeout != 0 || s.WriteTimeout != 0 {
		t.Fatalf("server timeouts %+v", s)
	}
	if l := DefaultLimits(); l.MaxConnsPerIP != DefaultMaxConns/2 || l.Reserve != DefaultReserve {
		t.Fatalf("limits %+v", l)
	}
}

// TestDocumentedDefaults: the defaults are the values README.md's flag table and its
// section on slow clients give.
func TestDocumentedDefaults(t *testing.T) {
	tm := DefaultTimeouts(1 << 20)
	if tm.Grace != 10*time.Second || tm.MinBodyRate != 4096 || tm.Write != 30*time.Second || tm.Idle != 60*time.Second || tm.MaxBody != 1<<20 {
		t.Errorf("timeouts %+v", tm)
	}
	if l := DefaultLimits(); l.MaxConns != 1024 || l.MaxConnsPerIP != 512 || l.Reserve != 32 || l.ReserveLifetime != 2*time.Second {
		t.Errorf("limits %+v", l)
	}
	if MaxHeaderBytes != 64*1024 {
		t.Errorf("header limit %d", MaxHeaderBytes)
	}
}
