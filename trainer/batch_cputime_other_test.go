//go:build !linux

package trainer

func processCPU() (int64, bool) { return 0, false }
