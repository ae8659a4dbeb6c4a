//go:build !linux

package trainer

func threadCPU() (int64, bool) { return 0, false }
