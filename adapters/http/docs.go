package httpapi

import (
	"bytes"
	"context"
	_ "embed"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIDocument is the API's OpenAPI 3.0 description, the single source of both
// GET /openapi.json and GET /docs. The HTTP tests validate every request and
// response against it and compare its paths with the routes served, so it cannot
// drift from the handlers unnoticed.
//
//go:embed openapi.json
var openAPIDocument []byte

// loadDocument parses the embedded document and points its server at publicURL.
// The document is part of the binary, so a broken one is a build defect: it panics
// (and the package tests catch it first).
func loadDocument(publicURL, version string) *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIDocument)
	if err != nil {
		panic("httpapi: embedded openapi.json: " + err.Error())
	}
	if err := doc.Validate(context.Background()); err != nil {
		panic("httpapi: embedded openapi.json is invalid: " + err.Error())
	}
	doc.Servers = openapi3.Servers{{URL: publicURL}}
	if version != "" {
		doc.Info.Version = version
	}
	return doc
}

// The view model of the reference page.
type (
	docsView struct {
		Title       string
		Version     string
		Description string
		Operations  []operationView
		Schemas     []schemaView
	}
	operationView struct {
		Anchor, Method, Path, Summary, Description string
		Secured                                    bool
		Parameters                                 []fieldView
		Body                                       *bodyView
		Responses                                  []responseView
	}
	bodyView struct {
		ContentType string
		Required    bool
		Schema      typeView
	}
	responseView struct {
		Status, Description, ContentType string
		Schema                           *typeView
	}
	schemaView struct {
		Name, Description string
		Type              typeView
		Fields            []fieldView
	}
	fieldView struct {
		Name, In, Description string
		Required              bool
		Type                  typeView
	}
	// typeView is a schema as a short phrase, linking to a named schema.
	typeView struct {
		Text string
		Link string
	}
)

// renderDocs renders the self-contained HTML reference of doc.
func renderDocs(doc *openapi3.T) []byte {
	v := docsView{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description}
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		item := paths[path]
		for _, method := range []string{"GET", "POST", "PATCH", "PUT", "DELETE"} {
			if op := item.GetOperation(method); op != nil {
				v.Operations = append(v.Operations, operationOf(doc, method, path, item, op))
			}
		}
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := doc.Components.Schemas[n].Value
		v.Schemas = append(v.Schemas, schemaView{Name: n, Description: s.Description, Type: typeOf(s), Fields: fieldsOf(s)})
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, v); err != nil {
		panic("httpapi: rendering docs: " + err.Error())
	}
	return buf.Bytes()
}

func operationOf(doc *openapi3.T, method, path string, item *openapi3.PathItem, op *openapi3.Operation) operationView {
	o := operationView{
		Anchor: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description,
		Secured: (op.Security != nil && len(*op.Security) > 0) || (op.Security == nil && len(doc.Security) > 0),
	}
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p.Value == nil {
			continue
		}
		o.Parameters = append(o.Parameters, fieldView{Name: p.Value.Name, In: p.Value.In, Description: p.Value.Description,
			Required: p.Value.Required, Type: typeRef(p.Value.Schema)})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for ct, mt := range op.RequestBody.Value.Content {
			o.Body = &bodyView{ContentType: ct, Required: op.RequestBody.Value.Required, Schema: typeRef(mt.Schema)}
		}
	}
	codes := make([]string, 0, op.Responses.Len())
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		r := op.Responses.Value(code).Value
		rv := responseView{Status: code}
		if r.Description != nil {
			rv.Description = *r.Description
		}
		for ct, mt := range r.Content {
			t := typeRef(mt.Schema)
			rv.ContentType, rv.Schema = ct, &t
		}
		o.Responses = append(o.Responses, rv)
	}
	return o
}

func fieldsOf(s *openapi3.Schema) []fieldView {
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]fieldView, 0, len(names))
	for _, n := range names {
		p := s.Properties[n]
		desc := ""
		if p.Value != nil {
			desc = p.Value.Description
		}
		out = append(out, fieldView{Name: n, Description: desc, Required: slices.Contains(s.Required, n), Type: typeRef(p)})
	}
	return out
}

// typeRef describes a schema reference: a link for a named schema, else its type.
func typeRef(r *openapi3.SchemaRef) typeView {
	if r == nil {
		return typeView{Text: "any"}
	}
	if r.Ref != "" {
		name := r.Ref[strings.LastIndexByte(r.Ref, '/')+1:]
		return typeView{Text: name, Link: "#schema-" + name}
	}
	return typeOf(r.Value)
}

func typeOf(s *openapi3.Schema) typeView {
	if s == nil {
		return typeView{Text: "any"}
	}
	var t string
	switch {
	case s.Type.Is("array"):
		inner := typeRef(s.Items)
		return typeView{Text: "array of " + inner.Text, Link: inner.Link}
	case s.Type != nil && len(*s.Type) > 0:
		t = strings.Join(*s.Type, " | ")
	default:
		t = "any"
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, 0, len(s.Enum))
		for _, e := range s.Enum {
			if str, ok := e.(string); ok {
				vals = append(vals, str)
			}
		}
		t += ": " + strings.Join(vals, ", ")
	}
	if s.Nullable {
		t += ", nullable"
	}
	return typeView{Text: t}
}
