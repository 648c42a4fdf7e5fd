package storetest

import (
	"errors"
	"testing"
	"time"

	"sitrep/internal/store"
)

// testCorrections: a correction is a new revision of every rendering; the issue then reads as
// corrected, the first publication's bytes stay as they were, and the revisions say who
// corrected what, when and why.
func testCorrections(t testing.TB, st store.Store) {
	at := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	first := []store.Rendering{
		{Week: "2024-W09", Lang: "zh", Format: "html", Title: "第9期", Content: []byte("<html>9</html>"), PublishedAt: at, Actor: "pub"},
		{Week: "2024-W09", Lang: "en", Format: "html", Title: "No. 9", Content: []byte("<html>No. 9</html>"), PublishedAt: at, Actor: "pub"},
	}
	if _, err := st.Correct(ctx, first, "too early"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("correcting a week not published: %v", err)
	}
	if err := st.Publish(ctx, first); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for i, reason := range []string{"a province misnamed", "a count corrected"} {
		fixed := []store.Rendering{
			{Week: "2024-W09", Lang: "zh", Format: "html", Title: "第9期", Content: []byte("<html>9 fixed " + reason + "</html>"), PublishedAt: at.Add(time.Duration(i+1) * 24 * time.Hour), Actor: "chief"},
			{Week: "2024-W09", Lang: "en", Format: "html", Title: "No. 9", Content: []byte("<html>No. 9 fixed</html>"), PublishedAt: at.Add(time.Duration(i+1) * 24 * time.Hour), Actor: "chief"},
		}
		rev, err := st.Correct(ctx, fixed, reason)
		if err != nil || rev != i+2 {
			t.Fatalf("Correct(%q) = %d, %v; want revision %d", reason, rev, err, i+2)
		}
	}
	if r, err := st.Rendering(ctx, "2024-W09", "zh", "html"); err != nil || string(r.Content) != "<html>9 fixed a count corrected</html>" || r.Revision != 3 || r.Actor != "chief" {
		t.Errorf("the latest revision: %+v %v", r, err)
	}
	if r, err := st.RenderingAt(ctx, "2024-W09", "zh", "html", 1); err != nil || string(r.Content) != "<html>9</html>" || r.Revision != 1 || !r.PublishedAt.Equal(at) {
		t.Errorf("the first publication: %+v %v", r, err)
	}
	if _, err := st.RenderingAt(ctx, "2024-W09", "zh", "html", 4); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revision that does not exist: %v", err)
	}
	if err := st.Publish(ctx, first); !errors.Is(err, store.ErrPublished) {
		t.Errorf("publishing a corrected week again: %v", err)
	}
	vs, err := st.Revisions(ctx, "2024-W09")
	if err != nil || len(vs) != 3 || vs[0].Number != 1 || vs[0].Reason != "" || vs[1].Reason != "a province misnamed" || vs[2].Number != 3 || vs[2].Actor != "chief" {
		t.Errorf("revisions: %+v %v", vs, err)
	}
	if vs, err := st.Revisions(ctx, "2024-W10"); err != nil || len(vs) != 0 {
		t.Errorf("revisions of a week not published: %+v %v", vs, err)
	}
	list, err := st.PublishedIssues(ctx, "en", "html", 0)
	if err != nil || len(list) != 1 || list[0].Revision != 3 {
		t.Errorf("the archive lists %+v, %v; want the week once, at revision 3", list, err)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Action: "bulletin.correct"}); err != nil || len(log) != 2 || log[0].Actor != "chief" {
		t.Errorf("corrections' audit: %+v %v", log, err)
	}
}
