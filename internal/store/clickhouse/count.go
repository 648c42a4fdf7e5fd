package clickhouse

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// The latest row of each ID of a keyed table, among the committed ones: the one read last
// (from the input registered last, further down the same input), as the embedded store keeps
// it. A ticket's row beats any imported row of its ID, and a later history number an earlier.
const (
	latestVulns = `(SELECT id, argMax(published, v) AS published, tupleElement(argMax(tuple(title), v), 1) AS title, tupleElement(argMax(tuple(severity), v), 1) AS severity,
		tupleElement(argMax(tuple(object), v), 1) AS object, tupleElement(argMax(tuple(cve), v), 1) AS cve, tupleElement(argMax(tuple(vendor), v), 1) AS vendor, tupleElement(argMax(tuple(product), v), 1) AS product,
		argMax(tlp, v) AS tlp, tupleElement(argMax(tuple(extra), v), 1) AS extra, argMax(withdrawn, v) AS withdrawn, argMax(ord, v) AS ord, argMax(line, v) AS line
		FROM (SELECT *, (ord, line, written) AS v FROM vulns WHERE ` + committed + `) GROUP BY id)`
	latestExploited = `(SELECT id, argMax(added, v) AS added, tupleElement(argMax(tuple(vendor), v), 1) AS vendor, tupleElement(argMax(tuple(product), v), 1) AS product,
		tupleElement(argMax(tuple(name), v), 1) AS name, tupleElement(argMax(tuple(ransomware), v), 1) AS ransomware, tupleElement(argMax(tuple(due), v), 1) AS due, tupleElement(argMax(tuple(source), v), 1) AS source,
		argMax(tlp, v) AS tlp, tupleElement(argMax(tuple(extra), v), 1) AS extra, argMax(ord, v) AS ord, argMax(line, v) AS line
		FROM (SELECT *, (ord, line, written) AS v FROM exploited WHERE ` + committed + `) GROUP BY id)`
	latestIncidents = `(SELECT id, argMax(opened, v) AS opened, tupleElement(argMax(tuple(closed), v), 1) AS closed, argMax(type, v) AS type,
		tupleElement(argMax(tuple(source), v), 1) AS source, tupleElement(argMax(tuple(partner), v), 1) AS partner, tupleElement(argMax(tuple(partner_kind), v), 1) AS partner_kind,
		tupleElement(argMax(tuple(cross_border), v), 1) AS cross_border, tupleElement(argMax(tuple(impact), v), 1) AS impact, tupleElement(argMax(tuple(url), v), 1) AS url, tupleElement(argMax(tuple(platform), v), 1) AS platform,
		argMax(tlp, v) AS tlp, tupleElement(argMax(tuple(due), v), 1) AS due, tupleElement(argMax(tuple(extra), v), 1) AS extra, tupleElement(argMax(tuple(ticket_seq), v), 1) AS ticket_seq,
		argMax(ord, v) AS ord, argMax(line, v) AS line
		FROM (SELECT *, (isNotNull(ticket_seq), ifNull(ticket_seq, 0), ord, line, written) AS v FROM incidents WHERE ` + committed + `) GROUP BY id)`
)

// narrowed is a latest-row query (latestVulns, …) that reads only the rows cond selects: the
// rows of IDs that may matter (of a batch, of a range), so that the latest rows are not chosen
// over the whole table each time. cond selects whole IDs, never some rows of one.
func narrowed(latest, cond string) string {
	const end = committed + ") GROUP BY id)"
	if strings.Count(latest, end) != 1 {
		panic("narrowed: not a latest-row query")
	}
	return strings.Replace(latest, end, committed+" AND ("+cond+")) GROUP BY id)", 1)
}

// evSelect is the committed events of a range in a scope, with the columns the counts read
// made plain: the site (the URL's host, else the domain), whether Conficker, and the optional
// fields with "" or 0 for none.
const evSelect = `(SELECT *, coalesce(host, domain) AS site, lowerUTF8(ifNull(family, '')) = 'conficker' AS conficker,
	ifNull(country, '') AS country_, ifNull(registrant_country, '') AS rc_, ifNull(domain, '') AS domain_,
	ifNull(gov, 0) AS gov_, ifNull(host_is_ip, 0) AS hip_
	FROM events WHERE t >= ? AND t < ? AND {count} AND ` + committed + `)`

