package clickhouse

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// inputID is the ID of the input with digest sha: the first 63 bits of the SHA-256, the same
// on every server, so that two registering one input at once agree.
func inputID(sha string) int64 {
	b, err := hex.DecodeString(sha)
	if err != nil || len(b) < 8 {
		h := sha256.Sum256([]byte(sha))
		b = h[:]
	}
	id := int64(binary.BigEndian.Uint64(b[:8]) >> 1)
	if id == 0 {
		id = 1 // 0 is the tickets' input
	}
	return id
}

// OpenInput implements store.Ingest. The first registration of an input stands: its name,
// and its time, which orders its records against other inputs' (the later input wins).
func (d *DB) OpenInput(ctx context.Context, in store.Input) (store.Input, error) {
	in.ID = inputID(in.SHA256)
	var n uint64
	if err := d.conn.QueryRow(ctx, `SELECT count() FROM inputs WHERE sha256 = ?`, in.SHA256).Scan(&n); err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	if n == 0 {
		b, err := d.conn.PrepareBatch(ctx, `INSERT INTO inputs (sha256, id, name, format, encoding, size, registered)`)
		if err != nil {
			return in, fmt.Errorf("register input: %w", err)
		}
		if err := b.Append(in.SHA256, in.ID, in.Name, in.Format, in.Encoding, in.Size, time.Now().UnixMicro()); err != nil {
			return in, fmt.Errorf("register input: %w", err)
		}
		if err := b.Send(); err != nil {
			return in, fmt.Errorf("register input: %w", err)
		}
	}
	err := d.conn.QueryRow(ctx, `SELECT argMin(name, registered), argMin(format, registered), argMin(encoding, registered)
		FROM inputs WHERE sha256 = ?`, in.SHA256).Scan(&in.Name, &in.Format, &in.Encoding)
	if err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	var complete uint64
	if err := d.conn.QueryRow(ctx, `SELECT count() FROM inputs_complete WHERE id = ?`, in.ID).Scan(&complete); err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	in.Complete = complete > 0
	rows, err := d.conn.Query(ctx, `SELECT batch, read, stored, duplicate, rejected FROM input_batches
		WHERE input_id = ? ORDER BY batch, attempt LIMIT 1 BY batch`, in.ID)
	if err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	defer rows.Close()
	in.Committed = map[int]store.Tally{}
	for rows.Next() {
		var no int32
		var r, s, dup, rej int64
		if err := rows.Scan(&no, &r, &s, &dup, &rej); err != nil {
			return in, err
		}
		in.Committed[int(no)] = store.Tally{Read: int(r), Stored: int(s), Duplicate: int(dup), Rejected: int(rej)}
	}
	return in, rows.Err()
}

// FinishInput implements store.Ingest.
func (d *DB) FinishInput(ctx context.Context, id int64) error {
	return d.conn.Exec(ctx, fmt.Sprintf(`INSERT INTO inputs_complete (id, at) SELECT %d, %d`, id, time.Now().UnixMicro()))
}

// order is the registration time of input id, which orders its records against others'.
func (d *DB) order(ctx context.Context, id int64) (int64, error) {
	var ord int64
	err := d.conn.QueryRow(ctx, `SELECT toInt64(min(registered)) FROM inputs WHERE id = ?`, id).Scan(&ord)
	return ord, err
}

