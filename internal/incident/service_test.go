package incident_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/week"
)

var (
	ctx         = context.Background()
	shanghai, _ = time.LoadLocation(week.DefaultZone)
)

func newService(t *testing.T) (*incident.Service, *duck.DB) {
	st, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &incident.Service{Store: st}, st
}

func at(day, hour int) time.Time { return time.Date(2024, 2, 26+day, hour, 0, 0, 0, shanghai) }

func TestLifecycle(t *testing.T) {
	svc, st := newService(t)
	st.SetPartner(ctx, store.Partner{Name: "Registrar A", Kind: "registrar", Country: "US", Contact: "abuse@registrar-a.example"})
	tk, err := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, Source: "境外机构报告", URL: "https://fake-bank.top/login"},
		incident.Change{Actor: "alice", At: at(0, 9), Note: "complaint by mail"})
	if err != nil {
		t.Fatal(err)
	}
	if tk.State != "new" || tk.Due == nil || !tk.Due.Equal(at(3, 9)) || len(tk.Links) != 1 {
		t.Fatalf("opened %+v", tk)
	}
	if err := svc.Move(ctx, tk.ID, incident.Closed, incident.Change{Actor: "bob", At: at(0, 10)}); err != nil {
		t.Fatal(err) // new → triaged → resolved → closed, each recorded
	}
	if err := svc.Move(ctx, tk.ID, incident.Coordinating, incident.Change{Actor: "bob", At: at(0, 11)}); err == nil {
		t.Error("a closed ticket moved again")
	}
	got, _ := st.Ticket(ctx, tk.ID)
	var steps []string
	for _, e := range got.History {
		steps = append(steps, e.Action+":"+e.To)
	}
	if strings.Join(steps, " ") != "open:new transition:triaged transition:resolved transition:closed" || got.Closed == nil || !got.Closed.Equal(at(0, 10)) {
		t.Errorf("history %v, closed %v", steps, got.Closed)
	}

	tk2, _ := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, URL: "https://other.top/"}, incident.Change{Actor: "alice", At: at(1, 9)})
	if err := svc.Assign(ctx, tk2.ID, "Registrar A", incident.Change{Actor: "carol", At: at(1, 10)}); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Ticket(ctx, tk2.ID)
	if got.State != "coordinating" || got.Partner != "Registrar A" || got.PartnerKind != "registrar" || got.CrossBorder == nil || !*got.CrossBorder {
		t.Errorf("assigned %+v", got)
	}
	if err := svc.Assign(ctx, tk2.ID, "Nobody Inc", incident.Change{Actor: "carol"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assign to an unknown partner: %v", err)
	}
	if err := svc.Note(ctx, tk2.ID, incident.Change{Actor: "carol", At: at(1, 11), Note: "registrar asked for evidence"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Move(ctx, tk2.ID, incident.Rejected, incident.Change{Actor: "dave", At: at(1, 12), Note: "not phishing"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Move(ctx, tk2.ID, incident.Resolved, incident.Change{Actor: "dave"}); err == nil {
		t.Error("a rejected ticket was resolved")
	}
	if _, err := svc.Open(ctx, incident.Ticket{Type: "ransomware"}, incident.Change{Actor: "x"}); err == nil {
		t.Error("unknown type accepted")
	}
	if err := svc.Move(ctx, tk.ID, incident.Closed, incident.Change{Actor: "bob", At: at(0, 8)}); err == nil {
		t.Error("moved to a time before opening")
	}
	overdue, _ := st.ListTickets(ctx, store.TicketFilter{OverdueAt: at(5, 0)})
	if len(overdue) != 0 {
		t.Errorf("overdue: %d tickets; the closed and the rejected are not", len(overdue))
	}
}

// TestSeedWeek builds the seed issue's incident handling through the ticket service and finds
// the published sentences in the bulletin.
func TestSeedWeek(t *testing.T) {
	svc, st := newService(t)
	partners := []store.Partner{
		{Name: "Registrar Abroad", Kind: "registrar", Country: "US"}, {Name: "Registrar Home", Kind: "registrar", Country: "CN"},
		{Name: "应用商店甲", Kind: "app_store", Country: "CN"}, {Name: "应用商店乙", Kind: "app_store", Country: "CN"},
		{Name: "Cloud Co", Kind: "cloud", Country: "CN"}, {Name: "广东分中心", Kind: "branch", Country: "CN"},
		{Name: "JPCERT", Kind: "international", Country: "JP"},
	}
	for _, p := range partners {
		st.SetPartner(ctx, p)
	}
	handle := func(i int, tk incident.Ticket, partner string) {
		t.Helper()
		opened := at(i%6, 8)
		got, err := svc.Open(ctx, tk, incident.Change{Actor: "analyst", At: opened})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Assign(ctx, got.ID, partner, incident.Change{Actor: "analyst", At: opened.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Move(ctx, got.ID, incident.Closed, incident.Change{Actor: "analyst", At: opened.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 74; i++ { // phishing complaints, half with a registrar abroad
		partner := "Registrar Home"
		if i < 37 {
			partner = "Registrar Abroad"
		}
		handle(i, incident.Ticket{Type: event.PhishingIncident, Source: "投诉", URL: fmt.Sprintf("https://fake%d.top/", i)}, partner)
	}
	for i, store := range []string{"应用商店甲", "应用商店乙"} {
		handle(i, incident.Ticket{Type: event.MobileMalwareIncident, Source: "自主监测", Platform: store, URL: fmt.Sprintf("http://apps.example.cn/m%d.apk", i)}, store)
	}
	for i := 0; i < 27; i++ {
		partner := []string{"Cloud Co", "广东分中心"}[i%2]
		handle(i, incident.Ticket{Type: []event.IncidentType{event.MalwareIncident, event.DefacementIncident, event.DDoSIncident}[i%3], Source: "自主监测"}, partner)
	}
	// Still open at the end of the week, and one closed the week after: neither counts.
	svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident}, incident.Change{Actor: "analyst", At: at(6, 20)})
	late, _ := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident}, incident.Change{Actor: "analyst", At: at(6, 21)})
	svc.Move(ctx, late.ID, incident.Closed, incident.Change{Actor: "analyst", At: at(7, 9)})

	w, _ := week.Parse("2024-W09")
	b, err := bulletin.Build(ctx, st, w, shanghai, bulletin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := b.Stats.Incidents
	if in.Handled != 103 || in.CrossBorder != 37 || in.Phishing != 74 || in.AppPlatforms != 2 || in.AppURLs != 2 {
		t.Errorf("incidents %+v", in)
	}
	text := strings.Join(b.Sections[4].Paragraphs, "")
	for _, want := range []string{"共处理网络安全事件103起，含跨境网络安全事件37起", "重点处理74起仿冒投诉事件",
		"协调2个提供恶意移动应用程序下载服务的平台", "共处理传播移动互联网恶意代码的恶意URL链接2个",
		"协调云服务商、域名注册服务机构、应用商店以及各省分中心共处理"} {
		if !strings.Contains(text, want) {
			t.Errorf("section 5 lacks %q:\n%s", want, text)
		}
	}
}