const eventCountsSQL = `SELECT
	uniqExactIf(ip, kind = 'infected_host' AND country_ = 'CN' AND NOT conficker),
	uniqExactIf(ip, kind = 'infected_host' AND country_ = 'CN' AND conficker),
	uniqExactIf(host, kind = 'malware_site' AND hip_ = 1),
	uniqExactIf(site, kind = 'defacement' AND country_ = 'CN'),
	uniqExactIf(site, kind = 'defacement' AND country_ = 'CN' AND gov_ = 1),
	uniqExactIf(site, kind = 'backdoor' AND country_ = 'CN'),
	uniqExactIf(site, kind = 'backdoor' AND country_ = 'CN' AND gov_ = 1),
	uniqExactIf(url, kind = 'phishing'),
	uniqExactIf(url, kind = 'phishing' AND isNotNull(ip)),
	uniqExactIf(domain, kind = 'phishing'),
	uniqExactIf(ip, kind = 'phishing'),
	countIf(kind = 'ddos'),
	uniqExactIf(ip, kind = 'ddos'),
	uniqExactIf(ip, kind = 'brute_force'),
	uniqExactIf(ip, kind = 'scanner'),
	uniqExactIf(ip, kind = 'amplification_victim'),
	uniqExactIf(ip, kind = 'vulnerable_service'),
	uniqExactIf(ip, kind = 'botnet_cc'),
	uniqExactIf(ip, kind = 'exposed_device'),
	uniqExactIf(ip, kind = 'blocklisted'),
	uniqExactIf(coalesce(ip, host), kind = 'malware_contact'),
	count()
FROM ` + evSelect

// malwareSitesSQL counts the malware sites' domains (abroad where any event names a
// registrant country that is not CN; .com) and addresses (abroad likewise by country).
const malwareSitesSQL = `SELECT
	(SELECT count() FROM (SELECT domain_ FROM {ev} WHERE kind = 'malware_site' AND domain_ != '' GROUP BY domain_)),
	(SELECT count() FROM (SELECT domain_ FROM {ev} WHERE kind = 'malware_site' AND domain_ != '' GROUP BY domain_ HAVING max(rc_ != '' AND rc_ != 'CN') = 1)),
	(SELECT count() FROM (SELECT domain_ FROM {ev} WHERE kind = 'malware_site' AND (domain_ = 'com' OR endsWith(domain_, '.com')) GROUP BY domain_)),
	(SELECT count() FROM (SELECT ip FROM {ev} WHERE kind = 'malware_site' AND isNotNull(ip) GROUP BY ip)),
	(SELECT count() FROM (SELECT ip FROM {ev} WHERE kind = 'malware_site' AND isNotNull(ip) GROUP BY ip HAVING max(country_ != '' AND country_ != 'CN') = 1))`

// scoped is a scope as conditions on a table's tlp column: count for the records that may be
// counted, names for those that may name something.
type scoped struct{ count, names string }

func sqlScope(s store.Scope) (scoped, error) {
	count, names, err := s.Labels()
	if err != nil {
		return scoped{}, err
	}
	in := func(ls []string) string {
		if len(ls) == 0 {
			return "0"
		}
		return "tlp IN ('" + strings.Join(ls, "', '") + "')"
	}
	return scoped{count: in(count), names: in(names)}, nil
}

// sql fills a query's {count}, {names} and {ev} (evSelect), and makes its distinct counts
// plain numbers.
func (sc scoped) sql(q string) string {
	q = strings.ReplaceAll(q, "{ev}", evSelect)
	return zeroNulls(strings.NewReplacer("{count}", sc.count, "{names}", sc.names).Replace(q))
}

