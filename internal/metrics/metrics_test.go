package metrics_test

import (
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/internal/metrics"
)

// BenchmarkObserveRequest is what the metrics add to every request.
func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("FetchMessage", 200, 150*time.Microsecond)
	}
}
