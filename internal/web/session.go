package web

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// The workspace's cookies: the session, and before it the login form's own, which lets the
// login form carry a CSRF token too.
const (
	sessionCookie = "sitrep_session"
	loginCookie   = "sitrep_login"
)

// DefaultSessionTTL is how long a browser's login lasts when Server.SessionTTL is zero: a
// working day.
const DefaultSessionTTL = 12 * time.Hour

// Login attempts that fail are limited over the last loginWindow: per address and name, and
// per address, counted from the audit log by every server that shares it. Not per name alone:
// anyone could then lock an account out by failing to log in to it; guessing from many
// addresses is slowed by the hash and the password's length instead.
const (
	loginWindow       = 15 * time.Minute
	maxFailsPair      = 5
	maxFailsAddr      = 20
	maxLoginFormBytes = 16 << 10
	maxAccountName    = 64
)

// cookieCaller is who the request's session cookie names: nobody (ok false) without a live
// session — a forged, expired or ended cookie, or one of a disabled account.
func (s *Server) cookieCaller(r *http.Request) (who caller, ok bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || s.Store == nil {
		return caller{}, false
	}
	sess, err := s.Store.SessionByDigest(r.Context(), auth.Digest(c.Value), time.Now())
	if err != nil {
		return caller{}, false
	}
	return caller{name: sess.Account, role: sess.Role, session: c.Value}, true
}

// sessionCaller is who a request's session cookie says sent it: nobody without a live session
// (a forged, expired, ended cookie, or one of a disabled account). A request that would change
// something must carry the session's CSRF token (the form's csrf field or the X-CSRF-Token
// header); without it, it is answered 403 and not done.
func (s *Server) sessionCaller(w http.ResponseWriter, r *http.Request) (caller, bool) {
	who, ok := s.cookieCaller(r)
	if !ok {
		return caller{}, true
	}
	if !safeMethod(r.Method) && !auth.CSRFValid(who.session, csrfOf(w, r)) {
		s.refuse(w, r, http.StatusForbidden, "the form's CSRF token is missing or wrong: reload the page and try again")
		return caller{}, false
	}
	return who, true
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfOf is the CSRF token a request carries: in its header, or in its form — a multipart
// form's field where it comes before the file (the workspace's forms put it first).
func csrfOf(w http.ResponseWriter, r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxLoginFormBytes)
		return r.PostFormValue("csrf")
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody+1<<20)
		mr, err := r.MultipartReader()
		if err != nil {
			return ""
		}
		p, err := mr.NextPart()
		if err != nil || p.FormName() != "csrf" {
			return ""
		}
		b, _ := io.ReadAll(io.LimitReader(p, 128))
		// The handler reads the rest of the form from the same reader.
		*r = *r.WithContext(context.WithValue(r.Context(), multipartKey{}, mr))
		return strings.TrimSpace(string(b))
	}
	return ""
}

// multipartKey holds, in a request's context, the reader of a multipart form whose first
// field (the CSRF token) was read.
type multipartKey struct{}

// loginSeed hashes addresses onto the login slots.
var loginSeed = maphash.MakeSeed()

// loginWork bounds the store's work on one login attempt.
const loginWork = 10 * time.Second

// errNotRecorded is a failed login the audit log did not take.
var errNotRecorded = errors.New("the failed login was not recorded")

// loginOutcome is what checking a login's name and password came to.
type loginOutcome struct {
	account store.Account
	wait    time.Duration // above 0: refused before the password was checked, for so long
	ok      bool          // the password is the account's
}

// checkLogin checks a login from addr as name. An address's attempts are checked one at a
// time, each failure recorded before the next reads the count, and recorded even if the
// client goes away meanwhile (within loginWork): neither guesses sent side by side nor a
// connection closed early get past the limits. A failure the audit log does not take is
// errNotRecorded. An attempt whose client goes while it waits for its turn is not checked.
func (s *Server) checkLogin(r *http.Request, addr, name, pw string, now time.Time) (loginOutcome, error) {
	s.loginOnce.Do(func() {
		for i := range s.loginSlots {
			s.loginSlots[i] = make(chan struct{}, 1)
		}
	})
	slot := s.loginSlots[maphash.String(loginSeed, addr)%uint64(len(s.loginSlots))]
	select {
	case slot <- struct{}{}: // a free slot is taken whether the client is still there or not
	default:
		select {
		case slot <- struct{}{}:
		case <-r.Context().Done(): // gone while it waited: nothing was checked
			return loginOutcome{}, r.Context().Err()
		}
	}
	defer func() { <-slot }()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), loginWork)
	defer cancel()
	wait, err := s.loginBlocked(ctx, addr, name, now)
	if err != nil || wait > 0 {
		return loginOutcome{wait: wait}, err
	}
	a, err := s.Store.Account(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return loginOutcome{}, fmt.Errorf("read the account: %w", err)
	}
	hash := a.Hash
	if err != nil || a.DisabledAt != nil {
		hash = ""
	}
	if auth.PasswordMatches(hash, pw) {
		return loginOutcome{account: a, ok: true}, nil
	}
	if err := s.Store.AddAudit(ctx, store.AuditEntry{At: now, Actor: name, Action: "session.login.fail", Subject: name}); err != nil {
		return loginOutcome{}, fmt.Errorf("%w: %v", errNotRecorded, err)
	}
	return loginOutcome{}, nil
}

