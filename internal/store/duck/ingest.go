package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

var eventCols = []column{
	{"time", "TIMESTAMP"}, {"kind", "VARCHAR"}, {"ip", "VARCHAR"}, {"url", "VARCHAR"}, {"host", "VARCHAR"},
	{"host_is_ip", "BOOLEAN"}, {"domain", "VARCHAR"}, {"country", "VARCHAR"}, {"province", "VARCHAR"},
	{"asn", "UINTEGER"}, {"registrant_country", "VARCHAR"}, {"family", "VARCHAR"}, {"target", "VARCHAR"},
	{"gov", "BOOLEAN"}, {"source", "VARCHAR"}, {"tlp", "VARCHAR"}, {"feed_id", "VARCHAR"}, {"extra", "VARCHAR"},
	{"line", "BIGINT"}, {"malware", "VARCHAR"},
}

var vulnCols = []column{
	{"id", "VARCHAR"}, {"published", "TIMESTAMP"}, {"title", "VARCHAR"}, {"severity", "VARCHAR"},
	{"object", "VARCHAR"}, {"cve", "VARCHAR"}, {"vendor", "VARCHAR"}, {"product", "VARCHAR"}, {"tlp", "VARCHAR"},
	{"extra", "VARCHAR"}, {"line", "BIGINT"}, {"withdrawn", "BOOLEAN"},
}

var exploitedCols = []column{
	{"id", "VARCHAR"}, {"added", "TIMESTAMP"}, {"vendor", "VARCHAR"}, {"product", "VARCHAR"}, {"name", "VARCHAR"},
	{"ransomware", "BOOLEAN"}, {"due", "TIMESTAMP"}, {"source", "VARCHAR"}, {"tlp", "VARCHAR"}, {"extra", "VARCHAR"},
	{"line", "BIGINT"},
}

var incidentCols = []column{
	{"id", "VARCHAR"}, {"opened", "TIMESTAMP"}, {"closed", "TIMESTAMP"}, {"type", "VARCHAR"},
	{"source", "VARCHAR"}, {"partner", "VARCHAR"}, {"partner_kind", "VARCHAR"}, {"cross_border", "BOOLEAN"},
	{"impact", "VARCHAR"}, {"url", "VARCHAR"}, {"platform", "VARCHAR"}, {"tlp", "VARCHAR"}, {"extra", "VARCHAR"},
	{"line", "BIGINT"},
}

// The staged columns of each table; input_id is not staged but set by Commit.
var rejectCols = []column{{"line", "BIGINT"}, {"field", "VARCHAR"}, {"reason", "VARCHAR"}, {"raw", "VARCHAR"}}

