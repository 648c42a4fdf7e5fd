package duck

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// eventCountsSQL computes CONTRACT.md's event statistics in one pass over the range. Site
// identity is the URL's host, or the domain where an event has no URL. A domain or IP counts
// as abroad when any of its events in the range names a country that is not CN; unknown
// countries are not counted as abroad.
const eventCountsSQL = `
WITH ev AS (
	SELECT *, coalesce(host, domain) AS site, lower(family) = 'conficker' AS conficker
	FROM events WHERE time >= $1 AND time < $2 AND {count}
),
mal_domains AS (
	SELECT domain, bool_or(registrant_country IS NOT NULL AND registrant_country <> 'CN') AS abroad
	FROM ev WHERE kind = 'malware_site' AND domain IS NOT NULL GROUP BY domain
),
mal_ips AS (
	SELECT ip, bool_or(country IS NOT NULL AND country <> 'CN') AS abroad
	FROM ev WHERE kind = 'malware_site' AND ip IS NOT NULL GROUP BY ip
)
SELECT
	count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND NOT coalesce(conficker, false)),
	count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND conficker),
	(SELECT count(*) FROM mal_domains),
	(SELECT count(*) FILTER (WHERE abroad) FROM mal_domains),
	(SELECT count(*) FILTER (WHERE domain = 'com' OR domain LIKE '%.com') FROM mal_domains),
	(SELECT count(*) FROM mal_ips),
	(SELECT count(*) FILTER (WHERE abroad) FROM mal_ips),
	count(DISTINCT host) FILTER (WHERE kind = 'malware_site' AND host_is_ip),
	count(DISTINCT site) FILTER (WHERE kind = 'defacement' AND country = 'CN'),
	count(DISTINCT site) FILTER (WHERE kind = 'defacement' AND country = 'CN' AND gov),
	count(DISTINCT site) FILTER (WHERE kind = 'backdoor' AND country = 'CN'),
	count(DISTINCT site) FILTER (WHERE kind = 'backdoor' AND country = 'CN' AND gov),
	count(DISTINCT url) FILTER (WHERE kind = 'phishing'),
	count(DISTINCT url) FILTER (WHERE kind = 'phishing' AND ip IS NOT NULL),
	count(DISTINCT domain) FILTER (WHERE kind = 'phishing'),
	count(DISTINCT ip) FILTER (WHERE kind = 'phishing'),
	count(*) FILTER (WHERE kind = 'ddos'),
	count(DISTINCT ip) FILTER (WHERE kind = 'ddos'),
	count(DISTINCT ip) FILTER (WHERE kind = 'brute_force'),
	count(DISTINCT ip) FILTER (WHERE kind = 'scanner'),
	count(DISTINCT ip) FILTER (WHERE kind = 'amplification_victim'),
	count(DISTINCT ip) FILTER (WHERE kind = 'vulnerable_service'),
	count(DISTINCT ip) FILTER (WHERE kind = 'botnet_cc'),
	count(DISTINCT ip) FILTER (WHERE kind = 'exposed_device'),
	count(DISTINCT ip) FILTER (WHERE kind = 'blocklisted'),
	count(DISTINCT coalesce(ip, host)) FILTER (WHERE kind = 'malware_contact'),
	count(*)
FROM ev`

// servicesSQL counts the addresses with an exposed or vulnerable service, by service.
const servicesSQL = `
SELECT json_extract_string(extra, '$.service') AS service, count(DISTINCT ip) AS hosts FROM events
WHERE time >= $1 AND time < $2 AND {count} AND kind = 'vulnerable_service' AND ip IS NOT NULL
	AND json_extract_string(extra, '$.service') IS NOT NULL
GROUP BY service ORDER BY hosts DESC, service LIMIT $3`

// provincesSQL ranks the provinces by hosts, each host in one province: where its events
// place it in several (a geolocation that changed over a month or a year), the latest one
// (ties: the last name in order), so that the provinces never add up to more hosts than
// there are.
const provincesSQL = `
SELECT province, count(*) AS hosts FROM (
	SELECT ip, arg_max(province, (time, province)) AS province FROM events
	WHERE time >= $1 AND time < $2 AND {names} AND kind = 'infected_host' AND country = 'CN'
		AND province IS NOT NULL AND ip IS NOT NULL AND NOT coalesce(lower(family) = 'conficker', false)
	GROUP BY ip
)
GROUP BY province ORDER BY hosts DESC, province LIMIT $3`

