package pagetoken

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func sealer(t testing.TB, fill byte) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var shape = regexp.MustCompile(`^P[AB][A-Za-z0-9_-]+$`)

func TestRoundTrip(t *testing.T) {
	s := sealer(t, 1)
	for _, dir := range []Direction{After, Before} {
		for _, seq := range []int64{1, 42, 1 << 40, 1<<63 - 1} {
			token := s.Seal(dir, seq, "AC1 /list?To=%2B1")
			if !shape.MatchString(token) || !strings.HasPrefix(token, string(dir)) {
				t.Fatalf("token %q", token)
			}
			gotDir, gotSeq, err := s.Open(token, "AC1 /list?To=%2B1")
			if err != nil || gotDir != dir || gotSeq != seq {
				t.Fatalf("Open(Seal(%s, %d)) = %s %d %v", dir, seq, gotDir, gotSeq, err)
			}
		}
	}
}

func TestOpaqueAndBound(t *testing.T) {
	s := sealer(t, 1)
	a, b := s.Seal(After, 7, "list"), s.Seal(After, 7, "list")
	if a == b {
		t.Error("two tokens for one position are equal: a client could compare positions")
	}
	token := s.Seal(After, 7, "AC1 list")
	for name, open := range map[string]func() error{
		"another list":     func() error { _, _, err := s.Open(token, "AC2 list"); return err },
		"another key":      func() error { _, _, err := sealer(t, 2).Open(token, "AC1 list"); return err },
		"flipped prefix":   func() error { _, _, err := s.Open("PB"+token[2:], "AC1 list"); return err },
		"altered":          func() error { _, _, err := s.Open(token[:10]+flip(token[10])+token[11:], "AC1 list"); return err },
		"truncated":        func() error { _, _, err := s.Open(token[:len(token)-1], "AC1 list"); return err },
		"old numeric form": func() error { _, _, err := s.Open("PA42", "AC1 list"); return err },
		"empty":            func() error { _, _, err := s.Open("", "AC1 list"); return err },
		"padding":          func() error { _, _, err := s.Open(token+"=", "AC1 list"); return err },
	} {
		if err := open(); err != ErrInvalid {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// TestOnlyPositionsOpen: a sealed zero or negative position is not a position (the
// store's sequence numbers start at 1) and does not open.
func TestOnlyPositionsOpen(t *testing.T) {
	s := sealer(t, 1)
	for _, seq := range []int64{0, -1, -1 << 63} {
		if _, _, err := s.Open(s.Seal(After, seq, "l"), "l"); err != ErrInvalid {
			t.Errorf("position %d opened: %v", seq, err)
		}
	}
}

func TestNewRefusesShortKeys(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
}

func FuzzOpen(f *testing.F) {
	s := sealer(f, 1)
	f.Add(s.Seal(After, 5, "l"), "l")
	f.Add("PA42", "l")
	f.Add("PB", "")
	f.Fuzz(func(t *testing.T, token, list string) {
		dir, seq, err := s.Open(token, list)
		if err != nil {
			if err != ErrInvalid {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		// Only tokens this key sealed open; the fuzzer cannot forge one, so any success
		// must round-trip exactly.
		if seq <= 0 || (dir != After && dir != Before) {
			t.Fatalf("opened %q to %s %d", token, dir, seq)
		}
	})
}
