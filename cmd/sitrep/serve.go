package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/time/rate"

	"sitrep/internal/app"
	"sitrep/internal/collect"
	"sitrep/internal/event"
	"sitrep/internal/feed/native"
	"sitrep/internal/geoip"
	"sitrep/internal/ingest"
	"sitrep/internal/issue"
	"sitrep/internal/period"
	"sitrep/internal/queue"
	"sitrep/internal/render"
	"sitrep/internal/store"
	"sitrep/internal/store/clickhouse"
	"sitrep/internal/web"
)

func runServe(e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on")
	slots := fs.Int("query-slots", 2, "live statistics and bulletins computed at `once`")
	perSecond := fs.Float64("rate", 10, "requests a `second` per token (or per address without one), in bursts of four times that")
	maxUpload := fs.Int64("max-upload", web.MaxBody, "largest ingest upload, in `bytes`")
	syncWait := fs.Duration("sync-wait", web.DefaultSyncWait, "how long an ingest request waits for its summary before it is answered 202 with a job to ask (`duration`)")
	feeds := fs.String("collect", "", "collect the feeds of this TOML `file` as each falls due (as sitrep collect does); GET /api/v1/feeds tells how they stand")
	tick := fs.Duration("collect-tick", time.Minute, "how often the server looks for feeds that are due (`duration`)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate `file` (chain first to last); with --tls-key")
	tlsKey := fs.String("tls-key", "", "the PEM private key `file` of --tls-cert")
	queueAddr := fs.String("queue", "", "hand uploads to the workers of this NATS JetStream `address` (nats://host:4222[,…][?replicas=3]) and answer at once with the job; needs a store the workers share (clickhouse://)")
	sessionTTL := fs.Duration("session-ttl", web.DefaultSessionTTL, "how long a browser's login to the workspace lasts (`duration`)")
	var proxies []netip.Prefix
	fs.Func("trusted-proxy", "a reverse proxy in front of the server (an address or `CIDR`; repeat for more): requests from it came from the address its X-Forwarded-For names", func(v string) error {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return fmt.Errorf("%q is neither an address nor a CIDR", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		proxies = append(proxies, p.Masked())
		return nil
	})
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	if *tlsCert != "" { // refuse a pair that does not load before taking the store
		if _, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
	}
	if *queueAddr != "" && !clickhouse.IsURL(e.cfg.Store) {
		return usageError{"--queue hands uploads to workers that write to a store they share: name a ClickHouse store (--store clickhouse://…)"}
	}
	var feedsCfg *collect.Config
	if *feeds != "" {
		var err error
		if feedsCfg, err = readFeeds(*feeds); err != nil {
			return err
		}
	}
	// The server holds the store for its lifetime: the command line reaches it through the
	// server (--server), and a command that finds it held says where the server answers.
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + l.Addr().String()
	if *tlsCert != "" {
		url = "https://" + l.Addr().String()
	}
	remove, err := e.cfg.Announce(url)
	if err != nil {
		l.Close()
		return err
	}
	defer remove()
	// Uploads are located with the databases the server is configured with, as a local
	// ingest is with --geoip and --asn-db.
	var locate func(ip string) (string, string, uint32)
	if e.cfg.GeoIP != "" || e.cfg.ASNDB != "" {
		geo, err := geoip.Open(e.cfg.GeoIP, e.cfg.ASNDB)
		if err != nil {
			return err
		}
		defer geo.Close()
		locate = geo.Locate
	}
	srv := newWebServer(e, st, locate)
	srv.Context, srv.SyncWait, srv.SessionTTL, srv.TrustedProxies = e.ctx, *syncWait, *sessionTTL, proxies
	srv.Name = serverName(e.cfg.Store)
	if *queueAddr != "" {
		q, err := queue.Open(e.ctx, *queueAddr)
		if err != nil {
			return err
		}
		defer q.Close()
		srv.Ingest = nil
		srv.Enqueue = func(ctx context.Context, st store.Store, j store.Job, path string, iq web.IngestQuery) (store.Job, error) {
			opt, err := e.uploadOptions(iq, locate)
			if err != nil {
				return j, err
			}
			return queue.Enqueue(ctx, st, q, j, iq.Name, func() (*os.File, error) { return os.Open(path) }, opt)
		}
		fmt.Fprintf(e.stderr, "uploads go to the workers of %s\n", q)
	}
	if n, err := srv.Abandoned(e.ctx); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(e.stderr, "%d job(s) were left unfinished when the server last stopped; they are marked failed\n", n)
	}
	collecting := make(chan struct{})
	collectCtx, stopCollecting := context.WithCancel(e.ctx)
	defer stopCollecting()
	if feedsCfg != nil {
		c, report := e.collector(feedsCfg, st, 5*time.Minute, func(f func()) { srv.Write(func(store.Store) { f() }) }, nil, nil)
		srv.Feeds = func(ctx context.Context) (any, error) { return c.Status() }
		go func() {
			defer close(collecting)
			if err := c.Run(collectCtx, *tick, report); err != nil {
				e.cfg.Log.Error("collection stopped", "err", err)
			}
		}()
	} else {
		close(collecting)
	}
	srv.QuerySlots = *slots
	srv.Limits = web.Limits{Rate: rate.Limit(*perSecond), Burst: max(1, int(4**perSecond)), MaxUpload: *maxUpload}
	// A request's headers must come within 10 s and a kept-alive connection idles 2 minutes;
	// an upload is held to a minimum rate by the server itself, and an answer must be written
	// within 15 minutes (an ingest is answered within --sync-wait of its upload's end).
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		WriteTimeout: 15 * time.Minute, BaseContext: func(net.Listener) context.Context { return e.ctx }}
	fmt.Fprintf(e.stderr, "serving the published bulletins on %s/ (Ctrl-C to stop)\n", url)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-e.ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}()
	if *tlsCert != "" {
		err = hs.ServeTLS(l, *tlsCert, *tlsKey)
	} else {
		err = hs.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		err = nil
	}
	srv.Wait() // the jobs end (cancelled by e.ctx when stopping) before the store closes
	stopCollecting()
	<-collecting // and so does the collection
	return err
}

