// Package event holds sitrep's canonical records: the observed security event, the
// vulnerability record and the incident ticket, with their closed vocabularies (kinds, the
// ENISA RSIT taxonomy as IntelMQ uses it, TLP). It imports nothing of sitrep's own.
package event

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kind is what an event observed. The set is closed: the kinds the bulletin counts, and the
// kinds national CERTs are sent in bulk that the bulletin does not count but the statistics do.
type Kind string

// The event kinds of CONTRACT.md.
const (
	InfectedHost Kind = "infected_host"
	MalwareSite  Kind = "malware_site"
	Defacement   Kind = "defacement"
	Backdoor     Kind = "backdoor"
	Phishing     Kind = "phishing"
	DDoS         Kind = "ddos"

	// Beyond the bulletin: sources of brute-force logins and of scans seen by honeypots and
	// darknets, victims of DDoS amplification, and exposed or vulnerable services (with the
	// service and the scanner's tag among the event's extra fields).
	BruteForce          Kind = "brute_force"
	Scanner             Kind = "scanner"
	AmplificationVictim Kind = "amplification_victim"
	VulnerableService   Kind = "vulnerable_service"
	// BotnetCC is a botnet's command-and-control server (僵尸网络控制服务器).
	BotnetCC Kind = "botnet_cc"
	// ExposedDevice is a device reachable from the internet and identified by what it is
	// (Shadowserver's device_id: vendor, type, model): not a compromise, a device to know of.
	ExposedDevice Kind = "exposed_device"
	// Blocklisted is an address a third party's blocklist lists, with the list and its reason.
	Blocklisted Kind = "blocklisted"
	// MalwareContact is a server that malware contacted when run in a sandbox: command and
	// control or a download, but as often a site any program asks (an update or connectivity
	// check), so it is counted on its own and never as a malware site.
	MalwareContact Kind = "malware_contact"
)

// BulletinKinds lists the kinds the bulletin counts, in its order.
var BulletinKinds = []Kind{InfectedHost, MalwareSite, Defacement, Backdoor, Phishing, DDoS}

// Kinds lists every kind: the bulletin's, then the others.
var Kinds = append(slices.Clone(BulletinKinds), BruteForce, Scanner, AmplificationVictim, VulnerableService, BotnetCC,
	ExposedDevice, Blocklisted, MalwareContact)

// Taxonomy is the RSIT classification (taxonomy, type) of a kind, as IntelMQ names it.
func (k Kind) Taxonomy() (taxonomy, typ string) {
	switch k {
	case InfectedHost:
		return "malicious-code", "infected-system"
	case MalwareSite:
		return "malicious-code", "malware-distribution"
	case Defacement:
		return "information-content-security", "unauthorised-information-modification"
	case Backdoor:
		return "intrusions", "system-compromise"
	case Phishing:
		return "fraud", "phishing"
	case DDoS, AmplificationVictim:
		return "availability", "ddos"
	case BruteForce:
		return "intrusion-attempts", "brute-force"
	case Scanner:
		return "information-gathering", "scanner"
	case VulnerableService:
		return "vulnerable", "vulnerable-system"
	case BotnetCC:
		return "malicious-code", "c2-server"
	case ExposedDevice:
		return "vulnerable", "potentially-unwanted-accessible"
	case Blocklisted:
		return "other", "blacklist"
	case MalwareContact:
		return "malicious-code", "malware-contact" // sitrep's own type: RSIT has none for it
	}
	return "other", "other"
}

// rsitKinds maps the types of the Reference Security Incident Taxonomy, as IntelMQ's
// classification.type, MISP's rsit taxonomy and sitrep's own STIX labels give them, onto kinds.
var rsitKinds = map[string]Kind{
	"infected-system": InfectedHost, "malware-distribution": MalwareSite, "phishing": Phishing,
	"ddos": DDoS, "brute-force": BruteForce, "scanner": Scanner, "c2-server": BotnetCC,
	"system-compromise": Backdoor, "compromised": Backdoor, "defacement": Defacement,
	"unauthorised-information-modification": Defacement, "vulnerable-system": VulnerableService,
	"vulnerable-service": VulnerableService, "potentially-unwanted-accessible": ExposedDevice,
	"blacklist": Blocklisted, "blocklist": Blocklisted, "malware-contact": MalwareContact,
}

