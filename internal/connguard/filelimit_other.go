//go:build !unix

package connguard

func systemFileLimit() uint64 { return 0 }
