package mp3

import "math"

// The analysis filterbank is the first step of the pipeline: it splits the signal into 32
// subbands of equal width, each sampled at 1/32 of the rate, so that every 32 new input
// samples make one sample of each subband. It is the standard's (ISO 11172-3, 2.4.3.2 and
// Annex C.1.3): the last 512 samples, weighted by a 512-tap window, folded into 64 sums
// of 8, and turned into 32 subband samples by a 32×64 cosine matrix. The decoder's
// synthesis filterbank is its mirror image, so the window must be the standard's, not
// merely a similar lowpass filter.

// Tables of the filterbank, in Q30 fixed point (value × 2^30). They are computed once
// with math.Cos and rounded to 30 bits; the arguments are reduced to (-2π, 2π) first, so
// that every platform rounds the same cosines to the same integers.
var (
	// window is the standard's C[i], i = 0..511, made of the prototype (tables.go).
	window = func() (w [512]int64) {
		for i := range w {
			p := prototype[min(i, 512-i)] // the second half mirrors the first
			if i/64%2 == 1 {
				p = -p
			}
			w[i] = int64(p) << (30 - 21)
		}
		return w
	}()

	// matrix[i][k] is cos((2i+1)(k-16)π/64), which turns the 64 sums into subband i.
	matrix = func() (m [subbands][64]int64) {
		for i := range m {
			for k := range m[i] {
				m[i][k] = q30(cosPi((2*i+1)*(k-16), 64))
			}
		}
		return m
	}()
)

// cosPi is cos(num·π/den), with num reduced modulo 2·den first (its sign does not
// matter: the cosine is even).
func cosPi(num, den int) float64 {
	return math.Cos(float64(num%(2*den)) * math.Pi / float64(den))
}

// q30 rounds x to Q30 fixed point.
func q30(x float64) int64 { return int64(math.Round(x * (1 << 30))) }

// roundShift divides x by 2^n, rounding half up: the step back from a product of two
// fixed-point numbers to one.
func roundShift(x int64, n uint) int64 { return (x + 1<<(n-1)) >> n }

// filterbank is one channel's analysis filterbank.
type filterbank struct {
	x      [512]int16 // the last 512 input samples, a ring: x[newest] is the latest
	newest int
}

// filter reads the next 32 input samples, pcm[0], pcm[stride], … (stride skips the other
// channel of interleaved stereo), and writes one sample of each subband to out, in Q24
// fixed point (1.0 = full scale).
func (fb *filterbank) filter(pcm []int16, stride int, out *[subbands]int32) {
	for i := range subbands {
		fb.newest = (fb.newest + 1) & 511
		fb.x[fb.newest] = pcm[i*stride]
	}
	// The standard's X[i] is the sample i steps older than the newest.
	var y [64]int64
	for k := range y {
		var sum int64 // Q15 samples × Q30 window = Q45
		for i := k; i < 512; i += 64 {
			sum += int64(fb.x[(fb.newest-i)&511]) * window[i]
		}
		y[k] = roundShift(sum, 15) // Q30
	}
	for i := range out {
		var sum int64 // Q30 × Q30 = Q60
		for k, c := range matrix[i] {
			sum += c * y[k]
		}
		out[i] = int32(roundShift(sum, 36)) // Q24
	}
}
