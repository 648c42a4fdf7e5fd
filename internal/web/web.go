// Package web serves sitrep over HTTP: the archive of published bulletins, each bulletin, the
// Atom feed and the API of CONTRACT.md. Anonymous readers get only what was published —
// frozen, TLP:CLEAR aggregates; API tokens (Authorization: Bearer) carry a role that opens the
// rest: live statistics for viewers, records for analysts (filtered by TLP), unpublished
// bulletins for editors, publishing for publishers. A request without the role it needs gets
// 401 without a token and 403 with one, never the data.
//
// The server holds the store for its lifetime: requests read it at once, writes take turns,
// and the command line reaches the store through the server (sitrep --server URL).
package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/bulletin"
	"sitrep/internal/event"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// Server serves the site from a store it holds for its lifetime. The functions do the work
// the command line does, so that both behave alike; each gets the request's context.
type Server struct {
	// Store is open for the server's lifetime: read by any number of requests at once,
	// written by one at a time.
	Store store.Store
	// RPZOrigin is the public blacklist's response policy zone name (blacklist.rpz. when
	// empty; at most 64 characters).
	RPZOrigin string
	// TempDir is where uploads wait, whole, before they are ingested; empty is the system's.
	TempDir string
	// Render renders a week's bulletin live (for editors, before it is published): the
	// public edition for TLP:CLEAR, an internal edition labelled tlp otherwise. A page of the
	// site (page) links previous issues by their site addresses; a download, like a file the
	// command line writes, by absolute ones or none.
	Render func(ctx context.Context, st store.Store, week, lang, format string, tlp event.TLP, page bool) ([]byte, error)
	// Stats computes a week's statistics live (for viewers), of the edition labelled tlp.
	Stats func(ctx context.Context, st store.Store, week string, tlp event.TLP) (any, error)
	// Ingest ingests an uploaded body, waiting whole in the file at path, as `sitrep ingest`
	// would with the flags of the request's query.
	Ingest func(ctx context.Context, st store.Store, path string, q IngestQuery) (any, error)
	// Enqueue, where set, takes uploads instead of Ingest: it reads the upload at path and
	// hands its batches to the workers of a queue, recording on the job j what it waits for;
	// the upload is answered at once with its job, which the workers finish.
	Enqueue func(ctx context.Context, st store.Store, j store.Job, path string, q IngestQuery) (store.Job, error)
	// Name tells this server from others that share its records (its host and store
	// directory): the jobs it runs carry it, and at start it marks failed only its own.
	Name string
	// Publish freezes a week's bulletin, as `sitrep publish` does (a current review needed).
	Publish func(ctx context.Context, st store.Store, week, actor string) (int, error)
	// Correct publishes a correction of a published issue, as `sitrep publish --correct`
	// does, and returns the new revision's number.
	Correct func(ctx context.Context, st store.Store, week, actor, reason string) (int, error)
	// Review records an editor's review of a week's bulletin, as `sitrep review` does, and
	// returns the digest approved and the warnings the editor should see (JSON objects).
	Review func(ctx context.Context, st store.Store, week, actor, note string) (digest string, warnings any, err error)
	// Notice prepares a ticket's notification as `sitrep incident notify` does, and sends it
	// with the server's SMTP settings unless only the message is wanted (send false); it
	// returns the message.
	Notice func(ctx context.Context, st store.Store, id, actor string, send bool) ([]byte, error)
	// BaseURL is where readers reach the site (https://cert.example.org), for the feed's
	// absolute links; empty takes the request's host. Org is the CERT that publishes.
	BaseURL, Org string
	Zone         *time.Location // the zone of ISO weeks in API filters and of dates; UTC when nil
	Log          *slog.Logger

	// QuerySlots is how many live computations (statistics, bulletins of unpublished weeks)
	// run at once, each with its share of the store's memory; 2 when zero. SlotWait is how
	// long a request waits for a slot before it is answered 503 with Retry-After; 30 s when
	// zero.
	QuerySlots int
	SlotWait   time.Duration
	// Limits bound each caller's request rate and uploads.
	Limits Limits
	// Context is the server's own: the jobs run under it, not under a request's, and stop
	// when it is cancelled. nil is context.Background().
	Context context.Context
	// Feeds, where set, tells how the feeds the server collects stand (GET /api/v1/feeds).
	Feeds func(ctx context.Context) (any, error)
	// Draft tells how a period's issue reads now, for the review page: the digest a review
	// would approve, and the editor's warnings.
	Draft func(ctx context.Context, st store.Store, week string) (digest string, warnings []DraftWarning, err error)
	// TrustedProxies are the reverse proxies in front of the server (which terminate TLS, say):
	// a request from one of them came from the address its X-Forwarded-For names, for the
	// rate limits and the audit log. Without any, X-Forwarded-For is ignored.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a browser's login lasts; DefaultSessionTTL when zero.
	SessionTTL time.Duration
	// SyncWait is how long an ingest request waits for its job before it is answered 202
	// with the job's address; DefaultSyncWait when zero.
	SyncWait time.Duration

	rates limiters
	// loginSlots take an address's login attempts one at a time (by a hash of it).
	loginOnce  sync.Once
	loginSlots [64]chan struct{}
	pagesOnce  sync.Once
	pages      *template.Template
	writes     sync.Mutex
	jobs       sync.WaitGroup
	slotsOnce  sync.Once
	slots      *fairSlots
	// issueFacts holds, by week, what the archive shows of each published issue.
	issueFacts sync.Map
}

