package messaging

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// fakeStore is an in-memory Store for the package's unit tests: enough of the real one's
// rules (a sender must be owned, an opted-out recipient is refused, a status change is
// guarded) for the service's decisions to show. server/'s HTTP tests run the real store.
type fakeStore struct {
	accounts   map[string]store.Account
	messages   map[string]store.Message
	media      map[string][]store.Media          // by message SID
	owned      map[string]bool                   // account + " " + number: an SMS-capable number of the account
	optedOut   map[string]bool                   // account + " " + sender + " " + recipient
	numbers    map[string]store.PhoneNumber      // by E.164
	services   map[string]store.MessagingService // by SID
	pools      map[string]store.SenderPool       // by service SID
	serviceOf  map[string]string                 // number SID -> service SID
	sticky     map[string]map[string]string      // service SID -> recipient -> sender
	deliveries map[string]store.WebhookDelivery  // by SID
	fail       map[string]error                  // method name -> the error it returns
	applied    []store.Writes                    // every Apply, in order
	changes    []store.StatusChange              // every ChangeStatus that applied
	stickyAt   []time.Time                       // the now of each StickySender
	deleted    []string                          // messages deleted
	busy       map[string][]string               // message SID -> the busy statuses DeleteMessage was given
	mediaUsage map[string]int64                  // account -> stored media bytes
	contents   map[string]store.Content          // by SID
	sessions   map[string]store.WhatsAppSession  // account + " " + sender + " " + user
	sandboxes  map[string]store.WhatsAppSandbox  // by account
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		accounts: map[string]store.Account{"AC1": {Sid: "AC1", AuthToken: "token-1"}},
		messages: map[string]store.Message{}, media: map[string][]store.Media{}, owned: map[string]bool{},
		optedOut: map[string]bool{}, numbers: map[string]store.PhoneNumber{}, services: map[string]store.MessagingService{},
		pools: map[string]store.SenderPool{}, serviceOf: map[string]string{}, sticky: map[string]map[string]string{},
		deliveries: map[string]store.WebhookDelivery{}, fail: map[string]error{}, busy: map[string][]string{},
		mediaUsage: map[string]int64{}, contents: map[string]store.Content{}, sessions: map[string]store.WhatsAppSession{},
		sandboxes: map[string]store.WhatsAppSandbox{},
	}
}

var _ Store = (*fakeStore)(nil)

func (f *fakeStore) own(account, number string) { f.owned[account+" "+number] = true }

func (f *fakeStore) optOut(account, sender, recipient string) {
	f.optedOut[account+" "+sender+" "+recipient] = true
}

func (f *fakeStore) GetAccount(_ context.Context, sid string) (store.Account, error) {
	if err := f.fail["GetAccount"]; err != nil {
		return store.Account{}, err
	}
	a, ok := f.accounts[sid]
	if !ok {
		return store.Account{}, store.ErrNotFound
	}
	return a, nil
}

func (f *fakeStore) GetMessage(_ context.Context, accountSid, sid string) (store.Message, error) {
	if err := f.fail["GetMessage"]; err != nil {
		return store.Message{}, err
	}
	m, ok := f.messages[sid]
	if !ok || m.AccountSid != accountSid {
		return store.Message{}, store.ErrNotFound
	}
	return m, nil
}

func (f *fakeStore) MessageMedia(_ context.Context, _, messageSid string) ([]store.Media, error) {
	if err := f.fail["MessageMedia"]; err != nil {
		return nil, err
	}
	return f.media[messageSid], nil
}

func (f *fakeStore) OptedOut(_ context.Context, accountSid, sender, recipient string) (bool, error) {
	if err := f.fail["OptedOut"]; err != nil {
		return false, err
	}
	return f.optedOut[accountSid+" "+sender+" "+recipient], nil
}

func (f *fakeStore) SenderCheck(_ context.Context, accountSid, sender, recipient string) (bool, bool, error) {
	if err := f.fail["SenderCheck"]; err != nil {
		return false, false, err
	}
	return f.owned[accountSid+" "+sender], f.optedOut[accountSid+" "+sender+" "+recipient], nil
}

func (f *fakeStore) PhoneNumberByNumber(_ context.Context, e164 string) (store.PhoneNumber, error) {
	if err := f.fail["PhoneNumberByNumber"]; err != nil {
		return store.PhoneNumber{}, err
	}
	n, ok := f.numbers[e164]
	if !ok {
		return store.PhoneNumber{}, store.ErrNotFound
	}
	return n, nil
}

func (f *fakeStore) GetMessagingService(_ context.Context, accountSid, sid string) (store.MessagingService, error) {
	if err := f.fail["GetMessagingService"]; err != nil {
		return store.MessagingService{}, err
	}
	svc, ok := f.services[sid]
	if !ok || svc.AccountSid != accountSid {
		return store.MessagingService{}, store.ErrNotFound
	}
	return svc, nil
}

func (f *fakeStore) ServicePool(_ context.Context, serviceSid string) (store.SenderPool, error) {
	if err := f.fail["ServicePool"]; err != nil {
		return store.SenderPool{}, err
	}
	return f.pools[serviceSid], nil
}

func (f *fakeStore) ServiceOfNumber(_ context.Context, phoneNumberSid string) (store.MessagingService, error) {
	if err := f.fail["ServiceOfNumber"]; err != nil {
		return store.MessagingService{}, err
	}
	sid, ok := f.serviceOf[phoneNumberSid]
	if !ok {
		return store.MessagingService{}, store.ErrNotFound
	}
	return f.services[sid], nil
}

