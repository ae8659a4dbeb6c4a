//go:build !amd64 || noasm

package vec

func supported() []kernels { return []kernels{generic} }

func best() kernels { return generic }
