package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/app/servertest"
	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

// The tests in this file run the real binary in its own process: what they check (file
// descriptors, signals, kill -9) belongs to a process, not to run.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// switchboardBinary builds the command once per test run.
func switchboardBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "switchboard")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// The tests whose subject is the store (restarts, kill -9, two processes) run on a
// database from servertest.Database: SQLite, or PostgreSQL with
// SWITCHBOARD_TEST_STORE=postgres. pgtest.Main removes the cluster they shared.
func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(func() int {
		code := m.Run()
		if binary != "" {
			os.RemoveAll(filepath.Dir(binary))
		}
		return code
	}))
}

// process is a running switchboard.
type process struct {
	cmd    *exec.Cmd
	URL    string
	SID    string
	Token  string
	stderr *syncBuffer
	done   chan error
}

// startProcess runs the binary with args (an --addr and --db are added) and waits until it
// listens. It is killed at the end of the test if still running.
func startProcess(t *testing.T, db string, args ...string) *process {
	return startProcessLimited(t, 0, db, args...)
}

// startProcessLimited is startProcess with the open-file limit set to files (0: as is).
func startProcessLimited(t *testing.T, files int, db string, args ...string) *process {
	t.Helper()
	sid, token := "AC"+strings.Repeat("c0", 16), "chaosToken1"
	args = append([]string{"--addr", "127.0.0.1:0", "--db", db, "--account-sid", sid, "--auth-token", token}, args...)
	cmd := exec.Command(switchboardBinary(t), args...)
	if files > 0 { // the shell sets the limit, then becomes the server (same process)
		cmd = exec.Command("sh", append([]string{"-c", fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, files), switchboardBinary(t)}, args...)...)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, SID: sid, Token: token, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if m := listening.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case p.URL = <-found:
	case err := <-p.done:
		t.Fatalf("switchboard exited before listening: %v\n%s", err, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("switchboard not listening after 30s\n%s", p.stderr)
	}
	return p
}

// stop sends SIGTERM and returns the exit error (nil for exit code 0).
func (p *process) stop(t *testing.T, within time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		return err
	case <-time.After(within):
		t.Fatalf("no exit within %s of SIGTERM\n%s", within, p.stderr)
		return nil
	}
}

// sockets counts the process's open sockets (Linux: /proc/<pid>/fd).
func (p *process) sockets(t *testing.T) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("cannot count sockets without /proc: %v", err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// slowClient connects from source (an address on the loopback) and sends a POST's
// headers, with a made-up account and a declared body of 100,000 bytes, and one byte of
// that body; then nothing. It returns the connection, or nil if the server refused it.
func slowClient(addr, source string) net.Conn {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil
	}
	_, err = io.WriteString(c, "POST /2010-04-01/Accounts/AC"+strings.Repeat("0", 32)+"/Messages.json HTTP/1.1\r\n"+
		"Host: x\r\nAuthorization: Basic QUMwMDA6bm9wZQ==\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nT")
	if err != nil {
		c.Close()
		return nil
	}
	return c
}

// healthy polls /healthz from source with fresh connections until it answers 200, and
// returns how long that took, or an error after limit.
func healthy(url, source string, limit time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}).DialContext,
	}}
	start := time.Now()
	var last error
	for time.Since(start) < limit {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("/healthz from %s did not answer 200 within %s: %v", source, limit, last)
}

func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	return int(min(rl.Cur, 1<<20))
}

