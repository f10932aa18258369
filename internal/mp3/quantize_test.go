package mp3

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantize checks quantize against the standard's formula in float64.
func TestQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var xr [granuleSize]int32
		loud := []float64{1e-5, 1e-3, 0.05, 0.5, 2}[n%5]
		for i := range xr {
			xr[i] = int32(r.NormFloat64() * loud * (1 << 24))
		}
		gain := r.IntN(256)
		var g granule
		fits := g.quantize(&xr, gain)
		step := math.Pow(2, float64(gain-210)/4)
		overflow := false
		for i, x := range xr {
			q := math.Floor(math.Pow(math.Abs(float64(x))/(1<<24)/step, 0.75) - 0.0946 + 0.5)
			if q > maxQuantized {
				overflow = true
				break
			}
			if want := int32(q) * sign(x < 0); g.ix[i] != want {
				t.Fatalf("gain %d: line %d (%d) quantised to %d, want %d", gain, i, x, g.ix[i], want)
			}
		}
		if fits == overflow {
			t.Fatalf("gain %d, lines of %g: quantize reports fits %v; a line overflows: %v", gain, loud, fits, overflow)
		}
		if g.globalGain != gain {
			t.Fatalf("global gain %d, want %d", g.globalGain, gain)
		}
	}
}

// TestQuantizeRounds checks the rounding at the first steps, where it matters most
// (1 from (0.5946)^(4/3) = 0.5 on, 2 from (1.5946)^(4/3) = 1.862 on), and at the
// largest value the tables code, 8206, from (8205.5946)^(4/3) = 165505.9 to
// (8206.5946)^(4/3) = 165532.8.
func TestQuantizeRounds(t *testing.T) {
	for _, tc := range []struct {
		x    float64 // |xr| / step
		want int32
	}{
		{0, 0}, {0.49, 0}, {0.51, 1}, {1.85, 1}, {1.87, 2}, {-1.87, -2}, {-0.51, -1}, {100, 32}, {165505, 8205}, {165507, 8206}, {165532, 8206}, {-165532, -8206},
	} {
		var xr [granuleSize]int32
		xr[7] = int32(math.Round(tc.x * (1 << 8))) // Q24 at gain 210-64: step 2^-16
		var g granule
		if !g.quantize(&xr, 210-64) || g.ix[7] != tc.want {
			t.Errorf("%v: quantised to %d, want %d", tc.x, g.ix[7], tc.want)
		}
	}
	var xr [granuleSize]int32
	xr[0] = 165534 << 8 // quantises to 8207, more than the tables code
	var g granule
	if g.quantize(&xr, 210-64) {
		t.Errorf("165534 fits, want not")
	}
}

// TestEncodeFits checks a granule is quantised as finely as fits its share of a frame:
// at its gain the lines fit, one step finer they do not.
func TestEncodeFits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 200 {
		var xr [granuleSize]int32
		loud := []float64{0, 1e-6, 1e-3, 0.05, 0.5, 3}[n%6]
		for i := range xr {
			xr[i] = int32(r.NormFloat64() * loud * (1 << 24) * float64(granuleSize-i) / granuleSize)
		}
		share := []int{0, 10, 100, 500, 1500, maxPart23}[r.IntN(6)]
		var g granule
		g.encode(&xr, share, &bands8000)
		if g.bits > share {
			t.Fatalf("lines of %g in %d bits: %d bits", loud, share, g.bits)
		}
		if want := codedBits(&g, &format{bands: &bands8000}); g.bits != want {
			t.Fatalf("counted %d bits, wrote %d", g.bits, want)
		}
		if g.globalGain > 0 {
			var finer granule
			if finer.quantize(&xr, g.globalGain-1) {
				finer.layout(&bands8000)
				if finer.bits <= share {
					t.Fatalf("lines of %g in %d bits: gain %d takes %d bits, but %d fits too (%d bits)", loud, share, g.globalGain, g.bits, g.globalGain-1, finer.bits)
				}
			}
		}
	}
}
