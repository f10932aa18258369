package server

import (
	"bytes"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// formBody is a form request body of the spec, with the encoding function the validator
// passes its decoder.
type formBody struct {
	operation string
	schema    *openapi3.SchemaRef
	encFn     openapi3filter.EncodingFn
}

// formBodies are the form request bodies of openapi.yaml, in path order.
func formBodies(t testing.TB) []formBody {
	t.Helper()
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var out []formBody
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range doc.Paths.Map() {
			if !yield(p) {
				return
			}
		}
	}) {
		for _, op := range doc.Paths.Value(path).Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
			if mt == nil {
				continue
			}
			out = append(out, formBody{op.OperationID, mt.Schema, func(name string) *openapi3.Encoding { return mt.Encoding[name] }})
		}
	}
	if len(out) < 10 {
		t.Fatalf("%d form bodies in openapi.yaml: the spec did not load as expected", len(out))
	}
	return out
}

// sameAsKin fails t unless decodeFormBody decodes body for f exactly as kin-openapi's
// own decoder does: the same value, or an error with the same text.
func sameAsKin(t *testing.T, f formBody, body string) {
	t.Helper()
	got, gotErr := decodeFormBody(strings.NewReader(body), http.Header{}, f.schema, f.encFn)
	want, wantErr := openapi3filter.UrlencodedBodyDecoder(bytes.NewReader([]byte(body)), http.Header{}, f.schema, f.encFn)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%s, body %q: error %v, kin-openapi's %v", f.operation, body, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s, body %q:\n got %#v\nwant %#v (kin-openapi's)", f.operation, body, got, want)
	}
}

// formSeeds are bodies of every shape decodeFormFast treats differently.
var formSeeds = []string{
	"",
	"To=%2B14155550100&From=%2B14155550199&Body=hello",
	"To=%2B14155550100&Body=&Body=second&Body=third",
	"Body=&Body=",
	"MediaUrl=https%3A%2F%2Fx.example%2Fa.png&MediaUrl=https%3A%2F%2Fx.example%2Fb.png&To=%2B1415",
	"MediaUrl=",
	"MediaUrl=&MediaUrl=",
	"MediaUrl=a&MediaUrl=",
	"ValidityPeriod=60&To=%2B14155550100",
	"ValidityPeriod=sixty",
	"ProvideFeedback=true&Unknown=1",
	"SmartEncoded=maybe",
	"MaxPrice=0.5",
	"PageSize=10&Status=queued",
	"FriendlyName=a+b&VoiceUrl=https%3A%2F%2Fx",
	"Timeout=30&Record=true&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing",
	"%zz=1",
	"To=%zz",
	"a;b=c",
	"To",
	"=x&To=%2B1",
}

// TestFormBodySameAsKin: for every form body of the spec and every seed, the fast decoder
// gives kin-openapi's answer, and it decodes the common bodies itself.
func TestFormBodySameAsKin(t *testing.T) {
	bodies := formBodies(t)
	for _, f := range bodies {
		for _, body := range formSeeds {
			sameAsKin(t, f, body)
		}
	}
	create := slices.IndexFunc(bodies, func(f formBody) bool { return f.operation == "CreateMessage" })
	if create < 0 {
		t.Fatal("no CreateMessage form body")
	}
	for _, body := range []string{formSeeds[1], formSeeds[2], formSeeds[4], "Unknown=1"} {
		if _, ok := decodeFormFast([]byte(body), bodies[create].schema, bodies[create].encFn); !ok {
			t.Errorf("CreateMessage body %q left to kin-openapi's decoder", body)
		}
	}
}

// FuzzFormBody: whatever the body, the fast decoder gives kin-openapi's answer for every
// form body of the spec.
func FuzzFormBody(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s)
	}
	bodies := formBodies(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, fb := range bodies {
			sameAsKin(t, fb, body)
		}
	})
}

// TestFormBodySameAsKinBeyondTheSpec: schemas and encodings openapi.yaml does not use
// today are left to kin-openapi's decoder, or decoded as it would.
func TestFormBodySameAsKinBeyondTheSpec(t *testing.T) {
	strs := openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())
	flat := openapi3.NewObjectSchema().
		WithProperty("Name", openapi3.NewStringSchema()).
		WithProperty("Tags", strs).
		WithProperty("Count", openapi3.NewIntegerSchema())
	pipes := map[string]*openapi3.Encoding{"Tags": {Style: openapi3.SerializationPipeDelimited}}
	wrapped := openapi3.NewObjectSchema()
	wrapped.AllOf = openapi3.SchemaRefs{openapi3.NewSchemaRef("", flat)}
	nested := openapi3.NewObjectSchema().WithProperty("Inner", openapi3.NewObjectSchema())
	cases := []formBody{
		{"flat, no encodings", openapi3.NewSchemaRef("", flat), nil},
		{"flat, Tags pipe-delimited", openapi3.NewSchemaRef("", flat), func(name string) *openapi3.Encoding { return pipes[name] }},
		{"allOf at the top", openapi3.NewSchemaRef("", wrapped), nil},
		{"an object property", openapi3.NewSchemaRef("", nested), nil},
	}
	for _, f := range cases {
		for _, body := range []string{"", "Name=a", "Tags=a%7Cb&Tags=c", "Tags=a%7Cb", "Count=3&Name=a", "Count=x", "Inner=1"} {
			sameAsKin(t, f, body)
		}
	}
	if _, ok := decodeFormFast([]byte("Tags=a%7Cb"), cases[1].schema, cases[1].encFn); ok {
		t.Error("a pipe-delimited array was not left to kin-openapi's decoder")
	}
}

// TestFormPlansAreDroppedWithTheirSchema: the plan cache keeps a plan for as long as its
// schema lives, and lets go of it afterwards; each server's spec has its own schemas.
func TestFormPlansAreDroppedWithTheirSchema(t *testing.T) {
	schema := openapi3.NewObjectSchema().WithProperty("To", openapi3.NewStringSchema())
	p := planForm(schema.NewRef())
	if p.props["To"] != formString {
		t.Fatalf("plan %+v", p)
	}
	key := weak.Make(schema)
	if again := planForm(schema.NewRef()); again != p {
		t.Error("the plan was made again for the same schema")
	}
	runtime.KeepAlive(schema)
	for deadline := time.Now().Add(5 * time.Second); ; {
		runtime.GC()
		if _, ok := formPlans.Load(key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the plan of a collected schema is still cached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
