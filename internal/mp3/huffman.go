package mp3

import "math"

// Huffman coding is the fourth step of the pipeline. A granule's quantised lines are cut
// in three parts, from the top of the spectrum down: the zeros above the last nonzero
// line, which cost nothing; below them the "count1" part, quadruples of magnitudes 0 or
// 1, coded four at a time; and below that the "big values", coded in pairs. The big
// values are cut again into three regions at scalefactor band boundaries, each with the
// pair table that codes it in the fewest bits (the low lines are usually the loudest).

// granule is one channel's granule: its quantised lines and how they are coded, which is
// what the side information tells the decoder.
type granule struct {
	ix         [granuleSize]int32 // the quantised lines, with their signs
	globalGain int                // the quantiser's step: 210 + 4·log2(step size)

	bigValues   int    // pairs of lines coded with the pair tables
	count1      int    // quadruples that follow, coded with table A or B
	region0     int    // region 0 spans region0+1 scalefactor bands,
	region1     int    // region 1 the next region1+1; region 2 the rest of the big values
	tables      [3]int // the pair table of each region
	count1Table int    // 0 for table A, 1 for table B
	bits        int    // part2_3_length: the coded size (no scalefactors are sent)
}

// layout chooses how to code g.ix (its parts, regions and tables), and counts the bits.
func (g *granule) layout(bands *[23]int) {
	// The zeros at the top, two at a time; then the quadruples of 0 and ±1 below them.
	n := granuleSize
	for n > 0 && g.ix[n-1] == 0 && g.ix[n-2] == 0 {
		n -= 2
	}
	g.count1 = 0
	for n >= 4 && abs(g.ix[n-1]) <= 1 && abs(g.ix[n-2]) <= 1 && abs(g.ix[n-3]) <= 1 && abs(g.ix[n-4]) <= 1 {
		n -= 4
		g.count1++
	}
	g.bigValues = n / 2

	// Regions: a third of the bands the big values reach in region 0, half of the rest
	// in region 1. Of the 22 bands that is at most 8 and 7, which region0 and region1
	// (less one) hold in their 4 and 3 bits.
	reached := 0
	for bands[reached] < n {
		reached++
	}
	bands0 := (reached + 2) / 3
	g.region0 = max(bands0-1, 0)
	g.region1 = max((reached-bands0+1)/2-1, 0)

	g.bits = 0
	start := 0
	for i, end := range g.regionEnds(bands) {
		var bits int
		g.tables[i], bits = bestPairTable(g.ix[start:end])
		g.bits += bits
		start = end
	}
	a, b := quadBits(g.ix[n : n+4*g.count1])
	g.count1Table = 0
	if b < a {
		g.count1Table, a = 1, b
	}
	g.bits += a
}

// regionEnds is where each region of the big values ends (the next begins), in lines:
// the decoder's reading of region0 and region1, which cuts them at the big values' end.
func (g *granule) regionEnds(bands *[23]int) [3]int {
	n := 2 * g.bigValues
	return [3]int{
		min(bands[g.region0+1], n),
		min(bands[g.region0+g.region1+2], n),
		n,
	}
}

// max is the largest magnitude the table codes.
func (t *pairTable) max() int32 {
	if t.linbits > 0 {
		return 15 + 1<<t.linbits - 1
	}
	return int32(t.size - 1)
}

// bestPairTable returns the pair table that codes ix in the fewest bits (the first of
// them if several do), and the bits.
func bestPairTable(ix []int32) (table, bits int) {
	var biggest int32
	for _, v := range ix {
		biggest = max(biggest, abs(v))
	}
	if biggest == 0 {
		return 0, 0
	}
	bits = math.MaxInt // more than any table takes
	try := func(t int) {
		if b := pairBits(ix, &pairTables[t]); b < bits {
			table, bits = t, b
		}
	}
	for _, t := range []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15} {
		if pairTables[t].max() >= biggest {
			try(t)
		}
	}
	// Of each family of escape tables, only the one with the fewest linbits that
	// suffice: the others are the same code with longer escapes.
	for _, family := range [][]int{{16, 17, 18, 19, 20, 21, 22, 23}, {24, 25, 26, 27, 28, 29, 30, 31}} {
		for _, t := range family {
			if pairTables[t].max() >= biggest {
				try(t)
				break
			}
		}
	}
	return table, bits
}

// pairBits counts the bits of ix coded in pairs with table t.
func pairBits(ix []int32, t *pairTable) int {
	bits := 0
	for i := 0; i < len(ix); i += 2 {
		x, y := abs(ix[i]), abs(ix[i+1])
		// 15 and more are an escape, 15, and the rest in linbits bits. (The tables
		// without escapes have no linbits, and code nothing above 15.)
		if x >= 15 {
			x = 15
			bits += int(t.linbits)
		}
		if y >= 15 {
			y = 15
			bits += int(t.linbits)
		}
		bits += int(t.lengths[int(x)*t.size+int(y)]) + nonzero(x) + nonzero(y)
	}
	return bits
}

// quadBits counts the bits of ix coded in quadruples with table A and with table B.
func quadBits(ix []int32) (a, b int) {
	for i := 0; i < len(ix); i += 4 {
		q := quad(ix[i:])
		signs := nonzero(ix[i]) + nonzero(ix[i+1]) + nonzero(ix[i+2]) + nonzero(ix[i+3])
		a += int(count1LengthsA[q]) + signs
		b += 4 + signs
	}
	return a, b
}

// quad is the index of the quadruple at ix[0:4] in the count1 tables.
func quad(ix []int32) int {
	return 8*nonzero(ix[0]) + 4*nonzero(ix[1]) + 2*nonzero(ix[2]) + nonzero(ix[3])
}

// write writes the granule's Huffman-coded lines, g.bits bits.
func (g *granule) write(w *bitWriter, bands *[23]int) {
	start := 0
	for i, end := range g.regionEnds(bands) {
		if g.tables[i] != 0 { // table 0: all zeros, in no bits
			t := &pairTables[g.tables[i]]
			for j := start; j < end; j += 2 {
				writePair(w, t, g.ix[j], g.ix[j+1])
			}
		}
		start = end
	}
	for j := start; j < start+4*g.count1; j += 4 {
		q := quad(g.ix[j:])
		if g.count1Table == 0 {
			w.write(uint32(count1CodesA[q]), uint(count1LengthsA[q]))
		} else {
			w.write(uint32(15-q), 4)
		}
		for _, v := range g.ix[j : j+4] {
			writeSign(w, v)
		}
	}
}

// writePair writes the pair (x, y) with table t: the code of the magnitudes, then for
// each of x and y its escape's linbits if any and its sign if nonzero.
func writePair(w *bitWriter, t *pairTable, x, y int32) {
	ax, ay := abs(x), abs(y)
	cx, cy := min(ax, 15), min(ay, 15) // as in pairBits
	i := int(cx)*t.size + int(cy)
	w.write(uint32(t.codes[i]), uint(t.lengths[i]))
	if cx == 15 {
		w.write(uint32(ax-15), t.linbits)
	}
	writeSign(w, x)
	if cy == 15 {
		w.write(uint32(ay-15), t.linbits)
	}
	writeSign(w, y)
}

// writeSign writes the sign of a nonzero v: 1 for negative, which is its two's
// complement's top bit.
func writeSign(w *bitWriter, v int32) {
	if v != 0 {
		w.write(uint32(v)>>31, 1)
	}
}

func abs(v int32) int32 { return max(v, -v) }

func nonzero(v int32) int {
	if v != 0 {
		return 1
	}
	return 0
}
