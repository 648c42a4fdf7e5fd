package feed

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/feed/native"
)

// utc marks a feed's "YYYY-MM-DD HH:MM:SS" time as UTC, as Shadowserver and Zone-H write them.
func utc(t string) string {
	t = strings.TrimSuffix(t, " UTC") // as abuse.ch's APIs write times
	if len(t) == 19 && t[10] == ' ' {
		return t[:10] + "T" + t[11:] + "Z"
	}
	return t
}

// located sets an event's address and where it is from Shadowserver's columns for them:
// ip, geo, region and asn, each after prefix ("src_" in the event reports).
func located(get func(string) string, set func(string, string), prefix string) {
	cols := &plainLocation
	if prefix == "src_" {
		cols = &srcLocation
	}
	set("ip", get(cols[0]))
	set("country", get(cols[1]))
	set("province", get(cols[2]))
	set("asn", get(cols[3]))
}

// The location columns, written out once rather than joined for every row.
var (
	plainLocation = [4]string{"ip", "geo", "region", "asn"}
	srcLocation   = [4]string{"src_ip", "src_geo", "src_region", "src_asn"}
)

// Shadowserver reports (https://www.shadowserver.org/what-we-do/network-reporting/): times in
// UTC, geolocation of the reported IP in geo/region, AS numbers, an event or sha256 id.
var (
	shadowserverSinkhole = &Feed{
		Name: "shadowserver-sinkhole", Target: native.Events, Kind: "infected_host",
		Columns: []string{"timestamp", "src_ip", "src_geo", "infection"},
		Shared:  "a Shadowserver event report whose columns do not say which: the sinkhole reports (infected hosts), the honeypot reports (brute-force sources, scanners, DDoS victims) and others share them",
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			located(get, set, "src_")
			fam := get("infection")
			if fam == "" {
				fam = get("family")
			}
			set("family", fam)
			set("source", "shadowserver")
			set("id", get("event_id"))
		},
	}
	// The honeypot DDoS reports are attack commands that honeypots posing as bots received:
	// the attacked network in dst_network (or dst_ip) is the event's IP, the botnet's family
	// the family, and the commanding server (src_ip) is kept as the extra field c2_ip. The
	// event4_honeypot_ddos report is sent for the servers in a constituency,
	// event4_honeypot_ddos_target for the victims.
	shadowserverDDoS = &Feed{
		Name: "shadowserver-honeypot-ddos", Target: native.Events, Kind: "ddos", ByReport: true,
		Columns: []string{"timestamp", "src_ip", "infection"},
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			target, _, _ := strings.Cut(get("dst_network"), "/")
			if target == "" {
				target = get("dst_ip")
			}
			set("ip", target)
			set("c2_ip", get("src_ip"))
			set("family", get("family"))
			set("source", "shadowserver")
			set("id", get("event_id"))
		},
	}
	shadowserverMalwareURL = &Feed{
		Name: "shadowserver-malware-url", Target: native.Events, Kind: "malware_site",
		Columns: []string{"timestamp", "url", "host", "ip", "geo", "sha256"},
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			set("url", get("url"))
			located(get, set, "")
			set("source", "shadowserver")
			set("id", get("sha256"))
		},
	}
	shadowserverPhishURL = &Feed{
		Name: "shadowserver-phish-url", Target: native.Events, Kind: "phishing",
		Columns: []string{"timestamp", "url", "host", "ip", "geo", "source"}, Without: []string{"sha256"},
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			set("url", get("url"))
			located(get, set, "")
			set("source", strings.TrimSuffix("shadowserver/"+get("source"), "/"))
		},
	}
	// Compromised websites: a web server found hacked (backdoored, serving spam or phishing).
	shadowserverCompromised = &Feed{
		Name: "shadowserver-compromised-website", Target: native.Events, Kind: "backdoor",
		Columns: []string{"timestamp", "ip", "http_host", "url", "tag", "detected_since"},
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			host := get("http_host")
			if host == "" {
				host = get("hostname")
			}
			if host != "" {
				path := get("url")
				if !strings.HasPrefix(path, "/") {
					path = "/" + path
				}
				set("url", "http://"+host+path)
			}
			located(get, set, "")
			set("family", get("tag"))
			set("source", "shadowserver")
		},
	}
)

