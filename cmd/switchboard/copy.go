package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/switchboard-dev/switchboard/app"
)

// runCopy is `switchboard copy`: it moves a SQLite database to PostgreSQL (app.CopyStore)
// and says what it moved.
func runCopy(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("switchboard copy", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a mistake is returned, and printed once, by main
	from := fs.String("from", getenv("SWITCHBOARD_COPY_FROM"), "the SQLite file to copy from; it must exist (env SWITCHBOARD_COPY_FROM)")
	to := fs.String("to", getenv("SWITCHBOARD_COPY_TO"), "the PostgreSQL database to copy to, postgres://user:password@host:port/name: it must exist and hold no accounts; its schema is created or migrated (env SWITCHBOARD_COPY_TO)")
	// --help shows SWITCHBOARD_COPY_TO as --to's default: without a URL's password.
	fs.Lookup("to").DefValue = app.RedactDB(*to)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCopyUsage(stdout, fs)
			return err
		}
		return fmt.Errorf("copy: %w (switchboard copy --help lists the flags)", err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("copy: unexpected argument %q (switchboard copy --help lists the flags)", fs.Arg(0))
	case *from == "" || *to == "":
		return errors.New("copy: --from (a SQLite file) and --to (a postgres:// URL) are both needed (switchboard copy --help)")
	}
	fmt.Fprintf(stdout, "Copying %s to %s\n", app.RedactDB(*from), app.RedactDB(*to))
	counts, err := app.CopyStore(ctx, *from, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Copied %s.\n", counts)
	return nil
}

func printCopyUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: switchboard copy --from FILE --to URL

Copies a SQLite database (what switchboard --db FILE serves) to a PostgreSQL database,
then says what it copied. Everything keeps its SID, dates and state: accounts and
subaccounts with their auth tokens, API keys, phone numbers, Messaging Services with their
senders, messages with their media, opt-outs, calls with their timelines, recordings,
Verify Services and verifications, webhook deliveries, the jobs still to run (messages
and calls in flight go on), the simulator clock and the key of page tokens. The change
log the live event stream follows is not copied. See docs/copy.md.

Stop the servers using the SQLite file first: the copy holds its write lock while it
reads. The PostgreSQL database must hold no accounts (a new one, or one whose server has
never been started); the copy is one transaction, so it is copied whole or not at all.
Then start switchboard with --db set to the URL.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