func (s *Server) now() time.Time { return time.Now() }

func (s *Server) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// slot waits for a query slot and returns its release, or answers 503 with Retry-After when
// none frees up in time (and nothing when the client went away meanwhile). Slots go fairly
// among callers (fairSlots): one caller's many requests do not keep another's waiting.
func (s *Server) slot(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	s.slotsOnce.Do(func() {
		n := s.QuerySlots
		if n <= 0 {
			n = 2
		}
		s.slots = newFairSlots(n)
	})
	wait := s.SlotWait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	key, _ := s.callerKey(r)
	release, ok, timedOut := s.slots.acquire(r.Context(), key, wait)
	if !ok && timedOut {
		w.Header().Set("Retry-After", "10")
		jsonError(w, http.StatusServiceUnavailable, "busy computing for others; try again shortly")
	}
	return release, ok
}

// Handler returns the site's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.archive)
	mux.HandleFunc("GET /bulletins/{week}", s.bulletinPage)
	mux.HandleFunc("GET /feed.atom", s.feed)
	mux.HandleFunc("GET /blacklist/{file}", s.blacklistFile)
	mux.HandleFunc("GET /api/v1/stats/{week}", s.stats)
	mux.HandleFunc("GET /api/v1/stats/{week}/{metric}/records", s.drill)
	mux.HandleFunc("GET /api/v1/bulletins/{week}", s.bulletinAPI)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("POST /api/v1/ingest", s.ingest)
	mux.HandleFunc("GET /api/v1/rejects", s.rejects)
	mux.HandleFunc("GET /api/v1/incidents/{id}/notice", s.notice)
	mux.HandleFunc("GET /api/v1/jobs", s.listJobs)
	mux.HandleFunc("GET /api/v1/feeds", s.feeds)
	mux.HandleFunc("GET /api/v1/jobs/{id}", s.job)
	mux.HandleFunc("POST /api/v1/bulletins/{week}/publish", s.publish)
	mux.HandleFunc("POST /api/v1/bulletins/{week}/review", s.review)
	mux.HandleFunc("POST /api/v1/bulletins/{week}/correct", s.correct)
	mux.HandleFunc("GET /api/v1/incidents", s.incidents)
	mux.HandleFunc("POST /api/v1/incidents", s.openTicket)
	mux.HandleFunc("POST /api/v1/incidents/from-events", s.ticketsFromEvents)
	mux.HandleFunc("GET /api/v1/incidents/{id}", s.ticket)
	mux.HandleFunc("POST /api/v1/incidents/{id}/{verb}", s.changeTicket)
	mux.HandleFunc("GET /api/v1/partners", s.partners)
	mux.HandleFunc("POST /api/v1/partners", s.setPartner)
	mux.HandleFunc("GET /api/v1/events", s.events)
	mux.HandleFunc("GET /api/v1/export", s.exportEvents)
	mux.HandleFunc("GET /api/v1/ratings/{week}", s.rating)
	mux.HandleFunc("POST /api/v1/ratings/{week}", s.override)
	mux.HandleFunc("GET /api/v1/tokens", s.listTokens)
	mux.HandleFunc("POST /api/v1/tokens", s.createToken)
	mux.HandleFunc("POST /api/v1/tokens/revoke", s.revokeTokens)
	mux.HandleFunc("GET /api/v1/accounts", s.listAccounts)
	mux.HandleFunc("POST /api/v1/accounts", s.setAccount)
	mux.HandleFunc("POST /api/v1/accounts/{name}/{verb}", s.changeAccount)
	mux.HandleFunc("GET /api/v1/audit", s.auditLog)
	// The team's workspace in the browser (work*.go), and its login (session.go).
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /assets/{file}", asset)
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/work/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /work/{$}", s.workHome)
	mux.HandleFunc("/work/", func(w http.ResponseWriter, r *http.Request) { s.refuse(w, r, http.StatusNotFound, r.URL.Path) })
	mux.HandleFunc("GET /work/draft/{week}", s.workDraft)
	mux.HandleFunc("POST /work/draft/{week}/{verb}", s.workDraftAct)
	mux.HandleFunc("GET /work/records/{week}/{metric}", s.workRecords)
	mux.HandleFunc("GET /work/incidents", s.workIncidents)
	mux.HandleFunc("POST /work/incidents/from-events", s.workFromEvents)
	mux.HandleFunc("GET /work/incidents/{id}", s.workTicket)
	mux.HandleFunc("POST /work/incidents/{id}/{verb}", s.workTicketAct)
	mux.HandleFunc("GET /work/ingest", s.workIngest)
	mux.HandleFunc("POST /work/ingest", s.workUpload)
	mux.HandleFunc("GET /work/jobs/{id}", s.workJob)
	mux.HandleFunc("GET /work/feeds", s.workFeeds)
	mux.HandleFunc("GET /work/audit", s.workAudit)
	mux.HandleFunc("GET /work/accounts", s.workAccounts)
	mux.HandleFunc("POST /work/accounts/{verb}", s.workAccountAct)
	mux.HandleFunc("GET /work/trends", s.workTrends)
	return s.guard(headers(s.origin(s.limited(mux))))
}

