package store

import (
	"context"
	"time"
)

// Store is what a backend implements and what the composition root (package app) holds:
// the eight families of the contract, and the store's own life. Every method takes the
// caller's context first and returns the errors of this package (errors.go), wrapped
// with context; a backend passes storetest.Run.
type Store interface {
	Accounts
	Messages
	Numbers
	Calls
	Outbox
	Verify
	Templates
	WhatsApp

	// Ping checks that the database can be reached and is the one opened.
	Ping(ctx context.Context) error
	// Close releases the store, after the writes already under way. Reads and writes
	// after it fail with ErrClosed; a second Close does nothing and returns nil.
	Close() error
}

// Accounts is the family of accounts and their API keys, with what authenticating
// against them needs (KeyForAuth, AuthGeneration), and the settings a server keeps (the
// key that seals page tokens).
type Accounts interface {
	// CreateAccount inserts a and returns it as stored, with Seq set. A duplicate Sid is
	// ErrConflict; a ParentSid that names no account is ErrNotFound.
	CreateAccount(ctx context.Context, a Account) (Account, error)
	// CreateSubaccount is CreateAccount for a subaccount (a.ParentSid set), unless its
	// parent already has limit subaccounts that are not closed: then it returns ErrLimit
	// and writes nothing. Concurrent creates cannot overshoot the limit.
	CreateSubaccount(ctx context.Context, a Account, limit int) (Account, error)
	// GetAccount returns the account sid, or ErrNotFound.
	GetAccount(ctx context.Context, sid string) (Account, error)
	// FirstMainAccount returns the main account created first (lowest Seq), or
	// ErrNotFound when there is none.
	FirstMainAccount(ctx context.Context) (Account, error)
	// UpdateAccount applies the non-nil fields of u and stamps DateUpdated with u.Now. It
	// returns ErrNotFound for an unknown sid, and ErrConflict, writing nothing, when u
	// changes the status of a closed account.
	UpdateAccount(ctx context.Context, sid string, u AccountUpdate) (Account, error)
	// SetAuthToken replaces the account's auth token (fixed credentials given at
	// start-up) and returns the account as stored; ErrNotFound for an unknown sid.
	SetAuthToken(ctx context.Context, sid, token string, now time.Time) (Account, error)
	// ListAccounts returns one page of the accounts f selects, newest first, and whether
	// more rows lie beyond the page in the direction p moves (older for After and
	// Offset, newer for Before).
	ListAccounts(ctx context.Context, f AccountFilter, p Page) ([]Account, bool, error)

	// CreateKey stores k and returns it as stored, with Seq set. A duplicate Sid is
	// ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreateKey(ctx context.Context, k APIKey) (APIKey, error)
	// GetKey returns key sid of account accountSid, or ErrNotFound.
	GetKey(ctx context.Context, accountSid, sid string) (APIKey, error)
	// KeyForAuth returns key sid, whichever account owns it, with that account, in one
	// read: authenticating with a key costs one lookup, like authenticating with the
	// auth token. ErrNotFound when no key has that SID.
	KeyForAuth(ctx context.Context, sid string) (APIKey, Account, error)
	// RenameKey sets the friendly name of key sid of account accountSid and stamps
	// DateUpdated; ErrNotFound for an unknown key.
	RenameKey(ctx context.Context, accountSid, sid, friendlyName string, now time.Time) (APIKey, error)
	// DeleteKey deletes key sid of account accountSid; ErrNotFound for an unknown key.
	DeleteKey(ctx context.Context, accountSid, sid string) error
	// ListKeys returns one page of the account's keys, newest first (see ListAccounts).
	ListKeys(ctx context.Context, accountSid string, p Page) ([]APIKey, bool, error)

	// AuthGeneration returns a number that changes whenever an account or an API key
	// changes, in this process or any other using the database. A copy of credentials
	// taken at one generation is current for as long as the generation is the same. It
	// is asked on every request, so it must cost next to nothing while nothing changes. A
	// change made by this process moves it before the write returns; one made by another
	// process may take a bounded moment to show (SQLite: none; PostgreSQL: until its
	// notification arrives, at most about a second).
	AuthGeneration(ctx context.Context) (int64, error)
	// EnsureSetting stores value under name unless a value is stored there already, and
	// returns the stored one. The first process to ask wins, so every process that
	// serves the same database, and every restart, gets the same value.
	EnsureSetting(ctx context.Context, name string, value []byte) ([]byte, error)
}

