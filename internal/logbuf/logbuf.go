// Package logbuf holds the server's log lines for a moment and writes them together.
//
// The request log writes a line per request. Written as it comes, each line is a write(2)
// of its own: about 2 µs of a fetch's 52 µs of CPU under load (docs/performance.md,
// 90de73c). A Writer keeps lines until a short delay has passed since the first one
// waiting, or until its buffer is full, and then writes them with one call. A line at
// warn level or above is written at once, with those before it (Handler), and Flush
// writes the rest when the server stops; a kill -9 loses at most the delay's worth of
// info lines.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// maxBuffered is the most a Writer holds: past it, the lines go out at once.
const maxBuffered = 32 << 10

// Writer buffers what is written to it for up to delay. It is safe for concurrent use.
type Writer struct {
	out   io.Writer
	delay time.Duration

	mu    sync.Mutex
	buf   []byte
	timer *time.Timer // runs Flush delay after the first byte waiting; nil until then
	armed bool        // the timer will run
}

// New returns a Writer that writes to out at most delay after a line was written to it.
// With delay 0 every Write goes straight to out.
func New(out io.Writer, delay time.Duration) *Writer {
	return &Writer{out: out, delay: delay}
}

// Write keeps p (a whole line, as log/slog writes them) for a later write to out.
func (w *Writer) Write(p []byte) (int, error) {
	if w.delay <= 0 {
		return w.out.Write(p)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf)+len(p) > maxBuffered {
		if err := w.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > maxBuffered {
			return w.out.Write(p)
		}
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		if w.timer == nil {
			w.timer = time.AfterFunc(w.delay, func() { w.Flush() })
		} else {
			w.timer.Reset(w.delay)
		}
	}
	return len(p), nil
}

// Flush writes what is waiting.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.armed {
		w.timer.Stop()
		w.armed = false
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	// A line that could not be written is dropped rather than kept to fail again: the
	// log's destination is gone, and holding more would only grow.
	w.buf = w.buf[:0]
	return err
}

// Handler wraps h, which writes to w, so that a record at warn level or above is written
// at once, after the lines waiting before it: a warning or an error is seen when it
// happens, and survives the process dying right after.
func Handler(h slog.Handler, w *Writer) slog.Handler {
	return &flushing{Handler: h, w: w}
}

type flushing struct {
	slog.Handler
	w *Writer
}

func (f *flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := f.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (f *flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &flushing{Handler: f.Handler.WithAttrs(attrs), w: f.w}
}

func (f *flushing) WithGroup(name string) slog.Handler {
	return &flushing{Handler: f.Handler.WithGroup(name), w: f.w}
}