// OpenInput implements store.Ingest.
func (d *DB) OpenInput(ctx context.Context, in store.Input) (store.Input, error) {
	_, err := d.db.ExecContext(ctx, `INSERT INTO inputs (sha256, name, format, encoding, size) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		in.SHA256, in.Name, in.Format, in.Encoding, in.Size)
	if err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	var name, format, enc sql.NullString
	err = d.db.QueryRowContext(ctx, `SELECT id, name, format, encoding, complete FROM inputs WHERE sha256 = ?`, in.SHA256).
		Scan(&in.ID, &name, &format, &enc, &in.Complete)
	if err != nil {
		return in, fmt.Errorf("register input: %w", err)
	}
	in.Name, in.Format, in.Encoding = name.String, format.String, enc.String
	rows, err := d.db.QueryContext(ctx, `SELECT batch, read, stored, duplicate, rejected FROM input_batches WHERE input_id = ?`, in.ID)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	in.Committed = map[int]store.Tally{}
	for rows.Next() {
		var no int
		var t store.Tally
		if err := rows.Scan(&no, &t.Read, &t.Stored, &t.Duplicate, &t.Rejected); err != nil {
			return in, err
		}
		in.Committed[no] = t
	}
	return in, rows.Err()
}

// FinishInput implements store.Ingest.
func (d *DB) FinishInput(ctx context.Context, id int64) error {
	_, err := d.db.ExecContext(ctx, `UPDATE inputs SET complete = true WHERE id = ?`, id)
	return err
}

// Commit implements store.Ingest.
func (d *DB) Commit(ctx context.Context, b store.Batch) (t store.Tally, err error) {
	t.Read = b.Read
	var files []string
	defer func() {
		for _, f := range files {
			os.Remove(f)
		}
		if b.Stage != nil {
			b.Stage.Discard()
		}
	}()
	// stageAll gathers the files holding one table's rows: those encoded here from the batch's
	// slice, and those written ahead into the batch's stage.
	stageAll := func(data []byte, staged *stageFile) ([]string, error) {
		var paths []string
		if len(data) > 0 {
			p, err := d.writeTemp(data)
			if err != nil {
				return nil, err
			}
			files = append(files, p)
			paths = append(paths, p)
		}
		if staged != nil {
			p, err := staged.close()
			if err != nil {
				return nil, err
			}
			if p != "" {
				files = append(files, p)
				paths = append(paths, p)
			}
		}
		return paths, nil
	}
	var stEvents, stRejects *stageFile
	nEvents, nRejects := len(b.Events), len(b.Rejects)
	span := store.SpanOf(b.Events)
	if b.Stage != nil {
		sg, ok := b.Stage.(*stage)
		if !ok || sg.d != d {
			return t, errors.New("commit: the batch's stage belongs to another store")
		}
		stEvents, stRejects = &sg.events, &sg.rejects
		nEvents += sg.events.rows
		span = span.Union(sg.span)
		nRejects += sg.rejects.rows
	}
	evFiles, err := stageAll(d.EncodeEvents(nil, b.Events), stEvents)
	if err != nil {
		return t, fmt.Errorf("stage events: %w", err)
	}
	rjFiles, err := stageAll(d.EncodeRejects(nil, b.Rejects), stRejects)
	if err != nil {
		return t, fmt.Errorf("stage rejects: %w", err)
	}
	vulns := store.LastByID(b.Vulns, func(v *event.Vuln) string { return v.ID }, func(v *event.Vuln) int { return v.Line })
	vuFiles, err := stageAll(encode(nil, len(vulns), func(r *rowWriter, i int) { writeVuln(r, &vulns[i]) }), nil)
	if err != nil {
		return t, fmt.Errorf("stage vulnerabilities: %w", err)
	}
	incs := store.LastByID(b.Incidents, func(in *event.Incident) string { return in.ID }, func(in *event.Incident) int { return in.Line })
	inFiles, err := stageAll(encode(nil, len(incs), func(r *rowWriter, i int) { writeIncident(r, &incs[i]) }), nil)
	if err != nil {
		return t, fmt.Errorf("stage incidents: %w", err)
	}

	exps := store.LastByID(b.Exploited, func(x *event.Exploited) string { return x.CVE }, func(x *event.Exploited) int { return x.Line })
	exFiles, err := stageAll(encode(nil, len(exps), func(r *rowWriter, i int) { writeExploited(r, &exps[i]) }), nil)
	if err != nil {
		return t, fmt.Errorf("stage known-exploited entries: %w", err)
	}

	err = d.inTx(ctx, func(tx *sql.Tx) error {
		var seen int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM input_batches WHERE input_id = ? AND batch = ?`, b.Input, b.No).Scan(&seen); err != nil {
			return err
		}
		if seen > 0 {
			return fmt.Errorf("input %d batch %d: %w", b.Input, b.No, store.ErrCommitted)
		}
		if len(evFiles) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (`+names(eventCols)+`, input_id) `+readCSV(evFiles, eventCols, b.Input)); err != nil {
				return fmt.Errorf("load events: %w", err)
			}
			if err := noteChange(ctx, tx, span); err != nil {
				return fmt.Errorf("load events: %w", err)
			}
			t.Stored += nEvents
		}
		for _, r := range []struct {
			table string
			files []string
			cols  []column
			n     int
		}{{"vulns", vuFiles, vulnCols, len(vulns)}, {"incidents", inFiles, incidentCols, len(incs)}, {"exploited", exFiles, exploitedCols, len(exps)}} {
			if len(r.files) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE stage_`+r.table+` AS `+readCSV(r.files, r.cols, b.Input)); err != nil {
				return fmt.Errorf("load %s: %w", r.table, err)
			}
			n := r.n
			if r.table == "incidents" {
				aside, err := setAsideTickets(ctx, tx)
				if err != nil {
					return fmt.Errorf("load incidents: %w", err)
				}
				n -= aside
				nRejects += aside
			}
			dup, err := upsert(ctx, tx, r.table, r.cols)
			if err != nil {
				return fmt.Errorf("load %s: %w", r.table, err)
			}
			t.Duplicate += dup
			t.Stored += n - dup
		}
		// Rows that repeat an ID within the batch: the last one stands, the others are duplicates.
		t.Duplicate += len(b.Vulns) - len(vulns) + len(b.Incidents) - len(incs) + len(b.Exploited) - len(exps)
		if len(rjFiles) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rejects (`+names(rejectCols)+`, input_id) `+readCSV(rjFiles, rejectCols, b.Input)); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
		}
		t.Rejected = nRejects
		_, err := tx.ExecContext(ctx, `INSERT INTO input_batches (input_id, batch, read, stored, duplicate, rejected) VALUES (?, ?, ?, ?, ?, ?)`,
			b.Input, b.No, t.Read, t.Stored, t.Duplicate, t.Rejected)
		return err
	})
	return t, err
}

// upsert loads keyed records. The later row wins: a row replaces the stored record with its
// ID only when it was read later — from an input registered later, or further down the same
// input — so batches committed in any order leave the same record. A row equal to the stored
// record (but for where it was read from), or older than it, changes nothing and counts as a
// duplicate. It returns the duplicates.
func upsert(ctx context.Context, tx *sql.Tx, table string, cols []column) (int, error) {
	var same, set []string
	cols = append(cols[:len(cols):len(cols)], column{"input_id", "BIGINT"})
	for _, c := range cols {
		if c.name == "id" {
			continue
		}
		set = append(set, fmt.Sprintf("%s = excluded.%s", c.name, c.name))
		if c.name != "input_id" && c.name != "line" {
			same = append(same, fmt.Sprintf("s.%s IS NOT DISTINCT FROM t.%s", c.name, c.name))
		}
	}
	stale := fmt.Sprintf(`EXISTS (SELECT 1 FROM %s t WHERE s.id = t.id AND ((%s)
		OR coalesce(t.input_id, -1) > s.input_id OR (t.input_id = s.input_id AND t.line > s.line)))`, table, strings.Join(same, " AND "))
	var dup int
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM stage_%s s WHERE %s`, table, stale)).Scan(&dup)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT * FROM stage_%s s WHERE NOT %s
		ON CONFLICT (id) DO UPDATE SET %s`, table, names(cols), table, stale, strings.Join(set, ", ")))
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE stage_`+table)
	return dup, err
}