// zeroNulls wraps each distinct count of q in ifNull(…, 0): a distinct count of a Nullable
// column is Nullable, and NULL where it counted nothing.
func zeroNulls(q string) string {
	var b strings.Builder
	for {
		i := strings.Index(q, "uniqExact")
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		open := strings.IndexByte(q[i:], '(')
		depth, j := 0, i+open
		for ; j < len(q); j++ {
			if q[j] == '(' {
				depth++
			} else if q[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		b.WriteString(q[:i])
		b.WriteString("toUInt64(ifNull(" + q[i:j+1] + ", 0))")
		q = q[j+1:]
	}
}

// repeat is args n times over, for a query that reads evSelect n times.
func repeat(n int, args ...any) []any {
	var out []any
	for range n {
		out = append(out, args...)
	}
	return out
}

// key names a scope in the kept results.
func (sc scoped) key() string { return sc.count + "|" + sc.names }

// EventCounts implements store.Counter. It keeps what it counted (see kept.go).
func (d *DB) EventCounts(ctx context.Context, r store.Range, s store.Scope, top int) (store.EventCounts, error) {
	var c store.EventCounts
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	top = max(top, 0)
	err = d.keep(ctx, "events.1", micros(r.From), micros(r.To), sc.key(), top, top > 0, &c, func() (err error) {
		c, err = d.eventCounts(ctx, r, sc, top)
		return err
	})
	return c, err
}

// eventCounts counts a range's events.
func (d *DB) eventCounts(ctx context.Context, r store.Range, sc scoped, top int) (store.EventCounts, error) {
	var c store.EventCounts
	var err error
	from, to := micros(r.From), micros(r.To)
	var n [22]uint64
	dst := make([]any, len(n))
	for i := range n {
		dst[i] = &n[i]
	}
	if err := d.conn.QueryRow(ctx, sc.sql(eventCountsSQL), from, to).Scan(dst...); err != nil {
		return c, fmt.Errorf("count events: %w", err)
	}
	for i, p := range []*int{&c.TrojanBotnet, &c.Conficker, &c.MalwareIPURLs, &c.Defaced.Total, &c.Defaced.Gov, &c.Backdoored.Total,
		&c.Backdoored.Gov, &c.PhishingPages, &c.PhishingPagesWithIP, &c.PhishingDomains, &c.PhishingIPs, &c.DDoSEvents, &c.DDoSTargets,
		&c.BruteForceSources, &c.Scanners, &c.AmplificationVictims, &c.VulnerableHosts, &c.BotnetCC, &c.ExposedDevices, &c.Blocklisted,
		&c.MalwareContacts, &c.Events} {
		*p = int(n[i])
	}
	var m [5]uint64
	if err := d.conn.QueryRow(ctx, sc.sql(malwareSitesSQL), repeat(5, from, to)...).Scan(&m[0], &m[1], &m[2], &m[3], &m[4]); err != nil {
		return c, fmt.Errorf("count malware sites: %w", err)
	}
	c.MalwareDomains, c.MalwareDomainsAbroad, c.MalwareDomainsCom, c.MalwareIPs, c.MalwareIPsAbroad = int(m[0]), int(m[1]), int(m[2]), int(m[3]), int(m[4])
	if top <= 0 {
		return c, nil
	}
	if c.Provinces, err = d.nameCounts(ctx, sc.sql(`SELECT p, count() AS hosts FROM (
		SELECT ip, argMax(assumeNotNull(province), (t, assumeNotNull(province))) AS p FROM events
		WHERE t >= ? AND t < ? AND {names} AND `+committed+` AND kind = 'infected_host' AND country = 'CN'
			AND isNotNull(province) AND isNotNull(ip) AND lowerUTF8(ifNull(family, '')) != 'conficker'
		GROUP BY ip)
		GROUP BY p ORDER BY hosts DESC, p LIMIT ?`), from, to, top); err != nil {
		return c, fmt.Errorf("count provinces: %w", err)
	}
	if c.PhishingTargets, err = d.nameCounts(ctx, sc.sql(`SELECT assumeNotNull(target) AS tg, uniqExact(url) AS pages FROM events
		WHERE t >= ? AND t < ? AND {names} AND `+committed+` AND kind = 'phishing' AND isNotNull(target) AND isNotNull(url)
		GROUP BY tg ORDER BY pages DESC, tg LIMIT ?`), from, to, top); err != nil {
		return c, fmt.Errorf("count phishing targets: %w", err)
	}
	if c.ByService, err = d.nameCounts(ctx, sc.sql(`SELECT visitParamExtractString(assumeNotNull(extra), 'service') AS service, uniqExact(ip) AS hosts
		FROM events WHERE t >= ? AND t < ? AND {count} AND `+committed+` AND kind = 'vulnerable_service' AND isNotNull(ip) AND isNotNull(extra)
			AND service != ''
		GROUP BY service ORDER BY hosts DESC, service LIMIT ?`), from, to, top); err != nil {
		return c, fmt.Errorf("count vulnerable services: %w", err)
	}
	if c.NewFamilies, err = d.newFamilies(ctx, r, sc); err != nil {
		return c, fmt.Errorf("find new malware families: %w", err)
	}
	var names, fresh uint64
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT uniqExact(lowerUTF8(assumeNotNull(malware))) FROM events
		WHERE t >= ? AND t < ? AND isNotNull(malware) AND malware != '' AND `+sighted+` AND {names} AND `+committed),
		from, to).Scan(&names); err != nil {
		return c, fmt.Errorf("count malware names: %w", err)
	}
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT count() FROM (
		SELECT lowerUTF8(name) AS m, min(first) AS earliest FROM sightings
		WHERE what = 'malware' AND first < ? AND {names} AND `+committed+` GROUP BY m) WHERE earliest >= ?`),
		to, from).Scan(&fresh); err != nil {
		return c, fmt.Errorf("count new malware names: %w", err)
	}
	c.MalwareNames, c.NewNames = int(names), int(fresh)
	if c.NewFamilies == nil { // nothing earlier: no name is new
		c.NewNames = 0
	}
	return c, nil
}

