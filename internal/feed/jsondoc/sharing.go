package jsondoc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/tabular"
)

// Sharing formats: STIX 2.1 bundles and MISP events, read as events. What each object or
// attribute is comes from what it says of itself — an RSIT type (sitrep's own labels, MISP's
// rsit taxonomy), a phishing or command-and-control label or tag — and otherwise, for an
// indicator of malicious activity, a malware site; what says nothing of itself is set aside
// with why, never guessed.

// eventHeader are the fields of the event rows; stixFrom and mispFrom the places they come from.
var (
	eventHeader = []string{"time", "kind", "url", "ip", "domain", "family", "source", "tlp", "id", "port", "labels", "hostname"}
	stixFrom    = []string{"valid_from", "labels", "pattern", "pattern", "pattern", "labels", "", "object_marking_refs", "id", "pattern", "labels", "pattern"}
	mispFrom    = []string{"first_seen", "Tag", "value", "value", "value", "Tag", "Orgc", "Tag", "uuid", "value", "Tag", "value"}
)

// stixTLP are the marking definitions of TLP, 2.0 and 1.0, by their fixed STIX IDs.
var stixTLP = map[string]event.TLP{
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": event.Clear,
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": event.Green,
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": event.Amber,
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": event.AmberStrict,
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": event.Red,
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": event.Clear, // TLP 1.0 WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": event.Green,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": event.Amber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": event.Red,
}

// maxKnown bounds what a reader keeps of a bundle's earlier objects (markings, observables).
const maxKnown = 100000

