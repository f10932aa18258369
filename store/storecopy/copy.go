// Package storecopy copies everything a database holds into another one, family by
// family: what `switchboard copy` does to move a SQLite database to PostgreSQL. It reads
// through a Source (store/sqlite's Export) and writes through a Destination (store/
// postgres's Import), each declared here with only the methods a copy calls, so that the
// package knows neither backend.
//
// A copy keeps every row as it was: its SID, Seq (so lists keep their order and page
// tokens their meaning), dates, status and state, API keys' salted hashes, auth tokens,
// media content, a call's version, the settings (the key that seals page tokens, the
// simulator clock's offset), the jobs waiting or under way (a message in flight goes on
// being delivered) and the webhook deliveries. What it leaves out is what each database
// keeps of its own running rather than of its resources: the change log the live event
// stream follows (the destination's starts empty), the auth generation, and the counters
// the destination's triggers keep (media usage, recomputed as media are written).
// Throttles and rate limits live in a server's memory, not in a database.
package storecopy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-dev/switchboard/store"
)

// AccountsSource reads accounts, their API keys and the server's settings.
type AccountsSource interface {
	EachAccount(ctx context.Context, fn func(store.Account) error) error
	EachKey(ctx context.Context, fn func(store.APIKey) error) error
	EachSetting(ctx context.Context, fn func(store.Setting) error) error
	// EachCounter reads the last Seq (or job ID) each table has handed out.
	EachCounter(ctx context.Context, fn func(store.Counter) error) error
}

// MessagesSource reads messages, their media (with content) and opt-outs.
type MessagesSource interface {
	EachMessage(ctx context.Context, fn func(store.Message) error) error
	EachMedia(ctx context.Context, fn func(store.Media) error) error
	EachOptOut(ctx context.Context, fn func(store.OptOut) error) error
}

// NumbersSource reads phone numbers and Messaging Services with their pools, alpha
// senders and sticky senders.
type NumbersSource interface {
	EachPhoneNumber(ctx context.Context, fn func(store.PhoneNumber) error) error
	EachMessagingService(ctx context.Context, fn func(store.MessagingService) error) error
	EachServiceNumber(ctx context.Context, fn func(store.ServiceNumber) error) error
	EachAlphaSender(ctx context.Context, fn func(store.AlphaSender) error) error
	EachStickySender(ctx context.Context, fn func(store.StickySender) error) error
}

// CallsSource reads calls, their timelines and recordings.
type CallsSource interface {
	EachCall(ctx context.Context, fn func(store.Call) error) error
	EachCallEvent(ctx context.Context, fn func(store.CallEvent) error) error
	EachRecording(ctx context.Context, fn func(store.Recording) error) error
}

// VerifySource reads Verify Services and verifications.
type VerifySource interface {
	EachVerifyService(ctx context.Context, fn func(store.VerifyService) error) error
	EachVerification(ctx context.Context, fn func(store.Verification) error) error
}

// WhatsAppSource reads Content templates, WhatsApp users' sessions and the accounts'
// Sandbox settings.
type WhatsAppSource interface {
	EachContent(ctx context.Context, fn func(store.Content) error) error
	EachWhatsAppSession(ctx context.Context, fn func(store.WhatsAppSession) error) error
	EachWhatsAppSandbox(ctx context.Context, fn func(store.WhatsAppSandbox) error) error
}

// OutboxSource reads the jobs waiting or under way, and the webhook deliveries.
type OutboxSource interface {
	EachJob(ctx context.Context, fn func(store.Job) error) error
	EachDelivery(ctx context.Context, fn func(store.WebhookDelivery) error) error
}

// Source is the database copied from. Each Each… hands rows to fn in the order they
// were written, all of them from one state of the database.
type Source interface {
	AccountsSource
	MessagesSource
	NumbersSource
	CallsSource
	VerifySource
	WhatsAppSource
	OutboxSource
}