// setAsideTickets moves staged incident rows whose ID is a ticket managed by sitrep's own
// tickets (one with a history) to the quarantine: such a ticket changes only through its
// history, never by an import. It returns how many rows it set aside.
func setAsideTickets(ctx context.Context, tx *sql.Tx) (int, error) {
	const managed = `(EXISTS (SELECT 1 FROM incident_history h WHERE h.incident_id = s.id)
		OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = s.id AND i.ticket_seq IS NOT NULL))`
	res, err := tx.ExecContext(ctx, `INSERT INTO rejects (line, field, reason, raw, input_id)
		SELECT s.line, 'id', 'incident ' || s.id || ' is a ticket kept by sitrep incident: change it through its history (sitrep incident note|resolve|close …), not by an import',
			left(to_json(s)::VARCHAR, 4096), s.input_id
		FROM stage_incidents s WHERE `+managed)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM stage_incidents s WHERE `+managed)
	return int(n), err
}

func writeEvent(s *rowWriter, e *event.Event) {
	s.ts(e.Time)
	s.str(string(e.Kind))
	s.str(e.IP)
	s.str(e.URL)
	s.str(e.Host)
	if e.Host == "" {
		s.str("")
	} else {
		s.optBool(&e.HostIsIP)
	}
	s.str(e.Domain)
	s.str(e.Country)
	s.str(e.Province)
	if e.ASN == 0 {
		s.str("")
	} else {
		s.num(int64(e.ASN))
	}
	s.str(e.RegistrantCountry)
	s.str(e.Family)
	s.str(e.Target)
	s.optBool(e.Gov)
	s.str(e.Source)
	s.str(string(e.TLP))
	s.str(e.FeedID)
	s.str(e.Extra)
	s.num(int64(e.Line))
	s.str(e.Malware)
}

func writeVuln(s *rowWriter, v *event.Vuln) {
	s.str(v.ID)
	s.ts(v.Published)
	s.str(v.Title)
	s.str(string(v.Severity))
	s.str(string(v.Object))
	s.str(v.CVE)
	s.str(v.Vendor)
	s.str(v.Product)
	s.str(string(v.TLP))
	s.str(v.Extra)
	s.num(int64(v.Line))
	w := v.Withdrawn
	s.optBool(&w)
}

func writeExploited(s *rowWriter, x *event.Exploited) {
	s.str(x.CVE)
	s.ts(x.Added)
	s.str(x.Vendor)
	s.str(x.Product)
	s.str(x.Name)
	s.optBool(&x.Ransomware)
	s.optTS(x.Due)
	s.str(x.Source)
	s.str(string(x.TLP))
	s.str(x.Extra)
	s.num(int64(x.Line))
}

func writeIncident(s *rowWriter, in *event.Incident) {
	s.str(in.ID)
	s.ts(in.Opened)
	s.optTS(in.Closed)
	s.str(string(in.Type))
	s.str(in.Source)
	s.str(in.Partner)
	s.str(in.PartnerKind)
	s.optBool(in.CrossBorder)
	s.str(in.Impact)
	s.str(in.URL)
	s.str(in.Platform)
	s.str(string(in.TLP))
	s.str(in.Extra)
	s.num(int64(in.Line))
}
