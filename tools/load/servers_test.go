package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startCommand runs name with args as a process the harness could measure.
func startCommand(t *testing.T, name string, args ...string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(name, args...), done: make(chan struct{})}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()          //nolint:errcheck // killed below
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done }) //nolint:errcheck // may have exited
	return p
}

func TestWaitIdle(t *testing.T) {
	idle := startCommand(t, "sleep", "60")
	var log strings.Builder
	waited, err := waitIdle(context.Background(), []*process{idle}, 10*time.Second, &log)
	if err != nil || waited >= 10*time.Second || log.Len() > 0 {
		t.Fatalf("idle process: waited %s, %v, log %q", waited, err, log.String())
	}

	// A process that never rests is measured anyway, after the limit, with a word why.
	busy := startCommand(t, "sh", "-c", "while :; do :; done")
	waited, err = waitIdle(context.Background(), []*process{idle, busy}, time.Second, &log)
	if err != nil || waited < time.Second || !strings.Contains(log.String(), "did not go idle") {
		t.Fatalf("busy process: waited %s, %v, log %q", waited, err, log.String())
	}

	busy.cmd.Process.Kill() //nolint:errcheck // it runs until killed
	<-busy.done
	if _, err := waitIdle(context.Background(), []*process{busy}, time.Second, &log); err == nil {
		t.Fatal("no error for a process that exited")
	}
}