// Messages is the family of messages, their media, the threads they make, and the
// rules of who may text whom (ownership of the sender, opt-outs).
type Messages interface {
	// CreateMessage inserts m and returns it as stored, with Seq set. A duplicate Sid is
	// ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreateMessage(ctx context.Context, m Message) (Message, error)
	// GetMessage returns message sid of account accountSid, or ErrNotFound.
	GetMessage(ctx context.Context, accountSid, sid string) (Message, error)
	// RedactMessage empties the body of a message and returns the message as updated,
	// or ErrNotFound.
	RedactMessage(ctx context.Context, accountSid, sid string, now time.Time) (Message, error)
	// DeleteMessage deletes a message, its media and its webhook deliveries, or returns
	// ErrNotFound. A message in one of the statuses busy is still being processed: it
	// is kept and ErrConflict returned. No status change can slip in between the test
	// and the delete.
	DeleteMessage(ctx context.Context, accountSid, sid string, busy ...string) error
	// ListMessages returns one page of the messages f selects, newest first, and whether
	// more rows lie beyond the page in the direction p moves (older for After and
	// Offset, newer for Before).
	ListMessages(ctx context.Context, f MessageFilter, p Page) ([]Message, bool, error)
	// ChangeStatus makes one status change, with its jobs, and returns the message as
	// changed. When the message is not in one of c.From it is left alone and
	// ErrConflict returned; an unknown message is ErrNotFound.
	ChangeStatus(ctx context.Context, c StatusChange) (Message, error)
	// ClearMessages deletes every message of an account, with its media, its webhook
	// deliveries and its pending jobs, and returns how many messages it deleted.
	// Messages created while it runs are kept. It may delete in several writes, each
	// message with all of its own: when one fails, the messages of the writes before
	// are gone, and the rest are not.
	ClearMessages(ctx context.Context, accountSid string) (int64, error)

	// GetMedia returns media sid of message messageSid of account accountSid, without
	// its content, or ErrNotFound.
	GetMedia(ctx context.Context, accountSid, messageSid, sid string) (Media, error)
	// MediaContent returns media sid with its content; ErrNotFound when it is unknown or
	// its content has not been fetched yet.
	MediaContent(ctx context.Context, accountSid, messageSid, sid string) (Media, error)
	// ListMedia returns one page of a message's media, newest first, without content
	// (see ListMessages).
	ListMedia(ctx context.Context, f MediaFilter, p Page) ([]Media, bool, error)
	// MessageMedia returns every media file of a message, oldest first, without content.
	MessageMedia(ctx context.Context, accountSid, messageSid string) ([]Media, error)
	// MediaUsage returns the bytes of media content the account stores (every fetched
	// file of its messages, inbound and outbound); deleting media or messages gives them
	// back.
	MediaUsage(ctx context.Context, accountSid string) (int64, error)
	// StoredMediaBytes returns the bytes of media content every account stores.
	StoredMediaBytes(ctx context.Context) (int64, error)
	// DeleteMedia deletes a media file and counts it off its message (NumMedia), or
	// returns ErrNotFound.
	DeleteMedia(ctx context.Context, accountSid, messageSid, sid string) error

	// ListThreads returns one page of an account's threads, the one with the newest
	// message first, and whether more follow (see ListMessages; a thread's position is
	// its newest message's Seq).
	ListThreads(ctx context.Context, f ThreadFilter, p Page) ([]Thread, bool, error)
	// ListThreadMessages returns one page of a thread's messages, newest first (see
	// ListMessages).
	ListThreadMessages(ctx context.Context, k ThreadKey, p Page) ([]Message, bool, error)

	// SenderCheck answers, in one read, whether the account owns sender as an
	// SMS-capable number, and whether recipient has opted out of messages from sender:
	// for a caller that decides what to write from the answer (a TwiML reply that breaks
	// the rule is written as failed). Writes enforce the same rule with a SenderRule.
	SenderCheck(ctx context.Context, accountSid, sender, recipient string) (owned, optedOut bool, err error)
	// OptedOut reports whether recipient has opted out of messages from sender.
	OptedOut(ctx context.Context, accountSid, sender, recipient string) (bool, error)
}

