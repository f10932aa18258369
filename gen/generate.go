// Package gen holds the Echo server interface and models that oapi-codegen generates from
// openapi.yaml. Nothing here is written by hand except this file: change the spec or
// oapi-codegen.yaml and run `make generate`.
package gen

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
