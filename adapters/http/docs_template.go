package httpapi

import (
	"html/template"
	"strings"
)

// docsTemplate lays out the reference page at /docs/reference: one self-contained
// document with inline style, no script and no external assets.
var docsTemplate = template.Must(template.New("docs").Funcs(template.FuncMap{"text": inlineCode}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}} — API reference</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc;line-height:1.45}
header,main{max-width:64rem;margin:0 auto;padding:0 1.5rem}
header{padding-top:1.5rem}
nav ul{columns:2;padding-left:1.2rem}
code,.path{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
section.op{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:1rem 1.2rem;margin:1.2rem 0}
.method{display:inline-block;min-width:4.2rem;text-align:center;font-weight:700;border-radius:4px;padding:.1rem .4rem;color:#fff;font-size:.85rem}
.GET{background:#2f7d32}.POST{background:#2457d6}.PATCH{background:#b26a00}.DELETE{background:#b3261e}.PUT{background:#6a3fb5}
.lock{font-size:.8rem;color:#6b5900;background:#fff4c2;border-radius:4px;padding:.1rem .4rem;margin-left:.5rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 .8rem}
th,td{text-align:left;border-bottom:1px solid #eceef1;padding:.3rem .5rem;vertical-align:top;font-size:.92rem}
th{background:#f3f4f6}
h3{margin:.8rem 0 .2rem;font-size:1rem}
.req{color:#b3261e;font-weight:700}
</style>
</head>
<body>
<header>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{text .Description}}</p>
<p>The machine-readable document is at <a href="../openapi.json"><code>/openapi.json</code></a>; the interactive reference (with examples and "Try it out") at <a href="../docs"><code>/docs</code></a>.</p>
<nav><h2>Operations</h2><ul>
{{range .Operations}}<li><a href="#{{.Anchor}}"><code>{{.Method}} {{.Path}}</code></a> — {{.Summary}}</li>
{{end}}</ul></nav>
</header>
<main>
{{range .Operations}}
<section class="op" id="{{.Anchor}}">
<h2><span class="method {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span>{{if .Secured}}<span class="lock">Bearer token</span>{{end}}</h2>
<p><strong>{{.Summary}}</strong></p>
{{if .Description}}<p>{{text .Description}}</p>{{end}}
{{if .Parameters}}<h3>Parameters</h3>
<table><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr>
{{range .Parameters}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">*</span>{{end}}</td><td>{{.In}}</td><td>{{template "type" .Type}}</td><td>{{text .Description}}</td></tr>
{{end}}</table>{{end}}
{{with .Body}}<h3>Request body{{if .Required}} <span class="req">*</span>{{end}}</h3>
<p><code>{{.ContentType}}</code>: {{template "type" .Schema}}</p>{{end}}
<h3>Responses</h3>
<table><tr><th>Status</th><th>Description</th><th>Body</th></tr>
{{range .Responses}}<tr><td><code>{{.Status}}</code></td><td>{{text .Description}}</td><td>{{if .Schema}}<code>{{.ContentType}}</code>: {{template "type" .Schema}}{{else}}—{{end}}</td></tr>
{{end}}</table>
</section>
{{end}}
<h2>Schemas</h2>
{{range .Schemas}}
<section class="op" id="schema-{{.Name}}">
<h2 class="path">{{.Name}}</h2>
{{if .Description}}<p>{{text .Description}}</p>{{end}}
{{if .Fields}}<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class="req">*</span>{{end}}</td><td>{{template "type" .Type}}</td><td>{{text .Description}}</td></tr>
{{end}}</table>{{else}}<p>{{template "type" .Type}}</p>{{end}}
</section>
{{end}}
<p><span class="req">*</span> required</p>
</main>
</body>
</html>
{{define "type"}}{{if .Link}}<a href="{{.Link}}"><code>{{.Text}}</code></a>{{else}}<code>{{.Text}}</code>{{end}}{{end}}`))

// inlineCode escapes s for HTML and renders each `quoted` span as code, the one
// piece of Markdown the document's descriptions use; an unpaired backtick stays
// as it is.
func inlineCode(s string) template.HTML {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		p = template.HTMLEscapeString(p)
		switch {
		case i%2 == 0:
			b.WriteString(p)
		case i == len(parts)-1:
			b.WriteString("`" + p)
		default:
			b.WriteString("<code>" + p + "</code>")
		}
	}
	return template.HTML(b.String())
}
