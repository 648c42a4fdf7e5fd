package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"sitrep/internal/auth"
	"sitrep/internal/bulletin"
	"sitrep/internal/enrich"
)

// The team's workspace: server-rendered pages under /work/ for people logged in with an
// account (session.go), each doing what an API request does — the forms post to handlers that
// run the API's own handler (act), so a page can do no more than the role's token could.

//go:embed pages
var pageFiles embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"defang":     enrich.Defang,
	"defangText": enrich.DefangText,
	"when":       func(t time.Time) string { return when(t, time.UTC) },
	"num":        func(n int) string { return thousands.Sprintf("%d", n) },
	"allows":     auth.Allows,
	"label":      label,
	"jobResult": func(raw json.RawMessage) (j struct{ Name, Summary string }) {
		json.Unmarshal(raw, &j)
		if j.Name == "-" {
			j.Name = ""
		}
		return j
	},
	"level": func(lang, l string) string {
		if lang == "en" && l != "" {
			return bulletin.EnglishLevel(l) + " (" + l + ")"
		}
		return l
	},
	"whenText": func(v any) string { return whenText(v, time.UTC) },
	"add":      func(a, b int) int { return a + b },
	"rows": func(w pageWords, rows []issueRow) any {
		return struct {
			W    pageWords
			Rows []issueRow
		}{w, rows}
	},
	"query": func(kv ...string) template.URL { return template.URL(queryOf(kv...)) },
}).ParseFS(pageFiles, "pages/*.html"))

// errorPages renders the error page where no server is at hand; pageTemplates itself is never
// executed, so that each server can clone it (html/template clones only templates not yet run).
var errorPages = template.Must(pageTemplates.Clone())

var thousands = message.NewPrinter(language.English)

// when writes an instant in a zone to the minute; nothing for the zero time.
func when(t time.Time, zone *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(zone).Format("2006-01-02 15:04")
}

// digits is s where it is a whole number, else 0: what a page's message may repeat of its address.
func digits(s string) string {
	if s == "" || len(s) > 9 || strings.ContainsFunc(s, func(c rune) bool { return c < '0' || c > '9' }) {
		return "0"
	}
	return s
}

// whenText writes a time as JSON carries it (RFC 3339) as when does; anything else as it is.
func whenText(v any, zone *time.Location) string {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return when(t, zone)
}

// templates are the pages with times written in the server's zone.
func (s *Server) templates() *template.Template {
	s.pagesOnce.Do(func() {
		zone := s.zone()
		s.pages = template.Must(pageTemplates.Clone()).Funcs(template.FuncMap{"when": func(t time.Time) string { return when(t, zone) },
			"whenText": func(v any) string { return whenText(v, zone) }})
	})
	return s.pages
}

// asset serves the workspace's style sheet.
func asset(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "work.css" {
		http.NotFound(w, r)
		return
	}
	b, _ := pageFiles.ReadFile("pages/work.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// queryOf encodes pairs of names and values as a query string, leaving out empty values.
func queryOf(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// workCSP lets the workspace's pages load their own style sheet and frame the bulletin being
// reviewed, and nothing else; no other site may frame them.
const workCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageData is what every page of the workspace gets: who is logged in, in what language,
// the session's CSRF token for its forms, a message, and the page's own Body.
type pageData struct {
	Title    string
	Lang     string
	W        pageWords
	Who      caller
	User     string // who is logged in, and their role
	Role     string
	CSRF     string
	Message  string
	Error    string
	Next     string
	Path     string // the page's address, for the language switch
	OtherURL string // the page in the other language
	Nav      []navLink
	Current  string
	Body     any
	Refresh  int    // seconds until the page reloads itself; 0 never
	Zone     string // the zone the page's times are in
}

// lang is the workspace's language for a request: ?lang=, else the sitrep_lang cookie, else
// Chinese.
func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "zh" {
		return l
	}
	if c, err := r.Cookie("sitrep_lang"); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	return "zh"
}

func words(r *http.Request) pageWords { return workWords[lang(r)] }

// page renders a workspace page with a status.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.Lang = lang(r)
	d.W = workWords[d.Lang]
	if d.Who.role != "" {
		d.Zone = s.zone().String()
	}
	d.User, d.Role = d.Who.name, d.Who.role
	if d.Who.session != "" {
		d.CSRF = auth.CSRFToken(d.Who.session)
	}
	if d.Message == "" {
		q := r.URL.Query()
		d.Message = strings.NewReplacer("{n}", digits(q.Get("n")), "{skipped}", digits(q.Get("skipped"))).Replace(d.W.Done[q.Get("done")])
	}
	other := "en"
	if d.Lang == "en" {
		other = "zh"
	}
	q := r.URL.Query()
	q.Set("lang", other)
	q.Del("done")
	d.OtherURL = r.URL.Path + "?" + q.Encode()
	if d.Who.role != "" {
		for _, it := range []struct{ need, href, name string }{
			{auth.Viewer, "/work/", d.W.Home}, {auth.Analyst, "/work/incidents", d.W.Incidents},
			{auth.Analyst, "/work/ingest", d.W.Ingest}, {auth.Analyst, "/work/feeds", d.W.Feeds},
			{auth.Viewer, "/work/trends", d.W.Trends}, {auth.Admin, "/work/audit", d.W.Audit}, {auth.Admin, "/work/accounts", d.W.Accounts}, {auth.Viewer, "/", d.W.Site},
		} {
			if auth.Allows(d.Who.role, it.need) {
				d.Nav = append(d.Nav, navLink{it.name, it.href})
			}
		}
	}
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, name, d); err != nil {
		jsonError(w, http.StatusInternalServerError, "write the page: "+err.Error())
		return
	}
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: "sitrep_lang", Value: l, Path: "/", MaxAge: 365 * 86400, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	}
	h := w.Header()
	h.Set("Content-Security-Policy", workCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// refuse answers a refusal: JSON to the API, a page to a browser, with the menu of whoever
// the session says is asking.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		jsonError(w, code, msg)
		return
	}
	who, _ := s.cookieCaller(r) // for the menu: nobody where there is no live session
	s.page(w, r, code, "error", pageData{Title: statusTitle(words(r), code), Who: who, Error: msg, Next: back(r)})
}