// The honeypot reports share the sinkhole reports' event4 columns; what their addresses are
// differs, so each is read only as the report its file's name says.
func honeypot(name, kind string) *Feed {
	return &Feed{
		Name: name, Target: native.Events, Kind: kind, ByReport: true,
		Columns: []string{"timestamp", "src_ip"},
		Map: func(get func(string) string, set func(string, string)) {
			set("time", utc(get("timestamp")))
			located(get, set, "src_")
			set("source", "shadowserver")
			set("id", get("event_id"))
			set("tag", get("tag"))
			set("protocol", get("protocol"))
			set("dst_port", get("dst_port"))
		},
	}
}

var (
	shadowserverBruteForce    = honeypot("shadowserver-honeypot-brute-force", "brute_force")
	shadowserverDarknet       = honeypot("shadowserver-honeypot-darknet", "scanner")
	shadowserverAmplification = honeypot("shadowserver-honeypot-ddos-amp", "amplification_victim")
)

// shadowserverScan reads the scan_* reports: an address with an exposed or vulnerable service.
// The service is the report's (scan_http: http), the tag Shadowserver's (such as a CVE).
var shadowserverScan = &Feed{
	Name: "shadowserver-scan", Target: native.Events, Kind: "vulnerable_service", ByReport: true,
	Columns: []string{"timestamp", "ip"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("timestamp")))
		located(get, set, "")
		set("source", "shadowserver")
		service := strings.TrimPrefix(strings.TrimPrefix(get("@report"), "scan6_"), "scan_")
		set("service", service)
		set("port", get("port"))
		set("tag", get("tag"))
	},
}

// shadowserverDeviceID is Shadowserver's device identification report (device_id, device_id6):
// devices reachable from the internet, by vendor, type and model — not compromises, and not
// counted as vulnerable services either: their own kind.
var shadowserverDeviceID = &Feed{
	Name: "shadowserver-device-id", Target: native.Events, Kind: "exposed_device", ByReport: true,
	Columns: []string{"timestamp", "ip"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("timestamp")))
		located(get, set, "")
		set("source", "shadowserver")
		for _, col := range []string{"port", "protocol", "tag", "device_vendor", "device_type", "device_model", "device_version"} {
			set(col, get(col))
		}
	},
}

// shadowserverBlocklist is Shadowserver's blocklist report: the constituency's addresses that
// third parties' blocklists list, with the list and its reason. A listed network (CIDR) is set
// aside: sitrep counts addresses.
var shadowserverBlocklist = &Feed{
	Name: "shadowserver-blocklist", Target: native.Events, Kind: "blocklisted", ByReport: true,
	Columns: []string{"timestamp", "ip", "source", "reason"},
	Map: func(get func(string) string, set func(string, string)) {
		if ip := get("ip"); strings.Contains(ip, "/") {
			set("@field", "ip")
			set("@refuse", "the list names the network "+ip+", not an address: sitrep counts addresses")
			return
		}
		set("time", utc(get("timestamp")))
		located(get, set, "")
		set("source", "shadowserver")
		set("list", get("source"))
		set("reason", get("reason"))
		set("tag", get("tag"))
	},
}

// shadowserverSandboxURL is Shadowserver's sandbox URL report: the constituency's servers that
// malware contacted over HTTP when run in a sandbox. Command and control and downloads are
// among them, but so are the sites any program asks (update and connectivity checks): they are
// counted on their own, never as malware sites.
var shadowserverSandboxURL = &Feed{
	Name: "shadowserver-sandbox-url", Target: native.Events, Kind: "malware_contact", ByReport: true,
	Columns: []string{"timestamp", "ip", "url"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("timestamp")))
		located(get, set, "")
		set("url", get("url"))
		set("source", "shadowserver")
		set("md5", get("md5"))
		set("sha256", get("sha256"))
		set("method", get("method"))
		set("user_agent", get("user_agent"))
	},
}

// feodoTracker is abuse.ch's Feodo Tracker list of botnet command-and-control servers
// ("# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware"). A server is placed at the
// day it was last seen online, where the list gives one, else when it was first seen: a list
// fetched each week then counts the servers active that week.
var feodoTracker = &Feed{
	Name: "feodotracker", Target: native.Events, Kind: "botnet_cc",
	Columns: []string{"first_seen_utc", "dst_ip", "dst_port", "c2_status", "malware"},
	Map: func(get func(string) string, set func(string, string)) {
		when := get("last_online") // a day, in UTC as the list's times are
		if len(when) == len("2006-01-02") {
			when += "T00:00:00Z"
		} else {
			when = utc(get("first_seen_utc"))
		}
		set("time", when)
		set("ip", get("dst_ip"))
		set("family", get("malware"))
		set("source", "feodotracker")
		set("port", get("dst_port"))
		set("status", get("c2_status"))
	},
}

