// Package store names what sitrep keeps and asks of a store, as small interfaces sized for
// their callers: the ingest writes batches through Ingest, the quarantine is read through
// Quarantine, and the weekly statistics come from Counter. They fall in two parts, each of
// which an engine of its own may hold: Analytics (what is ingested and counted) and Records
// (what people do: tickets, reviews, the archive, tokens, jobs). Engines live in sub-packages
// (duck is the embedded default); storetest holds the conformance suite every engine passes.
//
// All methods are safe for concurrent use unless an engine says otherwise.
package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"sitrep/internal/event"
)

// ErrLocked is wrapped by Open when another process holds the store.
var ErrLocked = errors.New("store is in use by another process")

// Input is one ingested input, identified by the SHA-256 of its bytes: the same bytes are the
// same input whatever the file is called.
type Input struct {
	ID       int64
	SHA256   string
	Name     string // the file name it was first read from, or "-" for stdin
	Format   string
	Encoding string
	Size     int64
	// Committed holds the tally of every batch already in the store, by batch number.
	Committed map[int]Tally
	// Complete is set once every batch of the input has been committed.
	Complete bool
}

// Tally counts what happened to the rows of a batch or an input.
type Tally struct {
	Read, Stored, Duplicate, Rejected int
}

// Add adds u to t.
func (t *Tally) Add(u Tally) {
	t.Read += u.Read
	t.Stored += u.Stored
	t.Duplicate += u.Duplicate
	t.Rejected += u.Rejected
}

// Reject is a row set aside, with where it came from and why.
type Reject struct {
	InputID int64
	Input   string // the input's name, filled in when reading the quarantine
	Line    int
	Field   string
	Reason  string
	Raw     string
	At      time.Time
}

// Batch is the unit that lands whole or not at all: its records, its rejected rows and the
// ledger entry that marks batch No of the input as committed. Events and rejects come as
// slices, or written ahead into a Stage (see Staging), or both.
type Batch struct {
	Input     int64
	No        int
	Read      int
	Events    []event.Event
	Vulns     []event.Vuln
	Incidents []event.Incident
	Exploited []event.Exploited
	Rejects   []Reject
	Stage     Stage
}

// Staging is offered by engines that bulk-load a batch from data written ahead of its commit.
// With it, the ingest encodes rows on every core as it reads them and holds no batch in
// memory, however large.
type Staging interface {
	// EncodeEvents appends the engine's bulk-load form of events to dst. It is safe for
	// concurrent use, and needs no input: rows can be encoded before the input is registered.
	EncodeEvents(dst []byte, evs []event.Event) []byte
	// EncodeRejects does the same for rejected rows.
	EncodeRejects(dst []byte, rs []Reject) []byte
	// NewStage starts an empty stage for one batch.
	NewStage() (Stage, error)
}

// Stage collects encoded rows of one batch until Commit loads them. A stage is used by one
// goroutine at a time; Commit consumes it, and Discard drops one that will not be committed.
// Discard may be called more than once, and after Commit, to no effect.
type Stage interface {
	// AddEvents adds encoded events; span covers their times (see SpanOf), so that the
	// engine knows which ranges' kept results the batch changes.
	AddEvents(chunk []byte, rows int, span Range) error
	AddRejects(chunk []byte, rows int) error
	Discard()
}

// Ingest is what the ingest needs: an input ledger and atomic batches.
type Ingest interface {
	// OpenInput returns the input with in.SHA256, registering it when it is new, together
	// with the batches already committed for it.
	OpenInput(ctx context.Context, in Input) (Input, error)
	// Commit writes a batch and its ledger entry in one transaction. A batch already
	// committed is refused with ErrCommitted. Events are stored as they come; vulnerability
	// and incident records replace earlier records with the same ID, and a record equal to
	// the one stored counts as a duplicate.
	Commit(ctx context.Context, b Batch) (Tally, error)
	// FinishInput marks an input complete.
	FinishInput(ctx context.Context, id int64) error
}

// ErrCommitted is returned by Commit for a batch the ledger already holds.
var ErrCommitted = errors.New("batch already committed")

// RejectFilter selects rows of the quarantine.
type RejectFilter struct {
	Input string // name or SHA-256 prefix; empty for all
	Limit int    // 0 for no limit
}

