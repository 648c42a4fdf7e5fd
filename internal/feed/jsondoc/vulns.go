package jsondoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fields of the rows each kind of record becomes, and the place in the document each
// comes from, which a rejection names.
var (
	vulnHeader = []string{"id", "published", "title", "severity", "cve", "vendor", "product", "cpe",
		"cvss", "cvss_version", "cvss_source", "severity_from", "kev_added", "withdrawn"}
	kevHeader = []string{"cve", "added", "due", "vendor", "product", "name", "ransomware", "source", "cwes"}
)

var vulnFrom = map[Kind][]string{
	CVE5: {"cveMetadata.cveId", "cveMetadata.datePublished", "containers.cna.title", "metrics", "cveMetadata.cveId",
		"affected.vendor", "affected.product", "affected.cpes", "metrics", "metrics", "metrics", "metrics", "metrics", "cveMetadata.state"},
	NVD: {"cve.id", "cve.published", "cve.descriptions", "cve.metrics", "cve.id", "cve.configurations",
		"cve.configurations", "cve.configurations", "cve.metrics", "cve.metrics", "cve.metrics", "cve.metrics", "cve.cisaExploitAdd", "cve.vulnStatus"},
	NVDCVE: {"id", "published", "descriptions", "metrics", "id", "configurations",
		"configurations", "configurations", "metrics", "metrics", "metrics", "metrics", "cisaExploitAdd", "vulnStatus"},
	KEV: {"cveID", "dateAdded", "dueDate", "vendorProject", "product", "vulnerabilityName", "knownRansomwareCampaignUse", "", "cwes"},
}

// cveID is the form of a CVE ID.
var cveID = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// refusal is a record that is not one: why, and the place in the document that says so.
type refusal struct{ field, why string }

func (r *refusal) Error() string { return r.why }