// threatFox is abuse.ch's ThreatFox IOC export ("# "first_seen_utc","ioc_id","ioc_value",…"):
// URLs, domains and ip:port addresses, each a malware site or, where its threat type says
// botnet_cc, a botnet's command-and-control server; file hashes, which no event holds, are set
// aside with why.
var threatFox = &Feed{
	Name: "threatfox", Target: native.Events, Kind: "malware_site", Also: []string{"botnet_cc"},
	Columns: []string{"first_seen_utc", "ioc_id", "ioc_value", "ioc_type", "threat_type"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("first_seen_utc")))
		if get("threat_type") == "botnet_cc" {
			set("kind", "botnet_cc")
		}
		v := get("ioc_value")
		switch typ := get("ioc_type"); typ {
		case "url":
			set("url", v)
			if _, host, isIP, err := enrich.WebURL(v); err == nil && isIP {
				set("ip", host)
			}
		case "domain":
			set("domain", v)
		case "ip:port":
			host, port, ok := strings.Cut(v, ":")
			if i := strings.LastIndex(v, ":"); i > 0 && strings.Count(v, ":") > 1 { // [v6]:port or v6:port
				host, port, ok = strings.Trim(v[:i], "[]"), v[i+1:], true
			}
			set("ip", host)
			if ok {
				set("port", port)
			}
		default:
			set("@field", "ioc_type")
			set("@refuse", "a "+typ+" IOC: events hold addresses, domains and URLs, not "+typ)
			return
		}
		if fam := get("malware_printable"); fam != "" && !strings.EqualFold(fam, "unknown malware") {
			set("family", fam)
		}
		set("source", "threatfox")
		set("id", get("ioc_id"))
		set("threat_type", get("threat_type"))
		set("confidence", get("confidence_level"))
	},
}

// cymruCAP is Team Cymru's CAP report for a CERT's networks ("#category|address|asn|timestamp|
// optional_information|asninfo"): each row's category says what its address was seen as.
// The country is the last word of asninfo ("Example AS Name, CN").
var cymruCAP = &Feed{
	Name: "cymru-cap", Target: native.Events, Kind: "infected_host", Also: []string{"brute_force", "botnet_cc", "scanner", "phishing"},
	Columns: []string{"category", "address", "asn", "timestamp", "optional_information"},
	Map: func(get func(string) string, set func(string, string)) {
		info := get("optional_information")
		switch cat := get("category"); cat {
		case "bot":
			set("family", capValue(info, "family", "mwtype"))
		case "bruteforce":
			set("kind", "brute_force")
		case "controller":
			set("kind", "botnet_cc")
			set("family", capValue(info, "family"))
		case "darknet", "scanner", "honeypot":
			set("kind", "scanner")
		case "phishing":
			set("kind", "phishing")
			set("url", strings.TrimSuffix(strings.TrimSpace(info), ";"))
		default:
			set("@field", "category")
			set("@refuse", "a "+cat+" record: open proxies, resolvers and the like are not incidents sitrep counts")
			return
		}
		set("time", utc(get("timestamp")))
		set("ip", get("address"))
		set("asn", get("asn"))
		if as := get("asninfo"); strings.LastIndex(as, ", ") >= 0 {
			if cc := strings.TrimSpace(as[strings.LastIndex(as, ", ")+2:]); len(cc) == 2 {
				set("country", cc)
			}
		}
		set("source", "cymru")
		set("details", info)
	},
}