// Commit implements store.Ingest. The batch's rows are written under an attempt number of
// their own, and its ledger entry last. Should several attempts of one batch finish (a batch
// delivered twice, its writers racing), the rows of the least attempt number recorded are the
// ones counted: the same rows, whichever it is. A writer that finds a lesser attempt recorded
// is told ErrCommitted; writers that finish together may each be told it went in, as it did
// once.
func (d *DB) Commit(ctx context.Context, b store.Batch) (t store.Tally, err error) {
	if b.Stage != nil {
		b.Stage.Discard()
		return t, fmt.Errorf("commit: ClickHouse takes batches as rows, not staged")
	}
	t.Read = b.Read
	var seen uint64
	if err := d.conn.QueryRow(ctx, `SELECT count() FROM input_batches WHERE input_id = ? AND batch = ?`, b.Input, int32(b.No)).Scan(&seen); err != nil {
		return t, err
	}
	if seen > 0 {
		return t, fmt.Errorf("input %d batch %d: %w", b.Input, b.No, store.ErrCommitted)
	}
	ord, err := d.order(ctx, b.Input)
	if err != nil {
		return t, fmt.Errorf("commit: %w", err)
	}
	w := writer{d: d, input: b.Input, batch: int32(b.No), attempt: newAttempt(), ord: ord}
	if err := w.events(ctx, b.Events); err != nil {
		return t, fmt.Errorf("load events: %w", err)
	}
	t.Stored += len(b.Events)
	rejects := b.Rejects

	vulns := store.LastByID(b.Vulns, func(v *event.Vuln) string { return v.ID }, func(v *event.Vuln) int { return v.Line })
	dup, err := w.vulns(ctx, vulns)
	if err != nil {
		return t, fmt.Errorf("load vulns: %w", err)
	}
	t.Duplicate += dup + len(b.Vulns) - len(vulns)
	t.Stored += len(vulns) - dup

	exps := store.LastByID(b.Exploited, func(x *event.Exploited) string { return x.CVE }, func(x *event.Exploited) int { return x.Line })
	dup, err = w.exploited(ctx, exps)
	if err != nil {
		return t, fmt.Errorf("load exploited: %w", err)
	}
	t.Duplicate += dup + len(b.Exploited) - len(exps)
	t.Stored += len(exps) - dup

	incs := store.LastByID(b.Incidents, func(in *event.Incident) string { return in.ID }, func(in *event.Incident) int { return in.Line })
	incs, aside, err := w.setAsideTickets(ctx, incs)
	if err != nil {
		return t, fmt.Errorf("load incidents: %w", err)
	}
	rejects = append(rejects, aside...)
	dup, err = w.incidents(ctx, incs)
	if err != nil {
		return t, fmt.Errorf("load incidents: %w", err)
	}
	t.Duplicate += dup + len(b.Incidents) - len(incs) - len(aside)
	t.Stored += len(incs) - dup

	if err := w.rejects(ctx, rejects); err != nil {
		return t, fmt.Errorf("quarantine: %w", err)
	}
	t.Rejected = len(rejects)
	lb, err := d.conn.PrepareBatch(ctx, `INSERT INTO input_batches (input_id, batch, attempt, read, stored, duplicate, rejected, at, lo, hi)`)
	if err != nil {
		return t, err
	}
	var lo, hi int64
	if span := store.SpanOf(b.Events); !span.IsZero() {
		lo, hi = micros(span.From), micros(span.To)+1
	}
	if err := lb.Append(b.Input, int32(b.No), w.attempt, int64(t.Read), int64(t.Stored), int64(t.Duplicate), int64(t.Rejected), time.Now().UnixMicro(), lo, hi); err != nil {
		return t, err
	}
	if err := lb.Send(); err != nil {
		return t, fmt.Errorf("record the batch: %w", err)
	}
	var first uint64
	if err := d.conn.QueryRow(ctx, `SELECT min(attempt) FROM input_batches WHERE input_id = ? AND batch = ?`, b.Input, int32(b.No)).Scan(&first); err != nil {
		return t, err
	}
	if first != w.attempt {
		return store.Tally{Read: b.Read}, fmt.Errorf("input %d batch %d: %w", b.Input, b.No, store.ErrCommitted)
	}
	return t, nil
}

// writer writes one attempt of one batch.
type writer struct {
	d       *DB
	input   int64
	batch   int32
	attempt uint64
	ord     int64
}

