package collect

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

// Shadowserver's Reports API: a request is a JSON object with the API key, signed by the
// secret (HMAC-SHA256 of the body, in hex, in the header HMAC2). reports/list answers the
// reports of a range of days, each with an ID by which the file is downloaded.

// DefaultShadowserverDownload is where Shadowserver's report files are downloaded by ID.
const DefaultShadowserverDownload = "https://dl.shadowserver.org/"

// maxList caps the answer of reports/list.
const maxList = 16 << 20

// report is one entry of reports/list.
type report struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Report    string `json:"report"`
	File      string `json:"file"`
	Timestamp string `json:"timestamp"`
}

// list asks the API for the reports of the last f.Days days (and the next, as Shadowserver's
// days and ours may not agree), of f's report names where it gives them.
func (fx *Fetcher) list(ctx context.Context, f Feed, now time.Time) ([]report, error) {
	q := map[string]any{
		"apikey": os.Getenv(f.KeyEnv),
		"date":   now.AddDate(0, 0, -f.Days).Format(time.DateOnly) + ":" + now.AddDate(0, 0, 1).Format(time.DateOnly),
	}
	if len(f.Reports) > 0 {
		q["report"] = f.Reports
	}
	body, _ := json.Marshal(q)
	mac := hmac.New(sha256.New, []byte(os.Getenv(f.SecretEnv)))
	mac.Write(body)
	sig := hex.EncodeToString(mac.Sum(nil))
	endpoint := strings.TrimSuffix(f.URL, "/") + "/reports/list"
	var out []report
	err := fx.retry(ctx, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return errFatal{err}
		}
		req.Header.Set("HMAC2", sig)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "sitrep-collect")
		resp, err := fx.client().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxList+1))
		switch {
		case err != nil:
			return fmt.Errorf("reports/list broke off: %w", err)
		case resp.StatusCode >= 500:
			return fmt.Errorf("%s answered %s", hostOf(f.URL), resp.Status)
		case len(b) > maxList:
			return errFatal{fmt.Errorf("reports/list answered more than %d bytes", maxList)}
		}
		var failed struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &failed) == nil && failed.Error != "" {
			return errFatal{fmt.Errorf("reports/list: %s (%s)", failed.Error, resp.Status)}
		}
		if resp.StatusCode != http.StatusOK {
			return errFatal{fmt.Errorf("reports/list: %s answered %s", hostOf(f.URL), resp.Status)}
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return errFatal{fmt.Errorf("reports/list answered what is not a list of reports: %w", err)}
		}
		return nil
	})
	return out, err
}

// client is the Fetcher's client, following redirects with care: never from https to http,
// never a POST (the API's signed requests go where they were sent or nowhere), and to another
// host without the headers that may carry a key.
func (fx *Fetcher) client() *http.Client {
	c := http.Client{}
	if fx.Client != nil {
		c = *fx.Client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0]
		switch {
		case len(via) >= 10:
			return errors.New("stopped after 10 redirects")
		case first.Method != http.MethodGet:
			return fmt.Errorf("%s redirected a %s to %s: not followed", hostOf(first.URL.String()), first.Method, req.URL.Host)
		case first.URL.Scheme == "https" && req.URL.Scheme != "https":
			return fmt.Errorf("%s redirected from https to %s: not followed", hostOf(first.URL.String()), req.URL.Scheme)
		}
		if req.URL.Host != first.URL.Host {
			for k := range req.Header {
				if k != "User-Agent" && k != "Accept" && k != "Accept-Encoding" {
					req.Header.Del(k)
				}
			}
		}
		return nil
	}
	return &c
}

// wanted tells whether a report is one of the types f takes (all where it names none).
func (f *Feed) wanted(r report) bool {
	if len(f.Types) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Types, func(t string) bool {
		return r.Type == t || strings.HasPrefix(r.Type, t+"_") || strings.Contains(r.File, "-"+t+"-") || strings.Contains(r.File, "-"+t+"_")
	})
}

// runShadowserver lists the feed's reports and ingests each not taken before, under the file
// name Shadowserver gives it (which carries its report type). A report is marked taken once
// it is ingested whole; one that failed is tried again next time.
func (c *Collector) runShadowserver(ctx context.Context, f Feed, st *State, dir string, r *Result) {
	reports, err := c.Fetch.list(ctx, f, c.now())
	if err != nil {
		r.Err = err
		return
	}
	if st.Seen == nil {
		st.Seen = map[string]string{}
	}
	var errs []error
	for _, rep := range reports {
		if rep.ID == "" || st.Seen[rep.ID] != "" || !f.wanted(rep) {
			continue
		}
		dl := f
		dl.URL = strings.TrimSuffix(f.Download, "/") + "/" + rep.ID
		dl.KeyEnv = "" // the ID is the download's only key
		repDir, err := os.MkdirTemp(dir, "report-")
		if err != nil {
			errs = append(errs, err)
			break
		}
		got, err := c.Fetch.get(ctx, dl, State{}, repDir)
		if err != nil { // not fetched: tried again next round
			errs = append(errs, fmt.Errorf("%s: %w", rep.File, err))
			os.RemoveAll(repDir)
			continue
		}
		name := rep.File
		if name == "" {
			name = got.name
		}
		files, err := unpack(got.path, name, f.MaxBytes, repDir)
		if err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, c.ingestFiles(ctx, f, files, r)...)
		os.RemoveAll(repDir)
		if ctx.Err() != nil { // stopped part-way: this report is taken again next round
			break
		}
		// Taken, whole or not: a report that cannot be read reads no better next time, and
		// what landed of it counts once if it is ever taken again.
		st.Seen[rep.ID] = c.now().Format(time.DateOnly)
	}
	// Reports older than the days listed are never listed again: forget them.
	cut := c.now().AddDate(0, 0, -f.Days-7).Format(time.DateOnly)
	for id, day := range st.Seen {
		if day < cut {
			delete(st.Seen, id)
		}
	}
	r.Err = errors.Join(errs...)
}