// newWebServer wires the site, over the store st it holds, to the same code the commands run;
// locate (nil for none) completes the location of uploaded rows.
func newWebServer(e *env, st store.Store, locate func(ip string) (country, province string, asn uint32)) *web.Server {
	svc := e.issues("serve")
	dir, _ := app.StoreDir(e.cfg.Store)
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o700) // the embedded store makes it; a store kept elsewhere has only this machine's directory
	return &web.Server{
		Store:   st,
		TempDir: tmp,
		Render: func(ctx context.Context, st store.Store, wk, lang, format string, tlp event.TLP, page bool) ([]byte, error) {
			w, err := period.Parse(wk) // a week, a month, a quarter or a year
			if err != nil {
				return nil, web.Refuse(err)
			}
			b, err := svc.Build(ctx, st, w, lang, e.cfg.Edition(tlp))
			if err != nil {
				return nil, err
			}
			base := "" // a page of the site links by site addresses
			if !page {
				base = e.fileLinkBase()
			}
			if err := svc.ShowDraft(ctx, st, b, base); err != nil {
				return nil, err
			}
			return svc.Render(ctx, b, render.Format(format), issue.Figures{})
		},
		Stats: func(ctx context.Context, st store.Store, span string, tlp event.TLP) (any, error) {
			p, err := period.Parse(span) // a week, a month, a quarter or a year
			if err != nil {
				return nil, web.Refuse(err)
			}
			if p.Kind == period.Week {
				return e.cfg.Stats(ctx, st, p.Week(), tlp)
			}
			return e.cfg.PeriodStats(ctx, st, p, tlp)
		},
		Ingest: func(ctx context.Context, st store.Store, path string, q web.IngestQuery) (any, error) {
			opt, err := e.uploadOptions(q, locate)
			if err != nil {
				return nil, err
			}
			sum, err := ingest.Input(ctx, st, q.Name, func() (*os.File, error) { return os.Open(path) }, opt)
			if err != nil {
				return nil, err
			}
			if err := refresh(ctx, svc, st, sum.Span, e.cfg.Log); err != nil {
				e.cfg.Log.Warn("the changed weeks were not counted ahead; they will be when asked for", "err", err)
			}
			return queue.Answer(sum), nil
		},
		Publish: func(ctx context.Context, st store.Store, wk, actor string) (int, error) {
			w, err := period.Parse(wk)
			if err != nil {
				return 0, web.Refuse(err)
			}
			return svc.Publish(ctx, st, w, actor, issue.PublishOptions{Warn: svc.Warn})
		},
		Review: func(ctx context.Context, st store.Store, wk, actor, note string) (string, any, error) {
			w, err := period.Parse(wk)
			if err != nil {
				return "", nil, web.Refuse(err)
			}
			r, err := svc.Review(ctx, st, w, actor, note)
			return r.Digest, r.Warnings, err
		},
		Correct: func(ctx context.Context, st store.Store, key, actor, reason string) (int, error) {
			p, err := period.Parse(key)
			if err != nil {
				return 0, web.Refuse(err)
			}
			return svc.Correct(ctx, st, p, actor, reason, issue.PublishOptions{Warn: svc.Warn})
		},
		Draft: func(ctx context.Context, st store.Store, key string) (string, []web.DraftWarning, error) {
			p, err := period.Parse(key)
			if err != nil {
				return "", nil, web.Refuse(err)
			}
			digest, zh, _, err := svc.Both(ctx, st, p)
			if err != nil {
				return "", nil, err
			}
			var ws []web.DraftWarning
			for _, w := range zh.Warnings { // each in both languages
				ws = append(ws, web.DraftWarning{ZH: w.ZH, EN: w.EN})
			}
			return digest, ws, nil
		},
		Notice: func(ctx context.Context, st store.Store, id, actor string, send bool) ([]byte, error) {
			return e.notice(ctx, st, id, actor, send)
		},
		BaseURL: e.cfg.BaseURL,
		Org:     e.orgName(),
		Zone:    e.cfg.Zone,
		Log:     e.cfg.Log,
	}
}

// uploadOptions are the ingest's options for an upload asked with q.
func (e *env) uploadOptions(q web.IngestQuery, locate func(ip string) (string, string, uint32)) (ingest.Options, error) {
	opt := e.cfg.IngestOptions()
	opt.Source = q.Source
	opt.Observed = time.Now() // a list of URLs without times was fetched as it was sent
	if q.Observed != "" {
		t, err := native.ParseTime(q.Observed, e.cfg.Zone)
		if err != nil {
			return opt, web.Refuse(fmt.Errorf("observed: %w", err))
		}
		opt.Observed = t
	}
	if err := opt.SetFormat(q.Format); err != nil {
		return opt, web.Refuse(err)
	}
	opt.Locate = locate
	return opt, nil
}

// serverName tells this server from others sharing its records: its host and its store's
// directory on this machine.
func serverName(st string) string {
	host, _ := os.Hostname()
	dir, _ := app.StoreDir(st)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return host + ":" + dir
}