// newFamiliesSQL lists the families first named in the range, each as most of the range's
// events spell it (ties: the first spelling in order).
const newFamiliesSQL = `
WITH fam AS (
	SELECT lower(family) AS f, min(time) AS first FROM events
	WHERE family IS NOT NULL AND family <> '' AND kind IN ('infected_host', 'malware_site') AND time < $2 AND {names}
	GROUP BY 1
),
spelled AS (
	SELECT lower(family) AS f, family AS name, count(*) AS n FROM events
	WHERE family IS NOT NULL AND family <> '' AND kind IN ('infected_host', 'malware_site') AND time >= $1 AND time < $2 AND {names}
	GROUP BY 1, 2
)
SELECT name FROM (
	SELECT s.f, s.name, row_number() OVER (PARTITION BY s.f ORDER BY s.n DESC, s.name) AS rk
	FROM spelled s JOIN fam ON fam.f = s.f WHERE fam.first >= $1 AND s.f <> 'conficker'
) WHERE rk = 1 ORDER BY f, name`

// namesSQL counts the malware names of the range, and those first named in it.
const namesSQL = `
WITH nm AS (
	SELECT lower(malware) AS m, min(time) AS first, max(time) AS last FROM events
	WHERE malware IS NOT NULL AND malware <> '' AND kind IN ('infected_host', 'malware_site') AND time < $2 AND {names}
	GROUP BY 1
)
SELECT count(*) FILTER (WHERE last >= $1), count(*) FILTER (WHERE first >= $1) FROM nm`

// familiesSQL ranks the families of domestic infected hosts by distinct hosts, each spelled
// as most of its events spell it (ties: the first spelling in order).
const familiesSQL = `
WITH h AS (
	SELECT lower(family) AS f, family, ip FROM events
	WHERE time >= $1 AND time < $2 AND {names} AND kind = 'infected_host' AND country = 'CN'
		AND family IS NOT NULL AND family <> '' AND ip IS NOT NULL AND lower(family) <> 'conficker'
),
spelled AS (
	SELECT f, family, row_number() OVER (PARTITION BY f ORDER BY count(*) DESC, family) AS rk FROM h GROUP BY f, family
)
SELECT s.family, count(DISTINCT h.ip) AS hosts FROM h JOIN spelled s ON s.f = h.f AND s.rk = 1
GROUP BY s.family ORDER BY hosts DESC, s.family LIMIT $3`

const targetsSQL = `
SELECT target, count(DISTINCT url) AS pages FROM events
WHERE time >= $1 AND time < $2 AND {names} AND kind = 'phishing' AND target IS NOT NULL AND url IS NOT NULL
GROUP BY target ORDER BY pages DESC, target LIMIT $3`

// scoped is a scope as SQL conditions on a table's tlp column: count for the records that
// may be counted, names for those that may name something. A record without a label is
// TLP:CLEAR, as the contract says.
type scoped struct{ count, names string }

func sqlScope(s store.Scope) (scoped, error) {
	count, names, err := s.Labels()
	if err != nil {
		return scoped{}, err
	}
	in := func(ls []string) string {
		if len(ls) == 0 {
			return "false"
		}
		return "coalesce(tlp::VARCHAR, 'CLEAR') IN ('" + strings.Join(ls, "', '") + "')"
	}
	return scoped{count: in(count), names: in(names)}, nil
}

// sql fills a query's {count} and {names} conditions.
func (sc scoped) sql(q string) string {
	return strings.NewReplacer("{count}", sc.count, "{names}", sc.names).Replace(q)
}