// capValue finds a key's value in CAP's optional information, written "family: X;" or, in
// older rows, "mwtype X".
func capValue(info string, keys ...string) string {
	for _, k := range keys {
		if _, rest, ok := strings.Cut(info, k+": "); ok {
			v, _, _ := strings.Cut(rest, ";")
			return strings.TrimSpace(v)
		}
		if _, rest, ok := strings.Cut(info, k+" "); ok {
			v, _, _ := strings.Cut(rest, " ")
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// microsoftCTIP is Microsoft's Cyber Threat Intelligence Program feed of infected hosts (JSON
// Lines, "DataFeed":"…CTIP…Infected"): the source address, where SourceIpInfo places it, at
// the time received (.NET ticks, or the text beside them); the family is the threat code's
// last part where the malware names a network of families (Avalanche), else the malware.
var microsoftCTIP = &Feed{
	Name: "microsoft-ctip", Target: native.Events, Kind: "infected_host",
	Columns: []string{"datafeed", "datetimereceivedutc", "malware", "threatcode", "sourceip"},
	Map: func(get func(string) string, set func(string, string)) {
		if t, err := strconv.ParseInt(get("datetimereceivedutc"), 10, 64); err == nil && t > dotnetEpoch {
			set("time", time.Unix(0, (t-dotnetEpoch)*100).UTC().Format(time.RFC3339Nano))
		} else {
			set("time", get("datetimereceivedutc")) // refused by the parser, naming the field
		}
		set("ip", get("sourceip"))
		var where struct {
			ASN     string `json:"SourceIpAsnNumber"`
			Country string `json:"SourceIpCountryCode"`
			Region  string `json:"SourceIpRegion"`
		}
		if json.Unmarshal([]byte(get("sourceipinfo")), &where) == nil {
			set("asn", where.ASN)
			set("country", where.Country)
			set("province", where.Region)
		}
		family := get("malware")
		if code := get("threatcode"); strings.EqualFold(family, "avalanche") && strings.Contains(code, "-SS-") {
			family = code[strings.LastIndex(code, "-SS-")+len("-SS-"):]
		}
		set("family", family)
		set("source", "microsoft-ctip")
		set("tlp", tlpOf(get("tlp"))) // an Amber record is never named in public
		set("threat_code", get("threatcode"))
		set("confidence", get("threatconfidence"))
	},
}

// tlpOf reads a source's own TLP label as event.ParseTLP does, and TLP 1.0's YELLOW as AMBER;
// "" where the source gives none or one sitrep does not know, so the feed's default applies.
func tlpOf(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLP:") == "YELLOW" {
		return string(event.Amber)
	}
	l, err := event.ParseTLP(s)
	if err != nil {
		return ""
	}
	return string(l)
}

// intelmq reads IntelMQ's events (JSON Lines with its dotted keys), as the tools around
// IntelMQ export them: each event is the kind its classification.type says, or set aside
// with why.
var intelmq = &Feed{
	Name: "intelmq", Target: native.Events, Kind: "infected_host",
	Also:    []string{"malware_site", "phishing", "ddos", "brute_force", "scanner", "botnet_cc", "backdoor", "defacement", "vulnerable_service"},
	Columns: []string{"classification.type", "time.observation"},
	Map: func(get func(string) string, set func(string, string)) {
		typ := get("classification.type")
		kind, ok := event.KindOfRSIT(typ)
		if !ok {
			set("@field", "classification.type")
			set("@refuse", "an IntelMQ "+typ+" event: not a kind sitrep counts")
			return
		}
		set("kind", string(kind))
		t := get("time.source")
		if t == "" {
			t = get("time.observation")
		}
		set("time", t)
		ip := get("source.ip")
		if kind == "ddos" && get("destination.ip") != "" { // the attacked address
			ip = get("destination.ip")
		}
		set("ip", ip)
		if u := get("source.url"); u != "" {
			set("url", u)
		} else {
			set("domain", get("source.fqdn"))
		}
		set("country", get("source.geolocation.cc"))
		set("province", get("source.geolocation.region"))
		set("asn", get("source.asn"))
		set("family", get("malware.name"))
		set("source", strings.TrimSuffix("intelmq/"+get("feed.name"), "/"))
		set("tlp", tlpOf(get("tlp")))
		set("service", get("protocol.application"))
		set("identifier", get("classification.identifier"))
	},
}

// dotnetEpoch is 1970-01-01 in .NET ticks (100 ns since year 1).
const dotnetEpoch = 621355968000000000

// zoneH is Zone-H's defacement archive export; times are taken as UTC. The attacker's name
// and the defacement's reason are attacker-controlled text and are not kept.
var zoneH = &Feed{
	Name: "zone-h", Target: native.Events, Kind: "defacement",
	Columns: []string{"add_date", "attacker", "domain", "ip_address", "defacement_id"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("add_date")))
		set("url", get("domain"))
		set("ip", get("ip_address"))
		if cc := strings.ToUpper(get("country_code")); cc != "ZZ" {
			set("country", cc)
		}
		set("source", "zone-h")
		set("id", get("defacement_id"))
	},
}

