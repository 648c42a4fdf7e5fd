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
	{"line", "BIGINT"},
}

var vulnCols = []column{
	{"id", "VARCHAR"}, {"published", "TIMESTAMP"}, {"title", "VARCHAR"}, {"severity", "VARCHAR"},
	{"object", "VARCHAR"}, {"cve", "VARCHAR"}, {"vendor", "VARCHAR"}, {"product", "VARCHAR"}, {"tlp", "VARCHAR"},
	{"extra", "VARCHAR"}, {"line", "BIGINT"},
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
	if b.Stage != nil {
		sg, ok := b.Stage.(*stage)
		if !ok || sg.d != d {
			return t, errors.New("commit: the batch's stage belongs to another store")
		}
		stEvents, stRejects = &sg.events, &sg.rejects
		nEvents += sg.events.rows
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
	vulns := lastByID(b.Vulns, func(v *event.Vuln) string { return v.ID })
	vuFiles, err := stageAll(encode(nil, len(vulns), func(r *rowWriter, i int) { writeVuln(r, &vulns[i]) }), nil)
	if err != nil {
		return t, fmt.Errorf("stage vulnerabilities: %w", err)
	}
	incs := lastByID(b.Incidents, func(in *event.Incident) string { return in.ID })
	inFiles, err := stageAll(encode(nil, len(incs), func(r *rowWriter, i int) { writeIncident(r, &incs[i]) }), nil)
	if err != nil {
		return t, fmt.Errorf("stage incidents: %w", err)
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
			t.Stored += nEvents
		}
		for _, r := range []struct {
			table string
			files []string
			cols  []column
			n     int
		}{{"vulns", vuFiles, vulnCols, len(vulns)}, {"incidents", inFiles, incidentCols, len(incs)}} {
			if len(r.files) == 0 {
				continue
			}
			dup, err := upsert(ctx, tx, r.table, readCSV(r.files, r.cols, b.Input), r.cols)
			if err != nil {
				return fmt.Errorf("load %s: %w", r.table, err)
			}
			t.Duplicate += dup
			t.Stored += r.n - dup
		}
		// Rows that repeat an ID within the batch: the last one stands, the others are duplicates.
		t.Duplicate += len(b.Vulns) - len(vulns) + len(b.Incidents) - len(incs)
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

// upsert loads keyed records: a record equal to the stored one (but for where it was read
// from) is a duplicate; a new or changed one replaces it. It returns the duplicates.
func upsert(ctx context.Context, tx *sql.Tx, table, src string, cols []column) (int, error) {
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE stage_`+table+` AS `+src); err != nil {
		return 0, err
	}
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
	equal := strings.Join(same, " AND ")
	var dup int
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM stage_%s s JOIN %s t ON s.id = t.id AND %s`, table, table, equal)).Scan(&dup)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT * FROM stage_%s s
		WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE s.id = t.id AND %s)
		ON CONFLICT (id) DO UPDATE SET %s`, table, names(cols), table, table, equal, strings.Join(set, ", ")))
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE stage_`+table)
	return dup, err
}

// lastByID keeps the last record of each ID, in first-seen order.
func lastByID[T any](recs []T, id func(*T) string) []T {
	at := make(map[string]int, len(recs))
	out := make([]T, 0, len(recs))
	for i := range recs {
		k := id(&recs[i])
		if j, ok := at[k]; ok {
			out[j] = recs[i]
			continue
		}
		at[k] = len(out)
		out = append(out, recs[i])
	}
	return out
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
