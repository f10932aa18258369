//go:build unix

package connguard

import "syscall"

// systemFileLimit is the process's limit on open files (Go has already raised the soft
// limit to the hard one at start), or 0 if unknown.
func systemFileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Cur
}
