package phone

import "testing"

func BenchmarkValidNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !ValidNumber("+14155550100") {
			b.Fatal("invalid")
		}
	}
}
