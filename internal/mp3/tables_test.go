package mp3

import (
	"fmt"
	"math"
	"testing"
)

// TestHuffmanTablesArePrefixCodes checks each table's codes are a complete prefix code,
// as the standard's are: no code begins another, and the lengths fill the code space
// exactly (Kraft's sum is 1). A mistyped code or length breaks one or the other.
func TestHuffmanTablesArePrefixCodes(t *testing.T) {
	check := func(name string, codes []uint16, lengths []uint8, entries int) {
		if len(codes) != entries || len(lengths) != entries {
			t.Errorf("%s: %d codes and %d lengths, want %d", name, len(codes), len(lengths), entries)
			return
		}
		var kraft uint64 // in units of 2^-32
		for i := range codes {
			if codes[i]>>lengths[i] != 0 {
				t.Errorf("%s: code %d (%#x) is longer than its %d bits", name, i, codes[i], lengths[i])
			}
			kraft += 1 << (32 - lengths[i])
			for j := range codes {
				if i != j && lengths[i] <= lengths[j] && codes[j]>>(lengths[j]-lengths[i]) == codes[i] {
					t.Errorf("%s: code %d begins code %d", name, i, j)
				}
			}
		}
		if kraft != 1<<32 {
			t.Errorf("%s: the code lengths fill %v of the code space, want all of it", name, float64(kraft)/(1<<32))
		}
	}
	for n, pt := range pairTables {
		if pt.size > 0 {
			check(fmt.Sprintf("pair table %d", n), pt.codes, pt.lengths, pt.size*pt.size)
		}
	}
	check("count1 table A", count1CodesA, count1LengthsA, 16)
}

// TestHuffmanTablesDecodeAlike codes the same quantised lines with every table that can
// code them, has mpg123 decode them into 32-bit floats, and checks the audio is the same
// (but for rounding). A wrong code in one table would decode to another value (and lose the
// decoder its place in the rest of the granule). The lines hold every pair of values the
// smaller tables code, values that need each escape table's linbits, and every
// quadruple of table A and B.
func TestHuffmanTablesDecodeAlike(t *testing.T) {
	f, err := newFormat(8000, 1, 64) // frames of 576 bytes: room for a granule of 4,095 bits
	if err != nil {
		t.Fatal(err)
	}
	type variant struct {
		name string
		g    granule
	}
	var groups [][]variant

	// Every pair of values of 0 … size-1, with both signs, coded with each table that
	// codes them, in three regions.
	for _, size := range []int{2, 3, 4, 6, 8, 16} {
		var lines []int32
		for x := range size {
			for y := range size {
				p := len(lines) / 2
				lines = append(lines, int32(x)*sign(p%2 == 1), int32(y)*sign(p%3 == 0))
			}
		}
		var group []variant
		for n := range pairTables {
			if pairTables[n].size > 0 && pairTables[n].max() >= int32(size-1) {
				group = append(group, variant{fmt.Sprintf("values 0…%d with table %d", size-1, n), pairGranule(lines, n, &f)})
			}
		}
		groups = append(groups, group)
	}

	// Values that need linbits of each width, coded with each escape table that has
	// enough of them.
	for _, linbits := range []uint{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13} {
		m := int32(15 + 1<<linbits - 1)
		lines := []int32{15, 0, 0, -15, -15, 15, m, -m, -m, 1, 1, m, 16, m - 1, 14, m / 2, -(m/2 + 8), 3}
		var group []variant
		for n := 16; n < len(pairTables); n++ {
			if pairTables[n].linbits >= linbits {
				group = append(group, variant{fmt.Sprintf("values up to %d with table %d", m, n), pairGranule(lines, n, &f)})
			}
		}
		groups = append(groups, group)
	}

	// Every quadruple of zeros and ones, with both signs, with table A and table B, and
	// as big values (which checks the order of the values in a quadruple).
	var lines []int32
	for q := range 16 {
		for i := range 4 {
			lines = append(lines, int32(q>>(3-i)&1)*sign((q+i)%2 == 0))
		}
	}
	a := pairGranule(lines, 1, &f)
	a.bigValues, a.count1, a.tables = 0, 16, [3]int{}
	b := a
	b.count1Table = 1
	a.bits, b.bits = codedBits(&a, &f), codedBits(&b, &f)
	groups = append(groups, []variant{
		{"quadruples with table A", a},
		{"quadruples with table B", b},
		{"quadruples as big values", pairGranule(lines, 1, &f)},
	})

	// One stream of all the granules, each followed by two silent frames, so that none
	// overlaps the next in the decoder's output.
	e := encoder{f: f}
	var stream []byte
	for _, group := range groups {
		for _, v := range group {
			stream = e.appendCoded(stream, []granule{v.g})
			stream = e.appendCoded(stream, make([]granule, 1))
			stream = e.appendCoded(stream, make([]granule, 1))
		}
	}
	out := decodeFloat(t, stream)
	if len(out) != int(e.frames)*granuleSize {
		t.Fatalf("decoded %d samples of %d frames", len(out), e.frames)
	}
	window := 3 * granuleSize
	for _, group := range groups {
		first := out[:window]
		var peak float64
		for _, v := range first {
			peak = max(peak, math.Abs(float64(v)))
		}
		if peak == 0 {
			t.Errorf("%s: decoded to silence", group[0].name)
		}
		for _, v := range group {
			for i, s := range out[:window] {
				// mpg123 sums in an order that depends on where the frame falls in its
				// synthesis buffer: the same lines may differ in the float's last bits
				// (10^-7 of the peak). A wrong value makes a difference of 10^-5 or more.
				if math.Abs(float64(s-first[i])) > 1e-6*peak {
					t.Errorf("%s: sample %d is %v, and %v with %s", v.name, i, s, first[i], group[0].name)
					break
				}
			}
			out = out[window:]
		}
	}
}

func sign(negative bool) int32 {
	if negative {
		return -1
	}
	return 1
}

// pairGranule is a granule of the quantised lines, all big values, coded with pair table
// n, and a gain that makes the loudest of them a quarter of full scale.
func pairGranule(lines []int32, n int, f *format) granule {
	var g granule
	copy(g.ix[:], lines)
	var biggest int32
	for _, v := range lines {
		biggest = max(biggest, abs(v))
	}
	// The decoder makes |ix|^(4/3) · 2^((gain-210)/4) of each.
	g.globalGain = 210 - int(math.Round(4*math.Log2(math.Pow(float64(biggest), 4.0/3)/0.25)))
	g.bigValues = len(lines) / 2
	g.region0, g.region1 = 2, 2 // three regions, of 3 bands, 3 bands and the rest
	g.tables = [3]int{n, n, n}
	g.bits = codedBits(&g, f)
	return g
}

// codedBits is the size of g's Huffman codes, as written.
func codedBits(g *granule, f *format) int {
	var w bitWriter
	g.write(&w, f.bands)
	return w.size
}