// EventCounts implements store.Counter. It keeps what it counted (see kept).
func (d *DB) EventCounts(ctx context.Context, r store.Range, s store.Scope, top int) (store.EventCounts, error) {
	var c store.EventCounts
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	err = d.keep(ctx, keptEvents, r, sc, top, &c, func(q querier) error { return eventCounts(ctx, q, r, sc, top, &c) })
	if err != nil {
		return c, err
	}
	if top == 0 {
		c.Provinces, c.PhishingTargets, c.NewFamilies, c.ByService = nil, nil, nil, nil
		c.MalwareNames, c.NewNames = 0, 0
	} else {
		c.Provinces = c.Provinces[:min(top, len(c.Provinces))]
		c.PhishingTargets = c.PhishingTargets[:min(top, len(c.PhishingTargets))]
		c.ByService = c.ByService[:min(top, len(c.ByService))]
	}
	return c, nil
}

// FamilyCounts implements store.Counter. It keeps what it counted (see kept).
func (d *DB) FamilyCounts(ctx context.Context, r store.Range, s store.Scope, top int) ([]store.NameCount, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return nil, err
	}
	var out []store.NameCount
	err = d.keep(ctx, keptFamilies, r, sc, top, &out, func(q querier) (err error) {
		out, err = nameCounts(ctx, q, sc.sql(familiesSQL), r.From.UTC(), r.To.UTC(), top)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count malware families: %w", err)
	}
	return out, nil
}

// DataSpan implements store.Counter.
func (d *DB) DataSpan(ctx context.Context, s store.Scope) (store.Range, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return store.Range{}, err
	}
	var first, last sql.NullTime
	if err := d.db.QueryRowContext(ctx, sc.sql(`SELECT min(time), max(time) FROM events WHERE {count}`)).Scan(&first, &last); err != nil {
		return store.Range{}, fmt.Errorf("the span of the events: %w", err)
	}
	if !first.Valid {
		return store.Range{}, nil
	}
	return store.Range{From: first.Time.UTC(), To: last.Time.UTC()}, nil
}

// querier is what counting needs of a connection or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func eventCounts(ctx context.Context, q querier, r store.Range, sc scoped, top int, c *store.EventCounts) error {
	err := q.QueryRowContext(ctx, sc.sql(eventCountsSQL), r.From.UTC(), r.To.UTC()).Scan(
		&c.TrojanBotnet, &c.Conficker,
		&c.MalwareDomains, &c.MalwareDomainsAbroad, &c.MalwareDomainsCom, &c.MalwareIPs, &c.MalwareIPsAbroad, &c.MalwareIPURLs,
		&c.Defaced.Total, &c.Defaced.Gov, &c.Backdoored.Total, &c.Backdoored.Gov,
		&c.PhishingPages, &c.PhishingPagesWithIP, &c.PhishingDomains, &c.PhishingIPs,
		&c.DDoSEvents, &c.DDoSTargets,
		&c.BruteForceSources, &c.Scanners, &c.AmplificationVictims, &c.VulnerableHosts, &c.BotnetCC,
		&c.ExposedDevices, &c.Blocklisted, &c.MalwareContacts, &c.Events)
	if err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	if top > 0 {
		c.Provinces, err = nameCounts(ctx, q, sc.sql(provincesSQL), r.From.UTC(), r.To.UTC(), top)
		if err != nil {
			return fmt.Errorf("count provinces: %w", err)
		}
		c.PhishingTargets, err = nameCounts(ctx, q, sc.sql(targetsSQL), r.From.UTC(), r.To.UTC(), top)
		if err != nil {
			return fmt.Errorf("count phishing targets: %w", err)
		}
		c.ByService, err = nameCounts(ctx, q, sc.sql(servicesSQL), r.From.UTC(), r.To.UTC(), top)
		if err != nil {
			return fmt.Errorf("count vulnerable services: %w", err)
		}
		if c.NewFamilies, err = newFamilies(ctx, q, r, sc); err != nil {
			return fmt.Errorf("find new malware families: %w", err)
		}
		if err := q.QueryRowContext(ctx, sc.sql(namesSQL), r.From.UTC(), r.To.UTC()).Scan(&c.MalwareNames, &c.NewNames); err != nil {
			return fmt.Errorf("count malware names: %w", err)
		}
		if c.NewFamilies == nil { // nothing earlier: no name is new
			c.NewNames = 0
		}
	}
	return nil
}

