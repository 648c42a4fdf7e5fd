package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"sitrep/internal/web"
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
	srv := &web.Server{
		Open: func(ctx context.Context) (web.Archive, error) { return e.cfg.Open(ctx, true) },
		Log:  e.cfg.Log,
	}
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