// origin puts where a request came from into its context, for the rate limits and the audit
// entries it writes.
func (s *Server) origin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(store.WithOrigin(r.Context(), s.clientAddr(r))))
	})
}

// headers sets what every answer carries: no sniffing, and for pages a policy that lets
// them show inline styles, inline SVG and embedded images but load or run nothing else.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if p := r.URL.Path; strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/work/") || p == "/login" {
			// Answers for someone are kept by no one else; a published issue's, which are
			// everyone's, say so themselves.
			w.Header().Set("Cache-Control", "private, no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// jsonError answers with a status, a reason and the request id. The reason of a 5xx answer
// may say everything that went wrong: guard logs it and shows the client a fixed one.
func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg, "request_id": requestID(w)})
}

// Write runs f as the store's only writer, in turn with the requests that write: for what the
// server does of its own accord, such as collecting feeds.
func (s *Server) Write(f func(a store.Store)) { s.writing(f) }

// feeds answers how the collected feeds stand, for analysts.
func (s *Server) feeds(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	if s.Feeds == nil {
		jsonError(w, http.StatusNotFound, "this server collects no feeds (sitrep serve --collect FILE)")
		return
	}
	v, err := s.Feeds(r.Context())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, v)
}

// writing runs f as the store's only writer: the server's writes happen one at a time, in
// the order their requests took the turn. Callers check who may write before they take it.
func (s *Server) writing(f func(a store.Store)) {
	s.writes.Lock()
	defer s.writes.Unlock()
	f(s.Store)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Store.PublishedIssues(r.Context(), "zh", "html", 1); err != nil {
		jsonError(w, http.StatusServiceUnavailable, "the store does not answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

var contentTypes = map[string]string{
	"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
	"json": "application/json", "pdf": "application/pdf",
}

// IngestQuery is what an ingest request says besides its body: ?format=, ?source= and
// ?observed=, as the flags of `sitrep ingest`.
type IngestQuery struct {
	Format, Source, Observed string
	// Name is what the sender called the input (?name=, such as the file's path where it was
	// sent from), recorded with the input and its rows set aside; "-" when it says nothing.
	Name string
}

// request is a parsed request for a week's bulletin.
type request struct {
	week, lang, format string
	// tlp is the edition asked for: TLP:CLEAR (the public one) unless ?tlp= names another.
	tlp event.TLP
	// rev is a published issue's revision asked for (?rev=); 0 is the latest.
	rev int
}

// parse reads the week, lang and format of a request, or says why not.
func parse(r *http.Request, format string) (request, string) {
	p, err := period.Parse(r.PathValue("week"))
	if err != nil {
		return request{}, err.Error()
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "zh"
	}
	if lang != "zh" && lang != "en" {
		return request{}, "lang is zh or en"
	}
	if _, ok := contentTypes[format]; !ok {
		return request{}, "format is html, md, json or pdf"
	}
	// An edition is asked for once: with two labels, a proxy reading the last one and sitrep
	// the first would see different requests.
	if len(r.URL.Query()["tlp"]) > 1 {
		return request{}, "tlp is given more than once"
	}
	tlp, err := event.ParseTLP(r.URL.Query().Get("tlp"))
	if err != nil {
		return request{}, err.Error()
	}
	rev := 0
	if v := r.URL.Query().Get("rev"); v != "" {
		if rev, err = strconv.Atoi(v); err != nil || rev < 1 || tlp != event.Clear {
			return request{}, "rev is a published issue's revision: 1, 2, …"
		}
	}
	return request{week: p.String(), lang: lang, format: format, tlp: tlp, rev: rev}, ""
}

// internal checks that the caller may have the internal edition q asks for: editors and up,
// and only up to the label their role may read. It answers 401 or 403 otherwise.
func (c caller) internal(w http.ResponseWriter, q request) bool {
	if !c.may(w, auth.Editor) {
		return false
	}
	return c.mayRead(w, q.tlp)
}

// find returns a frozen rendering, or the status and message to answer with: 401 when the
// week is not published (an editor may see it before, once tokens exist), 404 when it was
// published in other formats only.
func (s *Server) find(ctx context.Context, a store.Store, q request) (store.Rendering, int, string) {
	rend, err := a.RenderingAt(ctx, q.week, q.lang, q.format, q.rev)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := a.Rendering(ctx, q.week, "zh", "html"); err == nil {
			if q.rev > 0 {
				return rend, http.StatusNotFound, fmt.Sprintf("this issue has no revision %d in that format", q.rev)
			}
			return rend, http.StatusNotFound, "this issue was not published in that format"
		}
		return rend, http.StatusUnauthorized, q.week + " is not published"
	}
	if err != nil {
		return rend, http.StatusInternalServerError, "read the bulletin: " + err.Error()
	}
	return rend, http.StatusOK, ""
}

func fail(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sitrep"`)
	}
	jsonError(w, code, msg)
}

// published serves a frozen rendering as it was published, or to an editor the live
// rendering of a week not published yet.
func (s *Server) published(w http.ResponseWriter, r *http.Request, format string) {
	q, bad := parse(r, format)
	if bad != "" {
		jsonError(w, http.StatusBadRequest, bad)
		return
	}
	a := s.Store
	who, ok := s.identify(w, r)
	if !ok {
		return
	}
	if q.tlp != event.Clear { // an internal edition is always live, never the published one
		if !who.internal(w, q) {
			return
		}
		s.live(w, r, a, q, format)
		return
	}
	rend, code, msg := s.find(r.Context(), a, q)
	if code == http.StatusUnauthorized && who.role == "" && isPage(r, format) {
		// A reader of the site, not a program with a token: an issue not published is not
		// there.
		notPublished(w, q)
		return
	}
	if code == http.StatusUnauthorized && q.rev > 0 {
		fail(w, http.StatusNotFound, fmt.Sprintf("%s is not published: it has no revision %d", q.week, q.rev))
		return
	}
	if code == http.StatusUnauthorized && s.Render != nil {
		if who.may(w, auth.Editor) {
			s.live(w, r, a, q, format)
		}
		return
	}
	if code != http.StatusOK {
		fail(w, code, msg)
		return
	}
	content := rend.Content
	if isPage(r, format) {
		var err error
		if content, err = s.navigate(r.Context(), content, q); err != nil {
			jsonError(w, http.StatusInternalServerError, "read the archive: "+err.Error())
			return
		}
	}
	w.Header().Set("Content-Type", contentTypes[format])
	w.Header().Set("Last-Modified", rend.PublishedAt.UTC().Format(http.TimeFormat))
	// The issue never changes, but its page's navigation does when the next one is
	// published: pages are kept for minutes, downloads for an hour.
	if isPage(r, format) {
		w.Header().Set("Cache-Control", "public, max-age=300")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=3600")
	}
	w.Write(content)
}

var notPublishedTemplate = template.Must(template.New("404").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Text}}</title></head>
<body style="max-width:720px;margin:0 auto;padding:16px;font-family:'Noto Sans CJK SC',sans-serif;line-height:1.8">
<p>{{.Text}}</p><p><a href="{{.Archive}}">{{.All}}</a></p>
</body></html>
`))

// notPublished answers a reader who asked for the page of an issue that is not published.
func notPublished(w http.ResponseWriter, q request) {
	words := bulletin.WordsIn(q.lang)
	page := struct{ Lang, Text, Archive, All string }{"zh-CN", q.week + " 尚未发布。", "/", words.Archive}
	if q.lang == "en" {
		page = struct{ Lang, Text, Archive, All string }{"en", q.week + " is not published.", "/?lang=en", words.Archive}
	}
	var buf bytes.Buffer
	notPublishedTemplate.Execute(&buf, page)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	w.Write(buf.Bytes())
}

// isPage tells whether a request is for a bulletin page of the site, which opens with a
// navigation bar, rather than for a download.
func isPage(r *http.Request, format string) bool {
	return format == "html" && strings.HasPrefix(r.URL.Path, "/bulletins/")
}

// live renders the edition q asks for from the data as it is now.
func (s *Server) live(w http.ResponseWriter, r *http.Request, a store.Store, q request, format string) {
	if s.Render == nil {
		fail(w, http.StatusNotFound, "live bulletins are not served here")
		return
	}
	release, ok := s.slot(w, r)
	if !ok {
		return
	}
	defer release()
	page := isPage(r, format)
	content, err := s.Render(r.Context(), a, q.week, q.lang, q.format, q.tlp, page)
	if err != nil && r.Context().Err() != nil {
		return // the client went away: its render was stopped, and no one is there to answer
	}
	if err == nil && page {
		content, err = s.navigate(r.Context(), content, q)
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", contentTypes[format])
	w.Header().Set("Cache-Control", "private, no-store") // not published: it may still change
	w.Write(content)
}

func (s *Server) bulletinPage(w http.ResponseWriter, r *http.Request) { s.published(w, r, "html") }

func (s *Server) bulletinAPI(w http.ResponseWriter, r *http.Request) {
	f := r.URL.Query().Get("format")
	if f == "" {
		f = "md"
	}
	s.published(w, r, f)
}

// stats serves the statistics frozen with the published issue.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	q, bad := parse(r, "json")
	if bad != "" {
		jsonError(w, http.StatusBadRequest, bad)
		return
	}
	q.lang = "zh"
	a := s.Store
	who, ok := s.identify(w, r)
	if !ok {
		return
	}
	var rend store.Rendering
	code, msg := http.StatusUnauthorized, ""
	if q.tlp == event.Clear { // a published issue answers as it was published
		rend, code, msg = s.find(r.Context(), a, q)
	} else if q.tlp != event.Clear && !who.internal(w, q) {
		return
	}
	if code == http.StatusUnauthorized && s.Stats != nil {
		if !who.may(w, auth.Viewer) {
			return
		}
		release, ok := s.slot(w, r)
		if !ok {
			return
		}
		defer release()
		st, err := s.Stats(r.Context(), a, q.week, q.tlp)
		if err != nil && r.Context().Err() != nil {
			return // the client went away
		}
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		writeJSON(w, st)
		return
	}
	if code != http.StatusOK {
		fail(w, code, msg)
		return
	}
	var b struct {
		Stats       json.RawMessage `json:"stats"`
		PeriodStats json.RawMessage `json:"period_stats"` // a month's, a quarter's or a year's
	}
	var out bytes.Buffer
	if err := json.Unmarshal(rend.Content, &b); err == nil && len(b.Stats) == 0 {
		b.Stats = b.PeriodStats
	}
	if len(b.Stats) == 0 || json.Indent(&out, b.Stats, "", "  ") != nil {
		jsonError(w, http.StatusInternalServerError, "the published bulletin has no statistics")
		return
	}
	out.WriteByte('\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(out.Bytes())
}

var archiveTemplate = template.Must(template.New("archive").Parse(`<!DOCTYPE html>
<html lang="{{.HTMLLang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Name}}</title>
<link rel="alternate" type="application/atom+xml" href="{{.Feed}}" title="{{.Name}}"></head>
<body style="max-width:760px;margin:0 auto;padding:16px;font-family:'Noto Sans CJK SC',sans-serif;line-height:1.8">
<p style="text-align:right;font-size:14px;margin:0"><a href="{{.OtherHref}}" hreflang="{{.L.Other}}" lang="{{.L.Other}}">{{.L.OtherName}}</a></p>
<nav id="editions" style="font-size:15px">{{range $i, $e := .Editions}}{{if $i}} · {{end}}{{if $e.Current}}<b aria-current="page">{{$e.Name}}</b>{{else}}<a href="{{$e.Href}}">{{$e.Name}}</a>{{end}}{{end}}</nav>
<h1 style="font-size:22px">{{.Name}}</h1>
{{- if .Rows}}
<ul id="issues" style="list-style:none;padding:0">
{{- range .Rows}}
<li id="issue-{{.Week}}" style="margin:0 0 14px;padding-bottom:10px;border-bottom:1px solid #eee">
<strong><a href="{{.Href}}">{{.Title}}</a></strong>
{{- if .OtherTitle}}<br><a href="{{.OtherHref}}" lang="{{$.L.Other}}" hreflang="{{$.L.Other}}">{{.OtherTitle}}</a>{{end}}
<br><span style="color:#555;font-size:14px">{{.Start}} – {{.End}}{{if .Level}} · {{$.L.Rating}} <b class="rating">{{.Level}}</b>{{if .LevelAlt}} <span lang="{{$.L.Other}}">({{.LevelAlt}})</span>{{end}}{{end}} · {{$.L.Published}} {{.Published}}
{{- if .Corrected}} · <span class="corrected">{{printf $.L.Corrected .Corrected .Revision}}</span> <a href="{{.FirstHref}}" class="original">{{$.L.Original}}</a>{{end}}</span>
<br><span style="font-size:14px">{{range $i, $d := .Downloads}}{{if $i}} · {{end}}<a href="{{$d.Href}}">{{$d.Name}}</a>{{end}}</span>
</li>
{{- end}}
</ul>
{{- else}}
<p>{{.L.None}}</p>
{{- end}}
<p><a href="{{.Feed}}">Atom</a></p>
</body></html>
`))

// archiveWords are the archive page's words in each language.
var archiveWords = map[string]struct {
	Rating, Published, None, Other, OtherName, Stats, Corrected, Original string
}{
	"zh": {"态势评价", "发布于", "尚未发布任何一期。", "en", "English", "统计数据 JSON", "%s更正（第%d版）", "原版"},
	"en": {"Rated", "published", "No issue has been published yet.", "zh", "中文", "Statistics (JSON)", "corrected %s (revision %d)", "as first published"},
}

// editions are the kinds of issue the archive and the feed list apart, in their order, with
// their names in each language: the weekly bulletin first.
var editions = []struct{ kind, zh, en string }{
	{bulletin.Weekly, "网络安全信息与动态周报", "Weekly Network Security Bulletin"},
	{bulletin.Monthly, "网络安全监测数据分析（月度）", "Monthly Network Security Monitoring Data Analysis"},
	{bulletin.Quarterly, "网络安全监测数据分析（季度）", "Quarterly Network Security Monitoring Data Analysis"},
	{bulletin.Annual, "网络安全监测数据年度分析", "Annual Network Security Monitoring Data Analysis"},
}

// archiveLabels name the archive of each edition other than the weekly in a page's navigation.
var archiveLabels = map[string]map[string]string{
	bulletin.Monthly:   {"zh": "往期月报", "en": "All monthly issues"},
	bulletin.Quarterly: {"zh": "往期季报", "en": "All quarterly issues"},
	bulletin.Annual:    {"zh": "往期年报", "en": "All annual issues"},
}

// editionName is an edition's name in a language.
func editionName(kind, lang string) string {
	for _, e := range editions {
		if e.kind == kind {
			if lang == "en" {
				return e.en
			}
			return e.zh
		}
	}
	return kind
}

// editionOf is the edition of an issue by its key (2024-W09, 2024-02, 2024-Q1, 2024).
func editionOf(key string) string {
	p, err := period.Parse(key)
	if err != nil {
		return ""
	}
	return bulletin.EditionOf(p.Kind)
}

// editionQuery reads ?edition= (weekly where absent), or says why not.
func editionQuery(r *http.Request) (string, string) {
	e := r.URL.Query().Get("edition")
	if e == "" {
		return bulletin.Weekly, ""
	}
	for _, k := range editions {
		if k.kind == e {
			return e, ""
		}
	}
	return "", "edition is weekly, monthly, quarterly or annual"
}

// archiveAddress is the archive page of an edition in a language.
func archiveAddress(edition, lang string) string {
	v := url.Values{}
	if edition != bulletin.Weekly {
		v.Set("edition", edition)
	}
	if lang != "zh" {
		v.Set("lang", lang)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

// feedAddress is the Atom feed of an edition.
func feedAddress(edition string) string {
	if edition == bulletin.Weekly {
		return "/feed.atom"
	}
	return "/feed.atom?edition=" + edition
}

// issueFacts are what the archive shows of a published issue beyond its title, read from its
// frozen JSON once: it never changes.
type issueFacts struct {
	Start, End, Level string
}

func (s *Server) facts(ctx context.Context, week string) (issueFacts, error) {
	if f, ok := s.issueFacts.Load(week); ok {
		return f.(issueFacts), nil
	}
	rend, err := s.Store.Rendering(ctx, week, "zh", "json")
	if errors.Is(err, store.ErrNotFound) {
		return issueFacts{}, nil // published before issues were frozen as JSON too
	}
	if err != nil {
		return issueFacts{}, err
	}
	type rating struct {
		Level  string `json:"level"`
		NoData bool   `json:"no_data"`
	}
	var b struct {
		Start, End string
		Stats      struct {
			Rating rating `json:"rating"`
		} `json:"stats"`
		PeriodStats struct {
			Rating *rating `json:"rating"` // a month's; quarters and years are not rated
		} `json:"period_stats"`
	}
	if err := json.Unmarshal(rend.Content, &b); err != nil {
		return issueFacts{}, fmt.Errorf("the published JSON of %s: %w", week, err)
	}
	f := issueFacts{Start: b.Start, End: b.End}
	r := b.Stats.Rating
	if pr := b.PeriodStats.Rating; pr != nil {
		r = *pr
	}
	if !r.NoData {
		f.Level = r.Level
	}
	s.issueFacts.Store(week, f)
	return f, nil
}

// archive lists the published issues, newest first, in the language asked for (?lang=en;
// Chinese by default): each with its dates, rating, publication day, the issue in the other
// language, and its downloads, a PDF only where one was published.
func (s *Server) archive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "zh"
	}
	if lang != "zh" && lang != "en" {
		jsonError(w, http.StatusBadRequest, "lang is zh or en")
		return
	}
	edition, bad := editionQuery(r)
	if bad != "" {
		jsonError(w, http.StatusBadRequest, bad)
		return
	}
	words := archiveWords[lang]
	other := words.Other
	fail := func(err error) { jsonError(w, http.StatusInternalServerError, "read the archive: "+err.Error()) }
	issues, err := s.publishedOf(ctx, edition, lang, "html")
	if err != nil {
		fail(err)
		return
	}
	others, err := s.Store.PublishedIssues(ctx, other, "html", 0)
	if err != nil {
		fail(err)
		return
	}
	otherTitle := map[string]string{}
	for _, o := range others {
		otherTitle[o.Week] = o.Title
	}
	has := map[string]map[string]bool{} // lang.format → weeks
	for _, l := range []string{lang, other} {
		for _, f := range []string{"pdf", "md"} {
			if has[l+"."+f], err = s.publishedSet(ctx, l, f); err != nil {
				fail(err)
				return
			}
		}
	}
	type row struct {
		store.Rendering
		issueFacts
		Href, OtherTitle, OtherHref, LevelAlt, Published string
		Downloads                                        []navLink
		// A corrected issue's last correction, with a link to it as first published.
		Corrected, FirstHref string
	}
	type editionLink struct {
		Name, Href string
		Current    bool
	}
	page := struct {
		HTMLLang              string
		L                     any
		Name, Feed, OtherHref string
		Editions              []editionLink
		Rows                  []row
	}{HTMLLang: map[string]string{"zh": "zh-CN", "en": "en"}[lang], L: words,
		Name: editionName(edition, lang), Feed: feedAddress(edition), OtherHref: archiveAddress(edition, other)}
	for _, e := range editions {
		page.Editions = append(page.Editions, editionLink{Name: editionName(e.kind, lang), Href: archiveAddress(e.kind, lang), Current: e.kind == edition})
	}
	for _, is := range issues {
		f, err := s.facts(ctx, is.Week)
		if err != nil {
			fail(err)
			return
		}
		rw := row{Rendering: is, issueFacts: f, Href: pageAddress(is.Week, lang, event.Clear),
			Published: is.PublishedAt.In(s.zone()).Format(time.DateOnly)}
		if is.Revision > 1 {
			vs, err := s.Store.Revisions(ctx, is.Week)
			if err != nil || len(vs) == 0 {
				fail(cmp.Or(err, errors.New("no revisions of "+is.Week)))
				return
			}
			rw.Corrected, rw.FirstHref = rw.Published, revisionAddress(is.Week, lang, 1, is.Revision)
			rw.Published = vs[0].PublishedAt.In(s.zone()).Format(time.DateOnly)
		}
		if t := otherTitle[is.Week]; t != "" {
			rw.OtherTitle, rw.OtherHref = t, pageAddress(is.Week, other, event.Clear)
		}
		if lang == "en" {
			rw.Level = bulletin.EnglishLevel(f.Level)
		} else if f.Level != "" {
			rw.LevelAlt = bulletin.EnglishLevel(f.Level)
		}
		download := func(l, format, name string) {
			if has[l+"."+format][is.Week] {
				rw.Downloads = append(rw.Downloads, navLink{name, downloadAddress(is.Week, l, format)})
			}
		}
		otherName := map[string]string{"en": "English ", "zh": "中文 "}[other]
		download(lang, "pdf", "PDF")
		download(lang, "md", "Markdown")
		download(other, "pdf", otherName+"PDF")
		download(other, "md", otherName+"Markdown")
		rw.Downloads = append(rw.Downloads, navLink{words.Stats, "/api/v1/stats/" + is.Week})
		page.Rows = append(page.Rows, rw)
	}
	var buf bytes.Buffer
	if err := archiveTemplate.Execute(&buf, page); err != nil {
		jsonError(w, http.StatusInternalServerError, "write the archive: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     string     `xml:"title"`
	ID        string     `xml:"id"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Summary   string     `xml:"summary,omitempty"`
	Links     []atomLink `xml:"link"`
}

