//go:build amd64 && !noasm

package vec

import "golang.org/x/sys/cpu"

var (
	avx2 = kernels{level: AVX2, dotRowsAhead: dotRowsAVX2, addRowsTAhead: addRowsTAVX2,
		linearBlock: linearBlockAVX2}
	avx512 = kernels{level: AVX512, dotRowsAhead: dotRowsAVX512, addRowsTAhead: addRowsTAVX512,
		linearBlock: linearBlockAVX512}
)

// supported lists the levels this CPU (and its OS, which must save the
// wide registers) runs, best first; the generic one is always last.
func supported() []kernels {
	var ks []kernels
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2)
	}
	return append(ks, generic)
}

func best() kernels { return supported()[0] }
