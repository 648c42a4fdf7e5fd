package feed

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Shadowserver sends each report type in files named by it ("2024-02-26-event4_sinkhole-
// asn-cn.csv") and through its API under the same type. Several types share one set of
// columns — the event4 schema of the sinkhole reports is also that of the honeypot reports, whose
// addresses are brute-force sources, scanners or DDoS victims, not infected hosts — so a file
// is read as the report its name says, and a header that could be several reports is refused
// rather than guessed.

// Report is one report type of a family: the feed that reads it, or why sitrep refuses it.
type Report struct {
	Family, Type string
	Feed         *Feed  // nil: refused
	Why          string // why it is refused
}

// shadowserverReports lists Shadowserver's report types by the prefix of their names, longest
// first where one prefix begins another; event6_ types are read as their event4_ twins.
var shadowserverReports = []Report{
	{Type: "event4_sinkhole_dns", Why: "its addresses queried sinkholed domains, often resolvers rather than the infected machines"},
	{Type: "event4_sinkhole_http_referer", Why: "its addresses are websites that referred visitors to sinkholed URLs, not infected hosts"},
	{Type: "event4_sinkhole", Feed: shadowserverSinkhole},
	{Type: "event4_microsoft_sinkhole", Feed: shadowserverSinkhole},
	{Type: "event4_honeypot_ddos_amp", Feed: shadowserverAmplification},
	{Type: "event4_honeypot_ddos", Feed: shadowserverDDoS},
	{Type: "event4_honeypot_brute_force", Feed: shadowserverBruteForce},
	{Type: "event4_honeypot_darknet", Feed: shadowserverDarknet},
	{Type: "event4_honeypot", Why: "a honeypot report's addresses are attack sources, not the infected hosts the bulletin counts"},
	{Type: "event4_honeypot_ddos_target", Feed: shadowserverDDoS},
	{Type: "event4_ddos_participant", Why: "its addresses took part in DDoS attacks; sitrep has no kind for them yet"},
	{Type: "event4_ip_spoofer", Why: "it lists networks that allow spoofed traffic, not incidents the bulletin counts"},
	{Type: "malware_url", Feed: shadowserverMalwareURL},
	{Type: "phish_url", Feed: shadowserverPhishURL},
	{Type: "compromised_website", Feed: shadowserverCompromised},
	{Type: "scan", Feed: shadowserverScan},
	{Type: "device_id", Feed: shadowserverDeviceID},
	{Type: "blocklist", Feed: shadowserverBlocklist},
	{Type: "sandbox_url", Feed: shadowserverSandboxURL},
	{Type: "sandbox", Why: "it reports sandbox runs of malware samples, which no event of the constituency holds (its sandbox_url report names the servers they contacted)"},
	// Names of the reports before Shadowserver's 2021 formats.
	{Type: "botnet_drone", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
	{Type: "sinkhole_http_drone", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
	{Type: "microsoft_sinkhole", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
	{Type: "drone_brute_force", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
	{Type: "ddos_amplification", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
	{Type: "darknet", Why: "a report in Shadowserver's format before 2021, which sitrep does not read"},
}

func init() {
	for i := range shadowserverReports {
		shadowserverReports[i].Family = "shadowserver"
	}
}

// Reports lists the report types sitrep knows, read or refused.
func Reports() []Report { return shadowserverReports }

// reportName matches a Shadowserver file name: an optional date, then the report type (words
// joined by underscores), then the rest.
var reportName = regexp.MustCompile(`^(?:\d{4}-\d{2}-\d{2}-)?([a-z0-9]+(?:_[a-z0-9]+)*)(?:[-.]|$)`)

// ReportOf returns the Shadowserver report that a file's name names, with the type as the name
// writes it (event6_sinkhole), if it names one sitrep knows.
func ReportOf(name string) (Report, string, bool) {
	m := reportName.FindStringSubmatch(strings.ToLower(filepath.Base(name)))
	if m == nil {
		return Report{}, "", false
	}
	typ := m[1]
	key := strings.Replace(typ, "event6_", "event4_", 1)
	key = strings.Replace(key, "scan6_", "scan_", 1)
	key = strings.Replace(key, "device_id6", "device_id", 1)
	for _, r := range shadowserverReports {
		if key == r.Type || strings.HasPrefix(key, r.Type+"_") {
			return r, typ, true
		}
	}
	return Report{}, "", false
}

// shadowserverHeader tells whether a header is one of Shadowserver's: a timestamp and an
// address, as every report has.
func shadowserverHeader(header []string) bool {
	return containsAll(header, []string{"timestamp"}) && containsAny(header, []string{"src_ip", "ip", "http_referer_ip"})
}

// byReport reads a Shadowserver file whose name gives its report type.
func byReport(name string, header []string) (*Feed, string, error, bool) {
	if !shadowserverHeader(header) {
		return nil, "", nil, false
	}
	r, typ, ok := ReportOf(name)
	if !ok {
		return nil, "", nil, false
	}
	if r.Feed == nil {
		return nil, typ, fmt.Errorf("a Shadowserver %s report: sitrep does not read it: %s", typ, r.Why), true
	}
	if missing := missingColumns(header, r.Feed.Columns); len(missing) > 0 {
		return nil, typ, fmt.Errorf("a Shadowserver %s report by its name, but the header lacks %s", typ, strings.Join(missing, ", ")), true
	}
	return r.Feed, typ, nil, true
}

func missingColumns(header, cols []string) []string {
	var out []string
	for _, c := range cols {
		if !containsAll(header, []string{c}) {
			out = append(out, c)
		}
	}
	return out
}
