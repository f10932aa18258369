// Package pagetoken seals a position in a list into an opaque PageToken and opens it
// again. A token is authenticated encryption (XChaCha20-Poly1305) of the position, bound
// to the list it was made for: a token cannot be read, forged, altered, or used with
// another list, filter set or account, so it leaks nothing about other tenants' activity
// (list positions are global sequence numbers) and nobody can page from a position of
// their own choosing.
//
// Tokens look like Twilio's: "PA" or "PB" and then base64url. "PA" pages after (older than)
// the position, "PB" before (newer than) it; the prefix is authenticated too.
package pagetoken

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the length of the key New takes.
const KeySize = chacha20poly1305.KeySize

// Direction says which way from the sealed position the next page lies.
type Direction string

// The two directions, which are also the tokens' prefixes.
const (
	After  Direction = "PA" // rows older than the position (next pages)
	Before Direction = "PB" // rows newer than the position (previous pages)
)

// ErrInvalid is returned for any token that does not open: malformed, altered, made with
// another key or for another list. Callers learn nothing more, on purpose.
var ErrInvalid = errors.New("invalid page token")

// Sealer makes and opens tokens with one key. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a KeySize-byte key.
func New(key []byte) (*Sealer, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("page token key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns the token for position seq in direction dir of the list named list (any
// string that tells lists apart: account, path, filters).
func (s *Sealer) Seal(dir Direction, seq int64, list string) string {
	// A random 24-byte nonce never repeats in practice, so one key can seal any number
	// of tokens.
	buf := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+8+s.aead.Overhead())
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on supported platforms
	var plain [8]byte
	binary.BigEndian.PutUint64(plain[:], uint64(seq))
	sealed := s.aead.Seal(buf, buf, plain[:], additionalData(dir, list))
	return string(dir) + base64.RawURLEncoding.EncodeToString(sealed)
}

// Open returns the direction and position sealed in token, if token was made by Seal with
// this key for this list; otherwise ErrInvalid.
func (s *Sealer) Open(token, list string) (Direction, int64, error) {
	if len(token) < 2 {
		return "", 0, ErrInvalid
	}
	dir := Direction(token[:2])
	if dir != After && dir != Before {
		return "", 0, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token[2:])
	if err != nil || len(raw) != s.aead.NonceSize()+8+s.aead.Overhead() {
		return "", 0, ErrInvalid
	}
	nonce, sealed := raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():]
	plain, err := s.aead.Open(nil, nonce, sealed, additionalData(dir, list))
	if err != nil {
		return "", 0, ErrInvalid
	}
	seq := int64(binary.BigEndian.Uint64(plain))
	if seq <= 0 { // Seal is only ever given real positions
		return "", 0, ErrInvalid
	}
	return dir, seq, nil
}

// additionalData binds the direction and the list to the sealed position.
func additionalData(dir Direction, list string) []byte {
	return []byte(string(dir) + "\x00" + list)
}