// Quarantine lists the rows set aside.
type Quarantine interface {
	Rejects(ctx context.Context, f RejectFilter) ([]Reject, error)
}

// Range is a half-open interval of instants [From, To).
type Range struct{ From, To time.Time }

// IsZero reports whether r is empty.
func (r Range) IsZero() bool { return !r.From.Before(r.To) }

// Union is the smallest range holding r and o; an empty range adds nothing.
func (r Range) Union(o Range) Range {
	switch {
	case o.IsZero():
		return r
	case r.IsZero():
		return o
	}
	if o.From.Before(r.From) {
		r.From = o.From
	}
	if o.To.After(r.To) {
		r.To = o.To
	}
	return r
}

// SpanOf is the smallest range holding the times of evs; empty without events.
func SpanOf(evs []event.Event) Range {
	var r Range
	for i := range evs {
		r = r.Union(Range{From: evs[i].Time, To: evs[i].Time.Add(time.Nanosecond)})
	}
	return r
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Sites counts distinct domestic sites (URL hosts) and the GOV-class ones among them.
type Sites struct{ Total, Gov int }

// EventCounts are the distinct counts over a range's events that the bulletin reports.
// Definitions are those of CONTRACT.md; METHODOLOGY.md says them in words.
type EventCounts struct {
	TrojanBotnet, Conficker int
	Provinces               []NameCount // by trojan/botnet hosts, most first
	MalwareDomains          int
	MalwareDomainsAbroad    int
	MalwareDomainsCom       int
	MalwareIPs              int
	MalwareIPsAbroad        int
	MalwareIPURLs           int
	Defaced, Backdoored     Sites
	PhishingPages           int
	PhishingPagesWithIP     int
	PhishingDomains         int
	PhishingIPs             int
	PhishingTargets         []NameCount // impersonated organisations by pages, most first
	DDoSEvents, DDoSTargets int
	// Beyond the bulletin: distinct addresses of each kind, and of vulnerable services by
	// service (the events' extra field service), most first.
	BruteForceSources, Scanners, AmplificationVictims, VulnerableHosts, BotnetCC int
	// Devices identified, blocklisted addresses, and servers malware contacted (by address,
	// else host name).
	ExposedDevices, Blocklisted, MalwareContacts int
	ByService                                    []NameCount
	Events                                       int // every event in the range, of any kind
	// NewFamilies are the malware families of the range's infected hosts and malware sites
	// that no earlier event named (in any case), each spelled as most of the range's events
	// spell it; Conficker, which the bulletin counts on its own, is never among them. nil
	// when the store holds nothing earlier, as then every family would look new.
	NewFamilies []string
	// MalwareNames counts the distinct malware names (event field malware, in any case) of
	// the range's infected hosts and malware sites, and NewNames those no earlier event
	// named (0 when the store holds nothing earlier).
	MalwareNames, NewNames int
}

// VulnCounts are the counts of a range's vulnerability records.
type VulnCounts struct {
	Total      int
	BySeverity map[event.Severity]int
	ByObject   map[event.Object]int
	// Unclassified counts the records without an affected-object class (in no ByObject).
	Unclassified int
	// KnownExploited counts the records whose CVE a known-exploited catalog had added before
	// the range's end; CatalogAdded the catalog entries added in the range.
	KnownExploited, CatalogAdded int
	// SameCVE counts the records that share a CVE with another record of the range (CNVD's
	// and NVD's record of one vulnerability, both loaded): each counts, and the editor is told.
	SameCVE int
	// CNVD counts the records CNVD numbered (CNVD-…), of whose collection the bulletin speaks
	// as CNVD's where they are all the records.
	CNVD int
}

// IncidentCounts are the counts of the incidents closed in a range, and of those opened in it.
type IncidentCounts struct {
	Handled, CrossBorder, Phishing int
	Opened                         int // incidents opened in the range, closed or not
	AppPlatforms, AppURLs          int
	ByType, BySource               map[string]int
	ByPartnerKind                  map[string]int
	// ByPartner counts the incidents by the partner they were coordinated with, naming only
	// partners of records the scope lets name them (the rest under "").
	ByPartner map[string]int
	Impact    map[string]int
}

// Headline is a range's headline counts, by the same definitions as EventCounts,
// VulnCounts and IncidentCounts: the series behind trend figures and 12-week highs and lows.
type Headline struct {
	TrojanBotnet, Conficker int
	MalwareDomains          int
	Defaced, Backdoored     int
	PhishingPages           int
	DDoSEvents              int
	Vulns, HighVulns        int
	Incidents               int
}

// HeadlineOf reads a headline count by its name in the statistics JSON (infected_hosts.total,
// phishing.pages, …); ok is false for a name that is not a headline count.
func HeadlineOf(h Headline, name string) (n int, ok bool) {
	switch name {
	case "infected_hosts.total":
		return h.TrojanBotnet + h.Conficker, true
	case "infected_hosts.trojan_botnet":
		return h.TrojanBotnet, true
	case "infected_hosts.conficker":
		return h.Conficker, true
	case "malware_sites.domains":
		return h.MalwareDomains, true
	case "defaced.total":
		return h.Defaced, true
	case "backdoored.total":
		return h.Backdoored, true
	case "phishing.pages":
		return h.PhishingPages, true
	case "ddos.events":
		return h.DDoSEvents, true
	case "vulnerabilities.total":
		return h.Vulns, true
	case "vulnerabilities.high":
		return h.HighVulns, true
	case "incidents.handled":
		return h.Incidents, true
	}
	return 0, false
}

// Override is an analyst's rating of a week in place of the computed one. An override with
// an empty Level withdraws the one before it.
type Override struct {
	Week   string    `json:"week"`
	Level  string    `json:"level"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
}

// AuditEntry is one change a person made, kept for good.
type AuditEntry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	Detail  string    `json:"detail"`
	// From is where the change was asked from: the address of a request to the server, empty
	// for the command line on the store's own machine.
	From string `json:"from,omitempty"`
}

// Ratings keeps rating overrides, each with its audit entry.
type Ratings interface {
	// Override returns the override in force for a week, or nil.
	Override(ctx context.Context, week string) (*Override, error)
	// SetOverride records an override (or, with an empty Level, its withdrawal) and its audit
	// entry in one transaction. Earlier overrides are kept.
	SetOverride(ctx context.Context, o Override) error
}

// Audit keeps the audit log: what people did, kept for good.
type Audit interface {
	// AuditLog reads the entries f selects, newest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// AddAudit records an entry of what no other change records (a login, an upload); its
	// From is taken from the context where empty (WithOrigin).
	AddAudit(ctx context.Context, e AuditEntry) error
}

// ErrConflict is returned when a ticket changed between reading it and writing to it.
var ErrConflict = errors.New("the ticket changed meanwhile; read it again")

// ErrExists is returned when a ticket is created with an ID a ticket holds already.
var ErrExists = errors.New("exists already")

// ErrNotFound is returned for a ticket or partner that does not exist.
var ErrNotFound = errors.New("not found")

// TicketEntry is one line of a ticket's history. Transitions carry From and To; other actions
// (open, assign, note, link, notify) leave To empty unless they also move the state.
type TicketEntry struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Link ties a ticket to an observable behind it.
type Link struct {
	Kind  string `json:"kind"` // url, ip or domain
	Value string `json:"value"`
}

// Partner is an organisation incidents are coordinated with.
type Partner struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`    // telecom, cloud, registrar, app_store, branch, international
	Country string `json:"country"` // ISO alpha-2
	Contact string `json:"contact"` // e-mail address for notifications
}

// Ticket is an incident as the tickets see it: the record, its deadline, its state derived
// from its history, and what it is linked to.
type Ticket struct {
	event.Incident
	Due     *time.Time    `json:"due"`
	State   string        `json:"state"`
	Seq     int           `json:"seq"` // the last history entry's number, 0 without history
	Links   []Link        `json:"links"`
	History []TicketEntry `json:"history,omitempty"`
}

// TicketChange sets fields of a ticket along with new history entries; nil leaves a field.
// A change of TLP label is also written to the audit log, in the same transaction.
type TicketChange struct {
	Partner     *Partner
	CrossBorder *bool
	Closed      *time.Time
	Due         *time.Time
	TLP         *event.TLP
	Links       []Link
}

// apply sets the fields c changes on t.
func (c TicketChange) apply(t *Ticket) {
	if c.Partner != nil {
		t.Partner, t.PartnerKind = c.Partner.Name, c.Partner.Kind
	}
	if c.CrossBorder != nil {
		t.CrossBorder = c.CrossBorder
	}
	if c.Closed != nil {
		t.Closed = c.Closed
	}
	if c.Due != nil {
		t.Due = c.Due
	}
	if c.TLP != nil {
		t.TLP = *c.TLP
	}
	t.Links = append(t.Links, c.Links...)
}

// TicketFilter selects tickets; zero fields select all.
type TicketFilter struct {
	ID        string // the ticket with this ID
	States    []string
	Type      string
	Partner   string
	ClosedIn  *Range
	OpenedIn  *Range
	OverdueAt time.Time // tickets still open whose due time is before this instant
	Link      *Link     // tickets linked to this observable
	Limit     int
}

// Observable is what the events of one URL point at, with the most restrictive TLP label of
// those events: whatever is made of them carries at least that label.
type Observable struct {
	URL, Domain, IP, Target string
	TLP                     event.TLP
}

// Observables lists what a range's events of a kind point at, one per URL, in URL order; and
// the events themselves.
type Observables interface {
	Observables(ctx context.Context, r Range, kind string) ([]Observable, error)
	// ListEvents returns a range's events of a kind (any kind when empty) whose TLP label is
	// one of tlps, in time order, at most limit.
	ListEvents(ctx context.Context, r Range, kind string, tlps []string, limit int) ([]event.Event, error)
	// Indicators lists what a range's events of the kinds point at — host names (not
	// addresses), addresses and URLs — from the events whose TLP label is one of tlps, each
	// with the first and the last time it was seen, ordered by type, value and kind.
	Indicators(ctx context.Context, r Range, kinds []event.Kind, tlps []event.TLP) ([]Indicator, error)
	// Drill lists the distinct items an event count of the statistics counts over a range,
	// within a scope (its Count labels), by the count's JSON path (DrillMetrics): those q
	// selects, in its order, with how many there are in all — always the count's value for
	// the same range and scope — and how many q matches.
	Drill(ctx context.Context, r Range, s Scope, metric string, q DrillQuery) (DrillPage, error)
}

// DrillQuery selects and orders a page of the items a count counts.
type DrillQuery struct {
	Limit, Offset int
	// Match keeps the items whose value holds it, in any case; empty keeps all.
	Match string
	// Sort orders the items by one of DrillSorts (value where empty), then by value.
	Sort string
}

// DrillSorts are the orders of drilled items: by value, by first or last sighting, by number
// of events; a leading "-" reverses one.
var DrillSorts = []string{"value", "-value", "first_seen", "-first_seen", "last_seen", "-last_seen", "events", "-events"}

// DrillOrderBy is the ORDER BY of each of DrillSorts over the columns every engine's items
// carry: v (the value), first and last (its first and last sighting), n (its events).
var DrillOrderBy = map[string]string{"": "v", "value": "v", "-value": "v DESC", "first_seen": "first", "-first_seen": "first DESC",
	"last_seen": "last", "-last_seen": "last DESC", "events": "n", "-events": "n DESC"}

// Drill is how a count of the statistics picks its items: the events of Kind, one item per
// distinct Value — an expression over the events' columns that every engine reads alike (a
// column; site, the host or else the domain; a coalesce) — of ValueType; Each lists every
// event instead (a count of events, not of values). Which of those events count (a country,
// a value of several events together) each engine says in its own dialect.
type Drill struct {
	Kind      event.Kind
	Value     string
	ValueType string
	Each      bool
}

// Drills are the counts Drill lists, by their JSON paths (DrillMetrics in order).
var Drills = map[string]Drill{
	"infected_hosts.trojan_botnet":              {event.InfectedHost, "ip", "ip", false},
	"infected_hosts.conficker":                  {event.InfectedHost, "ip", "ip", false},
	"malware_sites.domains":                     {event.MalwareSite, "domain", "domain", false},
	"malware_sites.domains_abroad":              {event.MalwareSite, "domain", "domain", false},
	"malware_sites.domains_com":                 {event.MalwareSite, "domain", "domain", false},
	"malware_sites.ips":                         {event.MalwareSite, "ip", "ip", false},
	"malware_sites.ips_abroad":                  {event.MalwareSite, "ip", "ip", false},
	"malware_sites.ip_urls":                     {event.MalwareSite, "host", "host", false},
	"defaced.total":                             {event.Defacement, "site", "host", false},
	"defaced.gov":                               {event.Defacement, "site", "host", false},
	"backdoored.total":                          {event.Backdoor, "site", "host", false},
	"backdoored.gov":                            {event.Backdoor, "site", "host", false},
	"phishing.pages":                            {event.Phishing, "url", "url", false},
	"phishing.domains":                          {event.Phishing, "domain", "domain", false},
	"phishing.ips":                              {event.Phishing, "ip", "ip", false},
	"ddos.events":                               {event.DDoS, "coalesce(ip, '')", "ip", true},
	"ddos.targets":                              {event.DDoS, "ip", "ip", false},
	"beyond_bulletin.brute_force_sources":       {event.BruteForce, "ip", "ip", false},
	"beyond_bulletin.scanners":                  {event.Scanner, "ip", "ip", false},
	"beyond_bulletin.amplification_victims":     {event.AmplificationVictim, "ip", "ip", false},
	"beyond_bulletin.vulnerable_hosts":          {event.VulnerableService, "ip", "ip", false},
	"beyond_bulletin.botnet_cc_servers":         {event.BotnetCC, "ip", "ip", false},
	"beyond_bulletin.exposed_devices":           {event.ExposedDevice, "ip", "ip", false},
	"beyond_bulletin.blocklisted_addresses":     {event.Blocklisted, "ip", "ip", false},
	"beyond_bulletin.malware_contacted_servers": {event.MalwareContact, "coalesce(ip, host)", "host", false},
}

// DrillMetrics are the event counts of the statistics whose items Drill lists, by their JSON
// paths, in the order of the statistics.
var DrillMetrics = []string{
	"infected_hosts.trojan_botnet", "infected_hosts.conficker",
	"malware_sites.domains", "malware_sites.domains_abroad", "malware_sites.domains_com", "malware_sites.ips", "malware_sites.ips_abroad", "malware_sites.ip_urls",
	"defaced.total", "defaced.gov", "backdoored.total", "backdoored.gov",
	"phishing.pages", "phishing.domains", "phishing.ips", "ddos.events", "ddos.targets",
	"beyond_bulletin.brute_force_sources", "beyond_bulletin.scanners", "beyond_bulletin.amplification_victims",
	"beyond_bulletin.vulnerable_hosts", "beyond_bulletin.botnet_cc_servers", "beyond_bulletin.exposed_devices",
	"beyond_bulletin.blocklisted_addresses", "beyond_bulletin.malware_contacted_servers",
}

// DrillPage is a page of the items a count counts.
type DrillPage struct {
	Metric string     `json:"metric"`
	Kind   event.Kind `json:"kind"` // the events counted
	// ValueType is what the items' values are: ip, host (a name, or an address where the
	// events name the site by it), url or domain.
	ValueType string `json:"value_type"`
	Total     int    `json:"total"`
	// Matching is how many items the query's Match keeps (Total without one).
	Matching int         `json:"matching"`
	Items    []DrillItem `json:"items"`
}

// DrillItem is one counted item (an address, a site, a URL, a domain; for a count of events,
// an event) with what its events say of it: when first and last seen, how many, and the
// first of each of their fields in order.
type DrillItem struct {
	Value    string    `json:"value"`
	First    time.Time `json:"first_seen"`
	Last     time.Time `json:"last_seen"`
	Events   int       `json:"events"`
	URL      string    `json:"url,omitempty"`
	Country  string    `json:"country,omitempty"`
	Province string    `json:"province,omitempty"`
	Target   string    `json:"target,omitempty"`
	Family   string    `json:"family,omitempty"`
	// TLP is the most restricted label of its events: what a shared copy must carry.
	TLP event.TLP `json:"tlp"`
}

// Indicator is a host name, an address or a URL that events of a kind pointed at.
type Indicator struct {
	Type        string     // "host", "ip" or "url"
	Value       string     // as the events hold it
	Kind        event.Kind // malware_site, phishing, …
	First, Last time.Time
}

// Tickets keeps incident tickets and their append-only histories.
type Tickets interface {
	// NextTicketID returns an unused ticket ID.
	NextTicketID(ctx context.Context) (string, error)
	// CreateTicket stores a new ticket with its first history entry and links.
	CreateTicket(ctx context.Context, t Ticket, first TicketEntry) error
	// Ticket returns a ticket with its history, oldest first, or ErrNotFound.
	Ticket(ctx context.Context, id string) (Ticket, error)
	// AppendTicket adds history entries and applies change in one transaction, provided the
	// history still ends at entry seq; otherwise it returns ErrConflict.
	AppendTicket(ctx context.Context, id string, seq int, entries []TicketEntry, change TicketChange) error
	// ListTickets returns tickets without their histories, newest first.
	ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error)
	// SetPartner adds or replaces a partner in the directory.
	SetPartner(ctx context.Context, p Partner) error
	// Partner returns a partner by name, or ErrNotFound.
	Partner(ctx context.Context, name string) (Partner, error)
	// Partners lists the directory by name.
	Partners(ctx context.Context) ([]Partner, error)
}

