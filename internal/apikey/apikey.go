// Package apikey makes API key secrets and checks them against what the store keeps: a
// random salt and SHA-256 over salt and secret, never the secret itself.
//
// A fast hash is enough here, unlike for passwords people choose: a secret is 32
// characters drawn by crypto/rand from 62 (about 190 bits), so there is nothing to guess
// however fast guesses are, and the hash only has to keep a copy of the database from
// being a list of credentials. It also keeps authentication with a key about as cheap as
// with an auth token (a bcrypt or scrypt check would cost each request tens of
// milliseconds).
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// SecretLength is the length of a secret: letters and digits only, as the official SDKs
// accept nothing else in credentials.
const SecretLength = 32

// saltLength is the length of a salt in bytes.
const saltLength = 16

// Hashed is what the store keeps of a secret.
type Hashed struct {
	Salt []byte
	Hash []byte
}

// New returns a new secret, to be shown once, and what to keep of it.
func New() (secret string, h Hashed) {
	secret = randomAlphanumeric(SecretLength)
	salt := make([]byte, saltLength)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails on supported platforms
	return secret, Hashed{Salt: salt, Hash: hash(salt, secret)}
}

// Matches reports whether secret is the one h was made from, in time that does not
// depend on where the two differ.
func (h Hashed) Matches(secret string) bool {
	return subtle.ConstantTimeCompare(hash(h.Salt, secret), h.Hash) == 1
}

// Dummy is compared against when no key has the SID given, so that an unknown SID takes
// as long to refuse as a wrong secret.
var Dummy = Hashed{Salt: make([]byte, saltLength), Hash: make([]byte, sha256.Size)}

func hash(salt []byte, secret string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(secret))
	return h.Sum(nil)
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlphanumeric draws n characters uniformly from alphabet: bytes at or above the
// largest multiple of len(alphabet) below 256 are dropped, so that no character is
// likelier than another.
func randomAlphanumeric(n int) string {
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
