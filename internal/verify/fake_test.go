package verify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard-dev/switchboard/internal/messaging"
	"github.com/switchboard-dev/switchboard/internal/voice"
	"github.com/switchboard-dev/switchboard/store"
)

// fakeClock is a clock a test moves.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

var errDisk = errors.New("disk on fire")

// fakeStore keeps services and verifications in memory, as the contract says a store
// does; fail makes a method fail.
type fakeStore struct {
	mu            sync.Mutex
	services      map[string]store.VerifyService
	verifications []store.Verification // in insertion order
	fail          map[string]error
}

func newFakeStore(services ...store.VerifyService) *fakeStore {
	f := &fakeStore{services: map[string]store.VerifyService{}, fail: map[string]error{}}
	for _, s := range services {
		f.services[s.Sid] = s
	}
	return f
}

func (f *fakeStore) GetVerifyService(_ context.Context, accountSid, sid string) (store.VerifyService, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["GetVerifyService"]; err != nil {
		return store.VerifyService{}, err
	}
	s, ok := f.services[sid]
	if !ok || s.AccountSid != accountSid {
		return store.VerifyService{}, fmt.Errorf("service %s: %w", sid, store.ErrNotFound)
	}
	return s, nil
}

func (f *fakeStore) latest(accountSid, serviceSid, to string) int {
	for i := len(f.verifications) - 1; i >= 0; i-- {
		v := f.verifications[i]
		if v.AccountSid == accountSid && v.ServiceSid == serviceSid && v.To == to {
			return i
		}
	}
	return -1
}

func (f *fakeStore) find(accountSid, serviceSid, sid string) int {
	for i, v := range f.verifications {
		if v.Sid == sid && v.AccountSid == accountSid && (serviceSid == "" || v.ServiceSid == serviceSid) {
			return i
		}
	}
	return -1
}

func (f *fakeStore) StartVerification(_ context.Context, accountSid, serviceSid, to string, start func(*store.Verification) (store.Verification, error)) (store.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["StartVerification"]; err != nil {
		return store.Verification{}, err
	}
	if s, ok := f.services[serviceSid]; !ok || s.AccountSid != accountSid {
		return store.Verification{}, store.ErrNotFound
	}
	i := f.latest(accountSid, serviceSid, to)
	var current *store.Verification
	if i >= 0 {
		c := f.verifications[i]
		c.Sends = append([]store.VerificationSend(nil), c.Sends...)
		current = &c
	}
	next, err := start(current)
	if err != nil {
		return store.Verification{}, fmt.Errorf("start: %w", err)
	}
	if current != nil && next.Sid == current.Sid {
		f.verifications[i] = next
		return next, nil
	}
	next.AccountSid, next.ServiceSid, next.To, next.Seq = accountSid, serviceSid, to, int64(len(f.verifications)+1)
	f.verifications = append(f.verifications, next)
	return next, nil
}

func (f *fakeStore) GetVerification(_ context.Context, accountSid, serviceSid, sid string) (store.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.find(accountSid, serviceSid, sid); i >= 0 {
		return f.verifications[i], nil
	}
	return store.Verification{}, store.ErrNotFound
}

func (f *fakeStore) LatestVerification(_ context.Context, accountSid, serviceSid, to string) (store.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["LatestVerification"]; err != nil {
		return store.Verification{}, err
	}
	if i := f.latest(accountSid, serviceSid, to); i >= 0 {
		return f.verifications[i], nil
	}
	return store.Verification{}, store.ErrNotFound
}

func (f *fakeStore) UpdateVerification(_ context.Context, accountSid, serviceSid, sid string, change func(*store.Verification) error) (store.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["UpdateVerification"]; err != nil {
		return store.Verification{}, err
	}
	i := f.find(accountSid, serviceSid, sid)
	if i < 0 || serviceSid == "" {
		return store.Verification{}, store.ErrNotFound
	}
	v := f.verifications[i]
	v.Sends = append([]store.VerificationSend(nil), v.Sends...)
	if err := change(&v); err != nil {
		return store.Verification{}, err
	}
	f.verifications[i] = v
	return v, nil
}

func (f *fakeStore) DeleteVerification(_ context.Context, accountSid, sid string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.find(accountSid, "", sid)
	if i < 0 {
		return store.ErrNotFound
	}
	f.verifications = append(f.verifications[:i], f.verifications[i+1:]...)
	return nil
}

func (f *fakeStore) ListVerifications(_ context.Context, filter store.VerificationFilter, p store.Page) ([]store.Verification, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["ListVerifications"]; err != nil {
		return nil, false, err
	}
	var out []store.Verification
	for i := len(f.verifications) - 1; i >= 0; i-- {
		v := f.verifications[i]
		if v.AccountSid == filter.AccountSid && (filter.To == "" || v.To == filter.To) {
			out = append(out, v)
		}
	}
	return out, false, nil
}

// fakeNetworks records the texts and calls sent; refuse makes them refuse.
type fakeNetworks struct {
	texts  []messaging.Outbound
	calls  []voice.Outbound
	refuse error
}

func (n *fakeNetworks) Send(_ context.Context, _ store.Account, out messaging.Outbound) (store.Message, error) {
	if n.refuse != nil {
		return store.Message{}, n.refuse
	}
	n.texts = append(n.texts, out)
	return store.Message{Sid: "SM1", To: out.To, From: out.From, Body: out.Body}, nil
}

func (n *fakeNetworks) Place(_ context.Context, _ store.Account, out voice.Outbound) (store.Call, error) {
	if n.refuse != nil {
		return store.Call{}, n.refuse
	}
	n.calls = append(n.calls, out)
	return store.Call{Sid: "CA1"}, nil
}

func newClock() *fakeClock { return &fakeClock{now: t0} }
