package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"sitrep/internal/app"
	"sitrep/internal/event"
	"sitrep/internal/feed"
	"sitrep/internal/feed/native"
	"sitrep/internal/ingest"
	"sitrep/internal/issue"
	"sitrep/internal/render"
	"sitrep/internal/store"
	"sitrep/internal/web"
	"sitrep/internal/week"
)

func runServe(e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	// Check the store once, so that a wrong --store is said at once, not on the first request.
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	st.Close()
	srv := newWebServer(e)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stderr, "serving the published bulletins on http://%s/ (Ctrl-C to stop)\n", l.Addr())
	go func() {
		<-e.ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newWebServer wires the site to the same code the commands run.
func newWebServer(e *env) *web.Server {
	svc := e.issues("serve")
	return &web.Server{
		Open: func(ctx context.Context, write bool) (store.Store, error) { return e.cfg.Open(ctx, !write) },
		Render: func(ctx context.Context, st store.Store, wk, lang, format string, tlp event.TLP) ([]byte, error) {
			w, err := week.Parse(wk)
			if err != nil {
				return nil, err
			}
			b, err := svc.Build(ctx, st, w, lang, e.cfg.Edition(tlp))
			if err != nil {
				return nil, err
			}
			return svc.Render(ctx, b, render.Format(format), issue.Figures{})
		},
		Stats: func(ctx context.Context, st store.Store, wk string, tlp event.TLP) (any, error) {
			w, err := week.Parse(wk)
			if err != nil {
				return nil, err
			}
			return e.cfg.Stats(ctx, st, w, tlp)
		},
		Ingest: func(ctx context.Context, st store.Store, body io.Reader, format string) (any, error) {
			opt := e.cfg.IngestOptions()
			if format != "" {
				if fd := feed.ByName(format); fd != nil {
					opt.Feed = fd
				} else if f, err := native.ParseFormat(format); err == nil {
					opt.Format = f
				} else {
					return nil, err
				}
			}
			dir, _ := app.StoreDir(e.cfg.Store)
			opt.TempDir = dir
			sum, err := ingest.File(ctx, st, "-", body, opt)
			if err != nil {
				return nil, err
			}
			return map[string]any{"read": sum.Read, "stored": sum.Stored, "duplicate": sum.Duplicate, "rejected": sum.Rejected,
				"format": sum.Format, "feed": sum.Feed, "encoding": sum.Encoding, "sha256": sum.SHA256, "summary": sum.String()}, nil
		},
		Publish: func(ctx context.Context, st store.Store, wk, actor string) (int, error) {
			w, err := week.Parse(wk)
			if err != nil {
				return 0, err
			}
			return svc.Publish(ctx, st, w, actor, issue.PublishOptions{Warn: svc.Warn})
		},
		Review: func(ctx context.Context, st store.Store, wk, actor, note string) error {
			w, err := week.Parse(wk)
			if err != nil {
				return err
			}
			_, err = svc.Review(ctx, st, w, actor, note)
			return err
		},
		Zone: e.cfg.Zone,
		Log:  e.cfg.Log,
	}
}
