// Package throttle slows down guessing of credentials. It counts failed logins per source
// address and per account, and says, before any credential is checked, whether a login
// attempt may go ahead.
//
// The rule that keeps an attacker from locking the owner out: a source that keeps failing
// is refused outright, whatever it sends; an account under attack (its failures, from all
// sources together, over its budget) is refused only to sources that failed recently.
// A source with a clean record still gets its credentials checked, so the owner's correct
// token from any address the attacker does not share keeps working, while an attacker
// spread over many addresses gets one guess per address per refill.
package throttle

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Budget is a token bucket of failures: Burst at once, refilled at PerSecond.
type Budget struct {
	PerSecond float64
	Burst     int
}

// Defaults: a person mistyping a token a few times never notices; a script guessing gets
// one try a second per address.
var (
	DefaultPerSource  = Budget{PerSecond: 1, Burst: 20}
	DefaultPerAccount = Budget{PerSecond: 1, Burst: 20}
)

// maxEntries bounds each table. Sources and accounts whose budget has refilled are
// forgotten first; past the bound the table starts afresh rather than grow without end
// (an attacker with that many addresses gains one fresh budget each, no more).
const maxEntries = 1 << 16

// Failures tracks failed logins. It is safe for concurrent use.
type Failures struct {
	source, account Budget

	mu       sync.Mutex
	sources  map[string]*rate.Limiter
	accounts map[string]*rate.Limiter
}

// New returns an empty tracker with the given budgets.
func New(perSource, perAccount Budget) *Failures {
	return &Failures{source: perSource, account: perAccount,
		sources: map[string]*rate.Limiter{}, accounts: map[string]*rate.Limiter{}}
}

// Allow reports whether a login from source as account may be checked now, and if not,
// how long to wait. It costs a map lookup: call it before any expensive work.
func (f *Failures) Allow(source, account string) (bool, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	src := f.sources[source]
	if src != nil && src.TokensAt(now) < 1 {
		return false, wait(src, now)
	}
	acct := f.accounts[account]
	if acct != nil && acct.TokensAt(now) < 1 && src != nil && src.TokensAt(now) < float64(f.source.Burst) {
		return false, wait(acct, now)
	}
	return true, 0
}

// Fail records a failed login from source. account is the Account SID tried, or "" when
// it names no account (guesses at unknown SIDs must not fill the account table).
func (f *Failures) Fail(source, account string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	take(f.sources, source, f.source, now)
	if account != "" {
		take(f.accounts, account, f.account, now)
	}
}

func take(table map[string]*rate.Limiter, key string, b Budget, now time.Time) {
	lim := table[key]
	if lim == nil {
		if len(table) >= maxEntries {
			forgetRefilled(table, b, now)
		}
		lim = rate.NewLimiter(rate.Limit(b.PerSecond), b.Burst)
		table[key] = lim
	}
	lim.AllowN(now, 1) // a refused token still counts as tried: it is the failure itself
}

// forgetRefilled drops the entries whose budget is whole again, and everything if that
// is not enough.
func forgetRefilled(table map[string]*rate.Limiter, b Budget, now time.Time) {
	for k, lim := range table {
		if lim.TokensAt(now) >= float64(b.Burst) {
			delete(table, k)
		}
	}
	if len(table) >= maxEntries {
		clear(table)
	}
}

// wait is how long until lim has a whole token again, rounded up to a second (the unit
// of Retry-After).
func wait(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if lim.Limit() <= 0 || math.IsInf(float64(lim.Limit()), 1) {
		return time.Second
	}
	secs := math.Ceil(missing / float64(lim.Limit()))
	return time.Duration(max(1, min(secs, 3600))) * time.Second
}
