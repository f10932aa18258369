package accounts

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// racingStore is a store on which another replica creates the account between this
// one's read and its create, as two replicas starting on one new database do.
type racingStore struct {
	accounts map[string]store.Account
	rival    store.Account // created by "the other replica" at this one's create
}

func (s *racingStore) GetAccount(_ context.Context, sid string) (store.Account, error) {
	if a, ok := s.accounts[sid]; ok {
		return a, nil
	}
	return store.Account{}, store.ErrNotFound
}

func (s *racingStore) FirstMainAccount(context.Context) (store.Account, error) {
	return store.Account{}, store.ErrNotFound
}

func (s *racingStore) CreateAccount(_ context.Context, a store.Account) (store.Account, error) {
	if s.rival.Sid != "" {
		s.accounts[s.rival.Sid] = s.rival
		s.rival = store.Account{}
	}
	if _, ok := s.accounts[a.Sid]; ok {
		return store.Account{}, fmt.Errorf("create account %s: %w", a.Sid, store.ErrConflict)
	}
	s.accounts[a.Sid] = a
	return a, nil
}

func (s *racingStore) SetAuthToken(_ context.Context, sid, token string, _ time.Time) (store.Account, error) {
	a := s.accounts[sid]
	a.AuthToken = token
	s.accounts[sid] = a
	return a, nil
}

const fixedSid = "AC0123456789abcdef0123456789abcdef"

func TestEnsureMainAccountAfterAnotherReplicaMadeIt(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rivalToken  string
		wantOutcome MainAccountOutcome
	}{
		{"same token", "secret1", MainAccountReused},
		{"other token", "older1", MainAccountTokenReset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &racingStore{accounts: map[string]store.Account{},
				rival: store.Account{Sid: fixedSid, AuthToken: tc.rivalToken, Status: "active"}}
			a, outcome, err := EnsureMainAccount(context.Background(), st, fixedSid, "secret1")
			if err != nil {
				t.Fatal(err)
			}
			if a.Sid != fixedSid || a.AuthToken != "secret1" || outcome != tc.wantOutcome {
				t.Fatalf("got %s %q outcome %d, want %s secret1 outcome %d", a.Sid, a.AuthToken, outcome, fixedSid, tc.wantOutcome)
			}
		})
	}
}

// conflictingStore refuses every create as a conflict: the retry happens once, not forever.
type conflictingStore struct{ racingStore }

func (s *conflictingStore) CreateAccount(_ context.Context, a store.Account) (store.Account, error) {
	return store.Account{}, fmt.Errorf("create account %s: %w", a.Sid, store.ErrConflict)
}

func TestEnsureMainAccountRetriesOnce(t *testing.T) {
	st := &conflictingStore{racingStore{accounts: map[string]store.Account{}}}
	if _, _, err := EnsureMainAccount(context.Background(), st, fixedSid, "secret1"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	// Without fixed credentials the SID is new each time: a conflict is not another
	// replica's account, so it is not retried either.
	if _, _, err := EnsureMainAccount(context.Background(), st, "", ""); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
}
