package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// tlpMax is the most restricted label of the rows a group holds.
const tlpMax = `arrayElement(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'], toUInt32(max(indexOf(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'], tlp))))`

// Observables implements store.Observables.
func (d *DB) Observables(ctx context.Context, r store.Range, kind string) ([]store.Observable, error) {
	rows, err := d.conn.Query(ctx, `SELECT assumeNotNull(url) AS u, ifNull(min(domain), ''), ifNull(min(ip), ''), ifNull(min(target), ''), `+tlpMax+`
		FROM events WHERE kind = ? AND t >= ? AND t < ? AND isNotNull(url) AND `+committed+` GROUP BY u ORDER BY u`,
		kind, micros(r.From), micros(r.To))
	if err != nil {
		return nil, fmt.Errorf("list observables: %w", err)
	}
	defer rows.Close()
	var out []store.Observable
	for rows.Next() {
		var o store.Observable
		var tlp string
		if err := rows.Scan(&o.URL, &o.Domain, &o.IP, &o.Target, &tlp); err != nil {
			return nil, err
		}
		o.TLP = event.TLP(tlp)
		out = append(out, o)
	}
	return out, rows.Err()
}

// strs is the labels or kinds as strings.
func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Indicators implements store.Observables.
func (d *DB) Indicators(ctx context.Context, r store.Range, kinds []event.Kind, tlps []event.TLP) ([]store.Indicator, error) {
	if len(kinds) == 0 || len(tlps) == 0 {
		return []store.Indicator{}, nil
	}
	where := `t >= ? AND t < ? AND has(?, kind) AND has(?, tlp) AND ` + committed
	args := []any{micros(r.From), micros(r.To), strs(kinds), strs(tlps)}
	q := `SELECT * FROM (
		SELECT 'host' AS typ, assumeNotNull(host) AS v, kind, min(t), max(t) FROM events WHERE ` + where + ` AND isNotNull(host) AND host != '' AND ifNull(host_is_ip, 0) = 0 GROUP BY v, kind
		UNION ALL SELECT 'ip' AS typ, assumeNotNull(ip) AS v, kind, min(t), max(t) FROM events WHERE ` + where + ` AND isNotNull(ip) AND ip != '' GROUP BY v, kind
		UNION ALL SELECT 'url' AS typ, assumeNotNull(url) AS v, kind, min(t), max(t) FROM events WHERE ` + where + ` AND isNotNull(url) AND url != '' GROUP BY v, kind
	) ORDER BY typ, v, kind`
	rows, err := d.conn.Query(ctx, q, repeat(3, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	defer rows.Close()
	out := []store.Indicator{}
	for rows.Next() {
		var ind store.Indicator
		var kind string
		var first, last int64
		if err := rows.Scan(&ind.Type, &ind.Value, &kind, &first, &last); err != nil {
			return nil, err
		}
		ind.Kind, ind.First, ind.Last = event.Kind(kind), fromMicros(first), fromMicros(last)
		out = append(out, ind)
	}
	return out, rows.Err()
}

// ListEvents implements store.Observables.
func (d *DB) ListEvents(ctx context.Context, r store.Range, kind string, tlps []string, limit int) ([]event.Event, error) {
	if kind != "" {
		if _, err := event.ParseKind(kind); err != nil {
			return nil, err
		}
	}
	if len(tlps) == 0 {
		return []event.Event{}, nil
	}
	rows, err := d.conn.Query(ctx, `SELECT t, kind, ifNull(ip, ''), ifNull(url, ''), ifNull(host, ''), ifNull(host_is_ip, 0),
		ifNull(domain, ''), ifNull(country, ''), ifNull(province, ''), ifNull(asn, 0), ifNull(registrant_country, ''),
		ifNull(family, ''), ifNull(target, ''), gov, ifNull(source, ''), tlp, ifNull(feed_id, ''), line, ifNull(malware, '')
		FROM events WHERE t >= ? AND t < ? AND (? = '' OR kind = ?) AND has(?, tlp) AND `+committed+`
		ORDER BY t, line LIMIT ?`, micros(r.From), micros(r.To), kind, kind, tlps, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	out := []event.Event{}
	for rows.Next() {
		var e event.Event
		var ts, line int64
		var kind, tlp string
		var hip uint8
		var gov *uint8
		if err := rows.Scan(&ts, &kind, &e.IP, &e.URL, &e.Host, &hip, &e.Domain, &e.Country, &e.Province, &e.ASN,
			&e.RegistrantCountry, &e.Family, &e.Target, &gov, &e.Source, &tlp, &e.FeedID, &line, &e.Malware); err != nil {
			return nil, err
		}
		e.Time, e.Kind, e.TLP, e.HostIsIP, e.Line = fromMicros(ts), event.Kind(kind), event.TLP(tlp), hip == 1, int(line)
		if gov != nil {
			g := *gov == 1
			e.Gov = &g
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountTickets implements store.TicketRows: each ticket's row is written with its history
// number, and the row of an ID with the greatest number is the one read.
func (d *DB) CountTickets(ctx context.Context, ts []store.Ticket) error {
	if len(ts) == 0 {
		return nil
	}
	incs := make([]event.Incident, len(ts))
	for i := range ts {
		incs[i] = ts[i].Incident
		incs[i].Line, incs[i].Extra = 0, ""
	}
	err := d.insertIncidents(ctx, incs, func(i int) (int32, *time.Time) { return int32(ts[i].Seq), ts[i].Due }, writer{d: d})
	if err != nil {
		return fmt.Errorf("count tickets: %w", err)
	}
	return nil
}

// ImportedIncidents implements store.Imported: the incident records no ticket's row replaced.
func (d *DB) ImportedIncidents(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error) {
	if f.Link != nil { // links are the tickets' own
		return nil, nil
	}
	q := `SELECT id, opened, closed, type, ifNull(source, ''), ifNull(partner, ''), ifNull(partner_kind, ''), cross_border,
		ifNull(impact, 'none'), ifNull(url, ''), ifNull(platform, ''), tlp, due, if(isNull(closed), 'new', 'closed') AS state
		FROM ` + latestIncidents + ` WHERE isNull(ticket_seq)`
	var args []any
	if f.ID != "" {
		q += ` AND id = ?`
		args = append(args, f.ID)
	}
	if len(f.States) > 0 {
		q += ` AND has(?, state)`
		args = append(args, f.States)
	}
	if f.Type != "" {
		q += ` AND type = ?`
		args = append(args, f.Type)
	}
	if f.Partner != "" {
		q += ` AND partner = ?`
		args = append(args, f.Partner)
	}
	if f.ClosedIn != nil {
		q += ` AND closed >= ? AND closed < ?`
		args = append(args, micros(f.ClosedIn.From), micros(f.ClosedIn.To))
	}
	if f.OpenedIn != nil {
		q += ` AND opened >= ? AND opened < ?`
		args = append(args, micros(f.OpenedIn.From), micros(f.OpenedIn.To))
	}
	if !f.OverdueAt.IsZero() {
		q += ` AND due < ? AND state IN ('new', 'triaged', 'coordinating')`
		args = append(args, micros(f.OverdueAt))
	}
	q += ` ORDER BY opened DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := d.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	var out []store.Ticket
	for rows.Next() {
		var t store.Ticket
		var opened int64
		var closed, due *int64
		var cross *uint8
		var typ, tlp string
		if err := rows.Scan(&t.ID, &opened, &closed, &typ, &t.Source, &t.Partner, &t.PartnerKind, &cross, &t.Impact, &t.URL,
			&t.Platform, &tlp, &due, &t.State); err != nil {
			return nil, err
		}
		t.Opened, t.Closed, t.Due, t.Type, t.TLP = fromMicros(opened), optTime(closed), optTime(due), event.IncidentType(typ), event.TLP(tlp)
		if cross != nil {
			b := *cross == 1
			t.CrossBorder = &b
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// drill is which of a count's events count (store.Drills says the rest), as the counting SQL
// counts them: those where cond; having keeps the values whose events say so all together (a
// domain abroad).
type drill struct{ cond, having string }

// drillConds are the conditions of the counts whose events are not all their kind's.
var drillConds = map[string]drill{
	"infected_hosts.trojan_botnet": {cond: "country_ = 'CN' AND NOT conficker"},
	"infected_hosts.conficker":     {cond: "country_ = 'CN' AND conficker"},
	"malware_sites.domains_abroad": {having: "max(rc_ != '' AND rc_ != 'CN') = 1"},
	"malware_sites.domains_com":    {cond: "(domain_ = 'com' OR endsWith(domain_, '.com'))"},
	"malware_sites.ips_abroad":     {having: "max(country_ != '' AND country_ != 'CN') = 1"},
	"malware_sites.ip_urls":        {cond: "hip_ = 1"},
	"defaced.total":                {cond: "country_ = 'CN'"},
	"defaced.gov":                  {cond: "country_ = 'CN' AND gov_ = 1"},
	"backdoored.total":             {cond: "country_ = 'CN'"},
	"backdoored.gov":               {cond: "country_ = 'CN' AND gov_ = 1"},
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
	order, ok := store.DrillOrderBy[dq.Sort]
	if !ok {
		return page, fmt.Errorf("sort is one of %v", store.DrillSorts)
	}
	sc, err := sqlScope(s)
	if err != nil {
		return page, err
	}
	where := `kind = '` + string(dr.Kind) + `' AND isNotNull(` + dr.Value + `)`
	if cond.cond != "" {
		where += " AND " + cond.cond
	}
	var items string
	if dr.Each {
		items = `SELECT assumeNotNull(` + dr.Value + `) AS v, t AS first, t AS last, toUInt64(1) AS n, ifNull(url, '') AS u, ifNull(country, '') AS co,
			ifNull(province, '') AS pr, ifNull(target, '') AS tg, ifNull(family, '') AS fa, line AS ln, tlp AS tl FROM {ev} WHERE ` + where
	} else {
		having := ""
		if cond.having != "" {
			having = " HAVING " + cond.having
		}
		items = `SELECT assumeNotNull(` + dr.Value + `) AS v, min(t) AS first, max(t) AS last, count() AS n, ifNull(min(url), '') AS u,
			ifNull(min(country), '') AS co, ifNull(min(province), '') AS pr, ifNull(min(target), '') AS tg, ifNull(min(family), '') AS fa,
			toInt64(0) AS ln, ` + tlpMax + ` AS tl FROM {ev} WHERE ` + where + ` GROUP BY v` + having
	}
	items = `(` + sc.sql(items) + `)`
	from, to := micros(r.From), micros(r.To)
	const match = `(? = '' OR positionCaseInsensitiveUTF8(v, ?) > 0)`
	var total, matching uint64
	if err := d.conn.QueryRow(ctx, `SELECT count(), countIf(`+match+`) FROM `+items, dq.Match, dq.Match, from, to).Scan(&total, &matching); err != nil {
		return page, fmt.Errorf("count the items of %s: %w", metric, err)
	}
	page.Total, page.Matching = int(total), int(matching)
	limit := max(dq.Limit, 0) // a page of no items is asked for by a limit of 0, as on the embedded store
	rows, err := d.conn.Query(ctx, `SELECT v, first, last, n, u, co, pr, tg, fa, tl FROM `+items+` WHERE `+match+`
		ORDER BY `+order+`, v, first, ln LIMIT ? OFFSET ?`, from, to, dq.Match, dq.Match, limit, dq.Offset)
	if err != nil {
		return page, fmt.Errorf("list the items of %s: %w", metric, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it store.DrillItem
		var first, last int64
		var n uint64
		var tlp string
		if err := rows.Scan(&it.Value, &first, &last, &n, &it.URL, &it.Country, &it.Province, &it.Target, &it.Family, &tlp); err != nil {
			return page, err
		}
		it.First, it.Last, it.Events, it.TLP = fromMicros(first), fromMicros(last), int(n), event.TLP(tlp)
		page.Items = append(page.Items, it)
	}
	return page, rows.Err()
}
