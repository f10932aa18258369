// Package store is Switchboard's persistence as the rest of the program sees it: the
// domain types (accounts, messages, calls, jobs...), the errors every backend returns,
// and the contract a backend implements (Store, one interface per family). It holds no
// SQL and imports no driver: a backend lives in a package of its own (store/sqlite), and
// store/storetest is the suite that says whether one behaves as the contract asks.
//
// Times keep milliseconds: a backend stores a time rounded down to the millisecond and
// gives it back in UTC; the zero time is "not set". Lists are newest first by Seq, a
// position the backend assigns in insertion order, and page by Page.
package store

import (
	"cmp"
	"slices"
	"time"
)

// Account is a main account (ParentSid == "") or a subaccount of one.
type Account struct {
	Sid          string
	ParentSid    string // "" for a main account
	FriendlyName string
	Status       string // active, suspended, closed
	AuthToken    string
	// MediaAuth and RecordingAuth: the account's media files, and its recordings' audio,
	// need its credentials (Twilio's Console settings; off, the default, they are served
	// to anyone with their unguessable URL).
	MediaAuth     bool
	RecordingAuth bool
	DateCreated   time.Time
	DateUpdated   time.Time
	Seq           int64 // position in list order; set by the store, used only for paging
}

// Message is one message of an account.
type Message struct {
	Sid                 string
	AccountSid          string
	To                  string
	From                string // "" when not set (a messaging service will choose)
	MessagingServiceSid string // "" when not set
	Body                string
	MediaURLs           []string
	Status              string
	Direction           string
	NumSegments         int
	NumMedia            int       // Media resources of the message; set by the store
	Price               string    // "" until known, else a signed decimal ("-0.00790")
	StatusCallback      string    // "" when not set
	ContentSid          string    // the Content template it was sent with; "" for none
	SendAt              time.Time // zero unless scheduled
	ErrorCode           int       // 0 when none
	ErrorMessage        string    // "" when none
	DateCreated         time.Time
	DateUpdated         time.Time
	DateSent            time.Time // zero until sent
	Seq                 int64     // position in list order; set by the store, used only for paging
}

// Page asks for one page of a list ordered newest first (by Seq, descending).
//
// Exactly one way of positioning is used: After > 0 returns the Size rows that come after
// (are older than) the row with Seq == After; Before > 0 returns the Size rows that come
// just before (are newer than) the row with Seq == Before, still in newest-first order;
// otherwise Offset rows are skipped from the start. Keyset positioning (After/Before)
// costs the same wherever in the list it lands; Offset grows with the offset.
type Page struct {
	Size   int // DefaultPageSize when not above 0
	After  int64
	Before int64
	Offset int
}

// DefaultPageSize is the size of a Page that gives none.
const DefaultPageSize = 50

// MessageFilter narrows a message list; zero fields do not filter. A message that has
// no DateSent yet is matched on its DateCreated.
type MessageFilter struct {
	AccountSid string // required
	To         string
	From       string
	SentFrom   time.Time // inclusive lower bound
	SentUntil  time.Time // exclusive upper bound
}

// AccountFilter narrows an account list to one main account and its subaccounts, or to
// one account alone.
type AccountFilter struct {
	// Sid is the account itself; its subaccounts are included when IncludeChildren is set.
	Sid             string
	IncludeChildren bool
	FriendlyName    string // "" does not filter
	Status          string // "" does not filter
}

// AccountUpdate carries the fields to change; nil fields are kept.
type AccountUpdate struct {
	FriendlyName  *string
	Status        *string
	MediaAuth     *bool
	RecordingAuth *bool
	Now           time.Time
}

