//go:build !unix

package connguard

func fileLimit() uint64 { return 0 }
