package mp3

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The filterbank and the MDCT are checked against straightforward float64 computations
// of the standard's formulas, and against the decoder's side of each, which must undo
// them.

// analysisReference is the standard's analysis filterbank (ISO 11172-3, Figure C.4) in
// float64, for 32 samples, given the buffer of the last 512 (x[0] the newest).
func analysisReference(x *[512]float64) (s [subbands]float64) {
	var y [64]float64
	for k := range y {
		for j := range 8 {
			y[k] += float64(window[k+64*j]) / (1 << 30) * x[k+64*j]
		}
	}
	for i := range s {
		for k := range y {
			s[i] += math.Cos(float64((2*i+1)*(k-16))*math.Pi/64) * y[k]
		}
	}
	return s
}

func TestFilterbankMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var fb filterbank
	var x [512]float64
	worst := 0.0
	for block := range 200 {
		pcm := make([]int16, 32)
		for i := range pcm {
			switch {
			case block < 50:
				pcm[i] = int16(r.IntN(65536) - 32768) // loud noise
			case block < 100:
				pcm[i] = []int16{32767, -32768}[(i/3)%2] // full-scale square
			default:
				pcm[i] = int16(r.NormFloat64() * 300)
			}
		}
		var got [subbands]int32
		fb.filter(pcm, 1, &got)
		copy(x[32:], x[:480])
		for i := range 32 {
			x[31-i] = float64(pcm[i]) / 32768
		}
		want := analysisReference(&x)
		for i := range got {
			worst = max(worst, math.Abs(float64(got[i])/(1<<24)-want[i]))
		}
	}
	if worst > 1e-7 {
		t.Errorf("the fixed-point filterbank is %g from the reference (1.0 = full scale)", worst)
	}
	t.Logf("the fixed-point filterbank is at most %g from the reference", worst)
}

// TestFilterbankReconstructs runs the decoder's synthesis filterbank (ISO 11172-3,
// Figure A.2) on the encoder's subband samples: it must give back the input, 481 samples
// later, but for the small error the standard's filters allow.
func TestFilterbankReconstructs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	in := make([]int16, 32*400)
	for i := range in {
		in[i] = int16(r.NormFloat64() * 5000)
	}
	var fb filterbank
	var v [1024]float64
	var out []float64
	for b := 0; b < len(in); b += 32 {
		var s [subbands]int32
		fb.filter(in[b:], 1, &s)
		copy(v[64:], v[:960])
		for i := range 64 {
			v[i] = 0
			for k := range subbands {
				v[i] += math.Cos(float64((16+i)*(2*k+1))*math.Pi/64) * float64(s[k]) / (1 << 24)
			}
		}
		var u [512]float64
		for i := range 8 {
			for j := range 32 {
				u[i*64+j] = v[i*128+j]
				u[i*64+32+j] = v[i*128+96+j]
			}
		}
		for j := range 32 {
			var sum float64
			for i := range 16 {
				// The synthesis window is 32 times the analysis window.
				sum += u[j+32*i] * 32 * float64(window[j+32*i]) / (1 << 30)
			}
			out = append(out, sum)
		}
	}
	var signal, noise float64
	for i := 1000; i < len(in)-1000; i++ {
		x := float64(in[i]) / 32768
		d := out[i+481] - x
		signal += x * x
		noise += d * d
	}
	if got := 10 * math.Log10(signal/noise); got < 80 {
		t.Errorf("the synthesis gives back the input at %.1f dB signal to noise, want 80 or more", got)
	} else {
		t.Logf("the synthesis gives back the input at %.1f dB signal to noise", got)
	}
}

func randomSubbands(r *rand.Rand, scale float64) (s [slots][subbands]int32) {
	for i := range s {
		for j := range s[i] {
			s[i][j] = int32(r.NormFloat64() * scale * (1 << 24))
		}
	}
	return s
}

