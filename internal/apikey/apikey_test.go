package apikey

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestNewSecretMatchesOnlyItself(t *testing.T) {
	secret, h := New()
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(secret) {
		t.Fatalf("secret %q: want 32 letters and digits", secret)
	}
	if !h.Matches(secret) {
		t.Fatal("the secret does not match its own hash")
	}
	wrong := []string{"", secret[:31], secret + "x", strings.ToUpper(secret[:1]) + strings.ToLower(secret[1:]), strings.Repeat("a", 32)}
	for _, w := range wrong {
		if w != secret && h.Matches(w) {
			t.Errorf("%q matches the hash of %q", w, secret)
		}
	}
	if bytes.Contains(h.Hash, []byte(secret)) || bytes.Contains(h.Salt, []byte(secret)) {
		t.Error("what is kept contains the secret")
	}
}

func TestSecretsAndSaltsDiffer(t *testing.T) {
	s1, h1 := New()
	s2, h2 := New()
	if s1 == s2 || bytes.Equal(h1.Salt, h2.Salt) || bytes.Equal(h1.Hash, h2.Hash) {
		t.Fatalf("two keys share a secret, salt or hash: %q %q", s1, s2)
	}
	// The same secret under another salt hashes differently: a table of hashes of likely
	// secrets is no use.
	if bytes.Equal(hash(h1.Salt, s1), hash(h2.Salt, s1)) {
		t.Error("the salt does not change the hash")
	}
	if h2.Matches(s1) || h1.Matches(s2) {
		t.Error("a secret matches another key's hash")
	}
}

func TestDummyMatchesNothing(t *testing.T) {
	for _, s := range []string{"", "0", strings.Repeat("0", 32)} {
		if Dummy.Matches(s) {
			t.Errorf("Dummy matches %q", s)
		}
	}
}

// TestAlphabetIsUniform draws many characters and checks that each of the 62 appears
// about equally often: a modulo bias would make the first 8 (256 % 62) likelier.
func TestAlphabetIsUniform(t *testing.T) {
	const n = 62 * 2000
	counts := map[byte]int{}
	for _, c := range []byte(randomAlphanumeric(n)) {
		counts[c]++
	}
	if len(counts) != len(alphabet) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(alphabet))
	}
	for c, k := range counts {
		// Expected 2000 each; a bias of 1/4 (what 256%62 would give) is 500 off.
		if k < 1700 || k > 2300 {
			t.Errorf("%q drawn %d times in %d, want about 2000", c, k, n)
		}
	}
}

func BenchmarkMatches(b *testing.B) {
	secret, h := New()
	for b.Loop() {
		if !h.Matches(secret) {
			b.Fatal("no match")
		}
	}
}
