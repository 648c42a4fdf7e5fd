package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"sitrep/internal/store"
)

// RequestIDHeader names the header that carries every answer's request id. The same id is in
// the body of every error answer and in every log record about the request, so that a reader
// who quotes it lets an operator find what went wrong.
const RequestIDHeader = "X-Request-Id"

// maxDetail bounds how much of a withheld answer is kept for the log.
const maxDetail = 4 << 10

// guard gives every answer a request id and keeps the text of every 5xx answer from the
// client. A handler may write a 5xx answer with whatever it knows (a store's path, the
// engine's message); guard logs that text with the request id, method and path, and answers
// instead with a fixed reason and the request id: JSON under /api/, a short text page for the
// site's pages and feed. 4xx answers, which say what the caller can fix, pass unchanged.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := rand.Text()
		w.Header().Set(RequestIDHeader, id)
		g := &guarded{ResponseWriter: w}
		h.ServeHTTP(g, r)
		if g.status < 500 {
			return
		}
		reason, log := "internal error", s.log().Error
		switch g.status {
		case http.StatusInternalServerError:
		case http.StatusServiceUnavailable: // the store is held or down: expected now and then
			reason, log = "unavailable; try again shortly", s.log().Warn
		default:
			reason = strings.ToLower(http.StatusText(g.status))
		}
		log("request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", g.status,
			"detail", strings.TrimSpace(g.held.String()))
		hdr := w.Header()
		for _, k := range []string{"Content-Length", "Content-Disposition", "Last-Modified", "ETag"} {
			hdr.Del(k)
		}
		hdr.Set("Cache-Control", "no-store")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			hdr.Set("Content-Type", "application/json")
			w.WriteHeader(g.status)
			json.NewEncoder(w).Encode(map[string]string{"error": reason, "request_id": id})
			return
		}
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(g.status)
		fmt.Fprintf(w, "%s\nrequest id: %s\n", reason, id)
	})
}

// guarded passes an answer through unless its status is 5xx; then it holds the body back
// (up to maxDetail bytes) for guard to log.
type guarded struct {
	http.ResponseWriter
	status int // 0 until the handler writes a status or a body
	held   bytes.Buffer
}

func (g *guarded) WriteHeader(code int) {
	if g.status != 0 {
		return
	}
	g.status = code
	if code < 500 {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *guarded) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.WriteHeader(http.StatusOK)
	}
	if g.status < 500 {
		return g.ResponseWriter.Write(b)
	}
	if room := maxDetail - g.held.Len(); room > 0 {
		g.held.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

// Unwrap lets http.ResponseController reach the connection's deadlines through guard.
func (g *guarded) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// requestID returns the id guard gave the answer w belongs to.
func requestID(w http.ResponseWriter) string { return w.Header().Get(RequestIDHeader) }

// Refuse marks err as the caller's mistake — a bad parameter, an input it must fix — so that
// it is answered with a 4xx and its text, whatever errors of other types it wraps (a
// *time.ParseError, a *strconv.NumError). Callbacks mark what they refuse; what they do not
// mark is judged by failure.
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return refusal{err}
}

type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

// errorStatus chooses the status of an answer to an error from Ingest, Publish or Review,
// which return the caller's mistakes and the machine's failures alike as errors: refused (a
// 4xx) for a mistake the caller can fix, whose text is then shown; 409 for a bulletin already
// published or a ticket changed meanwhile; 413 for a body over MaxBody; 503 for a store held
// by another process; and 500, whose text guard withholds, for a failure.
func errorStatus(err error, refused int) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, store.ErrPublished), errors.Is(err, store.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, store.ErrLocked):
		return http.StatusServiceUnavailable
	case errors.As(err, new(refusal)):
		return refused
	case failure(err):
		return http.StatusInternalServerError
	}
	return refused
}

// plain are the types of the errors errors.New, fmt.Errorf and errors.Join make.
var plain = map[reflect.Type]bool{
	reflect.TypeOf(errors.New("")):                                     true,
	reflect.TypeOf(fmt.Errorf("%w", errors.New(""))):                   true,
	reflect.TypeOf(fmt.Errorf("%w%w", errors.New(""), errors.New(""))): true,
	reflect.TypeOf(errors.Join(errors.New(""))):                        true,
}

// failure tells whether err is the machine's failure rather than the caller's mistake.
// sitrep states the mistakes it refuses (an input in no known format, a missing review) as
// plain errors, made with errors.New or fmt.Errorf; what fails underneath comes with a type of
// its own: a store engine's driver error, *fs.PathError, a network error, *exec.ExitError. So
// an error whose chain holds any error of another type, or that ends in a cancelled or expired
// context, is a failure; a mistake stated with a type of its own would be answered as a
// failure too, which withholds a useful reason but never shows an internal one.
func failure(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for stack := []error{err}; len(stack) > 0; {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e == nil {
			continue
		}
		if !plain[reflect.TypeOf(e)] {
			return true
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			stack = append(stack, u.Unwrap())
		case interface{ Unwrap() []error }:
			stack = append(stack, u.Unwrap()...)
		}
	}
	return false
}
