//go:build !amd64 || noasm

package vec

func supported() []kernels { return []kernels{generic} }

func best() kernels { return generic }

// prefetch has no portable instruction; reading ahead would cost as much
// as the read it saves.
func prefetch([]float64) {}