// Numbers is the family of the phone numbers accounts own and the Messaging Services
// that send from them: their pools, alphanumeric senders and sticky senders.
type Numbers interface {
	// CreatePhoneNumber stores p, a number bought by p.AccountSid, and returns it as
	// stored, with Seq set. A number that any account owns already, or a duplicate Sid,
	// is ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreatePhoneNumber(ctx context.Context, p PhoneNumber) (PhoneNumber, error)
	// GetPhoneNumber returns phone number sid of account accountSid, or ErrNotFound.
	GetPhoneNumber(ctx context.Context, accountSid, sid string) (PhoneNumber, error)
	// PhoneNumberByNumber returns the phone number with this E.164 value, whichever
	// account owns it, or ErrNotFound when nobody does. It is how an incoming text finds
	// its number, and a sender check learns who owns a From number.
	PhoneNumberByNumber(ctx context.Context, e164 string) (PhoneNumber, error)
	// OwnedPhoneNumbers returns every number that some account owns and that starts
	// with prefix ("+1", "+1415"; "" for all), in ascending order: what a search of the
	// pool of numbers for sale must leave out.
	OwnedPhoneNumbers(ctx context.Context, prefix string) ([]string, error)
	// UpdatePhoneNumber reads phone number sid of account accountSid, lets change edit
	// it and stores the result with DateUpdated set to now, all in one transaction, so
	// that two updates at once cannot undo each other. change may move the number to
	// another account (AccountSid) and change its settings; its Sid, PhoneNumber and
	// DateCreated are kept. A number that changes accounts leaves its Messaging
	// Service's pool. An error from change aborts the update and is returned wrapped.
	// ErrNotFound for an unknown number, or for a move to an account that does not
	// exist.
	UpdatePhoneNumber(ctx context.Context, accountSid, sid string, now time.Time, change func(*PhoneNumber) error) (PhoneNumber, error)
	// DeletePhoneNumber releases a phone number: it leaves the account and may be bought
	// again by any account. ErrNotFound for an unknown number.
	DeletePhoneNumber(ctx context.Context, accountSid, sid string) error
	// ListPhoneNumbers returns one page of the phone numbers f selects, newest first (see
	// ListAccounts).
	ListPhoneNumbers(ctx context.Context, f PhoneNumberFilter, p Page) ([]PhoneNumber, bool, error)

	// CreateMessagingService stores m and returns it as stored, with Seq set. A
	// duplicate Sid is ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreateMessagingService(ctx context.Context, m MessagingService) (MessagingService, error)
	// GetMessagingService returns service sid of account accountSid, or ErrNotFound.
	GetMessagingService(ctx context.Context, accountSid, sid string) (MessagingService, error)
	// UpdateMessagingService reads service sid of account accountSid, lets change edit
	// it and stores the result with DateUpdated set to now, in one transaction. Its Sid,
	// AccountSid and DateCreated are kept. An error from change aborts the update and is
	// returned wrapped; ErrNotFound for an unknown service.
	UpdateMessagingService(ctx context.Context, accountSid, sid string, now time.Time, change func(*MessagingService) error) (MessagingService, error)
	// DeleteMessagingService deletes service sid of account accountSid with its sender
	// pool and sticky senders; the numbers stay the account's. ErrNotFound for an
	// unknown service.
	DeleteMessagingService(ctx context.Context, accountSid, sid string) error
	// ListMessagingServices returns one page of the account's services, newest first
	// (see ListAccounts).
	ListMessagingServices(ctx context.Context, accountSid string, p Page) ([]MessagingService, bool, error)
	// ServiceOfNumber returns the service whose pool holds phone number phoneNumberSid,
	// or ErrNotFound when it is in none: how an incoming text finds its service's
	// webhook.
	ServiceOfNumber(ctx context.Context, phoneNumberSid string) (MessagingService, error)

	// AddServiceNumber puts phone number phoneNumberSid of account accountSid into the
	// pool of service serviceSid (of the same account), unless it holds limit numbers
	// already. added is false when the number was in this pool already (nothing changes
	// then). It returns ErrNotFound when the account has no such number, ErrConflict
	// when the number is in another service's pool, and ErrLimit when the pool is full.
	AddServiceNumber(ctx context.Context, accountSid, serviceSid, phoneNumberSid string, limit int, now time.Time) (n ServiceNumber, added bool, err error)
	// GetServiceNumber returns phone number sid of service serviceSid of account
	// accountSid, or ErrNotFound.
	GetServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) (ServiceNumber, error)
	// RemoveServiceNumber takes phone number sid out of the pool of service serviceSid
	// of account accountSid; ErrNotFound when it is not there.
	RemoveServiceNumber(ctx context.Context, accountSid, serviceSid, sid string) error
	// ListServiceNumbers returns one page of the pool of service serviceSid of account
	// accountSid, newest first (see ListAccounts).
	ListServiceNumbers(ctx context.Context, accountSid, serviceSid string, p Page) ([]ServiceNumber, bool, error)
	// CreateAlphaSender gives a's service its alphanumeric sender ID. A service has one
	// at most: ErrConflict when it has one already; ErrNotFound when the service is not
	// one of a.AccountSid's.
	CreateAlphaSender(ctx context.Context, a AlphaSender) (AlphaSender, error)
	// GetAlphaSender returns alpha sender sid of service serviceSid of account
	// accountSid, or ErrNotFound.
	GetAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) (AlphaSender, error)
	// DeleteAlphaSender removes alpha sender sid from service serviceSid of account
	// accountSid; ErrNotFound when it is not there.
	DeleteAlphaSender(ctx context.Context, accountSid, serviceSid, sid string) error
	// ListAlphaSenders returns one page of the alpha senders of service serviceSid of
	// account accountSid, newest first (see ListAccounts).
	ListAlphaSenders(ctx context.Context, accountSid, serviceSid string, p Page) ([]AlphaSender, bool, error)
	// ServicePool returns everything service serviceSid may send from, oldest first.
	ServicePool(ctx context.Context, serviceSid string) (SenderPool, error)
	// StickySender settles which sender recipient gets the messages of service
	// serviceSid from. choose is given the sender remembered for the recipient ("" when
	// none) and how many recipients each sender has; what it returns is remembered
	// (unless "") and returned. Reading and writing happen in one transaction, so two
	// messages to a new recipient at once cannot end up with different senders.
	StickySender(ctx context.Context, serviceSid, recipient string, now time.Time, choose func(current string, load map[string]int) string) (string, error)
}

