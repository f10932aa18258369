package mp3

import "math"

// The analysis filterbank is the first step of the pipeline: it splits the signal into 32
// subbands of equal width, each sampled at 1/32 of the rate, so that every 32 new input
// samples make one sample of each subband. It is the standard's (ISO 11172-3, 2.4.3.2 and
// Annex C.1.3): the last 512 samples, weighted by a 512-tap window, folded into 64 sums
// of 8, and turned into 32 subband samples by a 32×64 cosine matrix. The decoder's
// synthesis filterbank is its mirror image, so the window must be the standard's, not
// merely a similar lowpass filter.

// prototype is the first half of the lowpass filter behind the standard's analysis window
// C (Table C.1), in units of 2^-21, of which C's values are exact multiples. The filter is
// symmetric about tap 256; C is the filter with the sign of every other block of 64 taps
// flipped (see window).
var prototype = [257]int32{
	0, -1, -1, -1, -1, -1, -1, -2,
	-2, -2, -2, -3, -3, -4, -4, -5,
	-5, -6, -7, -7, -8, -9, -10, -11,
	-13, -14, -16, -17, -19, -21, -24, -26,
	-29, -31, -35, -38, -41, -45, -49, -53,
	-58, -63, -68, -73, -79, -85, -91, -97,
	-104, -111, -117, -125, -132, -139, -147, -154,
	-161, -169, -176, -183, -190, -196, -202, -208,
	-213, -218, -222, -225, -227, -228, -228, -227,
	-224, -221, -215, -208, -200, -189, -177, -163,
	-146, -127, -106, -83, -57, -29, 2, 36,
	72, 111, 153, 197, 244, 294, 347, 401,
	459, 519, 581, 645, 711, 779, 848, 919,
	991, 1064, 1137, 1210, 1283, 1356, 1428, 1498,
	1567, 1634, 1698, 1759, 1817, 1870, 1919, 1962,
	2001, 2032, 2057, 2075, 2085, 2087, 2080, 2063,
	2037, 2000, 1952, 1893, 1822, 1739, 1644, 1535,
	1414, 1280, 1131, 970, 794, 605, 402, 185,
	-45, -288, -545, -814, -1095, -1388, -1692, -2006,
	-2330, -2663, -3004, -3351, -3705, -4063, -4425, -4788,
	-5153, -5517, -5879, -6237, -6589, -6935, -7271, -7597,
	-7910, -8209, -8491, -8755, -8998, -9219, -9416, -9585,
	-9727, -9838, -9916, -9959, -9966, -9935, -9863, -9750,
	-9592, -9389, -9139, -8840, -8492, -8092, -7640, -7134,
	-6574, -5959, -5288, -4561, -3776, -2935, -2037, -1082,
	-70, 998, 2122, 3300, 4533, 5818, 7154, 8540,
	9975, 11455, 12980, 14548, 16155, 17799, 19478, 21189,
	22929, 24694, 26482, 28289, 30112, 31947, 33791, 35640,
	37489, 39336, 41176, 43006, 44821, 46617, 48390, 50137,
	51853, 53534, 55178, 56778, 58333, 59838, 61289, 62684,
	64019, 65290, 66494, 67629, 68692, 69679, 70590, 71420,
	72169, 72835, 73415, 73908, 74313, 74630, 74856, 74992,
	75038,
}

// Tables of the filterbank, in Q30 fixed point (value × 2^30). They are computed once
// with math.Cos and rounded to 30 bits; the arguments are reduced to [0, 2π) first, so
// that every platform rounds the same cosines to the same integers.
var (
	// window is the standard's C[i], i = 0..511.
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

// cosPi is cos(num·π/den), with num reduced modulo 2·den first.
func cosPi(num, den int) float64 {
	num %= 2 * den
	if num < 0 {
		num += 2 * den
	}
	return math.Cos(float64(num) * math.Pi / float64(den))
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
