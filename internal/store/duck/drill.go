package duck

import (
	"context"
	"database/sql"
	"fmt"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// drill is how a count of eventCountsSQL picks its items: the events of kind, where cond, one
// item per distinct value (a site is the URL's host, or the domain where an event has no
// URL); having keeps the values whose events say so all together (a domain abroad); each
// lists every event (a count of events, not of values).
type drill struct {
	kind, value, cond, having string
	each                      bool
	typ                       string // the values' type (store.DrillPage.ValueType); ip where empty
}

var drills = map[string]drill{
	"infected_hosts.trojan_botnet":              {kind: "infected_host", value: "ip", cond: "country = 'CN' AND NOT coalesce(conficker, false)"},
	"infected_hosts.conficker":                  {kind: "infected_host", value: "ip", cond: "country = 'CN' AND conficker"},
	"malware_sites.domains":                     {typ: "domain", kind: "malware_site", value: "domain"},
	"malware_sites.domains_abroad":              {typ: "domain", kind: "malware_site", value: "domain", having: "bool_or(registrant_country IS NOT NULL AND registrant_country <> 'CN')"},
	"malware_sites.domains_com":                 {typ: "domain", kind: "malware_site", value: "domain", cond: "(domain = 'com' OR domain LIKE '%.com')"},
	"malware_sites.ips":                         {kind: "malware_site", value: "ip"},
	"malware_sites.ips_abroad":                  {kind: "malware_site", value: "ip", having: "bool_or(country IS NOT NULL AND country <> 'CN')"},
	"malware_sites.ip_urls":                     {typ: "host", kind: "malware_site", value: "host", cond: "host_is_ip"},
	"defaced.total":                             {typ: "host", kind: "defacement", value: "site", cond: "country = 'CN'"},
	"defaced.gov":                               {typ: "host", kind: "defacement", value: "site", cond: "country = 'CN' AND gov"},
	"backdoored.total":                          {typ: "host", kind: "backdoor", value: "site", cond: "country = 'CN'"},
	"backdoored.gov":                            {typ: "host", kind: "backdoor", value: "site", cond: "country = 'CN' AND gov"},
	"phishing.pages":                            {typ: "url", kind: "phishing", value: "url"},
	"phishing.domains":                          {typ: "domain", kind: "phishing", value: "domain"},
	"phishing.ips":                              {kind: "phishing", value: "ip"},
	"ddos.events":                               {kind: "ddos", value: "coalesce(ip, '')", each: true},
	"ddos.targets":                              {kind: "ddos", value: "ip"},
	"beyond_bulletin.brute_force_sources":       {kind: "brute_force", value: "ip"},
	"beyond_bulletin.scanners":                  {kind: "scanner", value: "ip"},
	"beyond_bulletin.amplification_victims":     {kind: "amplification_victim", value: "ip"},
	"beyond_bulletin.vulnerable_hosts":          {kind: "vulnerable_service", value: "ip"},
	"beyond_bulletin.botnet_cc_servers":         {kind: "botnet_cc", value: "ip"},
	"beyond_bulletin.exposed_devices":           {kind: "exposed_device", value: "ip"},
	"beyond_bulletin.blocklisted_addresses":     {kind: "blocklisted", value: "ip"},
	"beyond_bulletin.malware_contacted_servers": {typ: "host", kind: "malware_contact", value: "coalesce(ip, host)"},
}

// drillOrder is the ORDER BY of each of store.DrillSorts.
var drillOrder = map[string]string{"": "v", "value": "v", "-value": "v DESC", "first_seen": "first", "-first_seen": "first DESC",
	"last_seen": "last", "-last_seen": "last DESC", "events": "n", "-events": "n DESC"}

// Drill implements store.Observables.
func (d *DB) Drill(ctx context.Context, r store.Range, s store.Scope, metric string, dq store.DrillQuery) (store.DrillPage, error) {
	page := store.DrillPage{Metric: metric, Items: []store.DrillItem{}}
	dr, ok := drills[metric]
	page.Kind, page.ValueType = event.Kind(dr.kind), dr.typ
	if page.ValueType == "" {
		page.ValueType = "ip"
	}
	if !ok {
		return page, fmt.Errorf("%q is not a count whose items sitrep lists (%d are: infected_hosts.trojan_botnet, defaced.gov, …)", metric, len(drills))
	}
	sc, err := sqlScope(s)
	if err != nil {
		return page, err
	}
	ev := `WITH ev AS (
		SELECT *, coalesce(host, domain) AS site, lower(family) = 'conficker' AS conficker
		FROM events WHERE time >= $1 AND time < $2 AND {count} AND kind = '` + dr.kind + `'
	), items AS (`
	where := dr.value + ` IS NOT NULL`
	if dr.cond != "" {
		where += " AND " + dr.cond
	}
	if dr.each {
		ev += `SELECT ` + dr.value + ` AS v, time AS first, time AS last, 1 AS n, url, country, province, target, family, line, tlp
			FROM ev WHERE ` + where + `)`
	} else {
		having := ""
		if dr.having != "" {
			having = " HAVING " + dr.having
		}
		ev += `SELECT ` + dr.value + ` AS v, min(time) AS first, max(time) AS last, count(*) AS n,
			min(url) AS url, min(country) AS country, min(province) AS province, min(target) AS target, min(family) AS family, 0 AS line,
			max(tlp) AS tlp
			FROM ev WHERE ` + where + ` GROUP BY v` + having + `)`
	}
	order, ok := drillOrder[dq.Sort]
	if !ok {
		return page, fmt.Errorf("sort is one of %v", store.DrillSorts)
	}
	q := sc.sql(ev)
	from, to := r.From.UTC(), r.To.UTC()
	limit := max(dq.Limit, 0) // a page of no items is asked for by a limit of 0
	const match = ` WHERE $3 = '' OR contains(lower(v), lower($3))`
	if err := d.db.QueryRowContext(ctx, q+` SELECT count(*), count(*) FILTER (`+match[len(" WHERE "):]+`) FROM items`, from, to, dq.Match).
		Scan(&page.Total, &page.Matching); err != nil {
		return page, fmt.Errorf("count the items of %s: %w", metric, err)
	}
	rows, err := d.db.QueryContext(ctx, q+` SELECT v, first, last, n, url, country, province, target, family, tlp::VARCHAR FROM items`+match+`
		ORDER BY `+order+`, v, first, line LIMIT $4 OFFSET $5`, from, to, dq.Match, limit, dq.Offset)
	if err != nil {
		return page, fmt.Errorf("list the items of %s: %w", metric, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.DrillItem
		var url, country, province, target, family sql.NullString
		var tlp string
		if err := rows.Scan(&it.Value, &it.First, &it.Last, &it.Events, &url, &country, &province, &target, &family, &tlp); err != nil {
			return page, err
		}
		it.First, it.Last = it.First.UTC(), it.Last.UTC()
		it.URL, it.Country, it.Province, it.Target, it.Family, it.TLP = url.String, country.String, province.String, target.String, family.String, event.TLP(tlp)
		page.Items = append(page.Items, it)
	}
	return page, rows.Err()
}