// AccountsDestination writes accounts, API keys and settings.
type AccountsDestination interface {
	AddAccounts(ctx context.Context, rows []store.Account) error
	AddKeys(ctx context.Context, rows []store.APIKey) error
	AddSettings(ctx context.Context, rows []store.Setting) error
	// AddCounters has the destination hand out no Seq (or job ID) the source did.
	AddCounters(ctx context.Context, rows []store.Counter) error
}

// MessagesDestination writes messages, media and opt-outs.
type MessagesDestination interface {
	AddMessages(ctx context.Context, rows []store.Message) error
	AddMedia(ctx context.Context, rows []store.Media) error
	AddOptOuts(ctx context.Context, rows []store.OptOut) error
}

// NumbersDestination writes phone numbers and Messaging Services.
type NumbersDestination interface {
	AddPhoneNumbers(ctx context.Context, rows []store.PhoneNumber) error
	AddMessagingServices(ctx context.Context, rows []store.MessagingService) error
	AddServiceNumbers(ctx context.Context, rows []store.ServiceNumber) error
	AddAlphaSenders(ctx context.Context, rows []store.AlphaSender) error
	AddStickySenders(ctx context.Context, rows []store.StickySender) error
}

// CallsDestination writes calls, call events and recordings.
type CallsDestination interface {
	AddCalls(ctx context.Context, rows []store.Call) error
	AddCallEvents(ctx context.Context, rows []store.CallEvent) error
	AddRecordings(ctx context.Context, rows []store.Recording) error
}

// VerifyDestination writes Verify Services and verifications.
type VerifyDestination interface {
	AddVerifyServices(ctx context.Context, rows []store.VerifyService) error
	AddVerifications(ctx context.Context, rows []store.Verification) error
}

// WhatsAppDestination writes Content templates, WhatsApp sessions and Sandbox settings.
type WhatsAppDestination interface {
	AddContents(ctx context.Context, rows []store.Content) error
	AddWhatsAppSessions(ctx context.Context, rows []store.WhatsAppSession) error
	AddWhatsAppSandboxes(ctx context.Context, rows []store.WhatsAppSandbox) error
}

// OutboxDestination writes jobs and webhook deliveries.
type OutboxDestination interface {
	AddJobs(ctx context.Context, rows []store.Job) error
	AddDeliveries(ctx context.Context, rows []store.WebhookDelivery) error
}