// undecodable says why a record is not what its document holds: the member whose value has
// the wrong type, or what breaks the JSON.
func undecodable(what string, err error) *refusal {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &refusal{te.Field, fmt.Sprintf("not %s: %s is a JSON %s", what, te.Field, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &refusal{"", fmt.Sprintf("not JSON: %v (byte %d of the record)", se, se.Offset)}
	}
	return &refusal{"", "not " + what + ": " + strings.TrimPrefix(err.Error(), "json: ")}
}

// cvss is a CVSS score as CVE records and NVD pages give it.
type cvss struct {
	Version      string          `json:"version"`
	BaseScore    json.RawMessage `json:"baseScore"` // a number, sometimes written as a string
	BaseSeverity string          `json:"baseSeverity"`
}

func (c *cvss) score() (float64, bool) {
	s := strings.Trim(string(c.BaseScore), `" `)
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f >= 0 && f <= 10
}

// graded is the severity a record is given and what it was given from.
type graded struct {
	severity, score, version, source, from string
}

// grade gives the severity of a CVSS score as CNVD's grades go: high from 7.0, medium from
// 4.0, low below. Scores of CVSS v4 and v3.x are preferred to v2, and a v2 score is said to be
// the only one.
func grade(c *cvss, version, source string) (graded, bool) {
	f, ok := c.score()
	if !ok {
		return graded{}, false
	}
	g := graded{score: strconv.FormatFloat(f, 'f', -1, 64), version: version, source: source}
	switch {
	case f >= 7:
		g.severity = "high"
	case f >= 4:
		g.severity = "medium"
	default:
		g.severity = "low"
	}
	if strings.HasPrefix(version, "2") {
		g.from = "CVSS v2 only: the record has no CVSS v3 or v4 score"
	}
	return g, true
}

// cvssVersions lists the versions sitrep grades by, most preferred first, with their keys in
// CVE records and in NVD pages.
var cvssVersions = []struct{ version, cve5, nvd string }{
	{"4.0", "cvssV4_0", "cvssMetricV40"},
	{"3.1", "cvssV3_1", "cvssMetricV31"},
	{"3.0", "cvssV3_0", "cvssMetricV30"},
	{"2.0", "cvssV2_0", "cvssMetricV2"},
}

// textGrades are the words CNAs grade by where they give no CVSS score (Red Hat's, Apache's).
var textGrades = map[string]string{
	"critical": "high", "important": "high", "high": "high", "moderate": "medium", "medium": "medium", "low": "low",
}

// CVE JSON 5.

type cve5Record struct {
	DataType    string `json:"dataType"`
	CVEMetadata struct {
		CVEID         string `json:"cveId"`
		State         string `json:"state"`
		DatePublished string `json:"datePublished"`
		DateRejected  string `json:"dateRejected"`
		DateUpdated   string `json:"dateUpdated"`
	} `json:"cveMetadata"`
	Containers struct {
		CNA container   `json:"cna"`
		ADP []container `json:"adp"`
	} `json:"containers"`
}

type container struct {
	ProviderMetadata struct {
		ShortName string `json:"shortName"`
	} `json:"providerMetadata"`
	Title        string        `json:"title"`
	Descriptions []description `json:"descriptions"`
	Affected     []struct {
		Vendor  string   `json:"vendor"`
		Product string   `json:"product"`
		CPEs    []string `json:"cpes"`
	} `json:"affected"`
	Metrics          []map[string]json.RawMessage `json:"metrics"`
	CPEApplicability []struct {
		Nodes []node `json:"nodes"`
	} `json:"cpeApplicability"`
}

type description struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type node struct {
	CPEMatch []struct {
		Vulnerable bool   `json:"vulnerable"`
		Criteria   string `json:"criteria"`
	} `json:"cpeMatch"`
}

func cpesOf(nodes []node, add func(string)) {
	for _, n := range nodes {
		for _, m := range n.CPEMatch {
			if m.Vulnerable {
				add(m.Criteria)
			}
		}
	}
}

// cve5Row maps a CVE JSON 5 record onto the fields of vulnHeader.
func cve5Row(raw []byte, f []string) error {
	var r cve5Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return undecodable("a CVE JSON 5 record", err)
	}
	m := r.CVEMetadata
	if m.CVEID == "" {
		return &refusal{"cveMetadata.cveId", "a CVE record without its cveMetadata.cveId"}
	}
	if !cveID.MatchString(m.CVEID) {
		return &refusal{"cveMetadata.cveId", strconv.Quote(m.CVEID) + " is not a CVE ID (CVE-YYYY-NNNN)"}
	}
	if strings.EqualFold(m.State, "REJECTED") { // a withdrawal, which replaces the record and counts nowhere
		when := m.DatePublished
		for _, d := range []string{m.DateRejected, m.DateUpdated} {
			if when == "" {
				when = d
			}
		}
		f[0], f[1], f[4], f[13] = m.CVEID, utcTime(when), m.CVEID, "true"
		return nil
	}
	f[0], f[1], f[4] = m.CVEID, utcTime(m.DatePublished), m.CVEID
	cna := &r.Containers.CNA
	f[2] = cna.Title
	if f[2] == "" {
		f[2] = english(cna.Descriptions)
	}
	cpes := newSet()
	all := append([]container{*cna}, r.Containers.ADP...)
	for _, c := range all {
		for _, a := range c.Affected {
			if f[5] == "" && usable(a.Vendor) && usable(a.Product) {
				f[5], f[6] = a.Vendor, a.Product
			}
			for _, cpe := range a.CPEs {
				cpes.add(cpe)
			}
		}
		for _, app := range c.CPEApplicability {
			cpesOf(app.Nodes, cpes.add)
		}
	}
	f[7] = cpes.String()
	// The CNA's score, by the version it prefers most, else an ADP's (CISA's); else a
	// CNA's own word for it.
	var best graded
	found := false
	for _, c := range all {
		for _, v := range cvssVersions {
			for _, metric := range c.Metrics {
				raw, ok := metric[v.cve5]
				if !ok {
					continue
				}
				var score cvss
				if json.Unmarshal(raw, &score) != nil {
					continue
				}
				if g, ok := grade(&score, v.version, sourceOf(c, cna)); ok {
					best, found = g, true
					break
				}
			}
			if found {
				break
			}
		}
		if found {
			break
		}
	}
	for _, c := range all {
		for _, metric := range c.Metrics {
			raw, ok := metric["other"]
			if !ok {
				continue
			}
			var o struct {
				Type    string         `json:"type"`
				Content map[string]any `json:"content"`
			}
			if json.Unmarshal(raw, &o) != nil {
				continue
			}
			if o.Type == "kev" {
				if d, ok := o.Content["dateAdded"].(string); ok && f[12] == "" {
					f[12] = d
				}
				continue
			}
			if found || o.Type == "ssvc" {
				continue
			}
			for _, k := range []string{"text", "value", "other"} {
				if w, ok := o.Content[k].(string); ok && textGrades[strings.ToLower(strings.TrimSpace(w))] != "" {
					best = graded{severity: textGrades[strings.ToLower(strings.TrimSpace(w))], source: sourceOf(c, cna),
						from: "no CVSS score: the rating " + strings.TrimSpace(w) + " its CNA gives"}
					found = true
					break
				}
			}
		}
	}
	if !found {
		return &refusal{"metrics", "no CVSS score (v4, v3.x or v2) nor rating to grade its severity by"}
	}
	f[3], f[8], f[9], f[10], f[11] = best.severity, best.score, best.version, best.source, best.from
	return nil
}

