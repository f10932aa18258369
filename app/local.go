package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/switchboard-dev/switchboard/internal/connguard"
	"github.com/switchboard-dev/switchboard/internal/metrics"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/accounts"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/sqlite"
)

// Local is a whole Switchboard serving on a loopback port, in this process: what the
// test harnesses run.
type Local struct {
	URL  string        // e.g. http://127.0.0.1:41234
	DB   store.Store   // its store
	Main store.Account // the main account, created with fresh credentials
	App  *App
	// Listener counts the connections the server holds.
	Listener *connguard.Listener

	srv      *http.Server
	stopWork func()
	tempDir  string // removed by Stop when StartLocal made it
}

// LocalOptions are the connection guards of a Local server; nil takes the binary's
// defaults.
type LocalOptions struct {
	Limits   *connguard.Limits
	Timeouts *connguard.Timeouts
}

// StartLocal opens (or creates) the database db names, as the binary's --db does (a
// SQLite file, or a PostgreSQL database at a postgres:// URL: see OpenStore), "" for a
// new SQLite file in a temporary directory; makes sure it has a main account; and serves
// Switchboard with cfg on a random loopback port until Stop, behind the same connection
// guards as the binary. cfg.BaseURL defaults to the address served.
func StartLocal(db string, cfg Config, guards ...LocalOptions) (*Local, error) {
	ctx := context.Background()
	l := &Local{}
	if db == "" {
		dir, err := os.MkdirTemp("", "switchboard-")
		if err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
		l.tempDir, db = dir, filepath.Join(dir, "switchboard.db")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	s, err := OpenStore(ctx, db, sqlite.Options{Batches: cfg.Metrics})
	if err != nil {
		l.removeTemp()
		return nil, fmt.Errorf("start: database %s: %w", RedactDB(db), err)
	}
	l.DB = s
	if l.Main, _, err = accounts.EnsureMainAccount(ctx, s, "", ""); err != nil {
		l.close()
		return nil, fmt.Errorf("start: %w", err)
	}
	rawLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.close()
		return nil, fmt.Errorf("start: %w", err)
	}
	// The same guards as cmd/switchboard, so that tests see what users run.
	limits, timeouts := connguard.DefaultLimits(), connguard.DefaultTimeouts(server.MaxBodyBytes)
	for _, g := range guards {
		if g.Limits != nil {
			limits = *g.Limits
		}
		if g.Timeouts != nil {
			timeouts = *g.Timeouts
		}
	}
	ln := connguard.NewListener(rawLn, limits, cfg.logger())
	l.Listener = ln
	l.URL = "http://" + ln.Addr().String()
	if cfg.BaseURL == "" {
		cfg.BaseURL = l.URL
	}
	if l.App, err = New(s, cfg); err != nil {
		ln.Close()
		l.close()
		return nil, err
	}
	l.stopWork = l.App.Start()
	l.srv = &http.Server{Handler: connguard.Deadlines(l.App.Handler, timeouts)}
	connguard.ConfigureServer(l.srv, timeouts)
	go func() {
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.logger().Error("serve", "error", err)
		}
	}()
	return l, nil
}

// Stop shuts the server down, waits for the background work, and closes the database;
// safe to call twice.
func (l *Local) Stop() {
	if l.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if l.srv.Shutdown(ctx) != nil {
		_ = l.srv.Close() // as the binary does: connections still open past the grace are closed
	}
	l.stopWork()
	l.srv = nil
	l.close()
}

func (l *Local) close() {
	_ = l.DB.Close()
	l.removeTemp()
}

func (l *Local) removeTemp() {
	if l.tempDir != "" {
		_ = os.RemoveAll(l.tempDir)
	}
}
