package clock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseAdvance reads how far to move the clock: an ISO 8601 duration of weeks, days,
// hours, minutes and seconds ("PT10M", "P1D", "P1DT12H", "PT1.5S", "P2W"), or a number
// of seconds ("600", "0.5"). Years and months, whose length depends on the date, are
// refused, as are durations of zero or less and beyond 100 years.
func ParseAdvance(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	nanos, err := strconv.ParseFloat(s, 64)
	if err == nil {
		nanos *= float64(time.Second)
	} else if nanos, err = parseISO(s); err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	switch {
	case !(nanos > 0): // NaN too
		return 0, fmt.Errorf("%q: %w", s, ErrBackward)
	case nanos > float64(maxAdvance):
		return 0, fmt.Errorf("%q: more than 100 years", s)
	}
	return time.Duration(nanos), nil
}

// maxAdvance bounds a move: far beyond any test's need, and far from overflowing.
const maxAdvance = 100 * 365 * 24 * time.Hour

var errISODuration = errors.New("not an ISO 8601 duration such as PT10M or P1D, nor a number of seconds")

// parseISO returns the nanoseconds of an ISO 8601 duration, as a float so that no sum
// of units overflows before ParseAdvance bounds it.
func parseISO(s string) (float64, error) {
	rest, ok := strings.CutPrefix(strings.ToUpper(s), "P")
	if !ok || rest == "" {
		return 0, errISODuration
	}
	units := map[byte]time.Duration{'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour}
	var total float64
	inTime := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime || len(rest) == 1 {
				return 0, errISODuration
			}
			inTime, rest = true, rest[1:]
			units = map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}
			continue
		}
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' })
		if i < 1 {
			return 0, errISODuration // a unit without its number, or a number without its unit
		}
		unit, known := units[rest[i]]
		if !known {
			return 0, errISODuration
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, errISODuration
		}
		total += n * float64(unit)
		delete(units, rest[i]) // each unit once
		rest = rest[i+1:]
	}
	return total, nil
}
