package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
