package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// requestSpec is openapi.json as requests are validated against it: the same
// document, except that a request body may carry no property its schema does not
// name. The service ignores unknown fields (a newer client may send more), but a
// test that sends one has either mistyped a name or means it, and then says so with
// invalidRequest.
var requestSpec = sync.OnceValues(func() (routers.Router, error) {
	if _, err := spec(); err != nil { // registers the body decoders before any request is validated
		return nil, err
	}
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	seen := map[*openapi3.Schema]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, media := range op.RequestBody.Value.Content {
				closeObjects(media.Schema, seen)
			}
		}
	}
	return gorillamux.NewRouter(doc)
})

// closeObjects forbids additional properties in every object schema under ref that
// says nothing about them.
func closeObjects(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if s.Type.Is(openapi3.TypeObject) && len(s.AllOf) == 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
		closed := false
		s.AdditionalProperties.Has = &closed
	}
	for _, p := range s.Properties {
		closeObjects(p, seen)
	}
	closeObjects(s.Items, seen)
}

// checkRequest fails t unless the request matches openapi.json or, when offSpec
// gives a reason it should not, unless it does not.
func checkRequest(t testing.TB, method, path string, h http.Header, body []byte, offSpec string) {
	t.Helper()
	err := requestMismatch(t, method, path, h, body)
	switch {
	case offSpec == "" && err != nil:
		t.Errorf("%s %s: the request does not match openapi.json: %v\n"+
			"(request bodies are checked as if every object schema said additionalProperties: false; "+
			"fix the test or the document, or mark the request invalidRequest(why) if it is off the document on purpose)\nbody: %s",
			method, path, err, body)
	case offSpec != "" && err == nil:
		t.Errorf("%s %s is marked invalidRequest(%q) but matches openapi.json; drop the mark or make the request what it claims to be",
			method, path, offSpec)
	}
}

// requestMismatch returns how a request differs from openapi.json, or nil: an
// operation the document lacks, a query parameter it does not declare, a body the
// operation does not take, or whatever openapi3filter.ValidateRequest finds in the
// path, query, headers and body. Authentication is the service's own business, so
// every security requirement is taken as met.
func requestMismatch(t testing.TB, method, path string, h http.Header, body []byte) error {
	t.Helper()
	router, err := requestSpec()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	req, err := http.NewRequest(method, "http://localhost:8080"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = h.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no such operation in the document: %w", err)
	}
	if len(body) > 0 && route.Operation.RequestBody == nil {
		return errors.New("the operation takes no request body, yet one is sent")
	}
	for name := range req.URL.Query() {
		if route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil &&
			route.PathItem.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			return fmt.Errorf("query parameter %q is not in the document", name)
		}
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}
