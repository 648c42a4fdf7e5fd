package collect

import (
	"archive/zip"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Fetcher fetches over HTTP with retries.
type Fetcher struct {
	Client *http.Client
	// Tries is how many times a request is made before it is given up (default 4);
	// Backoff the wait before the second, doubling after each (default 2 s).
	Tries   int
	Backoff time.Duration
	// Idle is how long a mail server may say nothing before it is given up (default 2
	// minutes): a server that stops answering holds up no feed for longer.
	Idle time.Duration
}

// fetched is a body saved whole to a file, under the name the source gave it.
type fetched struct {
	path, name         string
	etag, lastModified string
	notModified        bool
}

// errFatal marks a failure that retrying will not mend.
type errFatal struct{ error }

func (e errFatal) Unwrap() error { return e.error }

// get fetches f's URL into dir, conditionally on what it last answered; it retries network
// failures and 5xx answers with backoff, and gives up at once on 4xx and on bodies over the
// cap.
//
// A body that breaks off is resumed where it stopped (Range, If-Range) when the server said it
// takes ranges and gave a validator that pins the body (a strong ETag or Last-Modified), and
// fetched again from the start otherwise, or where the server sends it whole.
func (fx *Fetcher) get(ctx context.Context, f Feed, last State, dir string) (fetched, error) {
	var got fetched
	var p partial
	err := fx.retry(ctx, func() (err error) {
		got, err = fx.once(ctx, f, last, dir, &p)
		return err
	})
	return got, err
}

// partial is a body that broke off, kept to be resumed: its file, the bytes it holds, what
// pins the body it is part of, and what its first answer said of the whole.
type partial struct {
	path                 string
	have                 int64
	validator            string
	name, etag, modified string
}

// retry calls try until it succeeds, fails with errFatal, or has failed Tries times, waiting
// Backoff before the second call and twice as long before each after.
func (fx *Fetcher) retry(ctx context.Context, try func() error) error {
	tries, wait := fx.Tries, fx.Backoff
	if tries <= 0 {
		tries = 4
	}
	if wait <= 0 {
		wait = 2 * time.Second
	}
	var err error
	for i := 0; i < tries; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		err = try()
		var fatal errFatal
		if err == nil || errors.As(err, &fatal) || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("%w (after %d tries)", err, tries)
}

func (fx *Fetcher) once(ctx context.Context, f Feed, last State, dir string, p *partial) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fetched{}, errFatal{err}
	}
	req.Header.Set("User-Agent", "sitrep-collect")
	resuming := p.have > 0
	switch {
	case resuming:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", p.have))
		req.Header.Set("If-Range", p.validator)
	default:
		if last.ETag != "" {
			req.Header.Set("If-None-Match", last.ETag)
		}
		if last.LastModified != "" {
			req.Header.Set("If-Modified-Since", last.LastModified)
		}
	}
	if f.KeyEnv != "" {
		key := os.Getenv(f.KeyEnv)
		switch h := f.Header; h {
		case "", "Authorization":
			req.Header.Set("Authorization", "Bearer "+key)
		default:
			req.Header.Set(h, key)
		}
	}
	resp, err := fx.client().Do(req)
	if err != nil {
		return fetched{}, err
	}
	defer resp.Body.Close()
	var start, total int64 = 0, resp.ContentLength
	switch {
	case resp.StatusCode == http.StatusNotModified && !resuming:
		return fetched{notModified: true, etag: last.ETag, lastModified: last.LastModified}, nil
	case resp.StatusCode == http.StatusPartialContent && resuming:
		var end int64
		if _, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err != nil || start != p.have {
			*p = partial{}
			return fetched{}, fmt.Errorf("the server resumed the body with Content-Range %q where %d bytes were held", resp.Header.Get("Content-Range"), p.have)
		}
	case resp.StatusCode >= 500:
		return fetched{}, fmt.Errorf("%s answered %s", hostOf(f.URL), resp.Status)
	case resp.StatusCode != http.StatusOK:
		*p = partial{}
		return fetched{}, errFatal{fmt.Errorf("%s answered %s", hostOf(f.URL), resp.Status)}
	default: // the whole body, from the first byte
		*p = partial{name: bodyName(resp, f), etag: resp.Header.Get("ETag"), modified: resp.Header.Get("Last-Modified")}
	}
	if total > f.MaxBytes {
		return fetched{}, errFatal{fmt.Errorf("the body is %d bytes, over the cap of %d (max_bytes)", total, f.MaxBytes)}
	}
	var out *os.File
	if start > 0 {
		out, err = os.OpenFile(p.path, os.O_WRONLY|os.O_APPEND, 0o600)
	} else {
		out, err = os.CreateTemp(dir, "body-")
	}
	if err != nil {
		return fetched{}, errFatal{err}
	}
	defer out.Close()
	copied, err := io.Copy(out, io.LimitReader(resp.Body, f.MaxBytes-start+1))
	n := start + copied
	switch {
	case err != nil:
		// Kept to be resumed where the server takes ranges of a body it pins down.
		v := p.etag
		if v == "" || strings.HasPrefix(v, "W/") {
			v = p.modified
		}
		// Not where the transport undid a gzip encoding: the bytes held are not the
		// server's, and a range of them would be of another body.
		if resp.Header.Get("Accept-Ranges") == "bytes" && v != "" && n > 0 && !resp.Uncompressed {
			p.path, p.have, p.validator = out.Name(), n, v
			return fetched{}, fmt.Errorf("the body broke off after %d bytes (to be resumed): %w", n, err)
		}
		*p = partial{}
		return fetched{}, fmt.Errorf("the body broke off after %d bytes: %w", n, err)
	case n > f.MaxBytes:
		return fetched{}, errFatal{fmt.Errorf("the body is over the cap of %d bytes (max_bytes)", f.MaxBytes)}
	case total >= 0 && n != total:
		*p = partial{}
		return fetched{}, fmt.Errorf("the body is %d bytes where the server said %d", n, total)
	}
	return fetched{path: out.Name(), name: p.name, etag: p.etag, lastModified: p.modified}, nil
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Host
	}
	return u
}

