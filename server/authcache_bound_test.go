package server

import (
	"strconv"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// TestCredentialCacheBound: the cache keeps up to maxCachedCredentials accounts and keys
// together, and starts again empty once it holds more.
func TestCredentialCacheBound(t *testing.T) {
	var c credentialCache
	c.current(1)
	half := maxCachedCredentials / 2
	for i := range half {
		c.accounts["AC"+strconv.Itoa(i)] = store.Account{}
		c.keys["SK"+strconv.Itoa(i)] = cachedKey{}
	}
	c.current(1)
	if n := len(c.accounts) + len(c.keys); n != maxCachedCredentials {
		t.Fatalf("at the bound the cache holds %d entries, want all %d kept", n, maxCachedCredentials)
	}
	c.keys["SKone-more"] = cachedKey{}
	c.current(1)
	if n := len(c.accounts) + len(c.keys); n != 0 {
		t.Errorf("past the bound the cache holds %d entries, want it emptied", n)
	}
}
