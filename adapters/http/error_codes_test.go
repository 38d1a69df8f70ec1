package httpapi_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// errorCodesKey is the extension on a documented error response that lists the
// problem codes the operation can answer with that status.
const errorCodesKey = "x-error-codes"

// errorCodes returns the x-error-codes of res, or nil when it has none.
func errorCodes(res *openapi3.Response) []string {
	if res == nil {
		return nil
	}
	raw, ok := res.Extensions[errorCodesKey].([]any)
	if !ok {
		return nil
	}
	var codes []string
	for _, c := range raw {
		if s, ok := c.(string); ok {
			codes = append(codes, s)
		}
	}
	return codes
}

// checkErrorCode fails t when r is a problem document whose code the operation's
// documented response for that status does not list in x-error-codes. Every
// response env.do sees goes through here, so running the HTTP suite checks that
// each operation's documented codes cover what it really answers.
func checkErrorCode(t testing.TB, method, path string, op *openapi3.Operation, r response) {
	t.Helper()
	if r.Status < 400 || r.Header.Get("Content-Type") != "application/problem+json" {
		return
	}
	var p struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return // ValidateResponse has reported the body already
	}
	ref := op.Responses.Status(r.Status)
	if ref == nil || ref.Value == nil {
		return // an undocumented status, reported by ValidateResponse
	}
	codes := errorCodes(ref.Value)
	if !slices.Contains(codes, p.Code) {
		t.Errorf("%s %s (%s) -> %d %s: the code is not in the %s of its documented %d response %v",
			method, path, op.OperationID, r.Status, p.Code, errorCodesKey, r.Status, codes)
	}
}

// TestErrorResponsesListCodes checks the form of every documented problem
// response: it lists its codes in x-error-codes, each a code of the Problem schema
// whose status in the adapter's table is the response's status.
func TestErrorResponsesListCodes(t *testing.T) {
	doc := specDoc(t)
	known := doc.Components.Schemas["Problem"].Value.Properties["code"].Value.Enum
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				n, err := strconv.Atoi(status)
				if err != nil || n < 400 || ref.Value.Content.Get("application/problem+json") == nil {
					continue
				}
				codes := errorCodes(ref.Value)
				if len(codes) == 0 {
					t.Errorf("%s %s %s: a problem response without %s", method, path, status, errorCodesKey)
				}
				for _, c := range codes {
					if !slices.Contains(known, any(c)) {
						t.Errorf("%s %s %s: %s names %q, not a code of the Problem schema", method, path, status, errorCodesKey, c)
					} else if got := statusOfCode(c); got != n {
						t.Errorf("%s %s %s: %s names %q, which the adapter answers with %d", method, path, status, errorCodesKey, c, got)
					}
				}
			}
		}
	}
}
