//go:build !unix

package search

func processCPU() (int64, bool) { return 0, false }