// Calls is the family of voice calls, their timelines and their recordings. Calls are
// written through Outbox.Apply (Writes.Calls, CallChanges, CallEvents, Recordings), with
// the jobs that drive them.
type Calls interface {
	// GetCall returns call sid of account accountSid, or ErrNotFound.
	GetCall(ctx context.Context, accountSid, sid string) (Call, error)
	// ListCalls returns one page of the calls f selects, newest first (see
	// ListAccounts).
	ListCalls(ctx context.Context, f CallFilter, p Page) ([]Call, bool, error)
	// DeleteCall deletes a call, its events, its pending jobs outside a queue and its
	// webhook deliveries, or returns ErrNotFound; a call in one of the statuses live is
	// kept and ErrConflict returned. Its recordings stay.
	DeleteCall(ctx context.Context, accountSid, sid string, live ...string) error
	// ListCallEvents returns one page of a call's events, OLDEST first: a timeline reads
	// forwards. Page's After and Before keep their meaning in list order: After pages to
	// later events, Before to earlier ones.
	ListCallEvents(ctx context.Context, accountSid, callSid string, p Page) ([]CallEvent, bool, error)
	// GetRecording returns recording sid of account accountSid, or ErrNotFound.
	GetRecording(ctx context.Context, accountSid, sid string) (Recording, error)
	// ListRecordings returns one page of the recordings f selects, newest first (see
	// ListAccounts).
	ListRecordings(ctx context.Context, f RecordingFilter, p Page) ([]Recording, bool, error)
	// DeleteRecording deletes a recording of account accountSid (and of call callSid,
	// unless ""), or returns ErrNotFound; one in one of the statuses busy is kept and
	// ErrConflict returned. The change log tells of it as a change of its call.
	DeleteRecording(ctx context.Context, accountSid, callSid, sid string, busy ...string) error
}

