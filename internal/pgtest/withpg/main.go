// Command withpg runs a command with a throwaway PostgreSQL cluster: it starts one
// (internal/pgtest), runs the command with SWITCHBOARD_TEST_POSTGRES set to the URL of
// the cluster's superuser and PG_BIN to the directory of PostgreSQL's programs (createdb,
// dropdb...), and removes the cluster when the command ends, whether it passed, failed
// or was interrupted. The make targets that test on PostgreSQL run under it, so that the
// packages and test files they run share one cluster rather than each starting its own,
// each making the databases it needs on it.
//
//	go run ./internal/pgtest/withpg -- go test ./server/...
//
// Its exit code is the command's.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/switchboard-dev/switchboard/internal/pgtest"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg [--] command [args...]")
		return 2
	}
	bin, err := pgtest.BinDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	// Signals are caught from here on, so that an interrupt while the cluster starts
	// still removes it.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	cluster, err := pgtest.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	defer cluster.Remove()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), pgtest.EnvURL+"="+cluster.URL("postgres"), "PG_BIN="+bin)
	select {
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "withpg: %v before the command started\n", sig)
		return 1
	default:
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	// A Ctrl-C reaches the command by itself (the terminal signals the whole process
	// group); a signal sent to withpg alone is passed on. Either way withpg waits for the
	// command, then removes the cluster.
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-signals:
				_ = cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
}