func nameCounts(ctx context.Context, q querier, query string, args ...any) ([]store.NameCount, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.NameCount{}
	for rows.Next() {
		var nc store.NameCount
		var name sql.NullString
		if err := rows.Scan(&name, &nc.Count); err != nil {
			return nil, err
		}
		nc.Name = name.String
		out = append(out, nc)
	}
	return out, rows.Err()
}

// standing is the condition of a vulnerability record its source has not withdrawn.
const standing = `NOT coalesce(withdrawn, false)`

// VulnCounts implements store.Counter.
func (d *DB) VulnCounts(ctx context.Context, r store.Range, s store.Scope) (store.VulnCounts, error) {
	c := store.VulnCounts{BySeverity: map[event.Severity]int{}, ByObject: map[event.Object]int{}}
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	rows, err := d.db.QueryContext(ctx, sc.sql(`SELECT severity, coalesce(object, ''), count(*) FROM vulns
		WHERE published >= $1 AND published < $2 AND {count} AND `+standing+` GROUP BY ALL`), r.From.UTC(), r.To.UTC())
	if err != nil {
		return c, fmt.Errorf("count vulnerabilities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sev, obj string
		var n int
		if err := rows.Scan(&sev, &obj, &n); err != nil {
			return c, err
		}
		c.Total += n
		c.BySeverity[event.Severity(sev)] += n
		if obj == "" {
			c.Unclassified += n
		} else {
			c.ByObject[event.Object(obj)] += n
		}
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	// A record is known exploited where a catalog entry in scope, added before the range's
	// end, has its CVE (its cve field, which may list several, or else its ID): the record's
	// CVEs are unnested and joined to the catalog by equality, so the count grows with the
	// records and the catalog, not their product.
	// A record whose own source says CISA added it (a CVE record's CISA-ADP, NVD's
	// cisaExploitAdd: the extra field kev_added) counts as well, by that day.
	err = d.db.QueryRowContext(ctx, sc.sql(`WITH records AS (
			SELECT id, cve, extra FROM vulns WHERE published >= $1 AND published < $2 AND {count} AND `+standing+`),
		cves AS (
			SELECT DISTINCT id AS record, unnest(string_split_regex(upper(trim(coalesce(nullif(trim(cve), ''), id))), '[\s,;、，/|]+')) AS cve
			FROM records)
		SELECT
		(SELECT count(DISTINCT record) FROM (
			SELECT record FROM cves JOIN exploited x ON x.id = cves.cve WHERE x.added < $2 AND {count}
			UNION
			SELECT id FROM records
			WHERE extra LIKE '%"kev_added"%' AND try_cast(json_extract_string(extra, '$.kev_added') AS TIMESTAMP) < $2)),
		(SELECT count(*) FROM exploited WHERE added >= $1 AND added < $2 AND {count}),
		(SELECT count(DISTINCT record) FROM cves WHERE cve IN (SELECT cve FROM cves GROUP BY cve HAVING count(DISTINCT record) > 1)),
		(SELECT count(DISTINCT record) FROM cves WHERE starts_with(upper(record), 'CNVD-'))`),
		r.From.UTC(), r.To.UTC()).Scan(&c.KnownExploited, &c.CatalogAdded, &c.SameCVE, &c.CNVD)
	if err != nil {
		return c, fmt.Errorf("count known-exploited vulnerabilities: %w", err)
	}
	return c, nil
}

// IncidentCounts implements store.Counter. An incident belongs to the range it was closed in.
func (d *DB) IncidentCounts(ctx context.Context, r store.Range, s store.Scope) (store.IncidentCounts, error) {
	c := store.IncidentCounts{ByType: map[string]int{}, BySource: map[string]int{}, ByPartnerKind: map[string]int{}, ByPartner: map[string]int{}, Impact: map[string]int{}}
	sc, err := sqlScope(s)
	if err != nil {
		return c, err
	}
	from, to := r.From.UTC(), r.To.UTC()
	err = d.db.QueryRowContext(ctx, sc.sql(`SELECT count(*), count(*) FILTER (WHERE cross_border),
		count(*) FILTER (WHERE type = 'phishing'),
		count(DISTINCT platform) FILTER (WHERE type = 'mobile_malware'),
		count(DISTINCT url) FILTER (WHERE type = 'mobile_malware')
		FROM incidents WHERE closed >= $1 AND closed < $2 AND {count}`), from, to).
		Scan(&c.Handled, &c.CrossBorder, &c.Phishing, &c.AppPlatforms, &c.AppURLs)
	if err != nil {
		return c, fmt.Errorf("count incidents: %w", err)
	}
	err = d.db.QueryRowContext(ctx, sc.sql(`SELECT count(*) FROM incidents WHERE opened >= $1 AND opened < $2 AND {count}`), from, to).Scan(&c.Opened)
	if err != nil {
		return c, fmt.Errorf("count incidents opened: %w", err)
	}
	for col, m := range map[string]map[string]int{"type": c.ByType, "CASE WHEN {names} THEN coalesce(source, '') ELSE '' END": c.BySource,
		"coalesce(partner_kind, '')": c.ByPartnerKind, "CASE WHEN {names} THEN coalesce(partner, '') ELSE '' END": c.ByPartner,
		"coalesce(impact, 'none')": c.Impact} {
		ncs, err := nameCounts(ctx, d.db, sc.sql(`SELECT `+col+`, count(*) FROM incidents WHERE closed >= $1 AND closed < $2 AND {count} GROUP BY 1`), from, to)
		if err != nil {
			return c, fmt.Errorf("count incidents: %w", err)
		}
		for _, nc := range ncs {
			m[nc.Name] = nc.Count
		}
	}
	return c, nil
}

// History implements store.Counter. The events' part of each range is kept (see kept); the
// ranges not kept are counted together, one pass per run of consecutive ranges.
func (d *DB) History(ctx context.Context, bounds []time.Time, s store.Scope) ([]store.Headline, error) {
	sc, err := sqlScope(s)
	if err != nil {
		return nil, err
	}
	if len(bounds) < 2 {
		return nil, nil
	}
	out := make([]store.Headline, len(bounds)-1)
	found, err := d.keptRanges(ctx, keptHeadline, bounds, sc, func(i int) any { return &out[i] })
	if err != nil {
		return nil, err
	}
	// A range whose event counts are kept has its headline in them.
	counts := make([]store.EventCounts, len(out))
	full, err := d.keptRanges(ctx, keptEvents, bounds, sc, func(i int) any { return &counts[i] })
	if err != nil {
		return nil, err
	}
	for i := range out {
		if !found[i] && full[i] {
			out[i], found[i] = headlineOf(counts[i]), true
		}
	}
	var missing []int
	for i, ok := range found {
		if !ok {
			missing = append(missing, i)
		}
	}
	for len(missing) > 0 {
		n := 1
		for n < len(missing) && missing[n] == missing[0]+n {
			n++
		}
		first := missing[0]
		run := bounds[first : first+n+1]
		err := d.keepAll(ctx, keptHeadline, run, sc, 0, func(q querier) ([]any, error) {
			hs, err := headlineEvents(ctx, q, run, sc)
			copy(out[first:], hs)
			dst := make([]any, len(hs))
			for i := range hs {
				dst[i] = &out[first+i]
			}
			return dst, err
		})
		if err != nil {
			return nil, fmt.Errorf("count events by week: %w", err)
		}
		missing = missing[n:]
	}
	return out, d.historyRecords(ctx, bounds, sc, out)
}

// bucketed runs a query that counts by the range of bounds that a record's col falls in, and
// adds each row to its range's headline. {bucket} is the CASE that finds the range, so ranges
// of any length (weeks in a zone with daylight saving) are counted exactly; {last} is the
// parameter holding the last bound.
func bucketed(ctx context.Context, q querier, query, col string, bounds []time.Time, out []store.Headline, dest func(h *store.Headline) []any) error {
	var b strings.Builder
	args := make([]any, len(bounds))
	for i, t := range bounds {
		args[i] = t.UTC()
		if i > 0 {
			fmt.Fprintf(&b, " WHEN %s < $%d THEN %d", col, i+1, i-1)
		}
	}
	query = strings.NewReplacer("{bucket}", "CASE"+b.String()+" END", "{last}", fmt.Sprintf("$%d", len(bounds))).Replace(query)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r int
		var h store.Headline
		if err := rows.Scan(append([]any{&r}, dest(&h)...)...); err != nil {
			return err
		}
		out[r] = mergeHeadline(out[r], h)
	}
	return rows.Err()
}

// headlineEvents counts the events' part of the headlines of the ranges bounds delimit.
func headlineEvents(ctx context.Context, q querier, bounds []time.Time, sc scoped) ([]store.Headline, error) {
	out := make([]store.Headline, len(bounds)-1)
	err := bucketed(ctx, q, sc.sql(`SELECT {bucket} AS r,
		count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND NOT coalesce(lower(family) = 'conficker', false)),
		count(DISTINCT ip) FILTER (WHERE kind = 'infected_host' AND country = 'CN' AND lower(family) = 'conficker'),
		count(DISTINCT coalesce(host, domain)) FILTER (WHERE kind = 'defacement' AND country = 'CN'),
		count(DISTINCT coalesce(host, domain)) FILTER (WHERE kind = 'backdoor' AND country = 'CN'),
		count(DISTINCT url) FILTER (WHERE kind = 'phishing'),
		count(DISTINCT domain) FILTER (WHERE kind = 'malware_site'),
		count(*) FILTER (WHERE kind = 'ddos')
		FROM events WHERE time >= $1 AND time < {last} AND {count} GROUP BY r`), "time", bounds, out,
		func(h *store.Headline) []any {
			return []any{&h.TrojanBotnet, &h.Conficker, &h.Defaced, &h.Backdoored, &h.PhishingPages, &h.MalwareDomains, &h.DDoSEvents}
		})
	return out, err
}

// historyRecords adds the vulnerability and incident parts of the headlines, counted afresh:
// those tables are small.
func (d *DB) historyRecords(ctx context.Context, bounds []time.Time, sc scoped, out []store.Headline) error {
	err := bucketed(ctx, d.db, sc.sql(`SELECT {bucket} AS r, count(*), count(*) FILTER (WHERE severity = 'high')
		FROM vulns WHERE published >= $1 AND published < {last} AND {count} AND `+standing+` GROUP BY r`), "published", bounds, out,
		func(h *store.Headline) []any { return []any{&h.Vulns, &h.HighVulns} })
	if err != nil {
		return fmt.Errorf("count vulnerabilities by week: %w", err)
	}
	err = bucketed(ctx, d.db, sc.sql(`SELECT {bucket} AS r, count(*) FROM incidents WHERE closed >= $1 AND closed < {last} AND {count} GROUP BY r`),
		"closed", bounds, out, func(h *store.Headline) []any { return []any{&h.Incidents} })
	if err != nil {
		return fmt.Errorf("count incidents by week: %w", err)
	}
	return nil
}

// headlineOf is the events' part of a range's headline, from its event counts.
func headlineOf(c store.EventCounts) store.Headline {
	return store.Headline{TrojanBotnet: c.TrojanBotnet, Conficker: c.Conficker, Defaced: c.Defaced.Total, Backdoored: c.Backdoored.Total,
		PhishingPages: c.PhishingPages, MalwareDomains: c.MalwareDomains, DDoSEvents: c.DDoSEvents}
}

// mergeHeadline adds the counts of b, which come from another table, to a.
func mergeHeadline(a, b store.Headline) store.Headline {
	a.TrojanBotnet += b.TrojanBotnet
	a.Conficker += b.Conficker
	a.Defaced += b.Defaced
	a.Backdoored += b.Backdoored
	a.PhishingPages += b.PhishingPages
	a.MalwareDomains += b.MalwareDomains
	a.DDoSEvents += b.DDoSEvents
	a.Vulns += b.Vulns
	a.HighVulns += b.HighVulns
	a.Incidents += b.Incidents
	return a
}

// newFamilies lists the families first named in the range, when the store holds earlier
// events; both "first" and "earlier" look only at the records that may name something, so a
// family's absence from the list tells nothing of records outside them.
func newFamilies(ctx context.Context, q querier, r store.Range, sc scoped) ([]string, error) {
	var earlier bool
	if err := q.QueryRowContext(ctx, sc.sql(`SELECT EXISTS (SELECT 1 FROM events WHERE time < $1 AND {names})`), r.From.UTC()).Scan(&earlier); err != nil || !earlier {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, sc.sql(newFamiliesSQL), r.From.UTC(), r.To.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