// mdctReference is the MDCT of mdct.go in float64: the frequency inversion, the
// standard's windowed MDCT divided by 9, and the butterflies.
func mdctReference(prev, cur *[slots][subbands]int32) (xr [granuleSize]float64) {
	for sb := range subbands {
		var in [36]float64
		for i := range slots {
			in[i], in[i+18] = float64(prev[i][sb])/(1<<24), float64(cur[i][sb])/(1<<24)
		}
		for i := range in {
			if sb%2 == 1 && i%2 == 1 {
				in[i] = -in[i]
			}
		}
		for k := range slots {
			for i, x := range in {
				xr[sb*18+k] += math.Sin(math.Pi/36*(float64(i)+0.5)) * math.Cos(math.Pi/72*float64((2*i+19)*(2*k+1))) * x / 9
			}
		}
	}
	c := []float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037}
	for sb := 1; sb < subbands; sb++ {
		for i := range c {
			cs, ca := 1/math.Sqrt(1+c[i]*c[i]), c[i]/math.Sqrt(1+c[i]*c[i])
			lo, hi := xr[sb*18-1-i], xr[sb*18+i]
			xr[sb*18-1-i], xr[sb*18+i] = lo*cs+hi*ca, hi*cs-lo*ca
		}
	}
	return xr
}

func TestMDCTMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	for range 20 {
		prev, cur := randomSubbands(r, 0.3), randomSubbands(r, 0.3)
		var got [granuleSize]int32
		mdct(&prev, &cur, &got)
		want := mdctReference(&prev, &cur)
		for i := range got {
			worst = max(worst, math.Abs(float64(got[i])/(1<<24)-want[i]))
		}
	}
	if worst > 1e-7 {
		t.Errorf("the fixed-point MDCT is %g from the reference", worst)
	}
	t.Logf("the fixed-point MDCT is at most %g from the reference", worst)
}

// TestMDCTReconstructs undoes the MDCT of three granules as the decoder does (ISO
// 11172-3, 2.4.3.4.10: the alias butterflies, the inverse MDCT, its window, overlap and
// add, the frequency inversion): the middle granule's subband samples must come back.
func TestMDCTReconstructs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := [3][slots][subbands]int32{randomSubbands(r, 0.2), randomSubbands(r, 0.2), randomSubbands(r, 0.2)}
	var xr [2][granuleSize]int32 // of granules 1 and 2
	mdct(&g[0], &g[1], &xr[0])
	mdct(&g[1], &g[2], &xr[1])

	var halves [2][slots][subbands]float64 // the second half of granule 1's inverse, the first of 2's
	for n := range xr {
		var x [granuleSize]float64
		for i, v := range xr[n] {
			x[i] = float64(v) / (1 << 24)
		}
		c := []float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037}
		for sb := 1; sb < subbands; sb++ {
			for i := range c {
				cs, ca := 1/math.Sqrt(1+c[i]*c[i]), c[i]/math.Sqrt(1+c[i]*c[i])
				lo, hi := x[sb*18-1-i], x[sb*18+i]
				x[sb*18-1-i], x[sb*18+i] = lo*cs-hi*ca, hi*cs+lo*ca
			}
		}
		for sb := range subbands {
			for i := range 36 {
				var y float64
				for k := range slots {
					y += x[sb*18+k] * math.Cos(math.Pi/72*float64((2*i+19)*(2*k+1)))
				}
				y *= math.Sin(math.Pi / 36 * (float64(i) + 0.5))
				if n == 0 && i >= 18 {
					halves[0][i-18][sb] = y
				}
				if n == 1 && i < 18 {
					halves[1][i][sb] = y
				}
			}
		}
	}
	worst := 0.0
	for i := range slots {
		for sb := range subbands {
			y := halves[0][i][sb] + halves[1][i][sb]
			if sb%2 == 1 && i%2 == 1 {
				y = -y
			}
			worst = max(worst, math.Abs(y-float64(g[1][i][sb])/(1<<24)))
		}
	}
	if worst > 1e-6 {
		t.Errorf("the decoder's inverse gives back the subband samples within %g, want 1e-6", worst)
	}
	t.Logf("the decoder's inverse gives back the subband samples within %g", worst)
}
