package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sitrep/internal/collect"
)

// TestCollectCommand runs collect --once twice against a server on loopback: the first run
// ingests the feed, the second is told nothing changed and ingests nothing.
func TestCollectCommand(t *testing.T) {
	body := "\"timestamp\",\"src_ip\",\"src_geo\",\"src_region\",\"src_asn\",\"infection\",\"event_id\"\n" +
		"\"2024-02-27 01:02:03\",\"36.110.1.2\",\"CN\",\"GUANGDONG SHENG\",4134,\"mirai\",\"e1\"\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Disposition", `attachment; filename="2024-02-27-event4_sinkhole-asn-cn.csv"`)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feeds.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[[feed]]\nname = \"shadowserver\"\nurl = %q\ntlp = \"amber\"\n", srv.URL+"/download")), 0o600)
	store := filepath.Join(dir, "store")
	code, out, errs := sitrep(t, "", "--store", store, "collect", "--config", cfg, "--once")
	if code != 0 || !strings.Contains(out, "shadowserver: 2024-02-27-event4_sinkhole-asn-cn.csv: read 1, stored 1") {
		t.Fatalf("first run: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--store", store, "collect", "--config", cfg, "--once")
	if code != 0 || strings.TrimSpace(out) != "shadowserver: unchanged" {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errs)
	}
	// The feed's label reached the rows: a public count does not name the province.
	code, out, _ = sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
	if code != 0 || !strings.Contains(out, `"trojan_botnet": 1`) || strings.Contains(out, "广东省") {
		t.Errorf("statistics of the collected feed:\n%.600s", out)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "collect"); code != 2 || !strings.Contains(errs, "--config") {
		t.Errorf("collect without --config: %d %s", code, errs)
	}
}

// TestServeCollects: sitrep serve --collect fetches a feed on loopback as it falls due,
// ingests it once (the second round is told nothing changed), and GET /api/v1/feeds and
// collect --status tell analysts how each feed stands; a viewer may not ask.
func TestServeCollects(t *testing.T) {
	body := "\"timestamp\",\"src_ip\",\"src_geo\",\"src_region\",\"src_asn\",\"infection\",\"event_id\"\n" +
		"\"2024-02-27 01:02:03\",\"36.110.1.2\",\"CN\",\"GUANGDONG SHENG\",4134,\"mirai\",\"e1\"\n"
	var fetched, unchanged atomic.Int32
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			unchanged.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fetched.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Disposition", `attachment; filename="2024-02-27-event4_sinkhole-asn-cn.csv"`)
		w.Write([]byte(body))
	}))
	defer feed.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusInternalServerError) }))
	defer down.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feeds.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[[feed]]\nname = \"shadowserver\"\nurl = %q\nevery = \"1s\"\ntlp = \"amber\"\n\n[[feed]]\nname = \"broken\"\nurl = %q\nevery = \"1h\"\n",
		feed.URL+"/download?apikey=secret", down.URL)), 0o600)
	store := filepath.Join(dir, "store")
	tokens := map[string]string{}
	for _, role := range []string{"analyst", "viewer"} {
		code, out, errs := sitrep(t, "", "--store", store, "token", "create", "--role", role, "--name", role)
		if code != 0 {
			t.Fatal(errs)
		}
		tokens[role] = strings.TrimSpace(out)
	}
	url := startServer(t, store, "--collect", cfg, "--collect-tick", "200ms")
	get := func(token string) (int, []collect.FeedStatus) {
		req, _ := http.NewRequest("GET", url+"/api/v1/feeds", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var fs []collect.FeedStatus
		json.NewDecoder(resp.Body).Decode(&fs)
		return resp.StatusCode, fs
	}
	var fs []collect.FeedStatus
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && unchanged.Load() < 2; time.Sleep(100 * time.Millisecond) {
	}
	if fetched.Load() != 1 || unchanged.Load() < 2 {
		t.Fatalf("the feed was fetched whole %d times and told unchanged %d times; want 1 and at least 2", fetched.Load(), unchanged.Load())
	}
	code, fs := get(tokens["analyst"])
	if code != http.StatusOK || len(fs) != 2 {
		t.Fatalf("GET /api/v1/feeds: %d %+v", code, fs)
	}
	sh, br := fs[0], fs[1]
	if sh.Name != "shadowserver" || sh.URL != feed.URL+"/download" || sh.LastRun.IsZero() || !sh.NextRun.After(sh.LastRun) || sh.Result != "unchanged" || sh.LastError != "" {
		t.Errorf("the feed's status: %+v", sh)
	}
	if br.Name != "broken" || !strings.Contains(br.LastError, "500") || br.NextRun.Sub(br.LastRun) != time.Hour {
		t.Errorf("the failing feed's status: %+v", br)
	}
	if code, _ := get(tokens["viewer"]); code != http.StatusForbidden {
		t.Errorf("a viewer asked for the feeds: %d", code)
	}
	t.Setenv("SITREP_TOKEN", tokens["analyst"])
	code, out, errs := sitrep(t, "", "--server", url, "collect", "--status")
	if code != 0 || !strings.Contains(out, "shadowserver") || !strings.Contains(out, "unchanged") || !strings.Contains(out, "broken") || !strings.Contains(out, "failed:") {
		t.Errorf("collect --status over the server: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--server", url, "stats", "--week", "2024-W09", "--json")
	if code != 0 || !strings.Contains(out, `"trojan_botnet": 1`) {
		t.Errorf("statistics of the collected feed: exit %d\n%.600s%s", code, out, errs)
	}
}
