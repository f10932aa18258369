package clock

import (
	"testing"
	"time"
)

func TestParseAdvance(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"PT10M", 10 * time.Minute},
		{"PT11M", 11 * time.Minute},
		{"P1D", 24 * time.Hour},
		{"P1DT12H", 36 * time.Hour},
		{"PT1H30M15S", time.Hour + 30*time.Minute + 15*time.Second},
		{"PT1.5S", 1500 * time.Millisecond},
		{"P2W", 14 * 24 * time.Hour},
		{"pt10m", 10 * time.Minute},
		{"600", 10 * time.Minute},
		{"0.5", 500 * time.Millisecond},
		{" 60 ", time.Minute},
		{"PT90S", 90 * time.Second},
		{"P9D", 9 * 24 * time.Hour},
		{"P36500D", maxAdvance},
		{"P5214W2D", maxAdvance},
		{"3153600000", maxAdvance},
	} {
		got, err := ParseAdvance(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAdvance(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "10M", "P1M", "P1Y", "PT10", "PT-1M", "P1DT", "PT1M1M", "P1DT2H3D", "T10M", "-5", "0", "PT0S",
		"P99999999999W", "1e30", "abc", "P1.2.3D", "PD", "PTM", "P1DTH", "P36500DT1S", "3153600000.5", "NaN", "Inf", "P٣D"} {
		if got, err := ParseAdvance(bad); err == nil {
			t.Errorf("ParseAdvance(%q) = %s, want an error", bad, got)
		}
	}
}
