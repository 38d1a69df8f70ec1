package httpapi_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	httpapi "github.com/authd/authd/adapters/http"
	"github.com/authd/authd/domain"
)

// statusOfCode is the HTTP status the adapter's one table gives a problem code.
func statusOfCode(code string) int { return httpapi.StatusOf(domain.Code(code)) }

// example is one `example` of openapi.json with the schema it must match.
type example struct {
	where  string
	value  any
	schema *openapi3.SchemaRef
}

// documentExamples collects every example of doc: of each request body, response
// body, response header and parameter, whether in an operation or in a shared
// component, and of each schema that carries one.
func documentExamples(doc *openapi3.T) []example {
	var out []example
	media := func(where string, content openapi3.Content) {
		for ct, m := range content {
			if m.Example != nil {
				out = append(out, example{where + " " + ct, m.Example, m.Schema})
			}
			for name, ex := range m.Examples {
				out = append(out, example{where + " " + ct + " examples." + name, ex.Value.Value, m.Schema})
			}
		}
	}
	response := func(where string, r *openapi3.Response) {
		media(where, r.Content)
		for name, h := range r.Headers {
			if h.Value.Example != nil {
				out = append(out, example{where + " header " + name, h.Value.Example, h.Value.Schema})
			}
		}
	}
	params := func(where string, ps openapi3.Parameters) {
		for _, p := range ps {
			if p.Value.Example != nil {
				out = append(out, example{where + " parameter " + p.Value.Name, p.Value.Example, p.Value.Schema})
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		params(path, item.Parameters)
		for method, op := range item.Operations() {
			where := method + " " + path
			params(where, op.Parameters)
			if op.RequestBody != nil && op.RequestBody.Ref == "" {
				media(where+" request", op.RequestBody.Value.Content)
			}
			for status, r := range op.Responses.Map() {
				if r.Ref == "" {
					response(where+" "+status, r.Value)
				}
			}
		}
	}
	for name, r := range doc.Components.Responses {
		response("components.responses."+name, r.Value)
	}
	for name, s := range doc.Components.Schemas {
		if s.Value.Example != nil {
			out = append(out, example{"components.schemas." + name, s.Value.Example, s})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out
}

// TestExamplesMatchSchemas validates every example of openapi.json against its own
// schema, so that an example can never drift from the schema it illustrates; and
// every problem example against the table of the adapter: its status is that of
// its code, which the response lists in x-error-codes.
func TestExamplesMatchSchemas(t *testing.T) {
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	examples := documentExamples(doc)
	if len(examples) < 50 {
		t.Fatalf("found %d examples, want at least 50: is the walk broken?", len(examples))
	}
	for _, ex := range examples {
		if ex.schema == nil || ex.schema.Value == nil {
			t.Errorf("%s: an example without a schema", ex.where)
			continue
		}
		if err := ex.schema.Value.VisitJSON(ex.value); err != nil {
			t.Errorf("%s: the example does not match its schema: %v", ex.where, err)
		}
	}
	for name, r := range doc.Components.Responses {
		m := r.Value.Content.Get("application/problem+json")
		if m == nil {
			continue
		}
		p, ok := m.Example.(map[string]any)
		if !ok {
			t.Errorf("components.responses.%s: no problem example", name)
			continue
		}
		code := fmt.Sprint(p["code"])
		if got, want := fmt.Sprint(p["status"]), fmt.Sprint(statusOfCode(code)); got != want {
			t.Errorf("components.responses.%s: example status %s, want %s, the status of %s", name, got, want, code)
		}
		if want := "https://authd.dev/problems/" + code; p["type"] != want {
			t.Errorf("components.responses.%s: example type %v, want %s", name, p["type"], want)
		}
		if codes := errorCodes(r.Value); !strings.Contains(","+strings.Join(codes, ",")+",", ","+code+",") {
			t.Errorf("components.responses.%s: example code %s is not in its %s %v", name, code, errorCodesKey, codes)
		}
	}
}

// TestEveryOperationHasExamples fails when a request body or a JSON or text
// response of an operation has no example, so that a new operation cannot be
// added without one.
func TestEveryOperationHasExamples(t *testing.T) {
	doc := specDoc(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				for ct, m := range op.RequestBody.Value.Content {
					if m.Example == nil && len(m.Examples) == 0 {
						t.Errorf("%s %s request %s: no example", method, path, ct)
					}
				}
			}
			for status, r := range op.Responses.Map() {
				for ct, m := range r.Value.Content {
					if m.Example == nil && len(m.Examples) == 0 {
						t.Errorf("%s %s %s %s: no example", method, path, status, ct)
					}
				}
			}
		}
	}
}