// Destination is the database copied to: one transaction, begun by the caller, that
// Copy commits or rolls back. Each Add… writes rows as they are given, Seq and all.
type Destination interface {
	AccountsDestination
	MessagesDestination
	NumbersDestination
	CallsDestination
	VerifyDestination
	WhatsAppDestination
	OutboxDestination

	// Empty reports whether the destination holds nothing a copy could collide with.
	Empty(ctx context.Context) (bool, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// ErrNotEmpty is Copy's error for a destination that holds data already: a copy adds
// to nothing, so that what it makes is the source and only the source.
var ErrNotEmpty = errors.New("the destination database is not empty")

// Count is how many rows of one kind a copy wrote.
type Count struct {
	What string // plural: "accounts", "API keys"...
	N    int
}

// Counts are a copy's counts, in the order the kinds were copied.
type Counts []Count

// Of returns the count of kind what (0 when there is no such kind).
func (c Counts) Of(what string) int {
	for _, n := range c {
		if n.What == what {
			return n.N
		}
	}
	return 0
}

// String says what was copied: "3 accounts, 5 API keys, ...".
func (c Counts) String() string {
	parts := make([]string, len(c))
	for i, n := range c {
		parts[i] = fmt.Sprintf("%d %s", n.N, n.What)
	}
	return strings.Join(parts, ", ")
}

// batchSize is how many rows go to the destination at once: one round trip each, and
// bounded memory (media content included).
const batchSize = 200

// Copy copies everything src holds into dst, which must be empty, and commits dst: all
// of it or, on any error, nothing (dst is rolled back). It returns what it copied.
// Rows are written parents first, so that every reference finds its row.
func Copy(ctx context.Context, src Source, dst Destination) (Counts, error) {
	counts, err := copyAll(ctx, src, dst)
	if err != nil {
		return nil, errors.Join(err, dst.Rollback(ctx))
	}
	if err := dst.Commit(ctx); err != nil {
		return nil, errors.Join(err, dst.Rollback(ctx))
	}
	return counts, nil
}

func copyAll(ctx context.Context, src Source, dst Destination) (Counts, error) {
	empty, err := dst.Empty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ErrNotEmpty
	}
	// The order matters: accounts (parents first, as the source wrote them) before what
	// belongs to them, numbers before the pools that hold them, services before their
	// senders, messages before their media, calls before their timelines.
	steps := []struct {
		what string
		copy func() (int, error)
	}{
		{"settings", func() (int, error) { return copyRows(ctx, src.EachSetting, dst.AddSettings) }},
		{"accounts", func() (int, error) { return copyRows(ctx, src.EachAccount, dst.AddAccounts) }},
		{"API keys", func() (int, error) { return copyRows(ctx, src.EachKey, dst.AddKeys) }},
		{"phone numbers", func() (int, error) { return copyRows(ctx, src.EachPhoneNumber, dst.AddPhoneNumbers) }},
		{"messaging services", func() (int, error) { return copyRows(ctx, src.EachMessagingService, dst.AddMessagingServices) }},
		{"service numbers", func() (int, error) { return copyRows(ctx, src.EachServiceNumber, dst.AddServiceNumbers) }},
		{"alpha senders", func() (int, error) { return copyRows(ctx, src.EachAlphaSender, dst.AddAlphaSenders) }},
		{"sticky senders", func() (int, error) { return copyRows(ctx, src.EachStickySender, dst.AddStickySenders) }},
		{"opt-outs", func() (int, error) { return copyRows(ctx, src.EachOptOut, dst.AddOptOuts) }},
		{"messages", func() (int, error) { return copyRows(ctx, src.EachMessage, dst.AddMessages) }},
		{"media", func() (int, error) { return copyRows(ctx, src.EachMedia, dst.AddMedia) }},
		{"calls", func() (int, error) { return copyRows(ctx, src.EachCall, dst.AddCalls) }},
		{"call events", func() (int, error) { return copyRows(ctx, src.EachCallEvent, dst.AddCallEvents) }},
		{"recordings", func() (int, error) { return copyRows(ctx, src.EachRecording, dst.AddRecordings) }},
		{"verify services", func() (int, error) { return copyRows(ctx, src.EachVerifyService, dst.AddVerifyServices) }},
		{"verifications", func() (int, error) { return copyRows(ctx, src.EachVerification, dst.AddVerifications) }},
		{"content templates", func() (int, error) { return copyRows(ctx, src.EachContent, dst.AddContents) }},
		{"WhatsApp sessions", func() (int, error) { return copyRows(ctx, src.EachWhatsAppSession, dst.AddWhatsAppSessions) }},
		{"WhatsApp sandboxes", func() (int, error) { return copyRows(ctx, src.EachWhatsAppSandbox, dst.AddWhatsAppSandboxes) }},
		{"webhook deliveries", func() (int, error) { return copyRows(ctx, src.EachDelivery, dst.AddDeliveries) }},
		{"jobs", func() (int, error) { return copyRows(ctx, src.EachJob, dst.AddJobs) }},
	}
	// The counters are no rows of their own, and not counted.
	if _, err := copyRows(ctx, src.EachCounter, dst.AddCounters); err != nil {
		return nil, fmt.Errorf("copy counters: %w", err)
	}
	var counts Counts
	for _, s := range steps {
		n, err := s.copy()
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", s.what, err)
		}
		counts = append(counts, Count{What: s.what, N: n})
	}
	return counts, nil
}

// copyRows reads every row with each and writes them with add, batchSize at a time, and
// returns how many it wrote.
func copyRows[T any](ctx context.Context, each func(context.Context, func(T) error) error, add func(context.Context, []T) error) (int, error) {
	var (
		batch []T
		n     int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := add(ctx, batch); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	err := each(ctx, func(row T) error {
		batch = append(batch, row)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return n, err
}