// loginBlocked says how long until a login from addr as name may be tried again (0: now). The
// failures counted are the audit log's, so every server sharing the records counts each
// one: over the last loginWindow, maxFailsPair from addr as name, or maxFailsAddr from addr,
// block it until the oldest of them is loginWindow old.
func (s *Server) loginBlocked(ctx context.Context, addr, name string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	for _, l := range []struct {
		actor string
		max   int
	}{{name, maxFailsPair}, {"", maxFailsAddr}} {
		fails, err := s.Store.AuditLog(ctx, store.AuditFilter{Action: "session.login.fail", Exact: true, Actor: l.actor, From: addr,
			Since: now.Add(-loginWindow), Limit: l.max})
		if err != nil {
			return 0, err
		}
		if len(fails) >= l.max {
			wait = maxDur(wait, fails[len(fails)-1].At.Add(loginWindow).Sub(now))
		}
	}
	return wait, nil
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// clientAddr is the address a request came from, without its port. Behind a proxy the
// server trusts (TrustedProxies), it is the nearest address in X-Forwarded-For that is not one
// of them: a client cannot name itself, as anything it writes there lies beyond the proxies.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // what a proxy did not write is not an address to go by
		}
		if host = hop; !s.trusted(hop) {
			break
		}
	}
	return host
}

// trusted tells whether an address is one of the proxies the server trusts.
func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// secure tells whether the browser reached the server over TLS: directly, or through a
// proxy that the site's address (BaseURL https://…) says terminates it.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.BaseURL, "https://")
}

func (s *Server) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return DefaultSessionTTL
}

// setCookie sets one of the workspace's cookies: HttpOnly, SameSite=Strict, Secure over TLS;
// maxAge below zero deletes it.
func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

// loginPage shows the login form, with a CSRF token of its own cookie.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.showLogin(w, r, http.StatusOK, "")
}

// showLogin answers the login form with a status and a message: 401 where a page needed a
// login, 200 when asked for.
func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	pre, err := r.Cookie(loginCookie)
	value := ""
	if err == nil && len(pre.Value) > 20 {
		value = pre.Value
	} else {
		if value, _, err = auth.NewSession(); err != nil {
			jsonError(w, http.StatusInternalServerError, "new login form: "+err.Error())
			return
		}
		s.setCookie(w, r, loginCookie, value, int(loginWindow.Seconds()))
	}
	next := r.URL.Query().Get("next")
	switch {
	case r.URL.Path == "/login":
	case r.Method == http.MethodGet:
		next = r.URL.RequestURI()
	default: // a form whose session ended: back to its page, which a GET can show
		next = back(r)
	}
	s.page(w, r, status, "login", pageData{Title: words(r).Login, Message: msg, CSRF: auth.CSRFToken(value), Next: localPath(next)})
}

// localPath is p where it is a path of this site, else the workspace's home: a login never
// sends the browser elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') ||
		strings.ContainsFunc(p, func(c rune) bool { return c < ' ' || c == 0x7f || c >= 0x80 && c < 0xa0 }) {
		return "/work/"
	}
	return p
}

// login checks a name and a password and opens a session: a new cookie, so that none set
// before the login (a fixed session) survives it.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginFormBytes)
	pre, err := r.Cookie(loginCookie)
	if err != nil || !auth.CSRFValid(pre.Value, r.PostFormValue("csrf")) {
		s.showLogin(w, r, http.StatusForbidden, words(r).LoginExpired)
		return
	}
	name, pw := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	addr, now := store.OriginOf(r.Context()), time.Now()
	if len(name) > maxAccountName { // no account has such a name: keep no more of it than one could
		name = strings.ToValidUTF8(name[:maxAccountName], "")
	}
	out, err := s.checkLogin(r, addr, name, pw, now)
	switch {
	case r.Context().Err() != nil:
		return // the client has gone; its attempt counted all the same
	case errors.Is(err, errNotRecorded):
		s.log().Error("failed login not recorded", "err", err)
		jsonError(w, http.StatusServiceUnavailable, "the login could not be checked; try again later")
		return
	case err != nil:
		jsonError(w, http.StatusInternalServerError, "check the login: "+err.Error())
		return
	case out.wait > 0:
		w.Header().Set("Retry-After", strconv.Itoa(int(out.wait.Seconds())+1))
		s.showLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf(words(r).TooMany, int(out.wait.Minutes())+1))
		return
	case !out.ok:
		s.showLogin(w, r, http.StatusUnauthorized, words(r).BadLogin)
		return
	}
	a, ctx := out.account, r.Context()
	cookie, digest, err := auth.NewSession()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "new session: "+err.Error())
		return
	}
	sess := store.Session{Digest: digest, Account: a.Name, Created: now, Expires: now.Add(s.sessionTTL()), From: addr}
	if err := s.Store.AddSession(ctx, sess); err != nil {
		jsonError(w, http.StatusInternalServerError, "open the session: "+err.Error())
		return
	}
	s.Store.AddAudit(ctx, store.AuditEntry{At: now, Actor: a.Name, Action: "session.login", Subject: a.Name, Detail: "role " + a.Role})
	s.setCookie(w, r, loginCookie, "", -1)
	s.setCookie(w, r, sessionCookie, cookie, int(s.sessionTTL().Seconds()))
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout ends the request's session (its CSRF token checked like any form's).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok {
		return
	}
	if who.session != "" {
		ctx := r.Context()
		now := time.Now()
		if err := s.Store.EndSession(ctx, auth.Digest(who.session), now); err != nil {
			jsonError(w, http.StatusInternalServerError, "end the session: "+err.Error())
			return
		}
		s.Store.AddAudit(ctx, store.AuditEntry{At: now, Actor: who.name, Action: "session.logout", Subject: who.name})
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