// KindOfRSIT returns the kind of an RSIT type (infected-system, c2-server, …), in any case.
func KindOfRSIT(typ string) (Kind, bool) {
	k, ok := rsitKinds[strings.ToLower(strings.TrimSpace(typ))]
	return k, ok
}

// ParseKind accepts a kind name in any case.
func ParseKind(s string) (Kind, error) { return ParseEnum("kind", s, Kinds) }

// TLP is a Traffic Light Protocol 2.0 label.
type TLP string

// The TLP 2.0 labels, least restricted first.
const (
	Clear       TLP = "CLEAR"
	Green       TLP = "GREEN"
	Amber       TLP = "AMBER"
	AmberStrict TLP = "AMBER+STRICT"
	Red         TLP = "RED"
)

// ParseTLP accepts the TLP 2.0 labels in any case, with or without a "TLP:" prefix, and
// TLP 1.0's WHITE as CLEAR. Empty means CLEAR, the contract's default.
func ParseTLP(s string) (TLP, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimPrefix(u, "TLP:")
	switch u {
	case "", "CLEAR", "WHITE":
		return Clear, nil
	case "GREEN", "AMBER", "AMBER+STRICT", "RED":
		return TLP(u), nil
	}
	return "", fmt.Errorf("unknown TLP label %q (want CLEAR, GREEN, AMBER, AMBER+STRICT or RED)", s)
}

// Event is one observation from a feed, normalised. Empty strings and nil pointers mean
// unknown. Time is an instant; the week it belongs to depends on the bulletin's zone.
type Event struct {
	Time              time.Time `json:"time"`
	Kind              Kind      `json:"kind"`
	IP                string    `json:"ip,omitempty"` // canonical text form, empty when unknown
	URL               string    `json:"url,omitempty"`
	Host              string    `json:"host,omitempty"` // host part of URL, lower case; an IP literal when HostIsIP
	HostIsIP          bool      `json:"host_is_ip,omitempty"`
	Domain            string    `json:"domain,omitempty"`   // registrable domain of the site
	Country           string    `json:"country,omitempty"`  // ISO 3166 alpha-2 of IP
	Province          string    `json:"province,omitempty"` // Chinese name of a domestic IP's province
	ASN               uint32    `json:"asn,omitempty"`      // 0 when unknown
	RegistrantCountry string    `json:"registrant_country,omitempty"`
	Family            string    `json:"family,omitempty"`
	// Malware is the malware's own name as the source gives it (Trojan.Win32.Agent.abc):
	// new names are counted apart from new families.
	Malware string `json:"malware,omitempty"`
	Target  string `json:"target,omitempty"`
	Gov     *bool  `json:"gov,omitempty"`
	Source  string `json:"source,omitempty"`
	TLP     TLP    `json:"tlp"`
	FeedID  string `json:"id,omitempty"`
	Extra   string `json:"extra,omitempty"` // unknown input columns as a JSON object, empty when none
	Line    int    `json:"line,omitempty"`  // line of the input the event came from
}

// IsConficker reports whether the event's malware family marks a Conficker infection.
func (e *Event) IsConficker() bool { return strings.EqualFold(e.Family, "conficker") }

// TLPOrder lists the labels from least to most restricted.
var TLPOrder = []TLP{Clear, Green, Amber, AmberStrict, Red}

// AtMost lists the labels no more restricted than t, least first; none for an unknown label.
// The slice is the caller's own.
func (t TLP) AtMost() []TLP {
	return slices.Clone(TLPOrder[:slices.Index(TLPOrder, t)+1])
}

// UpTo lists the labels no more restricted than t as strings, as the store filters on them.
func (t TLP) UpTo() []string {
	var out []string
	for _, l := range t.AtMost() {
		out = append(out, string(l))
	}
	return out
}