type stixObject struct {
	Type           string   `json:"type"`
	ID             string   `json:"id"`
	Created        string   `json:"created"`
	ValidFrom      string   `json:"valid_from"`
	FirstObserved  string   `json:"first_observed"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	IndicatorTypes []string `json:"indicator_types"`
	Labels         []string `json:"labels"`
	Markings       []string `json:"object_marking_refs"`
	ObjectRefs     []string `json:"object_refs"`
	Revoked        bool     `json:"revoked"`
	Granular       []struct {
		MarkingRef string `json:"marking_ref"`
	} `json:"granular_markings"`
	Value          string          `json:"value"`
	Name           string          `json:"name"`
	DefinitionType string          `json:"definition_type"`
	Definition     json.RawMessage `json:"definition"`
	Extensions     map[string]struct {
		TLP string `json:"tlp_2_0"`
	} `json:"extensions"`
	Objects map[string]stixObject `json:"objects"` // STIX 2.0 observed-data's own observables
}

// stixReader keeps what later objects of a bundle may refer to: markings and observables.
type stixReader struct {
	tlp         map[string]event.TLP // markings of TLP defined in the bundle
	statements  map[string]bool      // markings that are not TLP
	observables map[string]stixObject
}

func newSTIX() func([]byte, *sink) error {
	r := &stixReader{tlp: map[string]event.TLP{}, statements: map[string]bool{}, observables: map[string]stixObject{}}
	return r.rows
}

// comparison is one `type:value = 'literal'` of a STIX pattern.
var comparison = regexp.MustCompile(`([a-z0-9-]+):([A-Za-z0-9_.\[\]'*-]+)\s*(=|!=|>=|<=|>|<|LIKE|MATCHES|ISSUBSET|ISSUPERSET|IN)\s*('(?:[^'\\]|\\.)*'|\([^)]*\)|[^\s\]]+)`)

func (r *stixReader) rows(raw []byte, s *sink) error {
	var o stixObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return undecodable("a STIX object", err)
	}
	switch o.Type {
	case "marking-definition":
		r.marking(&o)
		return nil
	case "url", "domain-name", "ipv4-addr", "ipv6-addr":
		if len(r.observables) < maxKnown {
			r.observables[o.ID] = o
		}
		return nil
	case "indicator":
		return r.indicator(&o, s)
	case "observed-data":
		return r.observed(&o, s)
	}
	return nil // identities, malware, relationships, reports…: no event of their own
}

func (r *stixReader) marking(o *stixObject) {
	if len(r.tlp)+len(r.statements) >= maxKnown {
		return
	}
	level := ""
	for _, e := range o.Extensions {
		if e.TLP != "" {
			level = e.TLP
		}
	}
	if level == "" && o.DefinitionType == "tlp" {
		var d struct {
			TLP string `json:"tlp"`
		}
		json.Unmarshal(o.Definition, &d)
		level = d.TLP
	}
	if level == "" && strings.HasPrefix(strings.ToUpper(o.Name), "TLP:") {
		level = o.Name
	}
	if l, ok := tlpWord(level); ok {
		r.tlp[o.ID] = l
	} else {
		r.statements[o.ID] = true
	}
}

// label returns the TLP of an object's markings: the strictest TLP among them; a marking the
// bundle has not defined (before the object) is taken as TLP:RED, as nothing says it may go
// further.
func (r *stixReader) label(refs []string) string {
	best := ""
	for _, ref := range refs {
		l, ok := stixTLP[ref]
		if !ok {
			l, ok = r.tlp[ref]
		}
		if !ok && r.statements[ref] {
			continue
		}
		if !ok {
			l = event.Red
		}
		best = stricter(best, string(l))
	}
	return best
}

// markings are an object's markings: its own and those of any part of it.
func (o *stixObject) markings() []string {
	refs := slices.Clone(o.Markings)
	for _, g := range o.Granular {
		if g.MarkingRef != "" {
			refs = append(refs, g.MarkingRef)
		}
	}
	return refs
}

func (r *stixReader) indicator(o *stixObject, s *sink) error {
	if o.Revoked {
		return &refusal{"revoked", "a revoked indicator: its producer withdrew it"}
	}
	for _, t := range o.IndicatorTypes {
		if strings.EqualFold(t, "benign") {
			return &refusal{"indicator_types", "a benign indicator: nothing to count"}
		}
	}
	if t := strings.ToLower(o.PatternType); t != "" && t != "stix" {
		return &refusal{"pattern_type", "a " + o.PatternType + " pattern: sitrep reads STIX patterns over URLs, domains and addresses"}
	}
	obs, why := parsePattern(o.Pattern)
	if why != "" {
		return &refusal{"pattern", why}
	}
	when := o.ValidFrom
	if when == "" {
		when = o.Created
	}
	tlp := r.label(o.markings())
	for _, ob := range obs {
		kind, ok := kindOf(o.Labels, o.IndicatorTypes, ob.typ, true)
		if !ok {
			s.refuse("labels", "an indicator over "+ob.typ+" whose labels and indicator_types do not say what it is (malicious-activity, compromised, phishing, c2, rsit:…)")
			continue
		}
		f := s.row()
		f[0], f[1], f[5], f[6], f[7], f[8], f[10] = when, string(kind), family(o.Labels), "stix", tlp, o.ID, strings.Join(o.Labels, ", ")
		put(f, ob)
	}
	return nil
}

func (r *stixReader) observed(o *stixObject, s *sink) error {
	if o.Revoked {
		return &refusal{"revoked", "revoked observed data: its producer withdrew it"}
	}
	var obs []observable
	marks := o.markings()
	for _, ref := range o.ObjectRefs {
		sco, ok := r.observables[ref]
		if !ok {
			if t, _, _ := strings.Cut(ref, "--"); isObservable(t) {
				s.refuse("object_refs", "refers to "+ref+", which the bundle does not give before it")
			}
			continue
		}
		obs = append(obs, observable{sco.Type, sco.Value})
		marks = append(marks, sco.markings()...) // what is observed keeps its own label
	}
	for _, sco := range o.Objects {
		if isObservable(sco.Type) {
			obs = append(obs, observable{sco.Type, sco.Value})
		}
	}
	tlp := r.label(marks)
	for _, ob := range obs {
		kind, ok := kindOf(o.Labels, nil, ob.typ, false)
		if !ok {
			s.refuse("labels", "observed data of "+ob.typ+" whose labels do not say what was observed (rsit:…, phishing, c2): sitrep does not guess")
			continue
		}
		f := s.row()
		f[0], f[1], f[5], f[6], f[7], f[8], f[10] = o.FirstObserved, string(kind), family(o.Labels), "stix", tlp, o.ID, strings.Join(o.Labels, ", ")
		put(f, ob)
	}
	return nil
}

func isObservable(t string) bool {
	return t == "url" || t == "domain-name" || t == "ipv4-addr" || t == "ipv6-addr"
}

// observable is an address a pattern or observed data names.
type observable struct{ typ, value string }

// put fills the address fields of a row. A host name is counted by its registrable domain, as
// the domain of a URL is; the name itself is kept beside it.
func put(f []string, ob observable) {
	switch ob.typ {
	case "url":
		f[2] = ob.value
	case "domain-name":
		host := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(ob.value), "."))
		f[4] = enrich.RegistrableDomain(host)
		if f[4] != host {
			f[11] = host
		}
	default:
		f[3] = ob.value
	}
}

// parsePattern reads a STIX pattern that names addresses: comparisons of url, domain-name,
// ipv4-addr or ipv6-addr values for equality, joined by OR. Anything else (AND, FOLLOWEDBY,
// other objects, other operators) is not a list of addresses, and why says so.
func parsePattern(p string) (obs []observable, why string) {
	bare := strings.ToUpper(quoted.ReplaceAllString(p, "''"))
	if m := joins.FindString(bare); m != "" {
		return nil, "the pattern joins its comparisons by " + m + ": sitrep reads patterns that list addresses joined by OR"
	}
	ms := comparison.FindAllStringSubmatch(p, -1)
	if len(ms) == 0 || len(ms) != len(paths.FindAllString(quoted.ReplaceAllString(p, "''"), -1)) {
		return nil, "a comparison sitrep cannot read in the pattern " + strconv.Quote(tabular.Snip(p, 200))
	}
	for _, m := range ms {
		typ, path, op, lit := m[1], m[2], m[3], m[4]
		if !isObservable(typ) || path != "value" {
			return nil, "the pattern compares " + typ + ":" + path + ": sitrep reads url, domain-name, ipv4-addr and ipv6-addr values"
		}
		if op != "=" || !strings.HasPrefix(lit, "'") {
			return nil, "the pattern compares " + typ + ":value with " + op + ": sitrep reads values given exactly (=)"
		}
		v := strings.NewReplacer(`\\`, `\`, `\'`, `'`).Replace(lit[1 : len(lit)-1])
		obs = append(obs, observable{typ, v})
	}
	return obs, ""
}

var (
	quoted = regexp.MustCompile(`'(?:[^'\\]|\\.)*'`)
	// joins are the pattern's words that make it more than a list of addresses.
	joins = regexp.MustCompile(`\b(AND|FOLLOWEDBY|WITHIN|REPEATS|START|STOP|NOT)\b`)
	// paths are the object paths a pattern compares, one per comparison.
	paths = regexp.MustCompile(`[a-z0-9-]+:[A-Za-z0-9_.\[\]*-]+(?:'[^']*')?[A-Za-z0-9_.\[\]*-]*`)
)