// Outbox is the family of what happens after a write: the changes written together
// with the jobs they cause (Apply), the job queue the runner works through, the record
// of webhook deliveries, and the change log the live event stream follows.
type Outbox interface {
	// Apply makes all of w's changes in one transaction, or none of them (see Writes).
	Apply(ctx context.Context, w Writes) error

	// ClaimJobs leases to c.Owner up to c.Limit jobs of the kinds in c.Leases that are
	// due at c.Now and not leased (or whose lease ran out), each until c.Now plus the
	// lease of its kind, counting the attempt, and returns them in the order they were
	// written (by ID). A job waits while an earlier job of its queue exists, leased or
	// not. Among the ClaimWindow oldest ready jobs, a claim takes every account's oldest
	// before any account's second, within c's caps per account and per target (see
	// Claim). Two workers, in one process or two, never claim the same job.
	ClaimJobs(ctx context.Context, c Claim) ([]Job, error)
	// NextJobDue returns the earliest time after now at which a job becomes claimable:
	// its due time when nobody holds it, or the later of its due time and the end of its
	// lease when somebody does; the zero time when no job will become claimable after
	// now. Jobs that are claimable already (or wait behind an earlier job of their
	// queue) are not counted. Its cost must not grow with the number of waiting jobs.
	NextJobDue(ctx context.Context, now time.Time) (time.Time, error)
	// FinishJob deletes a job leased by the caller and applies w, in one transaction.
	// ErrLeaseLost (and nothing written) when the lease is no longer the caller's: a
	// claim is identified by the job, its owner and its attempt count, so a worker whose
	// lease ran out, and was claimed again even by its own owner, can no longer finish,
	// retry or renew the job.
	FinishJob(ctx context.Context, j Job, w Writes) error
	// RetryJob releases a job leased by the caller to run again at dueAt, and applies w,
	// in one transaction. ErrLeaseLost (and nothing written) when the lease is no longer
	// the caller's.
	RetryJob(ctx context.Context, j Job, dueAt time.Time, w Writes) error
	// RenewLease extends the lease of a job the caller still holds to until (never
	// shortening it: a process whose clock has not yet seen another's move must not take
	// back the lease that move carried forward), so that work that takes longer than a
	// lease (a slow webhook) is not taken over while it is alive; ErrLeaseLost when the
	// caller no longer holds it.
	RenewLease(ctx context.Context, j Job, until time.Time) error
	// ClockOffset returns how far the simulator's clock runs ahead of real time (0 until
	// it is first moved): one database, one clock.
	ClockOffset(ctx context.Context) (time.Duration, error)
	// AdvanceClock sets the clock's offset to to, unless it is ahead already (the clock
	// never goes back), and returns the offset now in force. The leases of the jobs
	// under way move forward with it in the same write, so that a job running while the
	// clock jumps is not taken for a job whose process died.
	AdvanceClock(ctx context.Context, to time.Duration) (time.Duration, error)
	// CountJobs returns how many jobs of kind ("" for all) are waiting or running.
	CountJobs(ctx context.Context, kind string) (int, error)
	// JobsChanged is signalled (without blocking; one pending signal at most) after a
	// commit that added or rescheduled jobs (Writes.Schedules, a status change, a
	// retry), so that a worker in this process can look at once instead of at its next
	// poll. Other processes' jobs are found by polling (a backend may signal them too, as
	// PostgreSQL's does).
	JobsChanged() <-chan struct{}

	// GetDelivery returns webhook delivery sid of account accountSid, or ErrNotFound.
	GetDelivery(ctx context.Context, accountSid, sid string) (WebhookDelivery, error)
	// ListDeliveries returns one page of webhook deliveries, newest first (see
	// ListAccounts). A resource keeps its newest MaxDeliveriesPerResource.
	ListDeliveries(ctx context.Context, f DeliveryFilter, p Page) ([]WebhookDelivery, bool, error)

	// LastChange returns the seq of the newest change (0 when there is none): a cheap
	// marker to poll for changes.
	LastChange(ctx context.Context) (int64, error)
	// FirstChange returns the seq of the oldest change still kept (0 when there is
	// none).
	FirstChange(ctx context.Context) (int64, error)
	// Changes returns up to limit changes after seq after, oldest first.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	// TrimChanges deletes all but the newest keep changes (those logged while it runs
	// are kept too) and returns how many it deleted. It may delete in several writes.
	TrimChanges(ctx context.Context, keep int64) (int64, error)
	// Changed is signalled (without blocking; one pending signal at most) after a commit
	// of this process that may have logged changes, so that a reader of the log can look
	// at once. Changes of other processes are found by polling LastChange (a backend may
	// signal them too, as PostgreSQL's does).
	Changed() <-chan struct{}
}