func (d *DB) nameCounts(ctx context.Context, query string, args ...any) ([]store.NameCount, error) {
	rows, err := d.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.NameCount{}
	for rows.Next() {
		var name string
		var n uint64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out = append(out, store.NameCount{Name: name, Count: int(n)})
	}
	return out, rows.Err()
}

// spelling is one way events spell a family, and how many of them do.
type spelling struct {
	name string
	n    uint64
}

// spellings reads, for each family (in any case) of a query's rows (lowered family, family,
// count), the spelling most of its events use (ties: the first in order).
func (d *DB) spellings(ctx context.Context, query string, args ...any) (map[string]string, error) {
	rows, err := d.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	best := map[string]spelling{}
	for rows.Next() {
		var f string
		var s spelling
		if err := rows.Scan(&f, &s.name, &s.n); err != nil {
			return nil, err
		}
		if b, ok := best[f]; !ok || s.n > b.n || s.n == b.n && s.name < b.name {
			best[f] = s
		}
	}
	out := make(map[string]string, len(best))
	for f, s := range best {
		out[f] = s.name
	}
	return out, rows.Err()
}

// newFamilies lists the families first named in the range, when the store holds earlier
// events in the scope that names.
func (d *DB) newFamilies(ctx context.Context, r store.Range, sc scoped) ([]string, error) {
	from, to := micros(r.From), micros(r.To)
	var earlier uint64
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT count() FROM (SELECT t FROM events WHERE t < ? AND {names} AND `+committed+` LIMIT 1)`), from).Scan(&earlier); err != nil || earlier == 0 {
		return nil, err
	}
	spelled, err := d.spellings(ctx, sc.sql(`SELECT lowerUTF8(assumeNotNull(family)) AS f, assumeNotNull(family) AS name, count()
		FROM events WHERE t >= ? AND t < ? AND isNotNull(family) AND family != '' AND `+sighted+` AND {names} AND `+committed+`
		GROUP BY f, name`), from, to)
	if err != nil {
		return nil, err
	}
	// The least of the batches' first sightings before the range's end is the first event's.
	rows, err := d.conn.Query(ctx, sc.sql(`SELECT f FROM (SELECT lowerUTF8(name) AS f, min(first) AS earliest FROM sightings
		WHERE what = 'family' AND first < ? AND {names} AND `+committed+` GROUP BY f) WHERE earliest >= ?`), to, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type named struct{ f, name string }
	var fresh []named
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		if name, ok := spelled[f]; ok && f != "conficker" {
			fresh = append(fresh, named{f, name})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(fresh, func(a, b named) int { return cmp.Or(cmp.Compare(a.f, b.f), cmp.Compare(a.name, b.name)) })
	out := []string{}
	for _, n := range fresh {
		out = append(out, n.name)
	}
	return out, nil
}

// FamilyCounts implements store.Counter. It keeps what it counted (see kept.go).
func (d *DB) FamilyCounts(ctx context.Context, r store.Range, s store.Scope, top int) ([]store.NameCount, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return nil, err
	}
	var out []store.NameCount
	err = d.keep(ctx, "families.1", micros(r.From), micros(r.To), sc.key(), max(top, 0), false, &out, func() (err error) {
		out, err = d.familyCounts(ctx, r, sc, top)
		return err
	})
	return out, err
}

func (d *DB) familyCounts(ctx context.Context, r store.Range, sc scoped, top int) ([]store.NameCount, error) {
	from, to := micros(r.From), micros(r.To)
	const hosts = `t >= ? AND t < ? AND {names} AND ` + committed + ` AND kind = 'infected_host' AND country = 'CN'
		AND isNotNull(family) AND family != '' AND isNotNull(ip) AND lowerUTF8(assumeNotNull(family)) != 'conficker'`
	spelled, err := d.spellings(ctx, sc.sql(`SELECT lowerUTF8(assumeNotNull(family)) AS f, assumeNotNull(family) AS name, count()
		FROM events WHERE `+hosts+` GROUP BY f, name`), from, to)
	if err != nil {
		return nil, fmt.Errorf("count malware families: %w", err)
	}
	counts, err := d.nameCounts(ctx, sc.sql(`SELECT lowerUTF8(assumeNotNull(family)) AS f, uniqExact(ip) FROM events WHERE `+hosts+` GROUP BY f`), from, to)
	if err != nil {
		return nil, fmt.Errorf("count malware families: %w", err)
	}
	out := []store.NameCount{}
	for _, nc := range counts {
		out = append(out, store.NameCount{Name: spelled[nc.Name], Count: nc.Count})
	}
	slices.SortFunc(out, func(a, b store.NameCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out, nil
}

// DataSpan implements store.Counter.
func (d *DB) DataSpan(ctx context.Context, s store.Scope) (store.Range, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return store.Range{}, err
	}
	var first, last int64
	var n uint64
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT min(t), max(t), count() FROM events WHERE {count} AND `+committed)).Scan(&first, &last, &n); err != nil {
		return store.Range{}, fmt.Errorf("the span of the events: %w", err)
	}
	if n == 0 {
		return store.Range{}, nil
	}
	return store.Range{From: fromMicros(first), To: fromMicros(last)}, nil
}

