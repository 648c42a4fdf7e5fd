package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
)

// repeatedIDs writes an incidents file where INC-R is open in row 1 and closed in the last
// row, with n filler incidents between, and a vulnerabilities file where CNVD-R is low in row
// 1 and high in the last row.
func repeatedIDs(t *testing.T, n int) (incidents, vulns string) {
	t.Helper()
	var in, vu strings.Builder
	in.WriteString("id,opened,closed,type,source\n")
	in.WriteString("INC-R,2024-02-20 09:00:00,,phishing,first\n")
	vu.WriteString("id,published,severity,object\n")
	vu.WriteString("CNVD-R,2024-02-27 09:00:00,low,os\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "INC-F%05d,2024-02-20 09:00:00,2024-02-21 09:00:00,malware,filler\n", i)
		fmt.Fprintf(&vu, "CNVD-F%05d,2024-02-20 09:00:00,medium,application\n", i)
	}
	in.WriteString("INC-R,2024-02-20 09:00:00,2024-02-28 10:00:00,phishing,last\n")
	vu.WriteString("CNVD-R,2024-02-27 09:00:00,high,os\n")
	return write(t, "incidents.csv", []byte(in.String())), write(t, "vulns.csv", []byte(vu.String()))
}

// TestLaterRowWins repeats a record's ID in the first and the last row of an input split into
// many batches and chunks: whatever the worker count, and however the batches happen to be
// parsed, the last row is what the store keeps, and the tallies are the same every run.
func TestLaterRowWins(t *testing.T) {
	incidents, vulns := repeatedIDs(t, 4100)
	var want [2]store.Tally
	for _, workers := range []int{1, 2, 4, 8} {
		for run := 0; run < 3; run++ {
			t.Run(fmt.Sprintf("workers=%d/run=%d", workers, run), func(t *testing.T) {
				st := newStore(t)
				o := opts()
				o.Workers, o.BatchSize = workers, 700
				var got [2]store.Tally
				for i, path := range []string{incidents, vulns} {
					sum, err := File(ctx, st, path, nil, o)
					if err != nil {
						t.Fatal(err)
					}
					got[i] = sum.Tally
				}
				ic, err := st.IncidentCounts(ctx, seedWeek, store.AllRecords)
				if err != nil {
					t.Fatal(err)
				}
				if ic.Handled != 1 || ic.Phishing != 1 || ic.BySource["last"] != 1 {
					t.Errorf("the seed week counts %d incidents (%d phishing, by source %v), want INC-R's last row: 1 phishing from last", ic.Handled, ic.Phishing, ic.BySource)
				}
				vc, err := st.VulnCounts(ctx, seedWeek, store.AllRecords)
				if err != nil {
					t.Fatal(err)
				}
				if vc.Total != 1 || vc.BySeverity[event.High] != 1 {
					t.Errorf("the seed week counts %d vulnerabilities %v, want CNVD-R's last row: 1 high", vc.Total, vc.BySeverity)
				}
				if workers == 1 && run == 0 {
					want = got
				} else if got != want {
					t.Errorf("tallies %+v, the first run had %+v", got, want)
				}
			})
		}
	}
}

// TestLaterInputWins ingests two inputs that both carry a record: the one ingested later wins,
// and ingesting the first again changes nothing.
func TestLaterInputWins(t *testing.T) {
	st := newStore(t)
	closed := write(t, "closed.csv", []byte("id,opened,closed,type\nINC-X,2024-02-20 09:00:00,2024-02-28 10:00:00,phishing\n"))
	reopened := write(t, "open.csv", []byte("id,opened,closed,type\nINC-X,2024-02-20 09:00:00,,phishing\n"))
	for _, p := range []string{closed, reopened, closed} {
		if _, err := File(ctx, st, p, nil, opts()); err != nil {
			t.Fatal(err)
		}
	}
	ic, err := st.IncidentCounts(ctx, seedWeek, store.AllRecords)
	if err != nil {
		t.Fatal(err)
	}
	if ic.Handled != 0 {
		t.Errorf("INC-X counts as handled %d times; the later input reopened it", ic.Handled)
	}
}

