package mp3

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

var errNotWAV = errors.New("mp3: not a WAV file")

// FromWAV returns the MP3 stream, at kbps kbit/s, of a WAV file of 16-bit PCM, and its
// size. It reads the file's header now, and its samples as the stream is read. The
// error wraps ErrUnsupported if this encoder does not make that stream.
func FromWAV(wav io.Reader, kbps int) (io.Reader, int64, error) {
	var riff [12]byte
	if _, err := io.ReadFull(wav, riff[:]); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", errNotWAV, err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return nil, 0, errNotWAV
	}
	var rate, channels int
	for {
		var chunk [8]byte // its name and size
		if _, err := io.ReadFull(wav, chunk[:]); err != nil {
			return nil, 0, fmt.Errorf("%w: no data chunk: %w", errNotWAV, err)
		}
		size := int64(binary.LittleEndian.Uint32(chunk[4:]))
		switch string(chunk[:4]) {
		case "fmt ":
			if size < 16 {
				return nil, 0, fmt.Errorf("%w: a fmt chunk of %d bytes", errNotWAV, size)
			}
			var b [16]byte // what PCM needs of it; the rest (and the pad byte) is skipped
			if _, err := io.ReadFull(wav, b[:]); err != nil {
				return nil, 0, fmt.Errorf("%w: %w", errNotWAV, err)
			}
			if _, err := io.CopyN(io.Discard, wav, size-16+size%2); err != nil {
				return nil, 0, fmt.Errorf("%w: %w", errNotWAV, err)
			}
			format, bits := binary.LittleEndian.Uint16(b[0:]), binary.LittleEndian.Uint16(b[14:])
			if format != 1 || bits != 16 {
				return nil, 0, fmt.Errorf("%w: WAV format %d with %d-bit samples (supported: 16-bit PCM)", ErrUnsupported, format, bits)
			}
			channels = int(binary.LittleEndian.Uint16(b[2:]))
			rate = int(binary.LittleEndian.Uint32(b[4:]))
		case "data":
			if channels == 0 {
				return nil, 0, fmt.Errorf("%w: data before fmt", errNotWAV)
			}
			samples := size / int64(2*channels)
			total, err := Size(samples, rate, channels, kbps)
			if err != nil {
				return nil, 0, err
			}
			mp3, err := NewReader(io.LimitReader(wav, samples*int64(2*channels)), rate, channels, kbps)
			return mp3, total, err
		default: // skipped, with its pad byte if its size is odd
			if _, err := io.CopyN(io.Discard, wav, size+size%2); err != nil {
				return nil, 0, fmt.Errorf("%w: %w", errNotWAV, err)
			}
		}
	}
}