func sourceOf(c container, cna *container) string {
	if c.ProviderMetadata.ShortName != "" {
		return c.ProviderMetadata.ShortName
	}
	if c.ProviderMetadata == cna.ProviderMetadata {
		return "cna"
	}
	return "adp"
}

// usable tells a vendor or product from the placeholders of records MITRE assigned.
func usable(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !strings.EqualFold(s, "n/a") && s != "-"
}

// NVD CVE API 2.0.

type nvdItem struct {
	CVE *struct {
		ID             string                     `json:"id"`
		Published      string                     `json:"published"`
		VulnStatus     string                     `json:"vulnStatus"`
		Descriptions   []description              `json:"descriptions"`
		Metrics        map[string]json.RawMessage `json:"metrics"` // cvssMetricV31: [...]; also ssvc, epss
		Configurations []struct {
			Nodes []node `json:"nodes"`
		} `json:"configurations"`
		CISAExploitAdd string `json:"cisaExploitAdd"`
	} `json:"cve"`
}

type nvdMetric struct {
	Source   string `json:"source"`
	Type     string `json:"type"` // Primary (NVD's) or Secondary (the CNA's)
	CVSSData cvss   `json:"cvssData"`
}

// nvdRow maps an item of an NVD page's vulnerabilities onto the fields of vulnHeader.
func nvdRow(raw []byte, f []string) error {
	var it nvdItem
	if err := json.Unmarshal(raw, &it); err != nil {
		return undecodable("an item of an NVD CVE API 2.0 page", err)
	}
	c := it.CVE
	if c == nil || c.ID == "" {
		return &refusal{"cve.id", "an item without its cve.id"}
	}
	if !cveID.MatchString(c.ID) {
		return &refusal{"cve.id", strconv.Quote(c.ID) + " is not a CVE ID (CVE-YYYY-NNNN)"}
	}
	if strings.EqualFold(c.VulnStatus, "Rejected") { // a withdrawal, which replaces the record and counts nowhere
		f[0], f[1], f[4], f[13] = c.ID, utcTime(c.Published), c.ID, "true"
		return nil
	}
	f[0], f[1], f[2], f[4], f[12] = c.ID, utcTime(c.Published), english(c.Descriptions), c.ID, c.CISAExploitAdd
	cpes := newSet()
	for _, conf := range c.Configurations {
		cpesOf(conf.Nodes, cpes.add)
	}
	f[7] = cpes.String()
	for _, cpe := range cpes.list {
		if p := strings.Split(cpe, ":"); len(p) > 4 && usable(p[3]) && usable(p[4]) && p[3] != "*" {
			f[5], f[6] = p[3], p[4]
			break
		}
	}
	for _, v := range cvssVersions {
		var ms []nvdMetric
		if raw, ok := c.Metrics[v.nvd]; !ok || json.Unmarshal(raw, &ms) != nil {
			continue
		}
		for _, primary := range []bool{true, false} { // NVD's own score before the CNA's
			for i := range ms {
				if (ms[i].Type == "Primary") != primary {
					continue
				}
				if g, ok := grade(&ms[i].CVSSData, v.version, ms[i].Source); ok {
					f[3], f[8], f[9], f[10], f[11] = g.severity, g.score, g.version, g.source, g.from
					return nil
				}
			}
		}
	}
	if strings.EqualFold(c.VulnStatus, "Awaiting Analysis") || strings.EqualFold(c.VulnStatus, "Received") {
		return &refusal{"cve.metrics", c.ID + " has no CVSS score yet (" + c.VulnStatus + "): it counts once a later page carries its score"}
	}
	return &refusal{"cve.metrics", "no CVSS score (v4, v3.x or v2) to grade its severity by"}
}