// phishTank is PhishTank's verified-online CSV: the impersonated organisation is the target.
var phishTank = &Feed{
	Name: "phishtank", Target: native.Events, Kind: "phishing",
	Columns: []string{"phish_id", "url", "phish_detail_url", "submission_time", "target"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", get("submission_time"))
		set("url", get("url"))
		if t := get("target"); t != "Other" {
			set("target", t)
		}
		set("source", "phishtank")
		set("id", get("phish_id"))
	},
}

// urlhaus is abuse.ch's URLhaus CSV dump (its header in the last line of the # preamble): URLs
// serving malware, times in UTC, the first tag as the family. A URL whose host is an IP
// address gives the event's IP.
var urlhaus = &Feed{
	Name: "urlhaus", Target: native.Events, Kind: "malware_site",
	Columns: []string{"id", "dateadded", "url", "url_status", "threat", "tags"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("dateadded")))
		u := get("url")
		set("url", u)
		if _, host, isIP, err := enrich.WebURL(u); err == nil && isIP {
			set("ip", host)
		}
		set("family", familyTag(get("tags")))
		set("source", "urlhaus")
		set("id", get("id"))
	},
}

// notFamilies are URLhaus tags that describe the file, not the malware.
var notFamilies = map[string]bool{
	"elf": true, "exe": true, "apk": true, "dll": true, "doc": true, "zip": true, "rar": true, "js": true, "sh": true,
	"32-bit": true, "64-bit": true, "arm": true, "arm7": true, "mips": true, "mipsel": true, "x86": true, "x86-64": true,
	"sh4": true, "ppc": true, "m68k": true, "sparc": true, "powerpc": true, "i686": true, "ua-wget": true, "opendir": true,
}

// familyTag picks the malware family from a list of tags: the last one that does not name a
// file type or a CPU. URLhaus writes "None" for no tags.
func familyTag(tags string) string {
	parts := strings.Split(tags, ",")
	for i := len(parts) - 1; i >= 0; i-- {
		if t := strings.TrimSpace(parts[i]); t != "" && !strings.EqualFold(t, "none") && !notFamilies[strings.ToLower(t)] {
			return t
		}
	}
	return ""
}

// urlhausCountry is URLhaus's feed of the URLs hosted in one country or under one TLD
// ("# Dateadded (UTC),URL,…", headers read in lower case): no tags, but the host's address,
// AS number and country.
var urlhausCountry = &Feed{
	Name: "urlhaus-country", Target: native.Events, Kind: "malware_site",
	Columns: []string{"dateadded (utc)", "url", "url_status", "threat", "host", "ipaddress", "asnumber", "country"},
	Map: func(get func(string) string, set func(string, string)) {
		set("time", utc(get("dateadded (utc)")))
		set("url", get("url"))
		set("ip", get("ipaddress"))
		set("asn", get("asnumber"))
		set("country", get("country"))
		set("source", "urlhaus")
	},
}

// cisaKEV is CISA's Known Exploited Vulnerabilities catalog as CSV (known_exploited_
// vulnerabilities.csv): each row marks a CVE known to be exploited, from the day it was added.
// The catalog's days are read as UTC days.
var cisaKEV = &Feed{
	Name: "cisa-kev", Target: native.Exploited,
	Columns: []string{"cveid", "vendorproject", "product", "dateadded"},
	Map: func(get func(string) string, set func(string, string)) {
		set("cve", get("cveid"))
		set("added", utcDay(get("dateadded")))
		set("due", utcDay(get("duedate")))
		set("vendor", get("vendorproject"))
		set("product", get("product"))
		set("name", get("vulnerabilityname"))
		set("ransomware", get("knownransomwarecampaignuse"))
		set("source", "cisa-kev")
		set("cwes", get("cwes"))
	},
}

// utcDay writes a day (2024-02-27) as its first instant in UTC; anything else is passed on to
// be judged.
func utcDay(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s + "T00:00:00Z"
	}
	return s
}
