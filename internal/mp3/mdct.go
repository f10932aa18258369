package mp3

import "math"

// The MDCT is the second step of the pipeline. Each subband still holds a band of
// frequencies 1/64 of the rate wide; the MDCT splits each into 18 lines, using the
// subband's 18 samples of this granule and the 18 of the previous one (the transform's
// windows overlap by half, which is what makes the decoder's reconstruction seamless).
// That gives the granule's 576 spectral lines: subband sb's lines are 18·sb … 18·sb+17.
//
// Only long blocks are made (block type 0). Short blocks serve sharp attacks, and the
// choice between them needs the psychoacoustic model this encoder does without.
var (
	// mdctTable[k][i] is the standard's long-block MDCT (ISO 11172-3, C.1.5.3.3) with its
	// sine window folded in: sin(π(2i+1)/72) · cos(π(2i+19)(2k+1)/72), in Q30, divided by
	// 18 so that the decoder's inverse, which has no such factor, gives back the signal at
	// its level.
	mdctTable = func() (t [slots][2 * slots]int64) {
		for k := range t {
			for i := range t[k] {
				win := math.Sin(float64(2*i+1) * math.Pi / 72)
				t[k][i] = q30(win * cosPi((2*i+19)*(2*k+1), 72) / 9)
			}
		}
		return t
	}()

	// The aliasing butterflies' coefficients (the standard's Table B.9), as the cosine
	// and sine of a rotation: cs = 1/√(1+c²), ca = c/√(1+c²), in Q30.
	aliasCS, aliasCA = func() (cs, ca [8]int64) {
		for i, c := range [8]float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037} {
			d := math.Sqrt(1 + c*c)
			cs[i], ca[i] = q30(1/d), q30(c/d)
		}
		return cs, ca
	}()
)

// mdct turns the subband samples of the previous granule and this one, indexed
// [slot][subband], into the 576 spectral lines of this one, in Q24.
func mdct(prev, cur *[slots][subbands]int32, xr *[granuleSize]int32) {
	for sb := range subbands {
		var in [2 * slots]int64
		for i := range slots {
			in[i], in[slots+i] = int64(prev[i][sb]), int64(cur[i][sb])
		}
		// The decoder negates every other sample of the odd subbands after its inverse
		// MDCT: its synthesis filterbank expects them so (the odd subbands come out of
		// the filterbank mirrored in frequency). The encoder does the same before.
		for i := range in {
			if sb%2 == 1 && i%2 == 1 {
				in[i] = -in[i]
			}
		}
		for k := range slots {
			var sum int64 // Q24 × Q30
			for i, c := range mdctTable[k] {
				sum += c * in[i]
			}
			xr[sb*slots+k] = int32(roundShift(sum, 30))
		}
	}

	// The decoder undoes, between each pair of neighbouring subbands, the aliasing that
	// their overlap in frequency leaves in the top lines of the lower and the bottom lines
	// of the upper (ISO 11172-3, 2.4.3.4.10.1). Its butterflies rotate each pair of lines
	// by an angle; these rotate by the opposite angle, so the two cancel.
	for sb := 1; sb < subbands; sb++ {
		for i := range aliasCS {
			lo, hi := &xr[sb*slots-1-i], &xr[sb*slots+i]
			a, b := int64(*lo), int64(*hi)
			*lo = int32(roundShift(a*aliasCS[i]+b*aliasCA[i], 30))
			*hi = int32(roundShift(b*aliasCS[i]-a*aliasCA[i], 30))
		}
	}
}
