package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchboard-dev/switchboard/store"
)

// credentialCache keeps the accounts and API keys that requests authenticate with, so
// that a request does not read them from the database each time (the lookup was as
// costly as fetching the message itself). Each copy is tagged with the store's auth
// generation, which moves whenever any account or key changes in any process on the
// database file; a copy from another generation is never used, so a changed token,
// status or key takes effect on the very next request.
type credentialCache struct {
	store    credentialStore
	mu       sync.RWMutex
	gen      int64
	accounts map[string]store.Account
	keys     map[string]cachedKey
}

// credentialStore is what the cache reads (part of ServerStore).
type credentialStore interface {
	// AuthGeneration moves whenever an account or API key changes.
	AuthGeneration(ctx context.Context) (int64, error)
	GetAccount(ctx context.Context, sid string) (store.Account, error)
	// KeyForAuth finds a key whichever account owns it, with that account, for
	// authenticating a request (store.ErrNotFound when no key has that SID).
	KeyForAuth(ctx context.Context, sid string) (store.APIKey, store.Account, error)
}

type cachedKey struct {
	key     store.APIKey
	account store.Account
}

// maxCachedCredentials bounds the cache: past it, it starts again empty. Only SIDs that
// exist get in (a guessed SID is never cached), so this bounds real accounts and keys.
const maxCachedCredentials = 10_000

// current returns the cache for generation gen, emptied if it held another one.
func (c *credentialCache) current(gen int64) {
	c.mu.Lock()
	if c.gen != gen || c.accounts == nil || len(c.accounts)+len(c.keys) > maxCachedCredentials {
		c.gen, c.accounts, c.keys = gen, map[string]store.Account{}, map[string]cachedKey{}
	}
	c.mu.Unlock()
}

// Account returns the account sid as of now: from the cache when it holds the current
// generation's copy, else from the store. The handlers' checks of the account a path
// names read it here too (api.AccountFinder).
func (c *credentialCache) Account(ctx context.Context, sid string) (store.Account, error) {
	gen, err := c.store.AuthGeneration(ctx)
	if err != nil {
		return store.Account{}, fmt.Errorf("account %s: %w", sid, err)
	}
	c.mu.RLock()
	a, ok := c.accounts[sid]
	hit := ok && c.gen == gen
	c.mu.RUnlock()
	if hit {
		return a, nil
	}
	a, err = c.store.GetAccount(ctx, sid)
	if err != nil {
		return store.Account{}, err
	}
	c.current(gen)
	c.mu.Lock()
	if c.gen == gen {
		c.accounts[sid] = a
	}
	c.mu.Unlock()
	return a, nil
}

// key is Account for an API key and its account.
func (c *credentialCache) key(ctx context.Context, sid string) (store.APIKey, store.Account, error) {
	gen, err := c.store.AuthGeneration(ctx)
	if err != nil {
		return store.APIKey{}, store.Account{}, fmt.Errorf("key %s: %w", sid, err)
	}
	c.mu.RLock()
	k, ok := c.keys[sid]
	hit := ok && c.gen == gen
	c.mu.RUnlock()
	if hit {
		return k.key, k.account, nil
	}
	key, acct, err := c.store.KeyForAuth(ctx, sid)
	if err != nil {
		return store.APIKey{}, store.Account{}, err
	}
	c.current(gen)
	c.mu.Lock()
	if c.gen == gen {
		c.keys[sid] = cachedKey{key, acct}
	}
	c.mu.Unlock()
	return key, acct, nil
}