// Verify is the family of Verify Services and the verifications sent through them
// (Verify v2).
type Verify interface {
	// CreateVerifyService stores s and returns it as stored, with Seq set. A duplicate
	// Sid is ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreateVerifyService(ctx context.Context, s VerifyService) (VerifyService, error)
	// GetVerifyService returns service sid of account accountSid, or ErrNotFound.
	GetVerifyService(ctx context.Context, accountSid, sid string) (VerifyService, error)
	// UpdateVerifyService reads service sid of account accountSid, lets change edit it
	// and stores the result with DateUpdated set to now, in one transaction. Its Sid,
	// AccountSid and DateCreated are kept. An error from change aborts the update and is
	// returned wrapped; ErrNotFound for an unknown service.
	UpdateVerifyService(ctx context.Context, accountSid, sid string, now time.Time, change func(*VerifyService) error) (VerifyService, error)
	// DeleteVerifyService deletes service sid of account accountSid with its
	// verifications; ErrNotFound for an unknown service.
	DeleteVerifyService(ctx context.Context, accountSid, sid string) error
	// ListVerifyServices returns one page of the account's services, newest first (see
	// ListAccounts).
	ListVerifyServices(ctx context.Context, accountSid string, p Page) ([]VerifyService, bool, error)

	// StartVerification reads the newest verification of service serviceSid (of account
	// accountSid) to the number to, and hands it to start (nil when there is none);
	// what start returns is written: as an update of that verification when it has its
	// Sid, else as a new verification (with Seq set). Reading and writing happen in one
	// transaction, and the starts of one service one after another, so that two starts
	// to one number at once cannot both see it without the other's. An error from start
	// writes nothing and is returned wrapped; ErrNotFound when the service is not one of
	// the account's. A changed verification keeps its Sid, ServiceSid, AccountSid, To
	// and DateCreated.
	StartVerification(ctx context.Context, accountSid, serviceSid, to string, start func(current *Verification) (Verification, error)) (Verification, error)
	// GetVerification returns verification sid of service serviceSid of account
	// accountSid ("" for any service of the account), or ErrNotFound.
	GetVerification(ctx context.Context, accountSid, serviceSid, sid string) (Verification, error)
	// LatestVerification returns the newest verification of service serviceSid of
	// account accountSid to the number to, or ErrNotFound.
	LatestVerification(ctx context.Context, accountSid, serviceSid, to string) (Verification, error)
	// UpdateVerification reads verification sid of service serviceSid of account
	// accountSid, lets change edit it and stores the result, in one transaction, so that
	// two checks at once cannot both count as the same one. Its Sid, ServiceSid,
	// AccountSid, To and DateCreated are kept. An error from change aborts the update and
	// is returned wrapped; ErrNotFound for an unknown verification.
	UpdateVerification(ctx context.Context, accountSid, serviceSid, sid string, change func(*Verification) error) (Verification, error)
	// DeleteVerification deletes verification sid of account accountSid, or returns
	// ErrNotFound.
	DeleteVerification(ctx context.Context, accountSid, sid string) error
	// ListVerifications returns one page of the verifications f selects, newest first
	// (see ListAccounts).
	ListVerifications(ctx context.Context, f VerificationFilter, p Page) ([]Verification, bool, error)
}