// cveSeparators split a record's list of CVEs.
var cveSeparators = regexp.MustCompile(`[\s,;、，/|]+`)

// VulnCounts implements store.Counter.
func (d *DB) VulnCounts(ctx context.Context, r store.Range, s store.Scope) (store.VulnCounts, error) {
	c := store.VulnCounts{BySeverity: map[event.Severity]int{}, ByObject: map[event.Object]int{}}
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	from, to := micros(r.From), micros(r.To)
	rows, err := d.conn.Query(ctx, sc.sql(`SELECT id, ifNull(severity, ''), ifNull(object, ''), ifNull(cve, ''), ifNull(extra, '')
		FROM `+narrowed(latestVulns, "id GLOBAL IN (SELECT id FROM vulns WHERE published >= ? AND published < ?)")+`
		WHERE published >= ? AND published < ? AND {count} AND withdrawn = 0`), from, to, from, to)
	if err != nil {
		return c, fmt.Errorf("count vulnerabilities: %w", err)
	}
	defer rows.Close()
	recordCVEs := map[string][]string{}
	kevAdded := map[string]bool{}
	var ids []string
	for rows.Next() {
		var id, sev, obj, cve, extra string
		if err := rows.Scan(&id, &sev, &obj, &cve, &extra); err != nil {
			return c, err
		}
		c.Total++
		c.BySeverity[event.Severity(sev)]++
		if obj == "" {
			c.Unclassified++
		} else {
			c.ByObject[event.Object(obj)]++
		}
		list := strings.TrimSpace(cve)
		if list == "" {
			list = id
		}
		seen := map[string]bool{}
		for _, x := range cveSeparators.Split(strings.ToUpper(strings.TrimSpace(list)), -1) {
			if x != "" && !seen[x] {
				seen[x] = true
				recordCVEs[id] = append(recordCVEs[id], x)
			}
		}
		if added, ok := kevAddedOf(extra); ok && added.Before(r.To) {
			kevAdded[id] = true
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	catalog := map[string]bool{}
	crows, err := d.conn.Query(ctx, sc.sql(`SELECT id FROM `+latestExploited+` WHERE added < ? AND {count}`), to)
	if err != nil {
		return c, fmt.Errorf("count known-exploited vulnerabilities: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var id string
		if err := crows.Scan(&id); err != nil {
			return c, err
		}
		catalog[id] = true
	}
	if err := crows.Err(); err != nil {
		return c, err
	}
	byCVE := map[string]int{}
	for _, id := range ids {
		for _, x := range recordCVEs[id] {
			byCVE[x]++
		}
	}
	for _, id := range ids {
		known, shared := kevAdded[id], false
		for _, x := range recordCVEs[id] {
			known = known || catalog[x]
			shared = shared || byCVE[x] > 1
		}
		if known {
			c.KnownExploited++
		}
		if shared {
			c.SameCVE++
		}
		if strings.HasPrefix(strings.ToUpper(id), "CNVD-") {
			c.CNVD++
		}
	}
	var added uint64
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT count() FROM `+latestExploited+` WHERE added >= ? AND added < ? AND {count}`), from, to).Scan(&added); err != nil {
		return c, fmt.Errorf("count known-exploited vulnerabilities: %w", err)
	}
	c.CatalogAdded = int(added)
	return c, nil
}

// kevAddedOf reads the day a record's own source says CISA added it (extra's kev_added).
func kevAddedOf(extra string) (time.Time, bool) {
	if !strings.Contains(extra, `"kev_added"`) {
		return time.Time{}, false
	}
	var x struct {
		KEVAdded string `json:"kev_added"`
	}
	if err := jsonUnmarshal(extra, &x); err != nil {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339Nano} {
		if t, err := time.Parse(layout, strings.TrimSpace(x.KEVAdded)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// IncidentCounts implements store.Counter. An incident belongs to the range it was closed in.
func (d *DB) IncidentCounts(ctx context.Context, r store.Range, s store.Scope) (store.IncidentCounts, error) {
	c := store.IncidentCounts{ByType: map[string]int{}, BySource: map[string]int{}, ByPartnerKind: map[string]int{}, ByPartner: map[string]int{}, Impact: map[string]int{}}
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	from, to := micros(r.From), micros(r.To)
	var n [5]uint64
	err = d.conn.QueryRow(ctx, sc.sql(`SELECT count(), countIf(ifNull(cross_border, 0) = 1), countIf(type = 'phishing'),
		uniqExactIf(platform, type = 'mobile_malware'), uniqExactIf(url, type = 'mobile_malware')
		FROM `+narrowed(latestIncidents, "id GLOBAL IN (SELECT id FROM incidents WHERE closed >= ? AND closed < ? OR opened >= ? AND opened < ?)")+` WHERE closed >= ? AND closed < ? AND {count}`), from, to, from, to, from, to).Scan(&n[0], &n[1], &n[2], &n[3], &n[4])
	if err != nil {
		return c, fmt.Errorf("count incidents: %w", err)
	}
	c.Handled, c.CrossBorder, c.Phishing, c.AppPlatforms, c.AppURLs = int(n[0]), int(n[1]), int(n[2]), int(n[3]), int(n[4])
	var opened uint64
	if err := d.conn.QueryRow(ctx, sc.sql(`SELECT count() FROM `+narrowed(latestIncidents, "id GLOBAL IN (SELECT id FROM incidents WHERE closed >= ? AND closed < ? OR opened >= ? AND opened < ?)")+` WHERE opened >= ? AND opened < ? AND {count}`),
		from, to, from, to, from, to).Scan(&opened); err != nil {
		return c, fmt.Errorf("count incidents opened: %w", err)
	}
	c.Opened = int(opened)
	for col, m := range map[string]map[string]int{"type": c.ByType, "if({names}, ifNull(source, ''), '')": c.BySource,
		"ifNull(partner_kind, '')": c.ByPartnerKind, "if({names}, ifNull(partner, ''), '')": c.ByPartner,
		"ifNull(impact, 'none')": c.Impact} {
		ncs, err := d.nameCounts(ctx, sc.sql(`SELECT `+col+` AS k, count() FROM `+narrowed(latestIncidents, "id GLOBAL IN (SELECT id FROM incidents WHERE closed >= ? AND closed < ? OR opened >= ? AND opened < ?)")+`
			WHERE closed >= ? AND closed < ? AND {count} GROUP BY k`), from, to, from, to, from, to)
		if err != nil {
			return c, fmt.Errorf("count incidents: %w", err)
		}
		for _, nc := range ncs {
			m[nc.Name] = nc.Count
		}
	}
	return c, nil
}

// History implements store.Counter: each table is read once, each record counted in the range
// of bounds its time falls in.
func (d *DB) History(ctx context.Context, bounds []time.Time, s store.Scope) ([]store.Headline, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return nil, err
	}
	if len(bounds) < 2 {
		return nil, nil
	}
	out := make([]store.Headline, len(bounds)-1)
	first, last := micros(bounds[0]), micros(bounds[len(bounds)-1])
	var key strings.Builder
	key.WriteString(sc.key())
	for _, b := range bounds {
		fmt.Fprintf(&key, "|%d", micros(b))
	}
	// The events' part is kept (see kept.go); the records' part, small, is counted afresh.
	err = d.keep(ctx, "history.1", micros(bounds[0]), micros(bounds[len(bounds)-1]), key.String(), len(bounds), false, &out, func() error {
		return d.bucketed(ctx, sc.sql(`SELECT {bucket} AS r,
		uniqExactIf(ip, kind = 'infected_host' AND country_ = 'CN' AND NOT conficker),
		uniqExactIf(ip, kind = 'infected_host' AND country_ = 'CN' AND conficker),
		uniqExactIf(site, kind = 'defacement' AND country_ = 'CN'),
		uniqExactIf(site, kind = 'backdoor' AND country_ = 'CN'),
		uniqExactIf(url, kind = 'phishing'),
		uniqExactIf(domain, kind = 'malware_site'),
		countIf(kind = 'ddos')
		FROM {ev} GROUP BY r`), "t", bounds, out, func(h *store.Headline) []*int {
			return []*int{&h.TrojanBotnet, &h.Conficker, &h.Defaced, &h.Backdoored, &h.PhishingPages, &h.MalwareDomains, &h.DDoSEvents}
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count events by week: %w", err)
	}
	err = d.bucketed(ctx, sc.sql(`SELECT {bucket} AS r, count(), countIf(severity = 'high')
		FROM `+narrowed(latestVulns, fmt.Sprintf("id GLOBAL IN (SELECT id FROM vulns WHERE published >= %d AND published < %d)", first, last))+`
		WHERE published >= ? AND published < ? AND {count} AND withdrawn = 0 GROUP BY r`), "published", bounds, out,
		func(h *store.Headline) []*int { return []*int{&h.Vulns, &h.HighVulns} })
	if err != nil {
		return nil, fmt.Errorf("count vulnerabilities by week: %w", err)
	}
	err = d.bucketed(ctx, sc.sql(`SELECT {bucket} AS r, count() FROM `+narrowed(latestIncidents, fmt.Sprintf("id GLOBAL IN (SELECT id FROM incidents WHERE closed >= %d AND closed < %d)", first, last))+`
		WHERE closed >= ? AND closed < ? AND {count} GROUP BY r`),
		"assumeNotNull(closed)", bounds, out, func(h *store.Headline) []*int { return []*int{&h.Incidents} })
	if err != nil {
		return nil, fmt.Errorf("count incidents by week: %w", err)
	}
	return out, nil
}

// bucketed runs a query that counts by the range of bounds a record's col falls in; its
// first two parameters are the first and the last bound. {bucket} is the multiIf that finds
// the range, so ranges of any length are counted exactly.
func (d *DB) bucketed(ctx context.Context, query, col string, bounds []time.Time, out []store.Headline, dest func(h *store.Headline) []*int) error {
	var b strings.Builder
	b.WriteString("toInt32(multiIf(")
	for i := 1; i < len(bounds); i++ {
		fmt.Fprintf(&b, "%s < %d, %d, ", col, micros(bounds[i]), i-1)
	}
	b.WriteString("-1))")
	query = strings.ReplaceAll(query, "{bucket}", b.String())
	rows, err := d.conn.Query(ctx, query, micros(bounds[0]), micros(bounds[len(bounds)-1]))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h store.Headline
		ptrs := dest(&h)
		var r int32
		n := make([]uint64, len(ptrs))
		dst := []any{&r}
		for i := range n {
			dst = append(dst, &n[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return err
		}
		if r < 0 || int(r) >= len(out) {
			continue
		}
		p := dest(&out[r])
		for i := range p {
			*p[i] += int(n[i])
		}
	}
	return rows.Err()
}
