package messages

import (
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// The date filters are read from what clients send. The seeds run with every `go test`;
// explore further with `go test -fuzz FuzzDateFilters ./server/messages/`.

func FuzzDateFilters(f *testing.F) {
	f.Add("2026-11-24", "2026-11-25T10:00:00Z", "2026-11-20", uint8(7))
	f.Add("2026-11-24T10:00:00+02:00", "2026-11-24", "2026-11-24T23:00:00Z", uint8(7))
	f.Add("2026-02-30", "yesterday", "", uint8(1))
	f.Add("9999-12-31", "0000-01-01", "9999-12-31T23:59:59-23:59", uint8(7))
	f.Add("", "3000-01-01", "1000-01-01", uint8(6))
	f.Add("2026-11-24", "", "", uint8(1))
	f.Fuzz(func(t *testing.T, on, before, after string, set uint8) {
		// set says which of the three filters the request carries.
		pick := func(bit uint8, v string) *string {
			if set&bit == 0 {
				return nil
			}
			return &v
		}
		pOn, pBefore, pAfter := pick(1, on), pick(2, before), pick(4, after)
		var filter store.MessageFilter
		err := setDateFilters(&filter, pOn, pBefore, pAfter)

		// What the filters mean, worked out independently: DateSent is its whole UTC day,
		// DateSent< is "on or before" (the whole day for a date), DateSent> "on or after";
		// together they intersect.
		var from, until time.Time
		narrow := func(lo, hi time.Time) {
			if !lo.IsZero() && (from.IsZero() || lo.After(from)) {
				from = lo
			}
			if !hi.IsZero() && (until.IsZero() || hi.Before(until)) {
				until = hi
			}
		}
		parse := func(v string) (time.Time, bool, bool) {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d, true, true
			}
			d, err := time.Parse(time.RFC3339, v)
			return d.UTC(), false, err == nil
		}
		valid := true
		for i, v := range []*string{pOn, pBefore, pAfter} {
			if v == nil {
				continue
			}
			d, dayOnly, ok := parse(*v)
			if !ok {
				valid = false
				break
			}
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			switch {
			case i == 0:
				narrow(day, day.AddDate(0, 0, 1))
			case i == 1 && dayOnly:
				narrow(time.Time{}, day.AddDate(0, 0, 1))
			case i == 1:
				narrow(time.Time{}, d.Add(time.Nanosecond))
			default:
				narrow(d, time.Time{})
			}
		}
		if !valid {
			if _, ok := err.(*api.Error); !ok {
				t.Fatalf("%q %q %q (set %b): error %v, want an API error", on, before, after, set, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q %q %q (set %b): %v", on, before, after, set, err)
		}
		if !filter.SentFrom.Equal(from) || !filter.SentUntil.Equal(until) {
			t.Fatalf("%q %q %q (set %b): window [%s, %s), want [%s, %s)", on, before, after, set, filter.SentFrom, filter.SentUntil, from, until)
		}
		// Whatever the years, the bounds stay in the range the store represents.
		for _, b := range []time.Time{filter.SentFrom, filter.SentUntil} {
			if !b.IsZero() && (b.Year() < -1 || b.Year() > 10001) {
				t.Fatalf("bound %s", b)
			}
		}
	})
}