// Templates is the family of Content templates (Content API v1) and their WhatsApp
// approvals.
type Templates interface {
	// CreateContent stores c and returns it as stored, with Seq set. A duplicate Sid is
	// ErrConflict; an AccountSid that names no account is ErrNotFound.
	CreateContent(ctx context.Context, c Content) (Content, error)
	// GetContent returns template sid of account accountSid, or ErrNotFound.
	GetContent(ctx context.Context, accountSid, sid string) (Content, error)
	// UpdateContent reads template sid of account accountSid, lets change edit it and
	// stores the result with DateUpdated set to now, in one transaction. Its Sid,
	// AccountSid and DateCreated are kept. An error from change aborts the update and is
	// returned wrapped; ErrNotFound for an unknown template.
	UpdateContent(ctx context.Context, accountSid, sid string, now time.Time, change func(*Content) error) (Content, error)
	// DeleteContent deletes template sid of account accountSid, or returns ErrNotFound.
	DeleteContent(ctx context.Context, accountSid, sid string) error
	// ListContent returns one page of the account's templates, newest first (see
	// ListAccounts).
	ListContent(ctx context.Context, accountSid string, p Page) ([]Content, bool, error)
}

// WhatsApp is the family of what the WhatsApp channel keeps: each user's session with
// each sender (written through Outbox.Apply, Writes.WhatsAppInbound, with the message
// that changes it), and each account's Sandbox settings.
type WhatsApp interface {
	// GetWhatsAppSession returns the session of user with sender of account accountSid,
	// or ErrNotFound when the user never wrote to sender.
	GetWhatsAppSession(ctx context.Context, accountSid, sender, user string) (WhatsAppSession, error)
	// JoinedWhatsAppSessions returns up to limit sessions with sender of account
	// accountSid whose user joined at or after since (and has not left), the latest join
	// first.
	JoinedWhatsAppSessions(ctx context.Context, accountSid, sender string, since time.Time, limit int) ([]WhatsAppSession, error)
	// GetWhatsAppSandbox returns the Sandbox settings of account accountSid, or
	// ErrNotFound when the account never set them.
	GetWhatsAppSandbox(ctx context.Context, accountSid string) (WhatsAppSandbox, error)
	// UpdateWhatsAppSandbox reads the Sandbox settings of account accountSid (empty, with
	// DateCreated now, when there are none yet), lets change edit them and stores the
	// result with DateUpdated set to now, in one transaction. AccountSid and DateCreated
	// are kept. An error from change aborts the update and is returned wrapped;
	// ErrNotFound when no account has that SID.
	UpdateWhatsAppSandbox(ctx context.Context, accountSid string, now time.Time, change func(*WhatsAppSandbox) error) (WhatsAppSandbox, error)
}