// kindOf is what an indicator or observation is, from its labels or tags: an RSIT type, a
// word for phishing or command-and-control; else, for an indicator (malicious by being one)
// of malicious activity, a malware site, or for one of compromise an infected host or a site
// with a backdoor.
func kindOf(labels, types []string, typ string, indicator bool) (event.Kind, bool) {
	for _, l := range labels {
		l = strings.ToLower(l)
		if rest, ok := strings.CutPrefix(l, "rsit:"); ok { // rsit:fraud/phishing, rsit:fraud="phishing"
			rest = strings.Trim(rest[strings.IndexAny(rest, "/=")+1:], `"`)
			if k, ok := event.KindOfRSIT(rest); ok {
				return k, true
			}
		}
	}
	for _, l := range labels {
		if k, ok := wordKinds[labelWord(l)]; ok {
			return k, true
		}
	}
	if !indicator {
		return "", false
	}
	compromised, malicious := false, false
	for _, t := range types {
		switch strings.ToLower(t) {
		case "compromised":
			compromised = true
		case "malicious-activity", "attribution":
			malicious = true
		}
	}
	switch {
	case compromised && (typ == "ipv4-addr" || typ == "ipv6-addr"):
		return event.InfectedHost, true
	case compromised:
		return event.Backdoor, true
	case malicious:
		return event.MalwareSite, true
	}
	return "", false
}

// wordKinds are the words a label or tag says an address is by, whole: a phishing site, a
// command-and-control server.
var wordKinds = map[string]event.Kind{
	"phishing": event.Phishing, "phish": event.Phishing,
	"c2": event.BotnetCC, "c&c": event.BotnetCC, "cnc": event.BotnetCC, "c2-server": event.BotnetCC, "botnet_cc": event.BotnetCC,
	"botnet-cc": event.BotnetCC, "command-and-control": event.BotnetCC, "command and control": event.BotnetCC,
}

// labelWord is what a label or tag says, in lower case: its value where it has one
// (circl:incident-classification="phishing", kill-chain:Command and Control), else itself.
func labelWord(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.LastIndex(l, "="); i >= 0 {
		return strings.Trim(l[i+1:], `" `)
	}
	if i := strings.LastIndex(l, ":"); i >= 0 {
		return strings.TrimSpace(l[i+1:])
	}
	return l
}

