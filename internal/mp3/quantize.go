package mp3

import "math"

// Quantisation is the third step of the pipeline: it turns each spectral line into an
// integer, ix = nint((|xr|/step)^(3/4) - 0.0946) (ISO 11172-3, C.1.5.4.4.1), from which
// the decoder makes sign(ix)·|ix|^(4/3)·step. One step serves the whole granule: its
// global gain, step = 2^((globalGain-210)/4). With no psychoacoustic model there is no
// noise to shape, so every scalefactor is zero and the only choice is the finest step
// whose coded lines fit in the granule's share of the frame.

// maxQuantized is the largest magnitude a pair table can code: 15 plus 13 linbits.
const maxQuantized = 15 + 1<<13 - 1

// quarterPowers are 2^(-r/4) for r = 0…3, made of square roots, which IEEE arithmetic
// rounds exactly, so that every platform has the same ones.
var quarterPowers = [4]float64{1, math.Sqrt(math.Sqrt(0.5)), math.Sqrt(0.5), math.Sqrt(0.5) * math.Sqrt(math.Sqrt(0.5))}

// quantize sets g.ix to xr (in Q24) quantised with global gain gain and reports whether
// every line fits in maxQuantized. It stops at the first that does not.
//
// It computes in float64, but only products and square roots of exactly known numbers,
// each rounded once by IEEE 754 rules, and no multiply-add that a compiler may fuse: the
// same input gives the same integers on every platform.
func (g *granule) quantize(xr *[granuleSize]int32, gain int) bool {
	g.globalGain = gain
	step := gain - 210
	// |xr|/step = |xr| · 2^-24 · 2^(-step/4); -step/4 = -floor(step/4) - (step mod 4)/4.
	scale := math.Ldexp(quarterPowers[step&3], -(step>>2)-24)
	for i, x := range xr {
		v := float64(abs(x)) * scale
		q := math.Floor(math.Sqrt(v*math.Sqrt(v)) + (0.5 - 0.0946))
		if q > maxQuantized {
			return false
		}
		g.ix[i] = int32(math.Copysign(q, float64(x))) // with the line's sign
	}
	return true
}

// encode quantises xr with the finest step whose coded size is at most maxBits, and lays
// it out for Huffman coding. The coded size shrinks as the step grows (near enough for a
// binary search), and at the largest gain, 255, every line quantises to zero, which
// costs no bits: so there is always a step that fits.
func (g *granule) encode(xr *[granuleSize]int32, maxBits int, bands *[23]int) {
	fits := func(gain int) bool {
		if !g.quantize(xr, gain) {
			return false
		}
		g.layout(bands)
		return g.bits <= maxBits
	}
	// Invariant: gain hi fits, gain lo does not (-1 stands for "too fine").
	lo, hi := -1, 255
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fits(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	fits(hi)
}