func (w writer) events(ctx context.Context, evs []event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	b, err := w.d.conn.PrepareBatch(ctx, `INSERT INTO events (t, kind, ip, url, host, host_is_ip, domain, country, province, asn,
		registrant_country, family, malware, target, gov, source, tlp, feed_id, extra, line, input_id, batch, attempt)`)
	if err != nil {
		return err
	}
	// Column by column: a whole column appended at once costs the driver far less than a row
	// at a time.
	n := len(evs)
	ts, lines := make([]int64, n), make([]int64, n)
	kinds, tlps := make([]string, n), make([]string, n)
	strs := make([][]*string, 14)
	for i := range strs {
		strs[i] = make([]*string, n)
	}
	hip, gov := make([]*uint8, n), make([]*uint8, n)
	asn := make([]*uint32, n)
	for i := range evs {
		e := &evs[i]
		ts[i], lines[i], kinds[i], tlps[i] = micros(e.Time), int64(e.Line), string(e.Kind), tlpOf(e.TLP)
		for j, v := range []string{e.IP, e.URL, e.Host, e.Domain, e.Country, e.Province, e.RegistrantCountry, e.Family, e.Malware,
			e.Target, e.Source, e.FeedID, e.Extra} {
			strs[j][i] = opt(v)
		}
		if e.Host != "" {
			hip[i] = optBool(&e.HostIsIP)
		}
		if e.ASN != 0 {
			asn[i] = &e.ASN
		}
		gov[i] = optBool(e.Gov)
	}
	inputs, batches, attempts := make([]int64, n), make([]int32, n), make([]uint64, n)
	for i := range inputs {
		inputs[i], batches[i], attempts[i] = w.input, w.batch, w.attempt
	}
	cols := []any{ts, kinds, strs[0], strs[1], strs[2], hip, strs[3], strs[4], strs[5], asn, strs[6], strs[7], strs[8], strs[9],
		gov, strs[10], tlps, strs[11], strs[12], lines, inputs, batches, attempts}
	for i, c := range cols {
		if err := b.Column(i).Append(c); err != nil {
			b.Abort()
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	if err := b.Send(); err != nil {
		return err
	}
	return w.sightings(ctx, evs)
}

// sightings writes the first time each family and each malware name, as spelled, is seen in
// the batch by label (table sightings), for the events sighted counts.
func (w writer) sightings(ctx context.Context, evs []event.Event) error {
	type key struct{ what, name, tlp string }
	first := map[key]int64{}
	see := func(k key, t int64) {
		if f, ok := first[k]; !ok || t < f {
			first[k] = t
		}
	}
	for i := range evs {
		e := &evs[i]
		if e.Kind != event.InfectedHost && e.Kind != event.MalwareSite {
			continue
		}
		t, tlp := micros(e.Time), tlpOf(e.TLP)
		if e.Family != "" {
			see(key{"family", e.Family, tlp}, t)
		}
		if e.Malware != "" {
			see(key{"malware", e.Malware, tlp}, t)
		}
	}
	if len(first) == 0 {
		return nil
	}
	b, err := w.d.conn.PrepareBatch(ctx, `INSERT INTO sightings (what, name, tlp, first, input_id, batch, attempt)`)
	if err != nil {
		return err
	}
	for k, t := range first {
		if err := b.Append(k.what, k.name, k.tlp, t, w.input, w.batch, w.attempt); err != nil {
			b.Abort()
			return err
		}
	}
	return b.Send()
}

// tlpOf is a record's label as kept: TLP:CLEAR where it has none, as the contract says.
func tlpOf(l event.TLP) string {
	if l == "" {
		return string(event.Clear)
	}
	return string(l)
}

// keyed is what deciding whether a keyed row changes anything needs of the stored record of
// its ID: what it holds (but for where it was read from), and where it was read from.
type keyed struct {
	body      string
	ord, line int64
}

// stale reads the stored records of ids (latest is a latest-row query of a table, and body the
// SQL of what a row holds but for where it was read from) and says of each new row whether it
// changes nothing: equal to the stored record, or read before it. Such a row is written all
// the same — it changes nothing read — so that every attempt of a batch holds all its rows,
// whichever counts; it is only tallied as a duplicate. The IDs are asked a thousand at a time
// (a query's text holds them) and only their rows are read.
func (w writer) stale(ctx context.Context, latest, body string, ids []string, bodyOf func(i int) string, line func(i int) int64) ([]bool, error) {
	out := make([]bool, len(ids))
	stored := map[string]keyed{}
	for from := 0; from < len(ids); from += idsAtOnce {
		chunk := ids[from:min(len(ids), from+idsAtOnce)]
		rows, err := w.d.conn.Query(ctx, `SELECT id, `+body+` AS body, ord, line FROM `+narrowed(latest, "has(?, id)"), chunk)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var k keyed
			if err := rows.Scan(&id, &k.body, &k.ord, &k.line); err != nil {
				rows.Close()
				return nil, err
			}
			stored[id] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i, id := range ids {
		k, ok := stored[id]
		out[i] = ok && (k.body == bodyOf(i) || k.ord > w.ord || k.ord == w.ord && k.line > line(i))
	}
	return out, nil
}

// idsAtOnce is how many IDs a query names.
const idsAtOnce = 1000

func (w writer) vulns(ctx context.Context, vs []event.Vuln) (int, error) {
	ids := make([]string, len(vs))
	for i := range vs {
		ids[i] = vs[i].ID
	}
	body := func(i int) string {
		v := &vs[i]
		return fmt.Sprintf("%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%d", micros(v.Published), v.Title, v.Severity, v.Object,
			v.CVE, v.Vendor, v.Product, tlpOf(v.TLP), v.Extra, bit(v.Withdrawn))
	}
	stale, err := w.stale(ctx, latestVulns, `concat(toString(published), '\x1f', coalesce(title, ''), '\x1f', coalesce(severity, ''), '\x1f',
		coalesce(object, ''), '\x1f', coalesce(cve, ''), '\x1f', coalesce(vendor, ''), '\x1f', coalesce(product, ''), '\x1f', tlp, '\x1f',
		coalesce(extra, ''), '\x1f', toString(withdrawn))`, ids, body, func(i int) int64 { return int64(vs[i].Line) })
	if err != nil {
		return 0, err
	}
	b, err := w.d.conn.PrepareBatch(ctx, `INSERT INTO vulns (id, published, title, severity, object, cve, vendor, product, tlp, extra,
		withdrawn, line, ord, input_id, batch, attempt, written)`)
	if err != nil {
		return 0, err
	}
	dup := 0
	for i := range vs {
		if stale[i] {
			dup++
		}
		v := &vs[i]
		if err := b.Append(v.ID, micros(v.Published), opt(v.Title), opt(string(v.Severity)), opt(string(v.Object)), opt(v.CVE), opt(v.Vendor),
			opt(v.Product), tlpOf(v.TLP), opt(v.Extra), bit(v.Withdrawn), int64(v.Line), w.ord, w.input, w.batch, w.attempt, time.Now().UnixMicro()); err != nil {
			return 0, err
		}
	}
	return dup, b.Send()
}

func (w writer) exploited(ctx context.Context, xs []event.Exploited) (int, error) {
	ids := make([]string, len(xs))
	for i := range xs {
		ids[i] = xs[i].CVE
	}
	body := func(i int) string {
		x := &xs[i]
		due := "\\N"
		if x.Due != nil {
			due = fmt.Sprint(micros(*x.Due))
		}
		return fmt.Sprintf("%d\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s", micros(x.Added), x.Vendor, x.Product, x.Name, bit(x.Ransomware),
			due, x.Source, tlpOf(x.TLP), x.Extra)
	}
	stale, err := w.stale(ctx, latestExploited, `concat(toString(added), '\x1f', coalesce(vendor, ''), '\x1f', coalesce(product, ''), '\x1f',
		coalesce(name, ''), '\x1f', toString(coalesce(ransomware, 0)), '\x1f', coalesce(toString(due), '\\N'), '\x1f', coalesce(source, ''), '\x1f',
		tlp, '\x1f', coalesce(extra, ''))`, ids, body, func(i int) int64 { return int64(xs[i].Line) })
	if err != nil {
		return 0, err
	}
	b, err := w.d.conn.PrepareBatch(ctx, `INSERT INTO exploited (id, added, vendor, product, name, ransomware, due, source, tlp, extra,
		line, ord, input_id, batch, attempt, written)`)
	if err != nil {
		return 0, err
	}
	dup := 0
	for i := range xs {
		if stale[i] {
			dup++
		}
		x := &xs[i]
		r := bit(x.Ransomware)
		if err := b.Append(x.CVE, micros(x.Added), opt(x.Vendor), opt(x.Product), opt(x.Name), &r, optMicros(x.Due), opt(x.Source),
			tlpOf(x.TLP), opt(x.Extra), int64(x.Line), w.ord, w.input, w.batch, w.attempt, time.Now().UnixMicro()); err != nil {
			return 0, err
		}
	}
	return dup, b.Send()
}

// setAsideTickets takes out the incident rows whose ID is a ticket kept by sitrep's tickets:
// such a ticket changes only through its history, never by an import.
func (w writer) setAsideTickets(ctx context.Context, incs []event.Incident) ([]event.Incident, []store.Reject, error) {
	if len(incs) == 0 {
		return incs, nil, nil
	}
	ids := make([]string, len(incs))
	for i := range incs {
		ids[i] = incs[i].ID
	}
	tickets := map[string]bool{}
	for from := 0; from < len(ids); from += idsAtOnce {
		rows, err := w.d.conn.Query(ctx, `SELECT DISTINCT id FROM incidents WHERE has(?, id) AND ticket_seq IS NOT NULL AND `+committed,
			ids[from:min(len(ids), from+idsAtOnce)])
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			tickets[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	var keep []event.Incident
	var aside []store.Reject
	for _, in := range incs {
		if !tickets[in.ID] {
			keep = append(keep, in)
			continue
		}
		aside = append(aside, store.Reject{InputID: w.input, Line: in.Line, Field: "id",
			Reason: "incident " + in.ID + " is a ticket kept by sitrep incident: change it through its history (sitrep incident note|resolve|close …), not by an import",
			Raw:    fmt.Sprintf("%+v", in)})
	}
	return keep, aside, nil
}

func (w writer) incidents(ctx context.Context, incs []event.Incident) (int, error) {
	ids := make([]string, len(incs))
	for i := range incs {
		ids[i] = incs[i].ID
	}
	body := func(i int) string { return incidentBody(&incs[i], nil) }
	stale, err := w.stale(ctx, latestIncidents, incidentBodySQL, ids, body,
		func(i int) int64 { return int64(incs[i].Line) })
	if err != nil {
		return 0, err
	}
	dup := 0
	for i := range incs {
		if stale[i] {
			dup++
		}
	}
	return dup, w.d.insertIncidents(ctx, incs, nil, w)
}

// incidentBody is what an incident row holds, but for where it was read from, as
// incidentBodySQL writes it.
func incidentBody(in *event.Incident, due *time.Time) string {
	str := func(p *int64) string {
		if p == nil {
			return "\\N"
		}
		return fmt.Sprint(*p)
	}
	cross := "\\N"
	if in.CrossBorder != nil {
		cross = fmt.Sprint(bit(*in.CrossBorder))
	}
	return fmt.Sprintf("%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", micros(in.Opened), str(optMicros(in.Closed)),
		in.Type, in.Source, in.Partner, in.PartnerKind, cross, in.Impact, in.URL, in.Platform, tlpOf(in.TLP), str(optMicros(due)), in.Extra)
}

const incidentBodySQL = `concat(toString(opened), '\x1f', coalesce(toString(closed), '\\N'), '\x1f', type, '\x1f', coalesce(source, ''), '\x1f',
	coalesce(partner, ''), '\x1f', coalesce(partner_kind, ''), '\x1f', coalesce(toString(cross_border), '\\N'), '\x1f', coalesce(impact, ''), '\x1f',
	coalesce(url, ''), '\x1f', coalesce(platform, ''), '\x1f', tlp, '\x1f', coalesce(toString(due), '\\N'), '\x1f', coalesce(extra, ''))`

// insertIncidents writes incident rows: imported ones (seq nil) of w's batch, or the rows of
// tickets (seq gives each one's history number) under the tickets' batch.
func (d *DB) insertIncidents(ctx context.Context, incs []event.Incident, ticket func(i int) (seq int32, due *time.Time), w writer) error {
	if len(incs) == 0 {
		return nil
	}
	b, err := d.conn.PrepareBatch(ctx, `INSERT INTO incidents (id, opened, closed, type, source, partner, partner_kind, cross_border,
		impact, url, platform, tlp, due, extra, ticket_seq, line, ord, input_id, batch, attempt, written)`)
	if err != nil {
		return err
	}
	for i := range incs {
		in := &incs[i]
		var seq *int32
		var due *time.Time
		if ticket != nil {
			s, dd := ticket(i)
			seq, due = &s, dd
		}
		if err := b.Append(in.ID, micros(in.Opened), optMicros(in.Closed), string(in.Type), opt(in.Source), opt(in.Partner),
			opt(in.PartnerKind), optBool(in.CrossBorder), opt(in.Impact), opt(in.URL), opt(in.Platform), tlpOf(in.TLP), optMicros(due),
			opt(in.Extra), seq, int64(in.Line), w.ord, w.input, w.batch, w.attempt, time.Now().UnixMicro()); err != nil {
			return err
		}
	}
	return b.Send()
}

func (w writer) rejects(ctx context.Context, rs []store.Reject) error {
	if len(rs) == 0 {
		return nil
	}
	b, err := w.d.conn.PrepareBatch(ctx, `INSERT INTO rejects (input_id, line, field, reason, raw, at, batch, attempt)`)
	if err != nil {
		return err
	}
	now := time.Now().UnixMicro()
	for _, r := range rs {
		raw := r.Raw
		if len(raw) > 4096 && r.Field == "id" {
			raw = raw[:4096]
		}
		if err := b.Append(w.input, int64(r.Line), opt(r.Field), r.Reason, opt(raw), now, w.batch, w.attempt); err != nil {
			return err
		}
	}
	return b.Send()
}

// Rejects implements store.Quarantine: the rows set aside, in input and line order.
func (d *DB) Rejects(ctx context.Context, f store.RejectFilter) ([]store.Reject, error) {
	q := `SELECT r.input_id, i.name, r.line, coalesce(r.field, ''), r.reason, coalesce(r.raw, ''), r.at
		FROM (SELECT * FROM rejects WHERE ` + committed + `) r
		GLOBAL ANY INNER JOIN (SELECT id AS input_id, argMin(name, registered) AS name, argMin(sha256, registered) AS sha256, min(registered) AS reg
			FROM inputs GROUP BY id) i USING input_id
		WHERE ? = '' OR i.name = ? OR startsWith(i.sha256, ?)
		ORDER BY i.reg, r.input_id, r.line`
	args := []any{f.Input, f.Input, f.Input}
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := d.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read quarantine: %w", err)
	}
	defer rows.Close()
	var out []store.Reject
	for rows.Next() {
		var r store.Reject
		var at, line int64
		if err := rows.Scan(&r.InputID, &r.Input, &line, &r.Field, &r.Reason, &r.Raw, &at); err != nil {
			return nil, err
		}
		r.At, r.Line = fromMicros(at), int(line)
		out = append(out, r)
	}
	return out, rows.Err()
}