// bodyName is the file name the source gives a body (Content-Disposition, else the URL's
// last segment): it carries a Shadowserver report's type.
func bodyName(resp *http.Response, f Feed) string {
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		return filepath.Base(params["filename"])
	}
	if p, err := url.Parse(f.URL); err == nil {
		if b := path.Base(p.Path); b != "" && b != "/" && b != "." {
			return b
		}
	}
	return f.Name
}

// unpack turns a body into the files to ingest: a gzip body is expanded, a zip archive's
// files each taken, anything else is itself. Expansion stops at max bytes: a bomb is refused,
// not written out.
func unpack(body, name string, max int64, dir string) ([]file, error) {
	head := make([]byte, 4)
	f, err := os.Open(body)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		inner := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".gzip")
		p, err := expand(zr, max, dir, name)
		if err != nil {
			return nil, err
		}
		return []file{{p, inner}}, nil
	case len(head) == 4 && string(head) == "PK\x03\x04":
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var out []file
		var total int64
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", name, zf.Name, err)
			}
			p, err := expand(rc, max-total, dir, name+": "+zf.Name)
			rc.Close()
			if err != nil {
				return nil, err
			}
			st, _ := os.Stat(p)
			total += st.Size()
			out = append(out, file{p, path.Base(zf.Name)})
		}
		return out, nil
	}
	return []file{{body, name}}, nil
}

type file struct{ path, name string }

// expand writes what r expands to, refusing more than max bytes.
func expand(r io.Reader, max int64, dir, what string) (string, error) {
	out, err := os.CreateTemp(dir, "expanded-")
	if err != nil {
		return "", err
	}
	defer out.Close()
	n, err := io.Copy(out, io.LimitReader(r, max+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if n > max {
		return "", fmt.Errorf("%s expands to more than %d bytes (max_bytes): refused", what, max)
	}
	return out.Name(), nil
}
