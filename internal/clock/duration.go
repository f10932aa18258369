package clock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseAdvance reads how far to move the clock: an ISO 8601 duration of weeks, days,
// hours, minutes and seconds ("PT10M", "P1D", "P1DT12H", "PT1.5S", "P2W"), or a number
// of seconds ("600", "0.5"). Years and months, whose length depends on the date, are
// refused, as are durations of zero or less and beyond 100 years.
func ParseAdvance(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs > maxAdvance.Seconds() {
			return 0, fmt.Errorf("%q: more than 100 years", s)
		}
		d = time.Duration(secs * float64(time.Second))
	} else if d, err = parseISO(s); err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: %w", s, ErrBackward)
	}
	return d, nil
}

// maxAdvance bounds a move: far beyond any test's need, and far from overflowing.
const maxAdvance = 100 * 365 * 24 * time.Hour

var errISODuration = errors.New("not an ISO 8601 duration such as PT10M or P1D, nor a number of seconds")

func parseISO(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(strings.ToUpper(s), "P")
	if !ok || rest == "" {
		return 0, errISODuration
	}
	units := map[byte]time.Duration{'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour}
	var total time.Duration
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
		i := strings.IndexFunc(rest, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i <= 0 {
			return 0, errISODuration
		}
		unit, known := units[rest[i]]
		if !known {
			return 0, errISODuration
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || n*float64(unit) > float64(maxAdvance) {
			return 0, errISODuration
		}
		total += time.Duration(n * float64(unit))
		if total > maxAdvance {
			return 0, errISODuration
		}
		delete(units, rest[i]) // each unit once
		rest = rest[i+1:]
	}
	return total, nil
}
