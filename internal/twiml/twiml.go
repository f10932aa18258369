// Package twiml reads the TwiML documents that apps answer webhooks with, using
// encoding/xml (a real XML parser, not string matching). It turns a document into the
// verbs Switchboard acts on and knows nothing of HTTP or the store.
package twiml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotTwiML wraps every reason a document cannot be read as TwiML (Twilio's 12100).
var ErrNotTwiML = errors.New("not a TwiML document")

// node is one element of a document: its name, attributes, text and children in order.
type node struct {
	Name     string
	Attrs    map[string]string
	Text     string // the element's own character data, trimmed
	Children []node
}

// maxDepth bounds nesting, so that a hostile document cannot exhaust the stack.
const maxDepth = 32

// parse reads one document whose root element must be <Response>.
func parse(doc []byte) (node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return node{}, fmt.Errorf("%w: empty document", ErrNotTwiML)
		}
		if err != nil {
			return node{}, fmt.Errorf("%w: %v", ErrNotTwiML, err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			if start.Name.Local != "Response" {
				return node{}, fmt.Errorf("%w: the root element is <%s>, not <Response>", ErrNotTwiML, start.Name.Local)
			}
			root, err := element(d, start, 1)
			if err != nil {
				return node{}, fmt.Errorf("%w: %v", ErrNotTwiML, err)
			}
			// Nothing but whitespace, comments and processing instructions may follow.
			for {
				tok, err := d.Token()
				if err == io.EOF {
					return root, nil
				}
				if err != nil {
					return node{}, fmt.Errorf("%w: %v", ErrNotTwiML, err)
				}
				switch t := tok.(type) {
				case xml.StartElement:
					return node{}, fmt.Errorf("%w: <%s> after </Response>", ErrNotTwiML, t.Name.Local)
				case xml.CharData:
					if len(bytes.TrimSpace(t)) > 0 {
						return node{}, fmt.Errorf("%w: text after </Response>", ErrNotTwiML)
					}
				}
			}
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			return node{}, fmt.Errorf("%w: text before <Response>", ErrNotTwiML)
		}
	}
}

func element(d *xml.Decoder, start xml.StartElement, depth int) (node, error) {
	if depth > maxDepth {
		return node{}, fmt.Errorf("elements nested deeper than %d", maxDepth)
	}
	n := node{Name: start.Name.Local, Attrs: make(map[string]string, len(start.Attr))}
	for _, a := range start.Attr {
		n.Attrs[a.Name.Local] = a.Value
	}
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return node{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := element(d, t, depth+1)
			if err != nil {
				return node{}, err
			}
			n.Children = append(n.Children, child)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n.Text = strings.TrimSpace(text.String())
			return n, nil
		}
	}
}