// TestSlowClientsCannotTakeTheServerDown holds thousands of connections that send a POST's
// headers and one body byte, then nothing (finding 1: before the fix each was held
// forever, descriptors ran out and /healthz stopped answering). Now the server holds at
// most its pool and reserve, refuses the rest at once, answers /healthz all along, drops
// the stalled ones after --read-timeout, and exits 0 on SIGTERM even with slow requests
// in flight.
func TestSlowClientsCannotTakeTheServerDown(t *testing.T) {
	servertest.SQLiteOnly(t) // connections, not the store: once, in the SQLite run
	// The attack and the server each need a descriptor per connection; keep well inside
	// this process's limit (the server raises its own and fits its pool to it).
	attackers := min(3000, openFileLimit()/2-200)
	const maxConns, perIP, reserve = 400, 200, 32
	p := startProcess(t, filepath.Join(t.TempDir(), "sb.db"),
		"--max-conns", fmt.Sprint(maxConns), "--max-conns-per-ip", fmt.Sprint(perIP),
		"--read-timeout", "2s", "--shutdown-timeout", "1s")
	addr := strings.TrimPrefix(p.URL, "http://")
	baseline := p.sockets(t)

	var (
		mu   sync.Mutex
		held []net.Conn
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < attackers; i += 8 {
				if c := slowClient(addr, "127.0.0.1"); c != nil {
					mu.Lock()
					held = append(held, c)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d slow clients connected in %s", attackers, time.Since(start))
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()

	during := p.sockets(t) - baseline
	t.Logf("connections held by the server with %d slow clients: %d (pool %d for one source, reserve %d)", attackers, during, perIP, reserve)
	if during > perIP+reserve+5 {
		t.Errorf("the server holds %d connections for one slow source; its share is %d plus a reserve of %d", during, perIP, reserve)
	}
	// Beyond pool and reserve a connection is refused at once, with the error object.
	if c := slowClient(addr, "127.0.0.1"); c != nil {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		answer, _ := io.ReadAll(c)
		c.Close()
		if !bytes.HasPrefix(answer, []byte("HTTP/1.1 503")) || !bytes.Contains(answer, []byte(`"code":20503`)) || !bytes.Contains(answer, []byte("Retry-After: 1")) {
			t.Errorf("a connection over the limits got %q", answer)
		}
	}
	// Another source has the rest of the pool; the same source gets the reserve as soon
	// as the reserve's short-lived slow connections are dropped.
	for _, source := range []string{"127.0.0.2", "127.0.0.1"} {
		took, err := healthy(p.URL, source, 5*time.Second)
		if err != nil {
			t.Fatalf("%v\n%s", err, p.stderr)
		}
		t.Logf("/healthz from %s answered after %s", source, took.Round(time.Millisecond))
	}

	// After --read-timeout (2s) every stalled body is dropped.
	deadline := time.Now().Add(10 * time.Second)
	for p.sockets(t)-baseline > 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	after := p.sockets(t) - baseline
	t.Logf("connections held after --read-timeout: %d", after)
	if after > 2 {
		t.Errorf("%d stalled connections still held after --read-timeout", after)
	}

	// SIGTERM with slow requests in flight: exit 0 after --shutdown-timeout.
	for range 20 {
		if c := slowClient(addr, "127.0.0.3"); c != nil {
			held = append(held, c)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if err := p.stop(t, 10*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM with slow clients: %v\n%s", err, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "closing connections still open") {
		t.Errorf("no warning about the connections closed at shutdown:\n%s", p.stderr)
	}
}

// TestSlowButSteadyBodyGetsThrough: a 1 MB-class body that trickles in faster than
// --min-body-rate is served, however long it takes past --read-timeout.
func TestSlowButSteadyBodyGetsThrough(t *testing.T) {
	servertest.SQLiteOnly(t) // connections, not the store: once, in the SQLite run
	p := startProcess(t, filepath.Join(t.TempDir(), "sb.db"), "--read-timeout", "500ms", "--min-body-rate", "20000")
	body := "To=%2B14155550100&From=%2B15005550006&Body=" + strings.Repeat("a", 1500) + "&MaxPrice=" + strings.Repeat("b", 40000)
	pr, pw := io.Pipe()
	go func() {
		// 40 KB at about 40 KB/s: two seconds, four times --read-timeout, twice the rate.
		for chunk := range slices.Chunk([]byte(body), 4000) {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		pw.Close()
	}()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, p.URL+"/2010-04-01/Accounts/"+p.SID+"/Messages.json", pr)
	req.ContentLength = int64(len(body))
	req.SetBasicAuth(p.SID, p.Token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow steady body: HTTP %d %s", resp.StatusCode, got)
	}
	// The same body stalling after its first chunk is dropped after the grace period.
	c, err := net.Dial("tcp", strings.TrimPrefix(p.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /2010-04-01/Accounts/%s/Messages.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", p.SID, len(body), body[:4000])
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(c); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a stalled body was still held after 5s (read-timeout 500ms)")
	}
}

// TestLowFileLimit: with an open-file limit below --max-conns the server shrinks its pool
// to fit, says so, and a crowd of slow clients still never makes accept(2) fail.
func TestLowFileLimit(t *testing.T) {
	// On either backend: the store's files or connections take descriptors too.
	p := startProcessLimited(t, 300, servertest.Database(t), "--read-timeout", "2s")
	addr := strings.TrimPrefix(p.URL, "http://")
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range 600 {
		if c := slowClient(addr, "127.0.0.1"); c != nil {
			held = append(held, c)
		}
	}
	if n := p.sockets(t); n > 300 {
		t.Fatalf("%d sockets open under a limit of 300", n)
	}
	took, err := healthy(p.URL, "127.0.0.2", 5*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, p.stderr)
	}
	t.Logf("/healthz from another address answered after %s with 600 slow clients and ulimit -n 300", took.Round(time.Millisecond))
	log := p.stderr.String()
	if !strings.Contains(log, "too low for --max-conns") || strings.Contains(log, "too many open files") {
		t.Errorf("log:\n%s", log)
	}
}

// TestHealthWhileEventStreamsFillThePool: 2,000 event streams, more than the pool holds,
// each reopened 100 ms after it is refused (a browser's EventSource waits longer), do not
// keep a health check out: the reserve serves health checks only, so the streams that find the
// pool full are refused instead of holding the reserve for its two seconds.
func TestHealthWhileEventStreamsFillThePool(t *testing.T) {
	servertest.SQLiteOnly(t) // connections, not the store: once, in the SQLite run
	p := startProcess(t, filepath.Join(t.TempDir(), "sb.db"),
		"--max-conns", "1024", "--max-conns-per-ip", "0", "--max-event-streams", "4000", "--log-level", "error")
	addr := strings.TrimPrefix(p.URL, "http://")
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.SID+":"+p.Token))
	request := "GET /switchboard/v1/Accounts/" + p.SID + "/Events HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n"

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var streaming atomic.Int64
	defer func() { cancel(); wg.Wait() }()
	for range 2000 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				if _, err := io.WriteString(c, request); err == nil {
					if r, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil && r.StatusCode == http.StatusOK {
						streaming.Add(1)
						_, _ = io.Copy(io.Discard, r.Body) // held until the test ends
						streaming.Add(-1)
					}
				}
				stop()
				c.Close()
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	// Wait until the pool is full of streams.
	deadline := time.Now().Add(30 * time.Second)
	for streaming.Load() < 1000 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d streams open after 30 s", streaming.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A probe fails as a kubelet's does: after three failed tries in a row (its default
	// failureThreshold). A try may be refused when, at that instant, the reserve's reads
	// of request lines are all taken by streams (on a loaded machine they take longer);
	// the tries are counted, not asserted.
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	refused := 0
	for i := range 20 {
		var last string
		ok := false
		for try := 0; try < 3 && !ok; try++ {
			resp, err := client.Get(p.URL + "/healthz")
			if err != nil {
				last = err.Error()
			} else {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
				last = fmt.Sprintf("HTTP %d %s", resp.StatusCode, body)
			}
			if !ok {
				refused++
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !ok {
			t.Fatalf("health probe %d failed three tries in a row with %d streams open: %s", i, streaming.Load(), last)
		}
	}
	t.Logf("20 probes: %d tries of %d refused", refused, 20+refused)
}
