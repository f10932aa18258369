package connguard

import (
	"math"
	"testing"
	"time"
)

func TestTransferTime(t *testing.T) {
	for _, tt := range []struct {
		n, rate int64
		want    time.Duration
	}{
		{0, 4096, 0},
		{4096, 4096, time.Second},
		{6144, 4096, 1500 * time.Millisecond},
		{1 << 20, 4096, 256 * time.Second},
		{math.MaxInt64, 1, 24 * time.Hour},              // capped, no overflow
		{math.MaxInt64, math.MaxInt64, time.Second},     // no overflow in the remainder either
		{math.MaxInt64 - 1, math.MaxInt64, time.Second}, // just under a second, rounded in float64
		{100, 0, 0}, // no rate: no time
	} {
		if got := transferTime(tt.n, tt.rate); got != tt.want {
			t.Errorf("transferTime(%d, %d) = %s, want %s", tt.n, tt.rate, got, tt.want)
		}
	}
}

func TestGoErrorRecognizesOnlyServerErrors(t *testing.T) {
	for _, tt := range []struct {
		in     string
		status int
	}{
		{"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large", 431},
		{"HTTP/1.1 400 Bad Request: malformed Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: malformed Host header", 400},
		{"HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding", 501},
		{"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nok", 0},
		{"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{}", 0},
		{"HTTP/1.1 4", 0},
		{"{\"code\":20001}", 0},
	} {
		status, ok := goError([]byte(tt.in))
		if ok != (tt.status != 0) || status != tt.status {
			t.Errorf("goError(%.40q) = %d %v, want %d", tt.in, status, ok, tt.status)
		}
	}
}