// statusTitle names a refusal's status in the page's words.
func statusTitle(w pageWords, code int) string {
	switch code {
	case http.StatusBadRequest:
		return w.BadRequest
	case http.StatusUnauthorized, http.StatusForbidden:
		return w.Forbidden403
	case http.StatusNotFound:
		return w.NotFound
	}
	return w.Refused
}

// back is the page a refused request came from, or would go back to: a form's page for a
// form (its address less the action), the workspace's home for a page.
func back(r *http.Request) string {
	p := r.URL.Path
	if r.Method == http.MethodGet || p == "/work/ingest" {
		if r.Method == http.MethodGet {
			return "/work/"
		}
		return p
	}
	if i := strings.LastIndexByte(strings.TrimSuffix(p, "/"), '/'); i > 0 {
		return p[:i]
	}
	return "/work/"
}

// member lets a page through to a caller with role need: anyone else gets the login form
// (401) or a page that says the role may not (403), never the page.
func (s *Server) member(w http.ResponseWriter, r *http.Request, need string) (caller, bool) {
	who, ok := s.identify(w, r)
	if !ok {
		return who, false
	}
	switch {
	case who.role == "":
		s.showLogin(w, r, http.StatusUnauthorized, words(r).PleaseLogin)
		return who, false
	case !auth.Allows(who.role, need):
		s.refuse(w, r, http.StatusForbidden, strings.NewReplacer("{role}", who.role, "{need}", need).Replace(words(r).Forbidden))
		return who, false
	}
	return who, true
}

// inner runs the API's own handler for a page: as the same caller, with the query q and the
// path values path, and returns its answer.
func (s *Server) inner(r *http.Request, who caller, method string, api http.HandlerFunc, apiPath string, path map[string]string, q url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	in := r.Clone(r.Context())
	in.Method = method
	in.URL = &url.URL{Path: apiPath, RawQuery: q.Encode()}
	in.RequestURI = in.URL.RequestURI()
	in.Body, in.ContentLength = http.NoBody, 0
	in.Header.Del("Content-Type")
	if who.session != "" {
		in.Header.Set("X-CSRF-Token", auth.CSRFToken(who.session)) // the page's form carried it
	}
	for k, v := range path {
		in.SetPathValue(k, v)
	}
	api(rec, in)
	return rec
}

// apiError is the reason an API answer gives.
func apiError(rec *httptest.ResponseRecorder) string {
	var answer struct {
		Error string `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &answer)
	return answer.Error
}

// read runs the API's handler for a page's GET and decodes its JSON answer into v; where it
// fails, the page answers as the API did (5xx through guard) and ok is false.
func (s *Server) read(w http.ResponseWriter, r *http.Request, who caller, api http.HandlerFunc, apiPath string, path map[string]string, q url.Values, v any) bool {
	rec := s.inner(r, who, http.MethodGet, api, apiPath, path, q)
	if rec.Code/100 == 2 {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			jsonError(w, http.StatusInternalServerError, apiPath+": "+err.Error())
			return false
		}
		return true
	}
	if rec.Code >= 500 {
		jsonError(w, rec.Code, apiError(rec))
	} else {
		s.refuse(w, r, rec.Code, apiError(rec))
	}
	return false
}

// act does a form's work by the API's own handler for it: the same checks, the same change.
// On success the browser goes to back (with ?done=what); otherwise it is shown why.
func (s *Server) act(w http.ResponseWriter, r *http.Request, who caller, api http.HandlerFunc, apiPath string, path map[string]string, q url.Values, back, what string) {
	rec := s.inner(r, who, http.MethodPost, api, apiPath, path, q)
	if rec.Code/100 == 2 {
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		http.Redirect(w, r, back+sep+"done="+what, http.StatusSeeOther)
		return
	}
	s.actFailed(w, r, who, rec, back)
}

// actFailed shows why a form's API request was refused, with the way back to its page.
func (s *Server) actFailed(w http.ResponseWriter, r *http.Request, who caller, rec *httptest.ResponseRecorder, back string) {
	if rec.Code >= 500 {
		jsonError(w, rec.Code, apiError(rec)) // guard logs it and shows a fixed reason
		return
	}
	s.page(w, r, rec.Code, "error", pageData{Title: statusTitle(words(r), rec.Code), Who: who, Error: apiError(rec), Next: back})
}

// form is the posted form's values (the CSRF token aside), as an API request's query.
func form(r *http.Request, names ...string) url.Values {
	q := url.Values{}
	for _, n := range names {
		if v := strings.TrimSpace(r.PostFormValue(n)); v != "" {
			q.Set(n, v)
		}
	}
	return q
}
