//go:build unix

package connguard

import "testing"

// TestSystemFileLimit: on Unix the process's open-file limit is known (0 would turn
// FitFileLimit off).
func TestSystemFileLimit(t *testing.T) {
	if n := systemFileLimit(); n == 0 {
		t.Fatal("no open-file limit read")
	}
}
