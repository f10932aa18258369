package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// profiler takes CPU profiles of Switchboard while the harness loads it, through the
// net/http/pprof server that Switchboard's --pprof flag starts on a loopback port.
type profiler struct {
	addr string // host:port given to --pprof
	dir  string // where the profiles are written
}

// newProfiler picks a free loopback port for --pprof and creates dir.
func newProfiler(dir string) (*profiler, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &profiler{addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir}, nil
}

// profileSeconds is how long a profile taken during a measurement of d runs: the whole
// seconds of d (pprof takes whole seconds), at least one, so that it ends within the
// load rather than after it.
func profileSeconds(d time.Duration) int {
	return max(1, int(d/time.Second))
}

// start begins a CPU profile of profileSeconds(d) now and returns the function that
// waits for it and writes it to the file name in the profiler's directory.
func (p *profiler) start(ctx context.Context, name string, d time.Duration) (wait func() error) {
	done := make(chan error, 1)
	go func() {
		done <- p.fetch(ctx, name, profileSeconds(d))
	}()
	return func() error { return <-done }
}

func (p *profiler) fetch(ctx context.Context, name string, seconds int) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("profile %s: HTTP %d: %s", name, resp.StatusCode, body)
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", name, err)
	}
	return f.Close()
}
