package outbox

import (
	"encoding/json"
	"fmt"

	"github.com/switchboard-dev/switchboard/store"
)

// A job's payload is JSON of a plain struct of its kind's: what the job needs to run,
// written with the change that caused it.

// Payload encodes v, a plain struct (strings, numbers, maps and slices of them), as a
// job's payload. Such a value always encodes, so a failure is a programming error: it
// panics.
func Payload(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("outbox: encode a job's payload: %v", err))
	}
	return b
}

// Decode reads job's payload into v; the error names the job.
func Decode(job store.Job, v any) error {
	if err := json.Unmarshal(job.Payload, v); err != nil {
		return fmt.Errorf("job %d (%s): payload: %w", job.ID, job.Kind, err)
	}
	return nil
}