// Media is one media file of a message. Content is nil until it has been fetched.
type Media struct {
	Sid         string
	AccountSid  string
	MessageSid  string
	URL         string // where the content came from
	ContentType string // "" until fetched
	Content     []byte
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// Job is work to be done at or after DueAt: a simulated delivery step, a webhook request,
// a media fetch. Each kind's handler owns the meaning of Payload.
type Job struct {
	ID          int64 // set by the store, increasing in the order jobs are written
	Kind        string
	AccountSid  string
	ResourceSid string // the message (or other resource) the job is about
	// Jobs sharing a non-empty Queue run one at a time, in the order they were written.
	Queue string
	// Target is the host the job sends a request to ("" for none): the runner caps the
	// requests under way per target, so that one slow host cannot hold every worker.
	Target   string
	Payload  []byte // JSON
	DueAt    time.Time
	Attempts int // claims so far, this one included
	// A job written with a LeaseOwner is written held by that owner until LeaseUntil,
	// as if it had claimed it (Attempts 1), so that the runner that wrote it can run it
	// without a claim; but not when an earlier job of its Queue exists, as a claim would
	// not take it. In the slice it was given, the backend sets the ID of each job it
	// wrote with a LeaseOwner, and clears LeaseOwner where it wrote the job unheld.
	LeaseOwner  string
	LeaseUntil  time.Time
	DateCreated time.Time
}

// Claim says which jobs ClaimJobs may take, and how to share them out.
type Claim struct {
	Owner string
	Now   time.Time
	// Leases are the kinds to claim, each with its lease: jobs of other kinds are left
	// for a claim that names them (another pool of workers, or a newer build).
	Leases map[string]time.Duration
	Limit  int
	// PerAccount, when > 0, caps the jobs of one account that this claim takes, at
	// AccountRoom[account] for an account listed there (its caller's room left under
	// its own cap, given the jobs it already runs) and at PerAccount for any other.
	// PerTarget and TargetRoom do the same per Job.Target (jobs without a target are
	// not capped). Zero caps nothing.
	PerAccount  int
	AccountRoom map[string]int
	PerTarget   int
	TargetRoom  map[string]int
}

// Capped reports whether c caps anything.
func (c Claim) Capped() bool { return c.PerAccount > 0 || c.PerTarget > 0 }

// Full are the accounts and targets with no room left: a capped claim does not look at
// their jobs.
func (c Claim) Full() (accounts, targets []string) {
	for a, n := range c.AccountRoom {
		if c.PerAccount > 0 && n <= 0 {
			accounts = append(accounts, a)
		}
	}
	for t, n := range c.TargetRoom {
		if c.PerTarget > 0 && n <= 0 {
			targets = append(targets, t)
		}
	}
	return accounts, targets
}

// ClaimCandidates is how many ready jobs a capped claim reads for each one it may take:
// it takes them from the oldest, within the caps, and shares them out among accounts.
const ClaimCandidates = 4

// Candidate is a ready job a capped claim may take.
type Candidate struct {
	ID                 int64
	AccountSid, Target string
	ReadyAt            time.Time // when it became ready: candidates are taken oldest first
}

// OldestCandidates is the n oldest of candidates (by ReadyAt, then ID), in that order:
// how a backend merges candidates it read in parts.
func OldestCandidates(candidates []Candidate, n int) []Candidate {
	slices.SortFunc(candidates, func(a, b Candidate) int {
		return cmp.Or(a.ReadyAt.Compare(b.ReadyAt), cmp.Compare(a.ID, b.ID))
	})
	return candidates[:min(len(candidates), n)]
}

// Choose picks, from candidates (ready jobs of accounts and targets that have room, oldest
// first), up to c.Limit to claim: every account's oldest before any account's second,
// and so on, within c's caps. It returns their IDs. Backends of the contract call it for
// a capped claim, between reading the candidates and leasing the chosen ones, in one
// transaction.
func (c Claim) Choose(candidates []Candidate) []int64 {
	accountRoom := func(a string) int {
		if c.PerAccount <= 0 {
			return len(candidates)
		}
		if n, ok := c.AccountRoom[a]; ok {
			return n
		}
		return c.PerAccount
	}
	targetRoom := func(t string) int {
		if c.PerTarget <= 0 || t == "" {
			return len(candidates)
		}
		if n, ok := c.TargetRoom[t]; ok {
			return n
		}
		return c.PerTarget
	}
	takenOfAccount, takenOfTarget := map[string]int{}, map[string]int{}
	taken := make([]bool, len(candidates))
	var ids []int64
	// Round after round, each account takes its oldest candidate it has room for.
	for progress := true; progress && len(ids) < c.Limit; {
		progress = false
		inRound := map[string]bool{}
		for i, cand := range candidates {
			if len(ids) == c.Limit {
				break
			}
			if taken[i] || inRound[cand.AccountSid] {
				continue
			}
			if takenOfAccount[cand.AccountSid] >= accountRoom(cand.AccountSid) || takenOfTarget[cand.Target] >= targetRoom(cand.Target) {
				continue
			}
			taken[i], inRound[cand.AccountSid] = true, true
			takenOfAccount[cand.AccountSid]++
			takenOfTarget[cand.Target]++
			ids = append(ids, cand.ID)
			progress = true
		}
	}
	return ids
}

// WebhookDelivery records one webhook request and what came back.
type WebhookDelivery struct {
	Sid            string
	AccountSid     string
	ResourceSid    string // the message the request was about
	Event          string // e.g. message-status, incoming-message
	URL            string
	Method         string
	Params         map[string]string // the parameters sent, by name
	Signature      string            // X-Twilio-Signature sent
	ResponseStatus int               // 0: no response
	ResponseType   string            // Content-Type of the response
	ResponseBody   string            // the first bytes of the response body
	Latency        time.Duration
	Attempt        int
	ErrorCode      int // 0 when the request succeeded
	ErrorMessage   string
	ReplayOf       string // the delivery this one replayed, "" for an original
	DateCreated    time.Time
	Seq            int64
}

// StatusChange moves a message to a new status if, and only if, it is still in one of
// From (any status when From is empty). Its Jobs are written only when the change is
// made, so a callback never announces a change that did not happen.
type StatusChange struct {
	AccountSid   string
	Sid          string
	From         []string
	To           string
	ErrorCode    int    // kept as is when 0
	ErrorMessage string // kept as is when ""
	Price        string // kept as is when ""
	Sender       string // the message's From, set when a Messaging Service chose it; kept as is when ""
	DateSent     time.Time
	DateUpdated  time.Time
	// CancelJobsOfKind deletes the message's pending jobs of this kind with the change
	// (a forced status stops the simulated delivery).
	CancelJobsOfKind string
	Jobs             []Job
}

// MediaContent fills in the fetched content of a media file.
type MediaContent struct {
	Sid         string
	ContentType string
	Content     []byte
	DateUpdated time.Time
}

// OptOut records (Out) or clears (!Out) a recipient's opt-out from one sender.
type OptOut struct {
	AccountSid  string
	Sender      string
	Recipient   string
	Out         bool
	DateCreated time.Time
}

// SenderRule is what must hold for a message from Sender to Recipient to be written: the
// account owns Sender as an SMS-capable number (when MustOwn), and Recipient has not
// opted out of messages from Sender. Checked inside the write, so that no number can be
// released, and no STOP recorded, between the check and the message.
type SenderRule struct {
	AccountSid string
	Sender     string
	Recipient  string
	MustOwn    bool
}

// Writes is a set of changes the store makes in one transaction: all of them or none.
// Order of application: opt-outs, messages, media, media contents, status changes,
// calls, call changes, recordings, recording changes, call events, WhatsApp sessions,
// jobs, deliveries.
// A call's new events and recordings come with a change of the call itself (in Calls or
// CallChanges): the change log tells of them through it.
type Writes struct {
	// Sender, when set, is checked with every message written (or once, when there is
	// none): the write fails with ErrNotSender or ErrOptedOut, and nothing of it is
	// written, when the rule does not hold.
	Sender           *SenderRule
	OptOuts          []OptOut
	Messages         []Message
	Media            []Media
	MediaContents    []MediaContent
	StatusChanges    []StatusChange
	Calls            []Call
	CallChanges      []CallChange
	Recordings       []Recording
	RecordingChanges []RecordingChange
	CallEvents       []CallEvent
	WhatsAppInbound  []WhatsAppInbound
	Jobs             []Job
	Deliveries       []WebhookDelivery
}

// Empty reports whether w writes nothing (a Sender rule alone is a check with nothing
// to write): Apply then does nothing.
func (w Writes) Empty() bool {
	return len(w.OptOuts)+len(w.Messages)+len(w.Media)+len(w.MediaContents)+
		len(w.StatusChanges)+len(w.Calls)+len(w.CallChanges)+len(w.Recordings)+len(w.RecordingChanges)+
		len(w.CallEvents)+len(w.WhatsAppInbound)+len(w.Jobs)+len(w.Deliveries) == 0
}

// Schedules reports whether w may add or reschedule jobs, so that a backend signals
// JobsChanged once it has committed.
func (w Writes) Schedules() bool {
	return len(w.Jobs) > 0 || len(w.StatusChanges) > 0 || len(w.CallChanges) > 0
}

// ChangesCall reports whether w inserts or changes call sid. A call's events and
// recordings are written only with a change of the call itself: the change log tells
// of them through it, and a backend refuses them otherwise.
func (w Writes) ChangesCall(sid string) bool {
	for _, c := range w.Calls {
		if c.Sid == sid {
			return true
		}
	}
	for _, c := range w.CallChanges {
		if c.Call.Sid == sid {
			return true
		}
	}
	return false
}

// PhoneNumber is a phone number an account owns (Twilio's IncomingPhoneNumber). A number
// belongs to one account at a time: PhoneNumber is unique across all accounts.
type PhoneNumber struct {
	Sid                 string
	AccountSid          string
	PhoneNumber         string // E.164
	FriendlyName        string
	IsoCountry          string // ISO 3166-1 alpha-2
	Type                string // local, mobile, tollfree
	AddressRequirements string // none, any, local, foreign
	Capabilities        Capabilities
	Origin              string // twilio
	// WhatsApp: the number is a WhatsApp sender of its account (Switchboard's setting;
	// Twilio's is the number's registration with Meta).
	WhatsApp bool
	PhoneNumberSettings
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64 // position in list order; set by the store, used only for paging
}

// Capabilities says what a phone number can receive.
type Capabilities struct {
	Voice, SMS, MMS, Fax bool
}

// PhoneNumberSettings are the parts of a phone number its account configures. URLs and
// SIDs that are not set are "".
type PhoneNumberSettings struct {
	APIVersion           string
	SmsURL               string
	SmsMethod            string
	SmsFallbackURL       string
	SmsFallbackMethod    string
	SmsApplicationSid    string
	StatusCallback       string
	StatusCallbackMethod string
	VoiceURL             string
	VoiceMethod          string
	VoiceFallbackURL     string
	VoiceFallbackMethod  string
	VoiceApplicationSid  string
	VoiceCallerIDLookup  bool
	VoiceReceiveMode     string // voice, fax
	TrunkSid             string
	IdentitySid          string
	AddressSid           string
	EmergencyStatus      string // Active, Inactive
	EmergencyAddressSid  string
	BundleSid            string
}

// PhoneNumberFilter narrows a list of one account's phone numbers; zero fields do not
// filter.
type PhoneNumberFilter struct {
	AccountSid string // required
	// PhoneNumber keeps numbers that contain it, where '*' stands for any one character.
	PhoneNumber  string
	FriendlyName string // exact match
	Origin       string
}

// Call is one voice call of an account.
type Call struct {
	Sid            string
	AccountSid     string
	ParentCallSid  string // "" unless placed by <Dial>
	To             string
	From           string
	PhoneNumberSid string // "" when no number of the account is involved
	Status         string
	Direction      string
	ForwardedFrom  string
	CallerName     string
	StartTime      time.Time // zero until the call rings
	EndTime        time.Time // zero until it ends
	Duration       int       // seconds connected; meaningful once it ends
	Price          string    // "" until it ends
	// Settings and State are JSON that the store keeps and never reads (internal/voice
	// owns them): what the API asked for, and where the call's TwiML is.
	Settings    []byte
	State       []byte
	Version     int64 // goes up by one with every CallChange; set by the store
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// CallChange replaces a call's changeable fields (status, times, duration, price,
// settings, state, date updated) with those of Call if, and only if, the call is still at
// Version; the version then goes up by one. Its Jobs are written with it. Unlike a
// message's StatusChange, a change whose guard fails is an error (ErrConflict) that undoes
// the whole Writes: the caller computed it from a call that another writer has changed
// since, and must read the call again.
type CallChange struct {
	Call    Call // AccountSid and Sid name the call
	Version int64
	// CancelJobsOfKind deletes the call's pending jobs of this kind with the change: the
	// call's next step is replaced by the one in Jobs.
	CancelJobsOfKind string
	Jobs             []Job
}

// CallFilter narrows a call list; zero fields do not filter. Time bounds are inclusive
// from, exclusive until.
type CallFilter struct {
	AccountSid    string // required
	To            string
	From          string
	ParentCallSid string
	Status        string
	StartFrom     time.Time
	StartUntil    time.Time
	EndFrom       time.Time
	EndUntil      time.Time
}

// CallEvent is one entry of a call's timeline.
type CallEvent struct {
	AccountSid  string
	CallSid     string
	Type        string
	Description string
	Data        map[string]string
	Elapsed     time.Duration // on the call's simulated clock, from its creation
	DateCreated time.Time
	Seq         int64
}

// Recording is the record of a call's recording; the audio itself is not stored.
type Recording struct {
	Sid         string
	AccountSid  string
	CallSid     string
	Status      string // in-progress, completed
	Source      string // RecordVerb, OutboundAPI
	Channels    int
	Duration    int    // seconds; meaningful once completed
	Price       string // "" until completed
	StartTime   time.Time
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// RecordingChange completes a recording: its new status, duration and price.
type RecordingChange struct {
	Sid         string
	Status      string
	Duration    int
	Price       string
	DateUpdated time.Time
}

// RecordingFilter narrows a recording list; zero fields do not filter.
type RecordingFilter struct {
	AccountSid   string // required
	CallSid      string
	CreatedFrom  time.Time // inclusive
	CreatedUntil time.Time // exclusive
}

// MediaFilter narrows a message's media list; zero times do not filter.
type MediaFilter struct {
	AccountSid   string    // required
	MessageSid   string    // required
	CreatedFrom  time.Time // inclusive
	CreatedUntil time.Time // exclusive
}

// API key types: a main key acts like the account's auth token; a standard key reaches
// everything of its account but the Accounts and Keys resources.
const (
	KeyStandard = "standard"
	KeyMain     = "main"
)

// APIKey is an account's API key. Only a salted hash of its secret is kept.
type APIKey struct {
	Sid          string
	AccountSid   string
	FriendlyName string // "" when none was given
	Type         string // KeyStandard or KeyMain
	SecretSalt   []byte
	SecretHash   []byte
	DateCreated  time.Time
	DateUpdated  time.Time
	Seq          int64
}

// MessagingService is a Messaging Service (Messaging v1): a pool of senders with its
// own status callback and inbound webhook. URLs that are not set are "".
type MessagingService struct {
	Sid                       string
	AccountSid                string
	FriendlyName              string
	InboundRequestURL         string
	InboundMethod             string
	FallbackURL               string
	FallbackMethod            string
	StatusCallback            string
	StickySender              bool
	MMSConverter              bool
	SmartEncoding             bool
	ScanMessageContent        string
	FallbackToLongCode        bool
	AreaCodeGeomatch          bool
	SynchronousValidation     bool
	ValidityPeriod            int
	Usecase                   string
	UseInboundWebhookOnNumber bool
	DateCreated               time.Time
	DateUpdated               time.Time
	Seq                       int64
}

// ServiceNumber is a phone number in a Messaging Service's pool, with what the pool
// shows of the number.
type ServiceNumber struct {
	ServiceSid   string
	AccountSid   string
	Sid          string // the phone number's SID (PN…)
	PhoneNumber  string // E.164
	IsoCountry   string
	Capabilities Capabilities
	WhatsApp     bool // the number is a WhatsApp sender (PhoneNumber.WhatsApp)
	DateCreated  time.Time
	DateUpdated  time.Time
	Seq          int64
}

// AlphaSender is a Messaging Service's alphanumeric sender ID.
type AlphaSender struct {
	Sid         string
	ServiceSid  string
	AccountSid  string
	AlphaSender string
	DateCreated time.Time
	DateUpdated time.Time
	Seq         int64
}

// SenderPool is everything a Messaging Service may send from, oldest first.
type SenderPool struct {
	Numbers      []ServiceNumber
	AlphaSenders []string
}

// MaxDeliveriesPerResource is how many webhook deliveries are kept for one message or
// call: the newest. A resource's deliveries go with it when it is deleted.
const MaxDeliveriesPerResource = 1000

// DeliveryFilter narrows a list of webhook deliveries.
type DeliveryFilter struct {
	AccountSid  string // required
	ResourceSid string // "" does not filter
}

// Thread is one conversation of an account: the messages between one of its numbers (or
// sender IDs) and one other party, either way.
type Thread struct {
	AccountSid   string
	Number       string // the account's side: From of outbound messages, To of inbound ones
	Party        string // the other side
	MessageCount int
	InboundCount int
	Last         Message // the newest message
}

// ThreadFilter narrows a thread list to the threads with messages that match; zero
// fields do not filter. Counts and Last are of the matching messages.
type ThreadFilter struct {
	AccountSid string // required
	// Search matches a message whose body, To or From contains it (ASCII letters in
	// any case).
	Search    string
	Status    string
	Direction string // "inbound", "outbound" (any outbound direction) or ""
}

// ThreadKey names a thread.
type ThreadKey struct {
	AccountSid, Number, Party string
}

// Change is one entry of the change log: a resource of an account was created, updated
// or deleted. A backend logs it in the transaction of the change itself, whichever
// process wrote, so the log misses nothing.
type Change struct {
	Seq        int64
	AccountSid string
	Kind       string // ChangeMessage, ChangeWebhookDelivery, ChangePhoneNumber, ChangeCall
	Sid        string
	Op         string // ChangeCreated, ChangeUpdated, ChangeDeleted
}

// Kinds and operations of the change log.
const (
	ChangeMessage         = "message"
	ChangeWebhookDelivery = "webhook-delivery"
	ChangePhoneNumber     = "incoming-phone-number"
	// ChangeCall is a call, its timeline or its recordings: one change of the call
	// stands for all three (they are written together; see Writes).
	ChangeCall = "call"

	ChangeCreated = "created"
	ChangeUpdated = "updated"
	ChangeDeleted = "deleted"
)

// StickySender is the sender a Messaging Service's recipient gets its messages from
// (Sticky Sender), as StickySender remembers it.
type StickySender struct {
	ServiceSid  string
	Recipient   string
	Sender      string
	DateCreated time.Time
}

// Setting is a value a server keeps for itself in the database (the key that seals page
// tokens, the simulator clock's offset), by name.
type Setting struct {
	Name  string
	Value []byte
}

// Counter is the last value one of a backend's counters has handed out: the Seq of a
// table's rows (or the ID of its jobs), by table name, which the backends share. It may
// lie past the largest value a table still holds, when its newest rows were deleted.
type Counter struct {
	Table string
	Last  int64
}