// family is the malware family a label or tag names: sitrep's family:x, MISP's galaxies of
// malware (misp-galaxy:malpedia="X", misp-galaxy:mitre-malware="X").
func family(labels []string) string {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, "family:"); ok {
			return v
		}
		for _, p := range []string{`misp-galaxy:malpedia="`, `misp-galaxy:mitre-malware="`} {
			if v, ok := strings.CutPrefix(l, p); ok {
				return strings.TrimSuffix(v, `"`)
			}
		}
	}
	return ""
}

// tlpWord reads TLP as markings and tags write it: amber, TLP:AMBER, tlp:white.
func tlpWord(s string) (event.TLP, bool) {
	s = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLP:")
	switch s {
	case "WHITE":
		s = "CLEAR"
	case "":
		return "", false
	}
	l, err := event.ParseTLP(s)
	return l, err == nil
}

// MISP.

type mispEvent struct {
	UUID         string                `json:"uuid"`
	Distribution json.RawMessage       `json:"distribution"`
	Date         string                `json:"date"`
	Info         string                `json:"info"`
	Orgc         struct{ Name string } `json:"Orgc"`
	Attribute    []mispAttr            `json:"Attribute"`
	Object       []struct {
		Name      string     `json:"name"`
		Attribute []mispAttr `json:"Attribute"`
	} `json:"Object"`
	Tag []mispTag `json:"Tag"`
}

type mispAttr struct {
	UUID      string          `json:"uuid"`
	Deleted   json.RawMessage `json:"deleted"`
	Type      string          `json:"type"`
	Category  string          `json:"category"`
	Value     string          `json:"value"`
	ToIDS     json.RawMessage `json:"to_ids"`
	FirstSeen *string         `json:"first_seen"`
	Tag       []mispTag       `json:"Tag"`
}

type mispTag struct {
	Name string `json:"name"`
}

func tagNames(ts []mispTag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func newMISP() func([]byte, *sink) error { return mispRows }

// mispRows reads a MISP event (bare, or as {"Event": …}): each attribute for detection
// (to_ids) that names an address — url, domain, hostname, ip-dst and the composites with a
// port or an address — is an event, of the kind its tags or the event's say, else a malware
// site where it delivers a payload or is network activity; labelled by the attribute's TLP
// tag, else the event's. Attributes not for detection are context, not events, and are left.
func mispRows(raw []byte, s *sink) error {
	var wrapped struct {
		Event *mispEvent `json:"Event"`
	}
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		return undecodable("a MISP event", err)
	}
	ev := wrapped.Event
	if ev == nil {
		ev = new(mispEvent)
		if err := json.Unmarshal(raw, ev); err != nil {
			return undecodable("a MISP event", err)
		}
	}
	eventTags := tagNames(ev.Tag)
	tlp := strictest("", eventTags)
	if strings.Trim(string(ev.Distribution), `" `) == "0" { // the organisation only
		tlp = stricter(tlp, string(event.AmberStrict))
	}
	source := "misp"
	if ev.Orgc.Name != "" {
		source = "misp/" + ev.Orgc.Name
	}
	day := ev.Date
	if _, err := time.Parse(time.DateOnly, day); err == nil {
		day += "T00:00:00Z"
	}
	attrs := ev.Attribute
	for _, o := range ev.Object {
		attrs = append(attrs, o.Attribute...)
	}
	for i, a := range attrs {
		if !forIDS(a.ToIDS) || forIDS(a.Deleted) { // context, or taken back
			continue
		}
		place := fmt.Sprintf("Attribute[%d]", i)
		if i >= len(ev.Attribute) {
			place = "Object.Attribute"
		}
		obs, port, ok := mispObservable(a.Type, a.Value)
		if !ok {
			continue // a hash, a file name, a comment: nothing an event holds
		}
		tags := append(tagNames(a.Tag), eventTags...)
		kind, known := kindOf(tags, nil, obs.typ, false)
		if !known {
			switch a.Category {
			case "Payload delivery", "Network activity":
				if a.Type == "ip-src" || a.Type == "ip-src|port" {
					s.refuse(place+".type", "an ip-src ("+a.Value+") without a tag saying what it is: sitrep does not guess")
					continue
				}
				kind = event.MalwareSite
			default:
				s.refuse(place+".category", "a "+a.Type+" of category "+a.Category+" without a tag saying what it is: sitrep does not guess")
				continue
			}
		}
		when := day
		if a.FirstSeen != nil && *a.FirstSeen != "" {
			when = *a.FirstSeen
		}
		label := strictest(tlp, tagNames(a.Tag)) // an attribute's tag may tighten the event's label, not loosen it
		f := s.row()
		f[0], f[1], f[5], f[6], f[7], f[8], f[9], f[10] = when, string(kind), family(tags), source, label, a.UUID, port, strings.Join(tags, ", ")
		put(f, obs)
	}
	return nil
}

