package duck

import (
	"context"
	"database/sql"
	"fmt"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// drill is which of a count's events count (store.Drills says the rest), as eventCountsSQL
// counts them: those where cond; having keeps the values whose events say so all together (a
// domain abroad).
type drill struct{ cond, having string }

// drillConds are the conditions of the counts whose events are not all their kind's.
var drillConds = map[string]drill{
	"infected_hosts.trojan_botnet": {cond: "country = 'CN' AND NOT coalesce(conficker, false)"},
	"infected_hosts.conficker":     {cond: "country = 'CN' AND conficker"},
	"malware_sites.domains_abroad": {having: "bool_or(registrant_country IS NOT NULL AND registrant_country <> 'CN')"},
	"malware_sites.domains_com":    {cond: "(domain = 'com' OR domain LIKE '%.com')"},
	"malware_sites.ips_abroad":     {having: "bool_or(country IS NOT NULL AND country <> 'CN')"},
	"malware_sites.ip_urls":        {cond: "host_is_ip"},
	"defaced.total":                {cond: "country = 'CN'"},
	"defaced.gov":                  {cond: "country = 'CN' AND gov"},
	"backdoored.total":             {cond: "country = 'CN'"},
	"backdoored.gov":               {cond: "country = 'CN' AND gov"},
}

// Drill implements store.Observables.
func (d *DB) Drill(ctx context.Context, r store.Range, s store.Scope, metric string, dq store.DrillQuery) (store.DrillPage, error) {
	page := store.DrillPage{Metric: metric, Items: []store.DrillItem{}}
	dr, ok := store.Drills[metric]
	if !ok {
		return page, fmt.Errorf("%q is not a count whose items sitrep lists (%d are: infected_hosts.trojan_botnet, defaced.gov, …)", metric, len(store.Drills))
	}
	page.Kind, page.ValueType = dr.Kind, dr.ValueType
	cond := drillConds[metric]
	sc, err := sqlScope(s)
	if err != nil {
		return page, err
	}
	ev := `WITH ev AS (
		SELECT *, coalesce(host, domain) AS site, lower(family) = 'conficker' AS conficker
		FROM events WHERE time >= $1 AND time < $2 AND {count} AND kind = '` + string(dr.Kind) + `'
	), items AS (`
	where := dr.Value + ` IS NOT NULL`
	if cond.cond != "" {
		where += " AND " + cond.cond
	}
	if dr.Each {
		ev += `SELECT ` + dr.Value + ` AS v, time AS first, time AS last, 1 AS n, url, country, province, target, family, line, tlp
			FROM ev WHERE ` + where + `)`
	} else {
		having := ""
		if cond.having != "" {
			having = " HAVING " + cond.having
		}
		ev += `SELECT ` + dr.Value + ` AS v, min(time) AS first, max(time) AS last, count(*) AS n,
			min(url) AS url, min(country) AS country, min(province) AS province, min(target) AS target, min(family) AS family, 0 AS line,
			max(tlp) AS tlp
			FROM ev WHERE ` + where + ` GROUP BY v` + having + `)`
	}
	order, ok := store.DrillOrderBy[dq.Sort]
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
