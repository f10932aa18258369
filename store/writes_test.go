package store

import (
	"reflect"
	"testing"
)

// TestWritesEmpty: Writes with anything in them, of one kind or two, is not empty (Apply
// skips empty ones), whichever kinds they are.
func TestWritesEmpty(t *testing.T) {
	if !(Writes{}).Empty() {
		t.Fatal("Writes{} is not empty")
	}
	// A rule alone is a check with nothing to write.
	if !(Writes{Sender: &SenderRule{}}).Empty() {
		t.Fatal("Writes with only a sender rule is not empty")
	}
	typ := reflect.TypeOf(Writes{})
	one := func(w *Writes, i int) {
		f := reflect.ValueOf(w).Elem().Field(i)
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
	}
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() != reflect.Slice {
			continue
		}
		for j := i; j < typ.NumField(); j++ {
			if typ.Field(j).Type.Kind() != reflect.Slice {
				continue
			}
			var w Writes
			one(&w, i)
			one(&w, j)
			if w.Empty() {
				t.Errorf("Writes with one %s and one %s is empty", typ.Field(i).Name, typ.Field(j).Name)
			}
		}
	}
}