func (f *fakeStore) StickySender(_ context.Context, serviceSid, recipient string, now time.Time, choose func(current string, load map[string]int) string) (string, error) {
	if err := f.fail["StickySender"]; err != nil {
		return "", err
	}
	f.stickyAt = append(f.stickyAt, now)
	senders := f.sticky[serviceSid]
	if senders == nil {
		senders = map[string]string{}
		f.sticky[serviceSid] = senders
	}
	load := map[string]int{}
	for _, s := range senders {
		load[s]++
	}
	chosen := choose(senders[recipient], load)
	senders[recipient] = chosen
	return chosen, nil
}

// Apply keeps w, after the sender rule the real store checks in its INSERT.
func (f *fakeStore) Apply(_ context.Context, w store.Writes) error {
	if err := f.fail["Apply"]; err != nil {
		return err
	}
	if r := w.Sender; r != nil {
		switch {
		case r.MustOwn && !f.owned[r.AccountSid+" "+r.Sender]:
			return store.ErrNotSender
		case f.optedOut[r.AccountSid+" "+r.Sender+" "+r.Recipient]:
			return store.ErrOptedOut
		}
	}
	f.applied = append(f.applied, w)
	for _, m := range w.Messages {
		f.messages[m.Sid] = m
	}
	for _, in := range w.WhatsAppInbound {
		key := in.AccountSid + " " + in.Sender + " " + in.User
		s := f.sessions[key]
		s.AccountSid, s.Sender, s.User = in.AccountSid, in.Sender, in.User
		if in.At.After(s.LastInbound) {
			s.LastInbound = in.At
		}
		switch {
		case in.Join:
			s.JoinedAt = in.At
		case in.Leave:
			s.JoinedAt = time.Time{}
		}
		f.sessions[key] = s
	}
	return nil
}

// ChangeStatus applies c when its guard holds, as the real store does.
func (f *fakeStore) ChangeStatus(_ context.Context, c store.StatusChange) (store.Message, error) {
	if err := f.fail["ChangeStatus"]; err != nil {
		return store.Message{}, err
	}
	m, ok := f.messages[c.Sid]
	if !ok || m.AccountSid != c.AccountSid {
		return store.Message{}, store.ErrNotFound
	}
	if len(c.From) > 0 && !slices.Contains(c.From, m.Status) {
		return store.Message{}, store.ErrConflict
	}
	m.Status, m.DateUpdated = c.To, c.DateUpdated
	if c.ErrorCode != 0 {
		m.ErrorCode, m.ErrorMessage = c.ErrorCode, c.ErrorMessage
	}
	if c.Price != "" {
		m.Price = c.Price
	}
	if !c.DateSent.IsZero() {
		m.DateSent = c.DateSent
	}
	f.messages[c.Sid] = m
	f.changes = append(f.changes, c)
	return m, nil
}

func (f *fakeStore) DeleteMessage(_ context.Context, accountSid, sid string, busy ...string) error {
	if err := f.fail["DeleteMessage"]; err != nil {
		return err
	}
	f.busy[sid] = busy
	m, ok := f.messages[sid]
	if !ok || m.AccountSid != accountSid {
		return store.ErrNotFound
	}
	if slices.Contains(busy, m.Status) {
		return store.ErrConflict
	}
	delete(f.messages, sid)
	f.deleted = append(f.deleted, sid)
	return nil
}

func (f *fakeStore) ClearMessages(_ context.Context, accountSid string) (int64, error) {
	if err := f.fail["ClearMessages"]; err != nil {
		return 0, err
	}
	var n int64
	for sid, m := range f.messages {
		if m.AccountSid == accountSid {
			delete(f.messages, sid)
			n++
		}
	}
	return n, nil
}

func (f *fakeStore) GetDelivery(_ context.Context, accountSid, sid string) (store.WebhookDelivery, error) {
	if err := f.fail["GetDelivery"]; err != nil {
		return store.WebhookDelivery{}, err
	}
	d, ok := f.deliveries[sid]
	if !ok || d.AccountSid != accountSid {
		return store.WebhookDelivery{}, store.ErrNotFound
	}
	return d, nil
}

// errDisk stands for a failure of Switchboard's own: it must come back wrapped, never as
// a rule of the network.
var errDisk = errors.New("disk on fire")

func (f *fakeStore) MediaUsage(_ context.Context, accountSid string) (int64, error) {
	if err := f.fail["MediaUsage"]; err != nil {
		return 0, err
	}
	return f.mediaUsage[accountSid], nil
}

func (f *fakeStore) GetContent(_ context.Context, accountSid, sid string) (store.Content, error) {
	if err := f.fail["GetContent"]; err != nil {
		return store.Content{}, err
	}
	c, ok := f.contents[sid]
	if !ok || c.AccountSid != accountSid {
		return store.Content{}, store.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) GetWhatsAppSession(_ context.Context, accountSid, sender, user string) (store.WhatsAppSession, error) {
	if err := f.fail["GetWhatsAppSession"]; err != nil {
		return store.WhatsAppSession{}, err
	}
	s, ok := f.sessions[accountSid+" "+sender+" "+user]
	if !ok {
		return store.WhatsAppSession{}, store.ErrNotFound
	}
	return s, nil
}

func (f *fakeStore) GetWhatsAppSandbox(_ context.Context, accountSid string) (store.WhatsAppSandbox, error) {
	if err := f.fail["GetWhatsAppSandbox"]; err != nil {
		return store.WhatsAppSandbox{}, err
	}
	b, ok := f.sandboxes[accountSid]
	if !ok {
		return store.WhatsAppSandbox{}, store.ErrNotFound
	}
	return b, nil
}