// summary is a published issue's first paragraph (its rating and what threatened most),
// read from its frozen JSON; empty where that cannot be read.
func (s *Server) summary(ctx context.Context, wk string) string {
	rend, err := s.Store.Rendering(ctx, wk, "zh", "json")
	if err != nil {
		return ""
	}
	var b struct {
		Sections []struct {
			Paragraphs []string `json:"paragraphs"`
		} `json:"sections"`
	}
	if json.Unmarshal(rend.Content, &b) != nil || len(b.Sections) == 0 || len(b.Sections[0].Paragraphs) == 0 {
		return ""
	}
	return b.Sections[0].Paragraphs[0]
}

// feed serves the Atom feed of published issues, newest first, with absolute links.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	edition, bad := editionQuery(r)
	if bad != "" {
		jsonError(w, http.StatusBadRequest, bad)
		return
	}
	issues, err := s.publishedOf(r.Context(), edition, "zh", "html")
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "read the archive for the feed: "+err.Error())
		return
	}
	issues = issues[:min(len(issues), 50)]
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	org := s.Org
	if org == "" {
		org = "CNCERT"
	}
	id := "urn:sitrep:bulletins" // the weekly feed's, as it was before there were other editions
	if edition != bulletin.Weekly {
		id += ":" + edition
	}
	f := atomFeed{Title: editionName(edition, "zh"), ID: id, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links:  []atomLink{{Rel: "self", Href: base + feedAddress(edition)}, {Rel: "alternate", Type: "text/html", Href: base + archiveAddress(edition, "zh")}},
		Author: atomAuthor{Name: org}}
	for _, is := range issues {
		updated := is.PublishedAt.UTC().Format(time.RFC3339)
		published := updated
		if is.Revision > 1 { // a corrected issue: updated when corrected, published when first published
			vs, err := s.Store.Revisions(r.Context(), is.Week)
			if err != nil || len(vs) == 0 {
				jsonError(w, http.StatusInternalServerError, "read the revisions for the feed: "+fmt.Sprint(err))
				return
			}
			published = vs[0].PublishedAt.UTC().Format(time.RFC3339)
		}
		f.Updated = max(f.Updated, updated)
		f.Entries = append(f.Entries, atomEntry{Title: is.Title, ID: "urn:sitrep:bulletin:" + is.Week, Published: published, Updated: updated,
			Summary: s.summary(r.Context(), is.Week),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: base + "/bulletins/" + is.Week}}})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	enc.Encode(f)
}
