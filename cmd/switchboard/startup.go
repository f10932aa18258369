package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/switchboard-dev/switchboard/app"
	"github.com/switchboard-dev/switchboard/server/accounts"
	"github.com/switchboard-dev/switchboard/store"
)

// What the command prints before it serves, and the start-up errors that tell the user
// what to do next.

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: switchboard [flags]
       switchboard copy --from FILE --to URL   (see switchboard copy --help)

Switchboard serves a Twilio-compatible REST API, for building and testing apps that text,
message on WhatsApp and call, with no carrier and no cost: 2010-04-01 Accounts, Keys,
Messages, Media, Calls, Recordings, IncomingPhoneNumbers and AvailablePhoneNumbers;
Messaging v1 Services; Lookup v2 PhoneNumbers; Verify v2 Services, Verifications and
VerificationCheck; Content v1 templates and their WhatsApp approvals; and a simulator API
under /switchboard/v1/ (incoming texts, WhatsApp messages and calls, keys pressed, forced
statuses, webhook deliveries, Verify's codes, the WhatsApp Sandbox, events).

It keeps its data in a SQLite file (--db switchboard.db, the default), or in a PostgreSQL
database when --db is a postgres:// or postgresql:// URL, which several Switchboard
processes may share. --sync and --group-commit are SQLite's, refused with PostgreSQL,
whose durability is the server's synchronous_commit. switchboard copy moves a SQLite
database to PostgreSQL.

On first start it creates the main account and prints its Account SID and auth token;
later starts reuse it. Pass --account-sid and --auth-token to fix the credentials (CI).
The web inbox is at /inbox/ (and /), Swagger UI at /docs, the spec at /openapi.yaml and
/openapi.json, and Prometheus metrics at /metrics.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the
// module's version (or "(devel)") and the commit Go recorded are shown.
var version = ""

func versionLine() string {
	v, commit, modified := version, "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	line := "switchboard " + v
	if commit != "" {
		line += " commit " + commit[:min(12, len(commit))]
		if modified {
			line += " (modified)"
		}
	}
	return line + " " + runtime.Version()
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// banner is what the start-up banner tells.
type banner struct {
	base    string
	cfg     config
	account store.Account
	outcome accounts.MainAccountOutcome
}

func printBanner(w io.Writer, b banner) {
	db := app.RedactDB(b.cfg.db) // a PostgreSQL URL may hold a password
	fmt.Fprintf(w, "Switchboard is listening on %s (database %s)\n", b.base, db)
	fmt.Fprintf(w, "  Inbox:       %s/inbox/\n", b.base)
	fmt.Fprintf(w, "  API:         %s/2010-04-01/Accounts/%s/Messages.json\n", b.base, b.account.Sid)
	fmt.Fprintf(w, "  Swagger UI:  %s/docs/\n", b.base)
	fmt.Fprintf(w, "  Metrics:     %s/metrics\n", b.base)
	fmt.Fprintf(w, "  Account SID: %s\n", b.account.Sid)
	switch {
	case b.cfg.tokenFrom != "" && b.outcome == accounts.MainAccountTokenReset:
		fmt.Fprintf(w, "  Auth token:  from %s (it replaced the token stored in %s)\n", b.cfg.tokenFrom, db)
	case b.cfg.tokenFrom != "":
		fmt.Fprintf(w, "  Auth token:  from %s\n", b.cfg.tokenFrom)
	case b.outcome == accounts.MainAccountCreated:
		fmt.Fprintf(w, "  Auth token:  %s   (new account: keep it; later starts reuse this account and do not print it)\n", b.account.AuthToken)
	default:
		fmt.Fprintf(w, "  Auth token:  the one printed when %s was created (or pass --auth-token to set one)\n", db)
	}
	if b.cfg.inboxAutoSignIn {
		fmt.Fprintf(w, "  The inbox signs in as %s by itself (--inbox-auto-signin).\n", b.account.Sid)
	}
}

// checkDBDir fails with a message that names the missing directory: SQLite's own error
// ("unable to open database file") does not say which.
func checkDBDir(path string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		abs, _ := filepath.Abs(dir)
		return fmt.Errorf("database %s: the directory %s does not exist: create it (mkdir -p %s) or pass another --db", path, abs, dir)
	case err != nil:
		return fmt.Errorf("database %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("database %s: %s is not a directory: pass another --db", path, dir)
	}
	return nil
}

// listen listens on addr, and says what to do when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("listen on %s: the address is in use (another Switchboard?): stop that process, or pick another port with --addr (e.g. --addr 127.0.0.1:0 for any free one) or SWITCHBOARD_ADDR", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("listen on %s: permission denied (ports below 1024 need privileges): pick another port with --addr", addr)
	case err != nil:
		return nil, fmt.Errorf("listen on %s: %w (check --addr: host:port, e.g. 127.0.0.1:8080)", addr, err)
	}
	return ln, nil
}
