package mp3

// encoder is the pipeline of one stream, frame by frame:
//
//	PCM → subbands (filterbank.go) → spectrum (mdct.go) → integers (quantize.go)
//	    → Huffman codes (huffman.go) → frame: header, side information, main data (here)
//
// Each channel keeps the state that spans frames: the filterbank's last 512 samples and
// the last granule's subband samples, which the MDCT overlaps with the next.
type encoder struct {
	f      format
	chans  [2]channelState
	frames int64 // frames made so far
}

type channelState struct {
	filterbank
	prev [slots][subbands]int32
}

// maxPart23 is the largest granule the side information's 12-bit part2_3_length can
// describe.
const maxPart23 = 1<<12 - 1

// appendFrame encodes 576 samples per channel, interleaved, and appends the frame.
func (e *encoder) appendFrame(dst []byte, pcm []int16) []byte {
	f := &e.f
	var grs [2]granule
	for ch := range f.channels {
		c := &e.chans[ch]
		var cur [slots][subbands]int32
		for s := range cur {
			c.filter(pcm[s*subbands*f.channels+ch:], f.channels, &cur[s])
		}
		var xr [granuleSize]int32
		mdct(&c.prev, &cur, &xr)
		c.prev = cur
		grs[ch].encode(&xr, e.share(), f.bands)
	}
	return e.appendCoded(dst, grs[:f.channels])
}

// share is the most bits each channel's granule may have in the next frame: an equal
// share of the frame after the header and side information, within what the side
// information can describe. What a granule does not use is left empty (ancillary data):
// without a bit reservoir, no frame lends its spare bits to the next.
func (e *encoder) share() int {
	size, _ := e.f.frameBytes(e.frames)
	return min((size-4-e.f.sideInfoBytes())*8/e.f.channels, maxPart23)
}

// appendCoded appends the next frame, of the granules grs (one per channel), coded.
func (e *encoder) appendCoded(dst []byte, grs []granule) []byte {
	f := &e.f
	size, _ := f.frameBytes(e.frames)
	w := bitWriter{buf: dst}
	f.appendHeader(&w, e.frames)
	w.write(0, 8)                // main_data_begin: the main data starts right here
	w.write(0, uint(f.channels)) // private bits
	for i := range grs {         // the side information of each channel's granule
		g := &grs[i]
		w.write(uint32(g.bits), 12) // part2_3_length
		w.write(uint32(g.bigValues), 9)
		w.write(uint32(g.globalGain), 8)
		w.write(0, 9) // scalefac_compress: no scalefactor bits (they are all zero)
		w.write(0, 1) // window_switching_flag: a long block
		for _, t := range g.tables {
			w.write(uint32(t), 5)
		}
		w.write(uint32(g.region0), 4)
		w.write(uint32(g.region1), 3)
		w.write(0, 1) // scalefac_scale
		w.write(uint32(g.count1Table), 1)
	}
	for i := range grs { // the main data: Huffman codes
		grs[i].write(&w, f.bands)
	}
	out := w.bytes()
	for len(out)-len(dst) < size {
		out = append(out, 0) // ancillary data
	}
	e.frames++
	return out
}
