package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// Limits bound what one client may ask of the server. The zero value of each field is the
// default given with it.
type Limits struct {
	// Rate and Burst limit each caller's requests: a token's, or for requests without a token
	// the client address's. 10 a second, bursts of 40.
	Rate  rate.Limit
	Burst int
	// MaxUpload bounds the body of one ingest request: MaxBody.
	MaxUpload int64
	// MinUploadRate is the slowest an upload may arrive, in bytes a second over each
	// UploadWindow (30 s); slower, it is cut off. 16 KiB a second.
	MinUploadRate int64
	UploadWindow  time.Duration
	// BodyWait is how long a request's body may take to arrive, but for an upload's file,
	// which must keep coming at MinUploadRate instead. 30 s.
	BodyWait time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.Rate == 0 {
		l.Rate = 10
	}
	if l.Burst == 0 {
		l.Burst = 40
	}
	if l.MaxUpload == 0 {
		l.MaxUpload = MaxBody
	}
	if l.MinUploadRate == 0 {
		l.MinUploadRate = 16 << 10
	}
	if l.UploadWindow == 0 {
		l.UploadWindow = 30 * time.Second
	}
	if l.BodyWait == 0 {
		l.BodyWait = 30 * time.Second
	}
	return l
}

// limiters keeps a rate limiter per caller, forgetting callers not seen for a while.
type limiters struct {
	mu    sync.Mutex
	by    map[string]*rated
	swept time.Time
}

type rated struct {
	lim  *rate.Limiter
	seen time.Time
}

// allow reports whether the caller of key may make one more request now.
func (ls *limiters) allow(key string, l Limits, now time.Time) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.by == nil {
		ls.by = map[string]*rated{}
	}
	if now.Sub(ls.swept) > time.Minute {
		for k, c := range ls.by {
			if now.Sub(c.seen) > 10*time.Minute {
				delete(ls.by, k)
			}
		}
		ls.swept = now
	}
	c := ls.by[key]
	if c == nil {
		c = &rated{lim: rate.NewLimiter(l.Rate, l.Burst)}
		ls.by[key] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// tokenKey keys the store's answer about a request's bearer token in the request's context.
type tokenKey struct{}

type lookedUp struct {
	token store.Token
	err   error
}

// lookup returns the store's record of a request's bearer token, asking the store once per
// request: the rate limit asks first and leaves the answer in the context for identify.
func (s *Server) lookup(r *http.Request, token string) (store.Token, error) {
	if v, ok := r.Context().Value(tokenKey{}).(lookedUp); ok {
		return v.token, v.err
	}
	return s.Store.TokenByDigest(r.Context(), auth.Digest(strings.TrimSpace(token)))
}

// callerKey names who sends a request, for its rate limit: a valid token's digest, or the
// address it comes from. A token the store does not know counts as its address, so made-up
// tokens neither escape the limit nor fill the table of limiters. It returns the request with
// the token's record in its context.
func (s *Server) callerKey(r *http.Request) (string, *http.Request) {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && token != "" && s.Store != nil {
		t, err := s.lookup(r, token)
		r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, lookedUp{t, err}))
		if err == nil {
			return "token:" + auth.Digest(strings.TrimSpace(token)), r
		}
	}
	return "addr:" + store.OriginOf(r.Context()), r
}

// limited answers 429 with Retry-After to a caller over its rate, before anything else is done.
func (s *Server) limited(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, r := s.callerKey(r)
		if !s.rates.allow(key, s.Limits.withDefaults(), time.Now()) {
			w.Header().Set("Retry-After", "1")
			jsonError(w, http.StatusTooManyRequests, "too many requests; slow down")
			return
		}
		// A body must come within BodyWait; the uploads' readers keep extending the deadline
		// while their bytes arrive at the minimum rate.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.Limits.withDefaults().BodyWait))
		h.ServeHTTP(w, r)
	})
}

// errTooSlow cuts off an upload that arrives slower than Limits.MinUploadRate.
var errTooSlow = errors.New("the upload arrives too slowly")

// uploadReader reads an upload's body no faster than the client sends it, but cuts it off
// when a window passes without MinUploadRate × window bytes, or without any byte at all.
type uploadReader struct {
	r      io.Reader
	rc     *http.ResponseController
	l      Limits
	start  time.Time
	inWin  int64
	cutoff bool
}

func newUploadReader(w http.ResponseWriter, body io.Reader, l Limits) *uploadReader {
	return &uploadReader{r: body, rc: http.NewResponseController(w), l: l, start: time.Now()}
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.cutoff {
		return 0, errTooSlow
	}
	// A client that stops sending altogether is cut off by the read deadline; a writer that
	// cannot set one (not a server's connection) reads without it.
	_ = u.rc.SetReadDeadline(time.Now().Add(u.l.UploadWindow))
	n, err := u.r.Read(p)
	u.inWin += int64(n)
	if now := time.Now(); now.Sub(u.start) >= u.l.UploadWindow {
		if u.inWin < u.l.MinUploadRate*int64(u.l.UploadWindow/time.Second) {
			u.cutoff = true
			return n, errTooSlow
		}
		u.start, u.inWin = now, 0
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return n, errTooSlow
	}
	return n, err
}
