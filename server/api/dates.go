package api

import (
	"time"

	"github.com/switchboard-dev/switchboard/internal/clock"
)

// Now is the time stamped on new and updated rows, the simulator's time (c), in UTC and
// to the second: responses show whole seconds, and date filters should agree with what
// clients were shown.
func Now(c clock.Clock) time.Time { return c.Now().UTC().Truncate(time.Second) }

// FormatDate renders a time the way every response does: RFC 2822, GMT, "+0000".
func FormatDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// DateRange turns a date filter of Twilio's lists (DateSent, StartTime, EndTime,
// DateCreated) and its `<` and `>` forms into a half-open time range [from, until); a
// zero bound is open. A date alone means the whole UTC day; `<` and `>` include their
// bound.
func DateRange(name string, on, before, after *string) (from, until time.Time, err error) {
	narrow := func(f, u time.Time) {
		if !f.IsZero() && (from.IsZero() || f.After(from)) {
			from = f
		}
		if !u.IsZero() && (until.IsZero() || u.Before(until)) {
			until = u
		}
	}
	for _, d := range []struct {
		name  string
		value *string
	}{{name, on}, {name + "<", before}, {name + ">", after}} {
		if d.value == nil {
			continue
		}
		t, dayOnly, err := parseDateFilter(*d.value)
		if err != nil {
			return time.Time{}, time.Time{}, BadRequest(CodeInvalidParameter,
				"Invalid parameter %s: %q is neither a date (YYYY-MM-DD) nor an RFC 3339 date-time.", d.name, *d.value)
		}
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		switch {
		case d.name == name:
			narrow(day, day.AddDate(0, 0, 1))
		case d.name == name+"<" && dayOnly:
			narrow(time.Time{}, day.AddDate(0, 0, 1))
		case d.name == name+"<":
			narrow(time.Time{}, t.Add(time.Nanosecond))
		default: // name>
			narrow(t, time.Time{})
		}
	}
	return from, until, nil
}

func parseDateFilter(s string) (t time.Time, dayOnly bool, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339, s)
	return t.UTC(), false, err
}
