package storetest

import (
	"reflect"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

// ev builds an event inside the week unless at says otherwise.
func ev(kind event.Kind, ip, url, host, domain, country string, mod ...func(*event.Event)) event.Event {
	e := event.Event{Time: mid, Kind: kind, IP: ip, URL: url, Host: host, Domain: domain, Country: country, TLP: event.Clear}
	if host != "" && (host[0] >= '0' && host[0] <= '9') {
		e.HostIsIP = true
	}
	for _, m := range mod {
		m(&e)
	}
	return e
}

func at(t time.Time) func(*event.Event)      { return func(e *event.Event) { e.Time = t } }
func family(f string) func(*event.Event)     { return func(e *event.Event) { e.Family = f } }
func province(p string) func(*event.Event)   { return func(e *event.Event) { e.Province = p } }
func registrant(c string) func(*event.Event) { return func(e *event.Event) { e.RegistrantCountry = c } }
func gov(g *bool) func(*event.Event)         { return func(e *event.Event) { e.Gov = g } }
func extra(x string) func(*event.Event)      { return func(e *event.Event) { e.Extra = x } }

// testEventCounts checks each definition of CONTRACT.md on a small, hand-counted week.
func testEventCounts(t *testing.T, open Opener) {
	before, after := from.Add(-time.Second), to // just outside the week, both sides
	tests := []struct {
		name   string
		events []event.Event
		top    int
		check  func(t *testing.T, c store.EventCounts)
	}{
		{
			name: "infected hosts: distinct domestic IPs, Conficker apart, any case",
			events: []event.Event{
				ev(event.InfectedHost, "10.0.0.1", "", "", "", "CN", family("mirai")),
				ev(event.InfectedHost, "10.0.0.1", "", "", "", "CN", family("mirai")), // seen again
				ev(event.InfectedHost, "10.0.0.2", "", "", "", "CN"),                  // no family: trojan/botnet
				ev(event.InfectedHost, "10.0.0.3", "", "", "", "CN", family("CONFICKER")),
				ev(event.InfectedHost, "10.0.0.4", "", "", "", "CN", family("conficker")),
				ev(event.InfectedHost, "10.0.0.5", "", "", "", "US", family("mirai")), // abroad
				ev(event.InfectedHost, "10.0.0.6", "", "", "", "", family("mirai")),   // country unknown
				ev(event.InfectedHost, "", "", "", "", "CN", family("mirai")),         // no IP
				ev(event.InfectedHost, "10.0.0.7", "", "", "", "CN", at(before)),      // last week
				ev(event.InfectedHost, "10.0.0.8", "", "", "", "CN", at(after)),       // next week
				ev(event.InfectedHost, "10.0.0.9", "", "", "", "CN", at(to.Add(-time.Microsecond))),
			},
			check: func(t *testing.T, c store.EventCounts) {
				if c.TrojanBotnet != 3 || c.Conficker != 2 {
					t.Errorf("trojan/botnet %d (want 3), conficker %d (want 2)", c.TrojanBotnet, c.Conficker)
				}
			},
		},
		{
			name: "beyond the bulletin: distinct addresses of each kind, vulnerable services by service",
			top:  2,
			events: []event.Event{
				ev(event.BruteForce, "10.2.0.1", "", "", "", "CN"),
				ev(event.BruteForce, "10.2.0.1", "", "", "", "CN"), // seen again
				ev(event.BruteForce, "10.2.0.2", "", "", "", "US"),
				ev(event.Scanner, "10.2.1.1", "", "", "", "CN"),
				ev(event.AmplificationVictim, "10.2.2.1", "", "", "", "CN"),
				ev(event.AmplificationVictim, "10.2.2.2", "", "", "", "CN", at(before)), // last week
				ev(event.VulnerableService, "10.2.3.1", "", "", "", "CN", extra(`{"service":"rdp","tag":"rdp"}`)),
				ev(event.VulnerableService, "10.2.3.2", "", "", "", "CN", extra(`{"service":"rdp"}`)),
				ev(event.VulnerableService, "10.2.3.2", "", "", "", "CN", extra(`{"service":"http","tag":"cve-2021-26855"}`)),
				ev(event.VulnerableService, "10.2.3.3", "", "", "", "CN", extra(`{"service":"http"}`)),
				ev(event.VulnerableService, "10.2.3.4", "", "", "", "CN", extra(`{"service":"telnet"}`)),
				ev(event.VulnerableService, "10.2.3.5", "", "", "", "CN"), // no service named
				ev(event.BotnetCC, "10.2.4.1", "", "", "", "US", family("Emotet")),
				ev(event.BotnetCC, "10.2.4.1", "", "", "", "US", family("Emotet")),
				ev(event.ExposedDevice, "10.2.5.1", "", "", "", "CN", extra(`{"device_type":"camera"}`)),
				ev(event.ExposedDevice, "10.2.5.1", "", "", "", "CN"),
				ev(event.ExposedDevice, "10.2.5.2", "", "", "", "CN"),
				ev(event.Blocklisted, "10.2.6.1", "", "", "", "CN", extra(`{"list":"Spamhaus DROP"}`)),
				ev(event.MalwareContact, "10.2.7.1", "http://gate.example.cn/p", "", "", "CN"),
				ev(event.MalwareContact, "10.2.7.1", "http://gate.example.cn/q", "", "", "CN"),
				ev(event.MalwareContact, "", "http://only-a-name.example.cn/", "only-a-name.example.cn", "example.cn", "CN"),
			},
			check: func(t *testing.T, c store.EventCounts) {
				if c.ExposedDevices != 2 || c.Blocklisted != 1 || c.MalwareContacts != 2 || c.MalwareDomains != 0 {
					t.Errorf("exposed devices %d (want 2), blocklisted %d (1), malware contacts %d (2), malware domains %d (0)",
						c.ExposedDevices, c.Blocklisted, c.MalwareContacts, c.MalwareDomains)
				}
				if c.BruteForceSources != 2 || c.Scanners != 1 || c.AmplificationVictims != 1 || c.VulnerableHosts != 5 || c.BotnetCC != 1 {
					t.Errorf("brute force %d (want 2), scanners %d (1), amplification victims %d (1), vulnerable hosts %d (5)",
						c.BruteForceSources, c.Scanners, c.AmplificationVictims, c.VulnerableHosts)
				}
				want := []store.NameCount{{Name: "http", Count: 2}, {Name: "rdp", Count: 2}}
				if !reflect.DeepEqual(c.ByService, want) {
					t.Errorf("by service %+v, want %+v", c.ByService, want)
				}
				if c.TrojanBotnet != 0 || c.DDoSEvents != 0 {
					t.Errorf("counted in the bulletin's sections: %+v", c)
				}
			},
		},
		{
			name: "top provinces by trojan/botnet hosts, most first, ties by name",
			top:  2,
			events: []event.Event{
				ev(event.InfectedHost, "10.0.1.1", "", "", "", "CN", province("浙江省")),
				ev(event.InfectedHost, "10.0.1.2", "", "", "", "CN", province("广东省")),
				ev(event.InfectedHost, "10.0.1.3", "", "", "", "CN", province("广东省")),
				ev(event.InfectedHost, "10.0.1.3", "", "", "", "CN", province("广东省")),
				ev(event.InfectedHost, "10.0.1.4", "", "", "", "CN", province("江苏省")),
				ev(event.InfectedHost, "10.0.1.5", "", "", "", "CN", province("江苏省"), family("Conficker")),
				ev(event.InfectedHost, "10.0.1.6", "", "", "", "CN", province("江苏省"), family("Conficker")),
			},
			check: func(t *testing.T, c store.EventCounts) {
				want := []store.NameCount{{Name: "广东省", Count: 2}, {Name: "江苏省", Count: 1}}
				if !reflect.DeepEqual(c.Provinces, want) {
					t.Errorf("provinces %+v, want %+v", c.Provinces, want)
				}
			},
		},
		{
			name: "malware sites: domains, IPs, abroad and .com shares, IP URLs",
			events: []event.Event{
				ev(event.MalwareSite, "1.1.1.1", "http://a.com/x", "a.com", "a.com", "US", registrant("US")),
				ev(event.MalwareSite, "1.1.1.2", "http://a.com/y", "a.com", "a.com", "CN", registrant("US")),
				ev(event.MalwareSite, "1.1.1.2", "http://b.cn/x", "b.cn", "b.cn", "CN", registrant("CN")),
				ev(event.MalwareSite, "1.1.1.3", "http://c.com.cn/x", "c.com.cn", "c.com.cn", "CN"), // registrant unknown
				ev(event.MalwareSite, "1.1.1.4", "http://1.1.1.4:8080/bin", "1.1.1.4", "", "RU"),
				ev(event.MalwareSite, "1.1.1.4", "http://1.1.1.4/other", "1.1.1.4", "", "RU"),
				ev(event.MalwareSite, "1.1.1.5", "http://1.1.1.5/bin", "1.1.1.5", "", ""), // country unknown
				ev(event.MalwareSite, "9.9.9.9", "http://z.com/", "z.com", "z.com", "US", at(before)),
			},
			check: func(t *testing.T, c store.EventCounts) {
				got := []int{c.MalwareDomains, c.MalwareDomainsAbroad, c.MalwareDomainsCom, c.MalwareIPs, c.MalwareIPsAbroad, c.MalwareIPURLs}
				if want := []int{3, 1, 1, 5, 2, 2}; !reflect.DeepEqual(got, want) {
					t.Errorf("domains, abroad, .com, IPs, IPs abroad, IP URLs = %v, want %v", got, want)
				}
			},
		},
		{
			name: "defaced and backdoored: distinct domestic sites by URL host, GOV flag",
			events: []event.Event{
				ev(event.Defacement, "2.2.2.1", "http://www.a.gov.cn/", "www.a.gov.cn", "a.gov.cn", "CN", gov(yes())),
				ev(event.Defacement, "2.2.2.1", "http://www.a.gov.cn/other.html", "www.a.gov.cn", "a.gov.cn", "CN", gov(yes())),
				ev(event.Defacement, "2.2.2.2", "http://news.a.gov.cn/", "news.a.gov.cn", "a.gov.cn", "CN", gov(yes())),
				ev(event.Defacement, "2.2.2.3", "http://www.b.com.cn/", "www.b.com.cn", "b.com.cn", "CN", gov(no())),
				ev(event.Defacement, "2.2.2.4", "", "", "c.cn", "CN", gov(no())), // no URL: the domain is the site
				ev(event.Defacement, "2.2.2.5", "http://www.d.gov/", "www.d.gov", "d.gov", "US", gov(no())),
				ev(event.Backdoor, "2.2.3.1", "http://www.e.gov.cn/s.php", "www.e.gov.cn", "e.gov.cn", "CN", gov(yes())),
				ev(event.Backdoor, "2.2.3.2", "http://www.f.com/s.php", "www.f.com", "f.com", "CN", gov(no())),
				ev(event.Backdoor, "2.2.3.3", "http://www.g.com/s.php", "www.g.com", "g.com", "CN", gov(no()), at(after)),
			},
			check: func(t *testing.T, c store.EventCounts) {
				if (c.Defaced != store.Sites{Total: 4, Gov: 2}) || (c.Backdoored != store.Sites{Total: 2, Gov: 1}) {
					t.Errorf("defaced %+v (want 4, 2), backdoored %+v (want 2, 1)", c.Defaced, c.Backdoored)
				}
			},
		},
		{
			name: "phishing: distinct pages, domains, IPs; pages that have an IP",
			events: []event.Event{
				ev(event.Phishing, "3.3.3.1", "https://a.top/1", "a.top", "a.top", "US"),
				ev(event.Phishing, "3.3.3.1", "https://a.top/1", "a.top", "a.top", "US"),
				ev(event.Phishing, "3.3.3.1", "https://a.top/2", "a.top", "a.top", "US"),
				ev(event.Phishing, "3.3.3.2", "https://b.top/1", "b.top", "b.top", "US"),
				ev(event.Phishing, "", "https://c.top/1", "c.top", "c.top", ""),
			},
			check: func(t *testing.T, c store.EventCounts) {
				got := []int{c.PhishingPages, c.PhishingDomains, c.PhishingIPs, c.PhishingPagesWithIP}
				if want := []int{4, 3, 2, 3}; !reflect.DeepEqual(got, want) {
					t.Errorf("pages, domains, IPs, pages with IP = %v, want %v", got, want)
				}
			},
		},
		{
			name: "ddos and the event total",
			events: []event.Event{
				ev(event.DDoS, "4.4.4.1", "", "", "", "CN"), ev(event.DDoS, "4.4.4.1", "", "", "", "CN"),
				ev(event.DDoS, "4.4.4.2", "", "", "", "CN"), ev(event.DDoS, "4.4.4.3", "", "", "", "CN", at(before)),
			},
			check: func(t *testing.T, c store.EventCounts) {
				if c.DDoSEvents != 3 || c.DDoSTargets != 2 || c.Events != 3 {
					t.Errorf("ddos events %d targets %d, all events %d; want 3, 2, 3", c.DDoSEvents, c.DDoSTargets, c.Events)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			in := input(t, st, "counts")
			commit(t, st, store.Batch{Input: in.ID, No: 0, Read: len(tc.events), Events: tc.events})
			c, err := st.EventCounts(ctx, week, store.AllRecords, tc.top)
			if err != nil {
				t.Fatalf("EventCounts: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func testRecordCounts(t testing.TB, st store.Store) {
	in := input(t, st, "records")
	vulns := []event.Vuln{
		{ID: "V1", Published: mid, Severity: event.High, Object: event.Application},
		{ID: "V2", Published: mid, Severity: event.Medium, Object: event.Application},
		{ID: "V3", Published: mid, Severity: event.Low, Object: event.NetworkDevice},
		{ID: "V4", Published: to, Severity: event.High, Object: event.OS}, // next week
		{ID: "V5", Published: mid, Severity: event.Low},                   // unclassified
	}
	closed := func(t time.Time) *time.Time { return &t }
	incs := []event.Incident{
		{ID: "I1", Opened: from.Add(-48 * time.Hour), Closed: closed(mid), Type: event.PhishingIncident, Source: "report", CrossBorder: yes(), Impact: "none"},
		{ID: "I2", Opened: mid, Closed: closed(mid), Type: event.MobileMalwareIncident, Source: "report", URL: "http://s/a.apk", Platform: "store1", Impact: "provincial"},
		{ID: "I3", Opened: mid, Closed: closed(mid), Type: event.MobileMalwareIncident, Source: "monitor", URL: "http://s/a.apk", Platform: "store2", Impact: "none"},
		{ID: "I4", Opened: mid, Closed: closed(mid), Type: event.MobileMalwareIncident, Source: "monitor", URL: "http://s/b.apk", Platform: "store2", CrossBorder: no(), Impact: "none"},
		{ID: "I5", Opened: mid, Type: event.PhishingIncident, Impact: "none"},                     // still open
		{ID: "I6", Opened: mid, Closed: closed(to), Type: event.PhishingIncident, Impact: "none"}, // closed next week
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 10, Vulns: vulns, Incidents: incs})
	vc, err := st.VulnCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("VulnCounts: %v", err)
	}
	if vc.Total != 4 || vc.BySeverity[event.High] != 1 || vc.BySeverity[event.Low] != 2 || vc.ByObject[event.Application] != 2 ||
		vc.ByObject[event.NetworkDevice] != 1 || vc.ByObject[event.OS] != 0 || len(vc.ByObject) != 2 || vc.Unclassified != 1 {
		t.Errorf("vulnerabilities %+v", vc)
	}
	ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("IncidentCounts: %v", err)
	}
	got := []int{ic.Handled, ic.CrossBorder, ic.Phishing, ic.AppPlatforms, ic.AppURLs, ic.Opened}
	if want := []int{4, 1, 1, 2, 2, 5}; !reflect.DeepEqual(got, want) { // I1 was opened the week before
		t.Errorf("handled, cross-border, phishing, platforms, URLs, opened = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(ic.ByType, map[string]int{"phishing": 1, "mobile_malware": 3}) ||
		!reflect.DeepEqual(ic.BySource, map[string]int{"report": 2, "monitor": 2}) ||
		!reflect.DeepEqual(ic.Impact, map[string]int{"none": 3, "provincial": 1}) {
		t.Errorf("by type %v, by source %v, by impact %v", ic.ByType, ic.BySource, ic.Impact)
	}
}

// testExploited: a record counts as known exploited where a catalog entry in scope, added
// before the range's end, has its CVE — from its cve field (one of several) or its ID; a
// later entry for a CVE replaces the earlier.
func testExploited(t testing.TB, st store.Store) {
	in := input(t, st, "kev")
	vulns := []event.Vuln{
		{ID: "CNVD-2024-1", CVE: "CVE-2024-1000", Published: mid, Severity: event.High},
		{ID: "CVE-2024-2000", Published: mid, Severity: event.High},                                   // by its ID
		{ID: "CNVD-2024-3", CVE: "CVE-2024-3000, cve-2024-3001", Published: mid, Severity: event.Low}, // the second of two
		{ID: "CNVD-2024-4", CVE: "CVE-2024-4000", Published: mid, Severity: event.Low},                // added after the week
		{ID: "CNVD-2024-5", CVE: "CVE-2024-5000", Published: mid, Severity: event.Low},                // an AMBER entry
		{ID: "CNVD-2024-6", CVE: "CVE-2024-6000", Published: mid, Severity: event.Low},                // not in the catalog
		{ID: "CNVD-2024-7", CVE: "CVE-2024-1000", Published: to, Severity: event.Low},                 // next week
		{ID: "CNVD-2024-8", CVE: "CVE-2024-8000、CVE-2024-8001", Published: mid, Severity: event.Low},  // a list written in Chinese
	}
	exps := []event.Exploited{
		{CVE: "CVE-2024-1000", Added: from.Add(-30 * 24 * time.Hour), Source: "cisa-kev", Line: 1},
		{CVE: "CVE-2024-2000", Added: mid, Line: 2},
		{CVE: "CVE-2024-3001", Added: mid, Line: 3},
		{CVE: "CVE-2024-4000", Added: to, Line: 4},
		{CVE: "CVE-2024-5000", Added: mid, TLP: event.Amber, Line: 5},
		{CVE: "CVE-2023-9999", Added: mid, Line: 6},
		{CVE: "CVE-2024-8001", Added: from.Add(-time.Hour), Line: 7},
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 13, Vulns: vulns, Exploited: exps})
	count := func(s store.Scope) (int, int) {
		t.Helper()
		vc, err := st.VulnCounts(ctx, week, s)
		if err != nil {
			t.Fatalf("VulnCounts: %v", err)
		}
		return vc.KnownExploited, vc.CatalogAdded
	}
	if k, a := count(store.AllRecords); k != 5 || a != 4 {
		t.Errorf("all records: known exploited %d, added %d; want 5, 4", k, a)
	}
	if k, a := count(store.Scope{Count: []event.TLP{event.Clear}, Names: []event.TLP{event.Clear}}); k != 4 || a != 3 {
		t.Errorf("TLP:CLEAR: known exploited %d, added %d; want 4, 3", k, a)
	}
	// A later entry for CVE-2024-2000 moves its addition past the week's end.
	commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 1, Exploited: []event.Exploited{{CVE: "CVE-2024-2000", Added: to.Add(time.Hour), Line: 8}}})
	if k, a := count(store.AllRecords); k != 4 || a != 3 {
		t.Errorf("after the later entry: known exploited %d, added %d; want 4, 3", k, a)
	}
	// A record whose own source says when CISA added it counts by that day.
	commit(t, st, store.Batch{Input: in.ID, No: 2, Read: 2, Vulns: []event.Vuln{
		{ID: "CVE-2024-9100", Published: mid, Severity: event.High, Extra: `{"kev_added":"2024-02-20"}`, Line: 10},
		{ID: "CVE-2024-9101", Published: mid, Severity: event.High, Extra: `{"kev_added":"2024-03-20"}`, Line: 11}, // after the week
	}})
	if k, _ := count(store.AllRecords); k != 5 {
		t.Errorf("with a record's own KEV day: known exploited %d, want 5", k)
	}
	// CVE-2024-1000's own record beside CNVD-2024-1, whose CVE it is: one vulnerability twice.
	commit(t, st, store.Batch{Input: in.ID, No: 3, Read: 1, Vulns: []event.Vuln{{ID: "CVE-2024-1000", Published: mid, Severity: event.High, Line: 12}}})
	vc, err := st.VulnCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatal(err)
	}
	if vc.SameCVE != 2 || vc.CNVD != 6 || vc.Total != 10 {
		t.Errorf("records sharing a CVE %d (want 2), CNVD's %d (6), all %d (10)", vc.SameCVE, vc.CNVD, vc.Total)
	}
}

// testWithdrawn: a record its source withdrew (a rejected CVE) replaces the record with its ID,
// read later, and counts nowhere: not in the week's totals, its severities and classes, nor
// the history, nor the known-exploited count.
func testWithdrawn(t testing.TB, st store.Store) {
	in := input(t, st, "withdrawn")
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 3,
		Vulns: []event.Vuln{
			{ID: "CVE-2024-7001", CVE: "CVE-2024-7001", Published: mid, Severity: event.High, Object: event.OS, Line: 1},
			{ID: "CVE-2024-7002", CVE: "CVE-2024-7002", Published: mid, Severity: event.Low, Object: event.OS, Line: 2},
		},
		Exploited: []event.Exploited{{CVE: "CVE-2024-7001", Added: mid, Line: 3}}})
	commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 1,
		Vulns: []event.Vuln{{ID: "CVE-2024-7001", CVE: "CVE-2024-7001", Published: mid, Withdrawn: true, Line: 4}}})
	vc, err := st.VulnCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatal(err)
	}
	if vc.Total != 1 || vc.BySeverity[event.High] != 0 || vc.ByObject[event.OS] != 1 || vc.KnownExploited != 0 {
		t.Errorf("after the withdrawal: %+v", vc)
	}
	hs, err := st.History(ctx, []time.Time{from, to}, store.AllRecords)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Vulns != 1 || hs[0].HighVulns != 0 {
		t.Errorf("history after the withdrawal: %+v", hs)
	}
}