// TestCompleteInputStopsAtOnce ingests a finished input again: the ledger is asked before a
// batch is parsed, so nothing is staged and the summary comes from the ledger.
func TestCompleteInputStopsAtOnce(t *testing.T) {
	dir := t.TempDir()
	st := storeIn(t, dir)
	incidents, _ := repeatedIDs(t, 3000)
	o := opts()
	o.BatchSize = 500
	first, err := File(ctx, st, incidents, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	counting := &committing{DB: st}
	again, err := File(ctx, counting, incidents, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Read != first.Read || again.Stored != 0 || again.Duplicate != first.Stored+first.Duplicate {
		t.Errorf("second run %v, first %v", again, first)
	}
	if counting.commits != 0 {
		t.Errorf("the second run committed %d batches", counting.commits)
	}
	if n := leftovers(t, dir); n != 0 {
		t.Errorf("%d staging files left behind", n)
	}
}

// TestFailedIngestLeavesNoStaging stops an ingest at its third batch and looks for staging
// files left behind.
func TestFailedIngestLeavesNoStaging(t *testing.T) {
	dir := t.TempDir()
	st := storeIn(t, dir)
	var b strings.Builder
	b.WriteString("time,kind,ip,country\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "2024-02-26 08:00:00,infected_host,10.0.%d.%d,CN\n", i/256, i%256)
	}
	path := write(t, "events.csv", []byte(b.String()))
	o := opts()
	o.BatchSize, o.Workers = 1000, 4
	if _, err := File(ctx, &failAfter{DB: st, n: 2}, path, nil, o); err == nil {
		t.Fatal("the ingest did not fail")
	}
	if n := leftovers(t, dir); n != 0 {
		t.Errorf("%d staging files left behind", n)
	}
}

// committing counts the batches committed through it.
type committing struct {
	*duck.DB
	commits int
}

func (c *committing) Commit(ctx context.Context, b store.Batch) (store.Tally, error) {
	c.commits++
	return c.DB.Commit(ctx, b)
}

// storeIn opens a store in dir.
func storeIn(t *testing.T, dir string) *duck.DB {
	t.Helper()
	st, err := duck.Open(ctx, dir, duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// leftovers counts the staging files in the store directory dir.
func leftovers(t *testing.T, dir string) int {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "tmp", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(matches)
}

// TestManagedTicketsAreNotImported ingests a row whose ID is a ticket kept by sitrep's own
// tickets: the row is set aside with its reason, and the ticket stays as its history made it.
func TestManagedTicketsAreNotImported(t *testing.T) {
	st := newStore(t)
	opened := time.Date(2024, 2, 26, 9, 0, 0, 0, time.UTC)
	tk := store.Ticket{Incident: event.Incident{ID: "INC-000001", Opened: opened, Type: event.PhishingIncident, TLP: event.Red}}
	if err := st.CreateTicket(ctx, tk, store.TicketEntry{At: opened, Actor: "analyst", Action: "open", To: "new"}); err != nil {
		t.Fatal(err)
	}
	path := write(t, "incidents.csv", []byte("id,opened,closed,type,tlp\n"+
		"INC-000001,2024-02-26 09:00:00,2024-02-28 10:00:00,malware,CLEAR\n"+
		"INC-OTHER,2024-02-26 09:00:00,2024-02-28 10:00:00,malware,CLEAR\n"))
	sum, err := File(ctx, st, path, nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 1 || sum.Rejected != 1 {
		t.Errorf("summary %v, want 1 stored and 1 rejected", sum)
	}
	got, err := st.Ticket(ctx, "INC-000001")
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != event.PhishingIncident || got.TLP != event.Red || got.Closed != nil {
		t.Errorf("the import changed the ticket: %+v", got.Incident)
	}
	rs, err := st.Rejects(ctx, store.RejectFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Line != 2 || rs[0].Field != "id" || !strings.Contains(rs[0].Reason, "sitrep incident") || !strings.Contains(rs[0].Raw, "INC-000001") {
		t.Errorf("quarantine %+v", rs)
	}
}

// TestVulnDocuments ingests the JSON documents of vulnerability data: a CVE record and an NVD
// page become the week's records, CISA's catalog (JSON, then CSV) marks the one it lists as
// known exploited, a second run changes nothing, and a caller's --format that contradicts the
// document is refused by what the document is.
func TestVulnDocuments(t *testing.T) {
	st := newStore(t)
	cve := write(t, "CVE-2024-21762.json", []byte(`{"dataType":"CVE_RECORD","dataVersion":"5.1",
 "cveMetadata":{"cveId":"CVE-2024-21762","state":"PUBLISHED","datePublished":"2024-02-27T08:00:00.000Z"},
 "containers":{"cna":{"providerMetadata":{"shortName":"fortinet"},"affected":[{"vendor":"Fortinet","product":"FortiOS"}],
  "metrics":[{"cvssV3_1":{"version":"3.1","baseScore":9.6}}]}}}`))
	nvd := write(t, "page.json", []byte(`{"resultsPerPage":2,"format":"NVD_CVE","vulnerabilities":[
 {"cve":{"id":"CVE-2024-2002","published":"2024-02-28T09:00:00.000","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":4.3}}]},
  "configurations":[{"nodes":[{"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:example:contact_form:*:*:*:*:*:wordpress:*:*"}]}]}]}},
 {"cve":{"id":"CVE-2024-2003","published":"2024-02-29T09:00:00.000","vulnStatus":"Awaiting Analysis","metrics":{}}}]}`))
	kev := write(t, "known_exploited_vulnerabilities.json", []byte(`{"title":"CISA Catalog of Known Exploited Vulnerabilities",
 "catalogVersion":"2024.02.29","count":2,"vulnerabilities":[
 {"cveID":"CVE-2024-21762","vendorProject":"Fortinet","product":"FortiOS","vulnerabilityName":"x","dateAdded":"2024-02-09","dueDate":"2024-02-16","knownRansomwareCampaignUse":"Unknown","cwes":["CWE-787"]},
 {"cveID":"CVE-2024-9999","vendorProject":"Acme","product":"Widget","vulnerabilityName":"y","dateAdded":"2024-02-28","dueDate":"2024-03-20","knownRansomwareCampaignUse":"Known","cwes":[]}]}`))
	kevCSV := write(t, "known_exploited_vulnerabilities.csv", []byte("cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n"+
		"CVE-2024-2002,Example,Contact Form,\"z\",2024-03-01,,,2024-03-22,Unknown,,\n"))
	want := map[string]string{
		cve:    "read 1, stored 1, duplicate 0, rejected 0",
		nvd:    "read 2, stored 1, duplicate 0, rejected 1",
		kev:    "read 2, stored 2, duplicate 0, rejected 0",
		kevCSV: "read 1, stored 1, duplicate 0, rejected 0",
	}
	for _, run := range []int{1, 2} {
		for _, path := range []string{cve, nvd, kev, kevCSV} {
			sum, err := File(ctx, st, path, nil, opts())
			if err != nil {
				t.Fatal(err)
			}
			if run == 1 && sum.String() != want[path] || run == 2 && sum.Stored != 0 { // the same inputs again: nothing new
				t.Errorf("run %d, %s: %s, want %s", run, filepath.Base(path), sum, want[path])
			}
		}
		vc, err := st.VulnCounts(ctx, seedWeek, store.AllRecords)
		if err != nil {
			t.Fatal(err)
		}
		// CVE-2024-2002 was added on Mar 1, inside the week (which ends on Sunday Mar 3).
		if vc.Total != 2 || vc.BySeverity[event.High] != 1 || vc.BySeverity[event.Medium] != 1 || vc.KnownExploited != 2 || vc.CatalogAdded != 2 ||
			vc.ByObject[event.SecurityProduct] != 1 || vc.ByObject[event.WebApplication] != 1 {
			t.Errorf("run %d: %+v", run, vc)
		}
	}
	for _, tc := range []struct{ format, path, want string }{
		{"sitrep-events", cve, "CVE JSON 5 records (a record, or an array of them), not sitrep-events"},
		{"nvd-api", cve, "CVE JSON 5 records (a record, or an array of them), not nvd-api"},
		{"phishtank", kev, "CISA's Known Exploited Vulnerabilities catalog (JSON), not phishtank"},
		{"nvd-api", kevCSV, "not JSON, so not nvd-api"},
	} {
		o := opts()
		if err := o.SetFormat(tc.format); err != nil {
			t.Fatal(err)
		}
		if _, err := File(ctx, newStore(t), tc.path, nil, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--format %s on %s: %v, want %q", tc.format, filepath.Base(tc.path), err, tc.want)
		}
	}
	for _, f := range []string{"cisa-kev", "cisa-kev-json", "sitrep-exploited"} { // all say what the catalog is
		o := opts()
		o.SetFormat(f)
		if _, err := File(ctx, newStore(t), kev, nil, o); err != nil {
			t.Errorf("--format %s on the JSON catalog: %v", f, err)
		}
	}
}

// TestRejectsNameTheFeedsColumn: a row of a feed set aside names the feed's own column (or
// the place in a JSON document) and shows the feed's row, not sitrep's mapping of it —
// through the whole ingest, with several workers.
func TestRejectsNameTheFeedsColumn(t *testing.T) {
	kev := write(t, "known_exploited_vulnerabilities.csv", []byte("cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n"+
		"CVE-2024-9001,Acme,Widget,\"x\",2024-02-30,d,a,2024-03-20,Unknown,,\n"+
		"CVE-2024-9002,Acme,Widget,\"x\",2024-02-27,d,a,2024-03-20,Unknown,,\n"))
	nvd := write(t, "page.json", []byte(`{"resultsPerPage":1,"format":"NVD_CVE","vulnerabilities":[
 {"cve":{"id":"CVE-2024-2002","published":"yesterday","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":4.3}}]}}}]}`))
	for _, workers := range []int{1, 4} {
		st := newStore(t)
		o := opts()
		o.Workers = workers
		for _, p := range []string{kev, nvd} {
			if _, err := File(ctx, st, p, nil, o); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := st.Rejects(ctx, store.RejectFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%d|%s|%s", r.Line, r.Field, r.Raw))
		}
		want := []string{"2|dateadded|CVE-2024-9001,Acme,Widget,x,2024-02-30,d,a,2024-03-20,Unknown,,", `2|cve.published|{"cve":{"id":"CVE-2024-2002","published":"yesterday","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":4.3}}]}}}`}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("workers %d: rejects\n%q\nwant\n%q", workers, got, want)
		}
	}
}

// TestClosestFormat: a header sitrep does not know is refused with the format or feed it comes
// nearest, what it has of it and what it lacks; one that shares a single column with any is
// refused without a guess.
func TestClosestFormat(t *testing.T) {
	st := newStore(t)
	for text, want := range map[string]string{
		"phish_id,url,target\n1,http://x.example/,Other\n": "; closest: phishtank (has phish_id, url, target; lacks phish_detail_url, submission_time)",
		"time,ip,url\n2024-02-27,1.2.3.4,http://x/\n":      "; closest: sitrep-events (has time, ip, url; lacks kind)",
		"when,what,ip\n1,2,3\n":                            "",
	} {
		_, err := File(ctx, st, write(t, "in.csv", []byte(text)), nil, opts())
		switch {
		case err == nil:
			t.Errorf("%q was read", text)
		case want == "" && strings.Contains(err.Error(), "closest"):
			t.Errorf("%q: a guess from one column: %v", text, err)
		case want != "" && !strings.HasSuffix(err.Error(), want):
			t.Errorf("%q: %v\nwant it to end %q", text, err, want)
		}
	}
}
