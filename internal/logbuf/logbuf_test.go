package logbuf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// output records what reaches the log's destination, and how many writes it took.
type output struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	err    error
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	o.writes++
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func (o *output) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.writes
}

// waitFor polls until out holds want, for up to 5 s.
func waitFor(t *testing.T, out *output, want string) time.Duration {
	t.Helper()
	start := time.Now()
	for out.String() != want {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

func TestLinesWaitForTheDelayThenGoTogether(t *testing.T) {
	out := &output{}
	w := New(out, 50*time.Millisecond)
	start := time.Now()
	for i := range 3 {
		fmt.Fprintf(w, "line %d\n", i)
	}
	if out.String() != "" {
		t.Fatalf("written before the delay: %q", out.String())
	}
	waitFor(t, out, "line 0\nline 1\nline 2\n")
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("written after %v, before the delay", waited)
	}
	if out.count() != 1 {
		t.Errorf("%d writes, want 1", out.count())
	}
	// The timer runs again for the next lines.
	fmt.Fprintln(w, "later")
	waitFor(t, out, "line 0\nline 1\nline 2\nlater\n")
	if out.count() != 2 {
		t.Errorf("%d writes, want 2", out.count())
	}
}

func TestFlushWritesWhatWaits(t *testing.T) {
	out := &output{}
	w := New(out, time.Hour)
	fmt.Fprintln(w, "a")
	fmt.Fprintln(w, "b")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "a\nb\n" || out.count() != 1 {
		t.Errorf("after Flush %q in %d writes", out.String(), out.count())
	}
	if err := w.Flush(); err != nil || out.count() != 1 {
		t.Errorf("an empty Flush: %v, %d writes", err, out.count())
	}
}

func TestAFullBufferIsWrittenAtOnce(t *testing.T) {
	out := &output{}
	w := New(out, time.Hour)
	line := strings.Repeat("x", 1023) + "\n"
	var want strings.Builder
	for range maxBuffered / len(line) {
		w.Write([]byte(line))
		want.WriteString(line)
	}
	if out.String() != "" {
		t.Fatalf("%d bytes written before the buffer was full", len(out.String()))
	}
	w.Write([]byte("next\n")) // does not fit: what waits goes first
	if out.String() != want.String() {
		t.Fatalf("after the buffer filled: %d bytes written, want %d", len(out.String()), want.Len())
	}
	// A line longer than the buffer goes straight out, after the lines before it.
	long := strings.Repeat("y", maxBuffered+1) + "\n"
	w.Write([]byte(long))
	if got := out.String(); got != want.String()+"next\n"+long {
		t.Fatalf("a long line: %d bytes written, want %d", len(got), want.Len()+5+len(long))
	}
	// A line as long as the buffer still waits in it, once the lines before it are out.
	w.Write([]byte("a\n"))
	written := len(out.String())
	w.Write([]byte(strings.Repeat("z", maxBuffered-1) + "\n"))
	if len(out.String()) != written+2 {
		t.Fatalf("a line that fills the buffer exactly: %d bytes written, want %d", len(out.String())-written, 2)
	}
}

func TestNoDelayWritesEachLine(t *testing.T) {
	out := &output{}
	w := New(out, 0)
	fmt.Fprintln(w, "a")
	fmt.Fprintln(w, "b")
	if out.String() != "a\nb\n" || out.count() != 2 {
		t.Errorf("%q in %d writes", out.String(), out.count())
	}
}

// TestWarningsAreWrittenAtOnce: a warning goes out when it is logged, after the info lines
// before it, in order; info lines wait.
func TestWarningsAreWrittenAtOnce(t *testing.T) {
	for _, tt := range []struct {
		level slog.Level
		now   bool
	}{
		{slog.LevelDebug, false}, {slog.LevelInfo, false}, {slog.LevelWarn, true}, {slog.LevelError, true},
	} {
		t.Run(tt.level.String(), func(t *testing.T) {
			out := &output{}
			w := New(out, time.Hour)
			log := slog.New(Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}), w)).With("k", "v").WithGroup("g")
			log.Info("before")
			log.Log(context.Background(), tt.level, "this")
			got := out.String()
			if !tt.now {
				if got != "" {
					t.Fatalf("written at once: %q", got)
				}
				return
			}
			before, this := strings.Index(got, "msg=before"), strings.Index(got, "msg=this")
			if before < 0 || this < before || !strings.Contains(got, "k=v") {
				t.Errorf("output %q", got)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	out := &output{err: errors.New("disk full")}
	w := New(out, time.Hour)
	if _, err := w.Write([]byte("a\n")); err != nil {
		t.Fatalf("a buffered write: %v", err)
	}
	if err := w.Flush(); err == nil {
		t.Fatal("Flush: no error")
	}
	// The failed lines are dropped, not written again later.
	out.mu.Lock()
	out.err = nil
	out.mu.Unlock()
	fmt.Fprintln(w, "b")
	if err := w.Flush(); err != nil || out.String() != "b\n" {
		t.Errorf("after the error: %v %q", err, out.String())
	}
	out.err = errors.New("disk full")
	log := slog.New(Handler(slog.NewTextHandler(w, nil), w))
	if err := log.Handler().Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "x", 0)); err == nil {
		t.Error("an error line that could not be written: no error")
	}
}

// TestConcurrentLinesStayWhole: lines written from many goroutines come out whole, each
// once.
func TestConcurrentLinesStayWhole(t *testing.T) {
	out := &output{}
	w := New(out, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				fmt.Fprintf(w, "g%d line %d %s\n", g, i, strings.Repeat("z", i%300))
			}
		}()
	}
	wg.Wait()
	w.Flush()
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var g, i int
		var z string
		if n, _ := fmt.Sscanf(l, "g%d line %d %s", &g, &i, &z); (n != 3 && i%300 != 0) || len(z) != i%300 || seen[l] {
			t.Fatalf("line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != 8*500 {
		t.Errorf("%d lines, want %d", len(seen), 8*500)
	}
}
