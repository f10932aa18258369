package mp3

import (
	"math/rand/v2"
	"testing"
)

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name              string
		lines             map[int]int32
		bigValues, count1 int
		region0, region1  int
		regionEnds        [3]int
	}{
		{"silence", nil, 0, 0, 0, 0, [3]int{0, 0, 0}},
		{"one 1 at the bottom", map[int]int32{0: 1}, 1, 0, 0, 0, [3]int{2, 2, 2}},
		{"one quadruple", map[int]int32{0: 1, 2: -1, 3: 1}, 0, 1, 0, 0, [3]int{0, 0, 0}},
		{"a pair, then a quadruple", map[int]int32{0: 2, 5: 1}, 1, 1, 0, 0, [3]int{2, 2, 2}},
		{"a quadruple up to the top", map[int]int32{575: -1}, 0, 144, 0, 0, [3]int{0, 0, 0}},
		{"a big value at the top", map[int]int32{575: 2}, 288, 0, 7, 6, [3]int{108, 400, 576}},
		{"a 2 under a run of ones", map[int]int32{99: -2, 100: 1, 101: 1, 102: 1, 103: 1, 107: 1}, 50, 2, 2, 2, [3]int{36, 72, 100}},
		{"big values to line 30", map[int]int32{29: 3}, 15, 0, 0, 0, [3]int{12, 24, 30}},
	} {
		var g granule
		for i, v := range tc.lines {
			g.ix[i] = v
		}
		g.layout(&bands8000)
		if g.bigValues != tc.bigValues || g.count1 != tc.count1 || g.region0 != tc.region0 || g.region1 != tc.region1 {
			t.Errorf("%s: big values %d, quadruples %d, regions %d and %d; want %d, %d, %d, %d",
				tc.name, g.bigValues, g.count1, g.region0, g.region1, tc.bigValues, tc.count1, tc.region0, tc.region1)
		}
		if ends := g.regionEnds(&bands8000); ends != tc.regionEnds {
			t.Errorf("%s: regions end at %v, want %v", tc.name, ends, tc.regionEnds)
		}
		if want := codedBits(&g, &format{bands: &bands8000}); g.bits != want {
			t.Errorf("%s: counted %d bits, wrote %d", tc.name, g.bits, want)
		}
	}
}

// randomLines makes quantised lines as a spectrum has them: loud at the bottom, quieter
// up to a cutoff, zero above; loudest is the scale of the loudest.
func randomLines(r *rand.Rand, loudest float64) (ix [granuleSize]int32) {
	cutoff := r.IntN(granuleSize + 1)
	for i := range cutoff {
		v := int32(r.ExpFloat64() * loudest * float64(cutoff-i) / float64(cutoff))
		ix[i] = min(v, maxQuantized) * sign(r.IntN(2) == 0)
	}
	return ix
}

// TestBestPairTable checks the table chosen for a region is the first of the tables that
// code it in the fewest bits.
func TestBestPairTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 2000 {
		ix := randomLines(r, []float64{0.3, 1, 3, 10, 40, 1000, 5000}[n%7])
		start := 2 * r.IntN(100)
		region := ix[start : start+2*r.IntN(100)]
		table, bits := bestPairTable(region)

		var biggest int32
		for _, v := range region {
			biggest = max(biggest, abs(v))
		}
		best, bestTable := -1, 0
		for i := range pairTables {
			if pairTables[i].size > 0 && pairTables[i].max() >= biggest {
				if b := pairBits(region, &pairTables[i]); best < 0 || b < best {
					best, bestTable = b, i
				}
			}
		}
		switch {
		case biggest == 0:
			if table != 0 || bits != 0 {
				t.Fatalf("zeros: table %d, %d bits; want table 0, 0 bits", table, bits)
			}
		case pairTables[table].size == 0 || pairTables[table].max() < biggest:
			t.Fatalf("values up to %d: table %d cannot code them", biggest, table)
		case table != bestTable || bits != best || pairBits(region, &pairTables[table]) != bits:
			t.Fatalf("values up to %d: table %d, %d bits; want table %d, %d bits", biggest, table, bits, bestTable, best)
		}
	}
}

// TestCountedBitsAreWritten checks layout counts as many bits as write writes, which is
// what part2_3_length tells the decoder.
func TestCountedBitsAreWritten(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 500 {
		var g granule
		g.ix = randomLines(r, []float64{0.3, 1, 3, 10, 40, 1000, 5000}[n%7])
		bands := rates[n%len(rates)].bands
		g.layout(bands)
		if want := codedBits(&g, &format{bands: bands}); g.bits != want {
			t.Fatalf("counted %d bits, wrote %d", g.bits, want)
		}
	}
}
