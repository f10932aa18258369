package server

import (
	"net/http"

	"github.com/switchboard-dev/switchboard/gen"
	"github.com/switchboard-dev/switchboard/server/api"
	"github.com/switchboard-dev/switchboard/store"
)

// messagePage is ListMessages' 200 response, written item by item.
type messagePage struct{ api.PageStream[gen.Message] }

func (p messagePage) VisitListMessagesResponse(w http.ResponseWriter) error { return p.Write(w) }

func newMessagePage(envelope gen.MessageList, rows []store.Message) messagePage {
	return messagePage{api.PageStream[gen.Message]{Envelope: envelope, Field: "messages", N: len(rows), Item: func(i int) gen.Message { return messageOut(rows[i]) }}}
}

// callPage is ListCalls' 200 response, written item by item.
type callPage struct{ api.PageStream[gen.Call] }

func (p callPage) VisitListCallsResponse(w http.ResponseWriter) error { return p.Write(w) }

func newCallPage(envelope gen.CallList, rows []store.Call) callPage {
	return callPage{api.PageStream[gen.Call]{Envelope: envelope, Field: "calls", N: len(rows), Item: func(i int) gen.Call { return callOut(rows[i]) }}}
}
