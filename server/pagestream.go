package server

import (
	"net/http"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// callPage is ListCalls' 200 response, written item by item.
type callPage struct{ api.PageStream[gen.Call] }

func (p callPage) VisitListCallsResponse(w http.ResponseWriter) error { return p.Write(w) }

func newCallPage(envelope gen.CallList, rows []store.Call) callPage {
	return callPage{api.PageStream[gen.Call]{Envelope: envelope, Field: "calls", N: len(rows), Item: func(i int) gen.Call { return callOut(rows[i]) }}}
}