// strictest is the most restricted of a label and the TLP tags among tags; a tlp: tag sitrep
// does not know (tlp:ex:chr, say) is taken as TLP:RED, as nothing says it may go further.
func strictest(label string, tags []string) string {
	for _, t := range tags {
		v, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(t)), "tlp:")
		if !ok {
			continue
		}
		l, known := tlpWord(v)
		if !known {
			l = event.Red
		}
		label = stricter(label, string(l))
	}
	return label
}

// stricter is the more restricted of two labels ("" is none).
func stricter(a, b string) string {
	if slices.Index(event.TLPOrder, event.TLP(b)) > slices.Index(event.TLPOrder, event.TLP(a)) {
		return b
	}
	return a
}

// forIDS reads MISP's to_ids, written true, 1 or "1".
func forIDS(raw json.RawMessage) bool {
	switch strings.Trim(string(raw), `" `) {
	case "true", "1", "True":
		return true
	}
	return false
}

// mispObservable is the address an attribute names, and its port where it gives one.
func mispObservable(typ, value string) (observable, string, bool) {
	first, second, _ := strings.Cut(value, "|")
	switch typ {
	case "url", "uri":
		return observable{"url", value}, "", true
	case "domain", "hostname":
		return observable{"domain-name", value}, "", true
	case "ip-dst", "ip-src":
		return observable{"ipv4-addr", value}, "", true
	case "ip-dst|port", "ip-src|port":
		return observable{"ipv4-addr", first}, second, true
	case "hostname|port":
		return observable{"domain-name", first}, second, true
	case "domain|ip":
		return observable{"domain-name", first}, "", true
	}
	return observable{}, "", false
}

// Feeds' rows as JSON: each kind's columns of the feed's CSV, and the key of the record that
// holds each.
var feedRows = map[Kind][][2]string{
	URLhausAPI: {{"id", "id"}, {"dateadded", "date_added"}, {"url", "url"}, {"url_status", "url_status"},
		{"threat", "threat"}, {"tags", "tags"}, {"urlhaus_link", "urlhaus_reference"}, {"reporter", "reporter"}},
	ThreatFoxAPI: {{"first_seen_utc", "first_seen"}, {"ioc_id", "id"}, {"ioc_value", "ioc"}, {"ioc_type", "ioc_type"},
		{"threat_type", "threat_type"}, {"malware_printable", "malware_printable"}, {"confidence_level", "confidence_level"},
		{"reporter", "reporter"}, {"tags", "tags"}},
	PhishTankJSON: {{"phish_id", "phish_id"}, {"url", "url"}, {"phish_detail_url", "phish_detail_url"},
		{"submission_time", "submission_time"}, {"verified", "verified"}, {"verification_time", "verification_time"},
		{"online", "online"}, {"target", "target"}},
}

var feedOf = map[Kind]string{URLhausAPI: "urlhaus", ThreatFoxAPI: "threatfox", PhishTankJSON: "phishtank"}

// columns maps a record's keys onto a row: text as it is, numbers and booleans as written, a
// list of text joined by commas (as the CSV writes tags), null as nothing.
func columns(keys []string) func(raw []byte, f []string) error {
	return func(raw []byte, f []string) error {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return undecodable("an object", err)
		}
		for i, k := range keys {
			v := obj[k]
			switch {
			case len(v) == 0 || string(v) == "null":
			case v[0] == '"':
				json.Unmarshal(v, &f[i])
			case v[0] == '[':
				var list []string
				if err := json.Unmarshal(v, &list); err != nil {
					return &refusal{k, "a list that is not of text"}
				}
				f[i] = strings.Join(list, ",")
			case v[0] == '{':
				return &refusal{k, "an object where the feed has text"}
			default:
				f[i] = string(v)
			}
		}
		return nil
	}
}
