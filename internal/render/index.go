package render

import (
	"html/template"
	"io"
)

// Entry is one issue in an index of issues.
type Entry struct {
	Title string
	Links []Link
}

// Link is one rendering of an issue.
type Link struct{ Label, Href string }

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title></head>
<body style="max-width:720px;margin:0 auto;padding:16px;font-family:'Noto Sans CJK SC',sans-serif;line-height:1.8">
<h1 style="font-size:22px">{{.Title}}</h1>
<ul>
{{- range .Entries}}
<li>{{.Title}}{{range .Links}} · <a href="{{.Href}}">{{.Label}}</a>{{end}}</li>
{{- end}}
</ul>
</body>
</html>
`))

// WriteIndex writes a page that lists issues, newest first as given, with their renderings.
func WriteIndex(w io.Writer, title string, entries []Entry) error {
	return indexTemplate.Execute(w, struct {
		Title   string
		Entries []Entry
	}{title, entries})
}