// nvdCVERow maps an NVD CVE object on its own as an item of a page holding it.
func nvdCVERow(raw []byte, f []string) error {
	item := make([]byte, 0, len(raw)+8)
	item = append(append(append(item, `{"cve":`...), raw...), '}')
	return nvdRow(item, f)
}

// CISA KEV.

type kevEntry struct {
	CVEID             string   `json:"cveID"`
	VendorProject     string   `json:"vendorProject"`
	Product           string   `json:"product"`
	VulnerabilityName string   `json:"vulnerabilityName"`
	DateAdded         string   `json:"dateAdded"`
	DueDate           string   `json:"dueDate"`
	Ransomware        string   `json:"knownRansomwareCampaignUse"`
	CWEs              []string `json:"cwes"`
}

// kevRow maps an entry of CISA's catalog onto the fields of kevHeader.
func kevRow(raw []byte, f []string) error {
	var e kevEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return undecodable("an entry of CISA's KEV catalog", err)
	}
	copy(f, []string{e.CVEID, utcDay(e.DateAdded), utcDay(e.DueDate), e.VendorProject, e.Product,
		e.VulnerabilityName, e.Ransomware, "cisa-kev", strings.Join(e.CWEs, ", ")})
	return nil
}

// english is the first English description, on one line and at most 200 characters.
func english(ds []description) string {
	for _, d := range ds {
		if strings.HasPrefix(strings.ToLower(d.Lang), "en") {
			return snip(strings.Join(strings.Fields(d.Value), " "), 200)
		}
	}
	return ""
}

func snip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// utcTime marks a time without a zone as UTC, as CVE records and NVD pages write them.
func utcTime(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 19 && s[10] == 'T' && !strings.HasSuffix(s, "Z") && !strings.ContainsAny(s[19:], "+-") {
		return s + "Z"
	}
	return s
}

// utcDay writes a day (2024-02-27) as its first instant in UTC.
func utcDay(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		return s + "T00:00:00Z"
	}
	return s
}

// set is a list without repeats, in order of first appearance.
type set struct {
	seen map[string]bool
	list []string
}

func newSet() *set { return &set{seen: map[string]bool{}} }

func (s *set) add(v string) {
	if v = strings.TrimSpace(v); v != "" && !s.seen[v] {
		s.seen[v] = true
		s.list = append(s.list, v)
	}
}

// String joins the list with spaces, as the cpe field holds CPE names; a list too long for a
// field keeps the names that fit.
func (s *set) String() string {
	var b strings.Builder
	for _, v := range s.list {
		if b.Len()+len(v)+1 > 8<<10 {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v)
	}
	return b.String()
}