// Rendering is one published rendering of a week's bulletin.
type Rendering struct {
	Week        string    `json:"week"`
	Lang        string    `json:"lang"`
	Format      string    `json:"format"`
	Title       string    `json:"title"`
	Content     []byte    `json:"-"`
	PublishedAt time.Time `json:"published_at"`
	Actor       string    `json:"actor"`
	// Revision is 1 for an issue as first published, and counts its corrections after.
	Revision int `json:"revision"`
}

// Revision is one publication of an issue: the first (1), or a correction with its reason.
type Revision struct {
	Number      int       `json:"revision"`
	PublishedAt time.Time `json:"published_at"`
	Actor       string    `json:"actor"`
	Reason      string    `json:"reason,omitempty"`
}

// ErrPublished is returned when a week's bulletin was published already: it never changes.
var ErrPublished = errors.New("already published; a published bulletin never changes")

// Review is an editor's approval of a week's bulletin as it then read: Digest fingerprints
// the rendering reviewed, so a bulletin whose data changed afterwards needs a new review.
type Review struct {
	Week       string    `json:"week"`
	Digest     string    `json:"digest"`
	Actor      string    `json:"actor"`
	ReviewedAt time.Time `json:"reviewed_at"`
	Note       string    `json:"note"`
}

// Archive keeps reviews and published bulletins, frozen.
type Archive interface {
	// Publish stores a week's renderings and an audit entry in one transaction; a week
	// published before is refused with ErrPublished.
	Publish(ctx context.Context, rs []Rendering) error
	// Correct publishes a new revision of a published week's renderings, with why, and an
	// audit entry, in one transaction; the earlier revisions stay as they were. It returns
	// the new revision's number. A week not published is refused with ErrNotFound.
	Correct(ctx context.Context, rs []Rendering, reason string) (int, error)
	// Rendering returns one rendering of a week's latest revision, or ErrNotFound.
	Rendering(ctx context.Context, week, lang, format string) (Rendering, error)
	// RenderingAt returns one rendering of a week's revision rev (1 is as first published),
	// or ErrNotFound.
	RenderingAt(ctx context.Context, week, lang, format string, rev int) (Rendering, error)
	// Revisions lists a week's revisions, the first first; none for a week not published.
	Revisions(ctx context.Context, week string) ([]Revision, error)
	// PublishedIssues lists the published weeks' renderings without content, newest first,
	// each of its latest revision.
	PublishedIssues(ctx context.Context, lang, format string, limit int) ([]Rendering, error)
	// AddReview records a review with an audit entry.
	AddReview(ctx context.Context, r Review) error
	// LatestReview returns the week's latest review, or ErrNotFound.
	LatestReview(ctx context.Context, week string) (Review, error)
}

