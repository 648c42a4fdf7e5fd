package event

import (
	"fmt"
	"strings"
	"time"
)

// Severity grades a vulnerability record.
type Severity string

// The severities, as CNVD grades them (高危, 中危, 低危).
const (
	High   Severity = "high"
	Medium Severity = "medium"
	Low    Severity = "low"
)

// Severities lists every severity, highest first.
var Severities = []Severity{High, Medium, Low}

// Object is the kind of thing a vulnerability affects, as CNVD classifies it.
type Object string

// The affected-object classes of CONTRACT.md.
const (
	Application     Object = "application"
	WebApplication  Object = "web_application"
	OS              Object = "os"
	NetworkDevice   Object = "network_device"
	SecurityProduct Object = "security_product"
	Database        Object = "database"
	SmartDevice     Object = "smart_device"
	OtherObject     Object = "other"
)

// Objects lists every object class in the bulletin's order.
var Objects = []Object{Application, WebApplication, OS, NetworkDevice, SecurityProduct, Database, SmartDevice, OtherObject}

// Vuln is one vulnerability record. Records are identified by ID: a later record with the
// same ID replaces the earlier one.
type Vuln struct {
	ID        string
	Published time.Time
	Title     string
	Severity  Severity
	Object    Object
	CVE       string
	Vendor    string
	Product   string
	TLP       TLP
	// Withdrawn marks a record its source withdrew (a CVE rejected by its CNA): it replaces
	// the record with its ID and is counted nowhere. Its severity may be empty.
	Withdrawn bool
	Extra     string
	Line      int
}

// Exploited is an entry of a catalog of vulnerabilities known to be exploited in the wild
// (CISA's KEV): a vulnerability record whose CVE is in the catalog, added before the end of a
// range, counts as known exploited in it. Entries are identified by CVE: a later entry with
// the same CVE replaces the earlier one.
type Exploited struct {
	CVE        string
	Added      time.Time
	Vendor     string
	Product    string
	Name       string
	Ransomware bool       // known to be used in ransomware campaigns
	Due        *time.Time // the catalog's remediation deadline, where it gives one
	Source     string     // the catalog, such as cisa-kev
	TLP        TLP
	Extra      string
	Line       int
}

// IncidentType classifies an incident ticket.
type IncidentType string

// The incident types of CONTRACT.md.
const (
	PhishingIncident      IncidentType = "phishing"
	MobileMalwareIncident IncidentType = "mobile_malware"
	MalwareIncident       IncidentType = "malware"
	DefacementIncident    IncidentType = "defacement"
	BackdoorIncident      IncidentType = "backdoor"
	VulnerabilityIncident IncidentType = "vulnerability"
	DDoSIncident          IncidentType = "ddos"
	OtherIncident         IncidentType = "other"
)

// IncidentTypes lists every incident type.
var IncidentTypes = []IncidentType{PhishingIncident, MobileMalwareIncident, MalwareIncident, DefacementIncident, BackdoorIncident, VulnerabilityIncident, DDoSIncident, OtherIncident}

// PartnerKinds lists the kinds of coordination partner.
var PartnerKinds = []string{"telecom", "cloud", "registrar", "app_store", "branch", "international"}

// Impacts lists the impact grades of an incident, least first.
var Impacts = []string{"none", "provincial", "national"}

// Incident is one incident ticket. Tickets are identified by ID: a later record with the
// same ID replaces the earlier one, so a ticket exported open and again closed is one ticket.
type Incident struct {
	ID          string
	Opened      time.Time
	Closed      *time.Time // nil while open
	Type        IncidentType
	Source      string
	Partner     string
	PartnerKind string
	CrossBorder *bool
	Impact      string
	URL         string
	Platform    string
	TLP         TLP
	Extra       string
	Line        int
}

// ParseEnum returns s lower-cased if it is one of allowed, or an error that lists them.
func ParseEnum[T ~string](what, s string, allowed []T) (T, error) {
	v := T(strings.ToLower(strings.TrimSpace(s)))
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown %s %q (want one of %s)", what, s, strings.Join(names, ", "))
}
