package server

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

func init() {
	openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded", decodeFormBody)
}

// decodeFormBody decodes an application/x-www-form-urlencoded request body for
// kin-openapi's validator, into the value kin-openapi's own decoder
// (openapi3filter.UrlencodedBodyDecoder) gives, more cheaply. That decoder sorts the
// names of the schema's properties and walks all of them, twice, for every request: 5%
// of a create's CPU, for a body of three parameters. This one decodes the parameters the
// body has, when they are strings or arrays of strings (most are), from a plan of the
// schema made once; anything else (another type, an encoding, a body that does not
// parse) it hands to kin-openapi's decoder. FuzzFormBody compares the two.
func decodeFormBody(body io.Reader, header http.Header, schema *openapi3.SchemaRef, encFn openapi3filter.EncodingFn) (any, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if obj, ok := decodeFormFast(b, schema, encFn); ok {
		return obj, nil
	}
	return openapi3filter.UrlencodedBodyDecoder(bytes.NewReader(b), header, schema, encFn)
}

// formKind is how a property of a form body's schema decodes.
type formKind uint8

const (
	formOther   formKind = iota // kin-openapi's decoder decodes it
	formString                  // a string: the first non-empty value, or ""
	formStrings                 // an array of strings: every value
)

// formPlan is what decodeFormFast needs of a schema: the kind of each property, or nil
// when the schema is not one it decodes at all.
type formPlan struct {
	props map[string]formKind
}

// formPlans caches a plan per schema of a loaded spec. The decoder is registered with
// kin-openapi once for the process, while each server loads its own spec (the tests start
// hundreds), so the key is a weak pointer, and a plan is dropped once its schema has been
// collected.
var formPlans sync.Map // weak.Pointer[openapi3.Schema] -> *formPlan

func planForm(schema *openapi3.SchemaRef) *formPlan {
	if schema == nil || schema.Value == nil {
		return &formPlan{}
	}
	key := weak.Make(schema.Value)
	if p, ok := formPlans.Load(key); ok {
		return p.(*formPlan)
	}
	p := makeFormPlan(schema.Value)
	if _, loaded := formPlans.LoadOrStore(key, p); !loaded {
		runtime.AddCleanup(schema.Value, func(k weak.Pointer[openapi3.Schema]) { formPlans.Delete(k) }, key)
	}
	return p
}

// makeFormPlan plans s, an object schema of plain properties. Any construct that makes
// kin-openapi's decoder do more (allOf, anyOf, oneOf, not; object properties, arrays of
// anything but primitives, which it refuses up front) leaves the whole schema to it.
func makeFormPlan(s *openapi3.Schema) *formPlan {
	if !s.Type.Is(openapi3.TypeObject) || !plain(s) {
		return &formPlan{}
	}
	props := make(map[string]formKind, len(s.Properties))
	for name, ref := range s.Properties {
		if ref == nil || ref.Value == nil {
			return &formPlan{}
		}
		p := ref.Value
		switch {
		case p.Type.Is(openapi3.TypeObject):
			return &formPlan{}
		case p.Type.Is(openapi3.TypeArray):
			if p.Items == nil || p.Items.Value == nil {
				return &formPlan{}
			}
			items := p.Items.Value
			if !items.Type.Is(openapi3.TypeString) && !items.Type.Is(openapi3.TypeInteger) &&
				!items.Type.Is(openapi3.TypeNumber) && !items.Type.Is(openapi3.TypeBoolean) {
				return &formPlan{}
			}
			if plain(p) && plain(items) && items.Type.Is(openapi3.TypeString) {
				props[name] = formStrings
			} else {
				props[name] = formOther
			}
		case plainString(p) || (len(p.AllOf) == 1 && len(p.AnyOf) == 0 && len(p.OneOf) == 0 && p.Not == nil &&
			p.AllOf[0] != nil && p.AllOf[0].Value != nil && plainString(p.AllOf[0].Value)):
			// The second is how the spec gives a shared schema a description of its own
			// (allOf: [$ref]); kin-openapi decodes it as the schema it wraps.
			props[name] = formString
		default:
			props[name] = formOther
		}
	}
	return &formPlan{props: props}
}

// defaultEncoding: e serializes a parameter as none does, style form with explode (a
// repeated key per value).
func defaultEncoding(e *openapi3.Encoding) bool {
	sm := e.SerializationMethod()
	return sm.Style == openapi3.SerializationForm && sm.Explode
}

func plainString(s *openapi3.Schema) bool { return plain(s) && s.Type.Is(openapi3.TypeString) }

// plain: s has none of the constructs kin-openapi decodes by trying each schema.
func plain(s *openapi3.Schema) bool {
	return len(s.AllOf) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && s.Not == nil
}

// decodeFormFast decodes body as kin-openapi would, or reports false when the body has
// anything it leaves to kin-openapi. As kin-openapi's decoder does, it keeps the
// properties of the schema and drops any other parameter.
func decodeFormFast(body []byte, schema *openapi3.SchemaRef, encFn openapi3filter.EncodingFn) (map[string]any, bool) {
	plan := planForm(schema)
	if plan.props == nil {
		return nil, false
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, false
	}
	obj := make(map[string]any, len(values))
	for name, vs := range values {
		kind, ok := plan.props[name]
		if !ok {
			continue
		}
		if kind == formOther || (encFn != nil && !defaultEncoding(encFn(name))) {
			return nil, false
		}
		if kind == formString {
			// A repeated parameter: the first value that is not empty.
			v := vs[0]
			if v == "" {
				for _, w := range vs[1:] {
					if w != "" {
						v = w
						break
					}
				}
			}
			obj[name] = v
			continue
		}
		// An array: one empty value is no value at all.
		if len(vs) == 1 && vs[0] == "" {
			obj[name] = nil
			continue
		}
		items := make([]any, len(vs))
		for i, v := range vs {
			items[i] = v
		}
		obj[name] = items
	}
	return obj, true
}
