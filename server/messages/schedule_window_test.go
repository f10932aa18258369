package messages

import (
	"testing"
	"time"
)

// TestScheduleWindowIsInclusive: SendAt exactly the minimum lead or exactly 35 days ahead
// is accepted; a second outside either bound is refused.
func TestScheduleWindowIsInclusive(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		lead time.Duration
		ok   bool
	}{
		{DefaultScheduleMinLead - time.Second, false},
		{DefaultScheduleMinLead, true},
		{scheduleMaxLead, true},
		{scheduleMaxLead + time.Second, false},
	} {
		sendAt := now.Add(tt.lead).Format(time.RFC3339)
		_, err := scheduledAt(true, sendAt, now, DefaultScheduleMinLead)
		if (err == nil) != tt.ok {
			t.Errorf("SendAt %s (%s ahead): error %v, want accepted %v", sendAt, tt.lead, err, tt.ok)
		}
	}
}
