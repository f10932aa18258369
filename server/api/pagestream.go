package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// PageStream is a list page written one item at a time.
//
// The generated responses encode a whole page into a buffer before writing it, and
// encoding/json builds the whole page again in its own buffer, grown by doubling. For a
// page of 1,000 messages of 1,600 UCS-2 characters (3.8 MB of JSON) that came to 10 to
// 20 MB per request in flight, and a few hundred MB with 32 readers (commit 30a1e60).
// Written item by item, a page needs one item's buffer at a time, and the items' wire
// form is built as it is written, not all at once beforehand.
//
// The page's own fields (uri, next_page_uri, meta...) are encoded by encoding/json from
// the generated type with its list left nil, so their names and order stay those of the
// spec; the list is written where that encoding has `"<field>":null`.
type PageStream[T any] struct {
	Envelope any         // the generated page type, its list nil
	Field    string      // the list's JSON name
	N        int         // how many items
	Item     func(int) T // the i-th item's wire form
}

// pageWriters are the buffers pages are written through. Each is 32 KiB, so that a
// big page goes out in few writes, and a fresh one per request was a fifth of what a
// page of 50 allocated.
var pageWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// Write writes the page as the response: a family's page type calls it from the Visit
// method of its operation's response.
func (p PageStream[T]) Write(w http.ResponseWriter) error {
	var envelope bytes.Buffer
	enc := json.NewEncoder(&envelope)
	enc.SetEscapeHTML(false) // as the generated responses: & stays &
	if err := enc.Encode(p.Envelope); err != nil {
		return fmt.Errorf("encode page: %w", err)
	}
	head := bytes.TrimSuffix(envelope.Bytes(), []byte("\n"))
	// The marker cannot occur inside a string value: there its quotes would be escaped.
	marker := []byte(`"` + p.Field + `":null`)
	at := bytes.Index(head, marker)
	if at < 0 {
		return fmt.Errorf("encode page: no %q in %s", marker, head)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := pageWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Reset(nil) // let go of w
		pageWriters.Put(bw)
	}()
	bw.Write(head[:at])
	bw.WriteString(`"` + p.Field + `":[`)
	// Each item is encoded into one buffer, reused, and written without the newline
	// Encode ends it with: the page stays one line, as every other response.
	// The items are encoded through one pointer: encoding each value would box it, a
	// copy of the whole struct on the heap per item.
	var item bytes.Buffer
	enc = json.NewEncoder(&item)
	enc.SetEscapeHTML(false)
	var v T
	for i := range p.N {
		if i > 0 {
			bw.WriteByte(',')
		}
		item.Reset()
		v = p.Item(i)
		if err := enc.Encode(&v); err != nil {
			// The status is sent: the client sees a truncated body, as for a broken connection.
			return fmt.Errorf("encode page item %d: %w", i, err)
		}
		bw.Write(bytes.TrimSuffix(item.Bytes(), []byte("\n")))
	}
	bw.WriteByte(']')
	bw.Write(head[at+len(marker):])
	bw.WriteByte('\n')
	return bw.Flush()
}
