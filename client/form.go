package client

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oapi-codegen/runtime"
)

// marshalForm encodes a request's form body as Twilio reads one: an array is its
// parameter repeated, in order (MediaUrl=a&MediaUrl=b). oapi-codegen's runtime.MarshalForm,
// which does the rest of the work, names each element by its index (MediaUrl[0]=a), which
// Twilio ignores; Switchboard takes both. The generated request builders call it (see
// templates/client.tmpl).
func marshalForm(body any) (url.Values, error) {
	form, err := runtime.MarshalForm(body, nil)
	if err != nil {
		return nil, err
	}
	type element struct {
		index int
		value []string
	}
	arrays := map[string][]element{}
	for key, value := range form {
		name, index, ok := indexedKey(key)
		if !ok {
			continue
		}
		arrays[name] = append(arrays[name], element{index, value})
		delete(form, key)
	}
	for name, elements := range arrays {
		slices.SortFunc(elements, func(a, b element) int { return a.index - b.index })
		for _, e := range elements {
			form[name] = append(form[name], e.value...)
		}
	}
	return form, nil
}

// indexedKey splits "MediaUrl[3]" into "MediaUrl" and 3; ok is false for any other key.
func indexedKey(key string) (name string, index int, ok bool) {
	open := strings.IndexByte(key, '[')
	if open <= 0 || !strings.HasSuffix(key, "]") {
		return "", 0, false
	}
	index, err := strconv.Atoi(key[open+1 : len(key)-1])
	if err != nil || index < 0 {
		return "", 0, false
	}
	return key[:open], index, true
}