// Unpublished checks that the issue of key (2024-W09, 2024-02) is not published, and says
// ErrPublished where it is: a published issue never changes, nor its review, nor its rating.
func Unpublished(ctx context.Context, a Archive, key string) error {
	_, err := a.Rendering(ctx, key, "zh", "html")
	switch {
	case err == nil:
		return fmt.Errorf("%s: %w", key, ErrPublished)
	case errors.Is(err, ErrNotFound):
		return nil
	}
	return err
}

// Token is an API token's record; the token itself is never stored, only its digest.
type Token struct {
	Digest    string     `json:"-"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Tokens keeps API tokens.
type Tokens interface {
	// AddToken records a token by the SHA-256 digest of its text, with an audit entry.
	AddToken(ctx context.Context, t Token, actor string) error
	// TokenByDigest returns the token with that digest, or ErrNotFound (also when revoked).
	TokenByDigest(ctx context.Context, digest string) (Token, error)
	// Tokens lists every token, revoked ones too, by name.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeTokens revokes the tokens named name, with an audit entry, and says how many.
	RevokeTokens(ctx context.Context, name, actor string, at time.Time) (int, error)
}

// Job is work the server does after it has answered: an ingest received whole and run in
// its turn. Its result (the ingest's summary) or its error says how it ended.
type Job struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"` // ingest
	Actor    string          `json:"actor"`
	State    string          `json:"state"` // queued, running, done, failed
	Created  time.Time       `json:"created_at"`
	Started  *time.Time      `json:"started_at,omitempty"`
	Finished *time.Time      `json:"finished_at,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	Error    string          `json:"error,omitempty"`
	// Status is the HTTP status the job's answer would have had, had it been waited for.
	Status int `json:"status,omitempty"`
	// Server names the server that runs the job (its host and store directory), where several
	// share the records: a server starting marks failed only what it left unfinished. A job
	// a server handed whole to the workers of a queue is theirs to finish: QueueServer.
	Server string `json:"server,omitempty"`
}

// QueueServer is the Server of a job handed whole to the workers of an ingest queue.
const QueueServer = "queue"

// States of a job.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// Jobs keeps jobs. Each job's record is written by the job alone, so writes to it need no
// turn among the other writers.
type Jobs interface {
	// SaveJob adds a job or replaces the record of one.
	SaveJob(ctx context.Context, j Job) error
	// SaveJobIf replaces the record of a job only while its state is one of from, in one
	// step, and says whether it did: where several processes finish one job (the workers of
	// a queue, the server that fed them), a job that ended is never made to end otherwise.
	SaveJobIf(ctx context.Context, j Job, from ...string) (bool, error)
	// Job returns a job, or ErrNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// ListJobs lists the jobs of an actor (all jobs for ""), newest first, at most limit.
	ListJobs(ctx context.Context, actor string, limit int) ([]Job, error)
	// AbandonJobs marks every job of server (and every job that names none) still queued or
	// running as failed with reason: at start, those the server left unfinished when it
	// stopped. It says how many.
	AbandonJobs(ctx context.Context, server, reason string, at time.Time) (int, error)
}

// Scope says which records a count may draw on, by their TLP label: numbers come only from
// records whose label is in Count, and every string that names something — a province, a
// phishing target, a malware family, an incident's source — together with the count shown
// beside it, only from records whose label is in Names. Names should be a subset of Count.
// The TLP rules of an edition are enforced here, in the engine's queries, and nowhere else.
type Scope struct {
	Count []event.TLP
	Names []event.TLP
}

// PublicScope is the default scope of a public edition: counts from records up to TLP:AMBER
// (never AMBER+STRICT or RED), names only from TLP:CLEAR records.
var PublicScope = Scope{Count: []event.TLP{event.Clear, event.Green, event.Amber}, Names: []event.TLP{event.Clear}}

// AllRecords is the scope of an edition labelled TLP:RED: every record counts and names.
var AllRecords = Scope{Count: event.TLPOrder, Names: event.TLPOrder}

// ErrNoScope is returned by a Counter asked to count without any label in scope.
var ErrNoScope = errors.New("a count needs the TLP labels it may draw on")

// Counter computes a range's numbers inside the engine, from the records in a scope. An
// engine may keep the results it computed, per range and scope, so that asking again costs
// little; what it keeps must never outlive a change to the records it was counted from (late
// events for an old week, new events before a range whose new families it named).
type Counter interface {
	// EventCounts counts a range's events; with top above 0 it also ranks provinces and
	// phishing targets (top of each) and finds the new malware families, from the records
	// the scope lets name them.
	EventCounts(ctx context.Context, r Range, s Scope, top int) (EventCounts, error)
	VulnCounts(ctx context.Context, r Range, s Scope) (VulnCounts, error)
	// IncidentCounts counts the incidents closed in a range; BySource names only sources
	// of records the scope lets name them, and counts the rest under "".
	IncidentCounts(ctx context.Context, r Range, s Scope) (IncidentCounts, error)
	// History counts the headline numbers of each of the consecutive ranges that the
	// ascending instants bounds delimit (len(bounds)-1 ranges), one pass per table.
	History(ctx context.Context, bounds []time.Time, s Scope) ([]Headline, error)
	// FamilyCounts ranks the malware families of a range's domestic infected hosts (Conficker
	// apart) by distinct hosts, most first (top of them), each spelled as most of its events
	// spell it, from the records the scope lets name them.
	FamilyCounts(ctx context.Context, r Range, s Scope, top int) ([]NameCount, error)
	// DataSpan returns the instants of the first and the last event the scope counts (To is
	// the last one's, inclusive), or a zero Range where there is none: the span the store's
	// monitoring data covers.
	DataSpan(ctx context.Context, s Scope) (Range, error)
}

// TicketRows is how the records part's tickets reach the statistics: the analytical part keeps
// the incident row each ticket counts as, written after every change to the ticket.
type TicketRows interface {
	// CountTickets writes the counted rows of tickets as the records part now holds them,
	// each marked with its history's last number (Ticket.Seq): a row no newer than the one
	// stored changes nothing, so writing again, late or twice, is safe. A ticket written here
	// is one an imported incident row may not replace (Commit sets such a row aside).
	CountTickets(ctx context.Context, ts []Ticket) error
}

// Imported lists the incident records an ingest brought in — not tickets: no history stands
// behind them — as tickets without history, newest first, as Tickets.ListTickets lists them.
// Where the parts of a store are apart, tickets are listed from the records part and these
// from the analytical one.
type Imported interface {
	ImportedIncidents(ctx context.Context, f TicketFilter) ([]Ticket, error)
}

// Analytics is the analytical part of a store: what is ingested and counted — events,
// vulnerability and incident records, the ledger of inputs, the rows set aside — and the
// counting, with the results it keeps. It is the large, append-mostly part: the embedded
// DuckDB file, or a column store.
type Analytics interface {
	Ingest
	Quarantine
	Counter
	Observables
	TicketRows
	Imported
	Close() error
}

// Records is the records part of a store: what people do and decide — tickets and their
// histories, partners, rating overrides, the audit log, reviews and the archive of published
// issues, tokens, accounts and sessions, jobs. It is small and transactional. No method of either part needs a
// transaction over both: a ticket is changed in the records part alone, and its counted row
// follows through TicketRows.
type Records interface {
	Ratings
	Audit
	Tickets
	Archive
	Tokens
	Accounts
	Jobs
	Close() error
}

// Store is both parts. The embedded engine holds them in one file, where a ticket is its own
// counted row; engines apart are joined so that each change to a ticket is followed by
// TicketRows.CountTickets.
type Store interface {
	Analytics
	Records
}

// LastByID keeps the last record of each ID by line (the rows of a batch may arrive in any
// order), in line order: of records that repeat an ID within a batch, the last one stands.
func LastByID[T any](recs []T, id func(*T) string, line func(*T) int) []T {
	at := make(map[string]int, len(recs))
	out := make([]T, 0, len(recs))
	for i := range recs {
		k := id(&recs[i])
		if j, ok := at[k]; ok {
			if line(&recs[i]) > line(&out[j]) {
				out[j] = recs[i]
			}
			continue
		}
		at[k] = len(out)
		out = append(out, recs[i])
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(line(&a), line(&b)) })
	return out
}

// Labels are a scope's labels in TLPOrder, those that may count and those that may name;
// a label that is not TLP's is an error, and a scope that counts nothing ErrNoScope. Engines
// write their conditions from these, so that a scope reads the same however it was listed.
func (s Scope) Labels() (count, names []string, err error) {
	if len(s.Count) == 0 {
		return nil, nil, ErrNoScope
	}
	for _, ls := range [][]event.TLP{s.Count, s.Names} {
		for _, l := range ls {
			if !slices.Contains(event.TLPOrder, l) {
				return nil, nil, fmt.Errorf("scope: %q is not a TLP label", l)
			}
		}
	}
	for _, l := range event.TLPOrder {
		if slices.Contains(s.Count, l) {
			count = append(count, string(l))
		}
		if slices.Contains(s.Names, l) {
			names = append(names, string(l))
		}
	}
	return count, names, nil
}
