package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"sitrep/internal/blacklist"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/web"
	"sitrep/internal/week"
)

func mustWeek(t *testing.T, s string) week.Week {
	t.Helper()
	w, err := week.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestBlacklist pulls the public blacklist of the published week as a resolver and a firewall
// would: plain lists, a hosts file and an RPZ zone that a DNS server built on a maintained DNS
// library loads and applies (NXDOMAIN for a listed host and its subdomains, an answer for
// others); an unchanged file answers 304 to its ETag; entries carry when they were first and
// last seen and when they expire; nothing is listed before a week is published.
func TestBlacklist(t *testing.T) {
	specs := synth.Weeks(mustWeek(t, "2024-W09"), 2, 5)
	for i := range specs {
		specs[i] = specs[i].Scale(0.01)
	}
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	t.Cleanup(func() { st.Close() })
	if err := st.Publish(context.Background(), []store.Rendering{{Week: "2024-W09", Lang: "zh", Format: "html", Title: "第9期",
		Content: []byte("<html></html>"), PublishedAt: time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC), Actor: "pub"}}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer((&web.Server{Store: st, Zone: shanghai}).Handler())
	t.Cleanup(ts.Close)
	code, h, domains := get(t, ts.URL+"/blacklist/domains.txt")
	var hosts []string
	for _, line := range strings.Split(strings.TrimSpace(domains), "\n") {
		if !strings.HasPrefix(line, "#") {
			hosts = append(hosts, line)
		}
	}
	if code != 200 || len(hosts) == 0 || h.Get("ETag") == "" || !strings.Contains(domains, "# sitrep blacklist: host names") {
		t.Fatalf("domains.txt: %d, ETag %q, %d hosts:\n%.500s", code, h.Get("ETag"), len(hosts), domains)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/blacklist/domains.txt", nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("an unchanged list with its ETag: %v %v", resp.StatusCode, err)
	}
	for _, f := range []string{"ips.txt", "urls.txt", "hosts.txt"} {
		if code, _, body := get(t, ts.URL+"/blacklist/"+f); code != 200 || len(strings.Split(strings.TrimSpace(body), "\n")) < 3 {
			t.Errorf("%s: %d\n%.300s", f, code, body)
		}
	}
	if _, _, hostsFile := get(t, ts.URL+"/blacklist/hosts.txt"); !strings.Contains(hostsFile, "\n0.0.0.0 "+hosts[0]+"\n") {
		t.Errorf("hosts.txt lacks %s:\n%.300s", hosts[0], hostsFile)
	}

	_, _, body := get(t, ts.URL+"/blacklist/entries.json")
	var raw struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.Entries) == 0 {
		t.Fatalf("entries.json: %v\n%.300s", err, body)
	}
	e := raw.Entries[0]
	last, _ := time.Parse(time.RFC3339, e["last_seen"].(string))
	expires, _ := time.Parse(time.RFC3339, e["expires"].(string))
	if e["first_seen"] == nil || !expires.Equal(last.Add(30*24*time.Hour)) {
		t.Errorf("entry %v: expires %v, last seen %v", e, expires, last)
	}

	// The zone in a DNS server.
	_, _, zone := get(t, ts.URL+"/blacklist/rpz.zone")
	zp := dns.NewZoneParser(strings.NewReader(zone), "", "rpz.zone")
	blocked := map[string]bool{}
	var serial uint32
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch rr := rr.(type) {
		case *dns.CNAME:
			if rr.Target == "." {
				blocked[strings.TrimSuffix(rr.Hdr.Name, "blacklist.rpz.")] = true
			}
		case *dns.SOA:
			serial = rr.Serial
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("the zone does not parse: %v\n%.500s", err, zone)
	}
	if serial != 2024030300 || !blocked[hosts[0]+"."] || !blocked["*."+hosts[0]+"."] {
		t.Fatalf("zone: serial %d, %d policies, %s blocked %v", serial, len(blocked), hosts[0], blocked[hosts[0]+"."])
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		name := strings.ToLower(q.Question[0].Name)
		labels := dns.SplitDomainName(name)
		for i := range labels { // the name itself, then each parent as a wildcard
			n := strings.Join(labels[i:], ".") + "."
			if (i == 0 && blocked[n]) || (i > 0 && blocked["*."+n]) {
				m.Rcode = dns.RcodeNameError
				break
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	ask := func(name string) int {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), dns.TypeA)
		r, _, err := new(dns.Client).Exchange(m, pc.LocalAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		return r.Rcode
	}
	if rc := ask(hosts[0]); rc != dns.RcodeNameError {
		t.Errorf("%s: %s, want NXDOMAIN", hosts[0], dns.RcodeToString[rc])
	}
	if rc := ask("www." + hosts[0]); rc != dns.RcodeNameError {
		t.Errorf("www.%s: %s, want NXDOMAIN", hosts[0], dns.RcodeToString[rc])
	}
	if rc := ask("example.org"); rc != dns.RcodeSuccess {
		t.Errorf("example.org: %s, want NOERROR", dns.RcodeToString[rc])
	}

	if code, _, _ := get(t, ts.URL+"/blacklist/secrets.txt"); code != 404 {
		t.Errorf("an unknown file: %d", code)
	}
	// A week published with its blacklist frozen serves that, whatever the data says now.
	frozen := `{"as_of":"2024-03-11T00:00:00+08:00","serial":2024031000,"ttl":"720h0m0s","entries":[{"type":"host","value":"frozen.example","kinds":["phishing"],"first_seen":"2024-03-05T00:00:00Z","last_seen":"2024-03-06T00:00:00Z","expires":"2024-04-05T00:00:00Z"}]}`
	if err := st.Publish(context.Background(), []store.Rendering{
		{Week: "2024-W10", Lang: "zh", Format: "html", Title: "第10期", Content: []byte("<html></html>"), PublishedAt: time.Date(2024, 3, 11, 9, 0, 0, 0, time.UTC), Actor: "pub"},
		{Week: "2024-W10", Format: blacklist.Format, Title: "blacklist", Content: []byte(frozen), PublishedAt: time.Date(2024, 3, 11, 9, 0, 0, 0, time.UTC), Actor: "pub"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, body := get(t, ts.URL+"/blacklist/domains.txt"); !strings.HasSuffix(body, "(TLP:CLEAR)\nfrozen.example\n") {
		t.Errorf("the frozen list of 2024-W10:\n%s", body)
	}
	empty, _ := archiveSite(t, map[string][]string{"2024-02": {"zh.html"}}) // a month, no week
	if code, _, body := get(t, empty.URL+"/blacklist/domains.txt"); code != 404 || !strings.Contains(body, "no week is published") {
		t.Errorf("before any week is published: %d %s", code, body)
	}
}
