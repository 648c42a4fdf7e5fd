package incident_test

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
)

// inbox is a real SMTP server on loopback that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data []byte
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{box: b}, nil }

type session struct {
	box *inbox
	cur received
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.to = append(s.cur.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func startSMTP(t *testing.T) (*inbox, string) {
	box := &inbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return box, l.Addr().String()
}

func TestNotifyOverSMTP(t *testing.T) {
	box, addr := startSMTP(t)
	svc, st := newService(t)
	st.SetPartner(ctx, store.Partner{Name: "Registrar Abroad", Kind: "registrar", Country: "US", Contact: "Abuse Desk <abuse@registrar.example>"})
	st.SetPartner(ctx, store.Partner{Name: "No Mail Ltd", Kind: "cloud", Country: "CN"})
	tk, err := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, URL: "https://secure-bank.example.top/login", TLP: event.Amber, Partner: "Registrar Abroad",
		Links: []store.Link{{Kind: "ip", Value: "203.0.113.7"}}}, incident.Change{Actor: "alice", At: at(0, 9)})
	if err != nil {
		t.Fatal(err)
	}
	m := incident.Mailer{Addr: addr, From: "CERT Duty <duty@cert.example>"}
	if err := svc.Notify(ctx, tk.ID, m, "CNCERT", shanghai, incident.Change{Actor: "alice", At: at(0, 10)}); err != nil {
		t.Fatal(err)
	}
	if len(box.msgs) != 1 {
		t.Fatalf("the server received %d messages", len(box.msgs))
	}
	got := box.msgs[0]
	if got.from != "duty@cert.example" || len(got.to) != 1 || got.to[0] != "abuse@registrar.example" {
		t.Errorf("envelope from %s to %v", got.from, got.to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	for _, want := range []string{"[TLP:AMBER]", tk.ID, "网页仿冒", "phishing"} {
		if !strings.Contains(subject, want) {
			t.Errorf("subject %q lacks %q", subject, want)
		}
	}
	for _, want := range []string{"hxxps://secure-bank[.]example[.]top/login", "203[.]0[.]113[.]7", "请核实后下线仿冒页面", "take the phishing pages down",
		"2024-02-29 09:00", "TLP:AMBER", "Registrar Abroad"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "https://secure-bank.example.top") {
		t.Error("the body carries the live URL")
	}
	after, _ := st.Ticket(ctx, tk.ID)
	if last := after.History[len(after.History)-1]; last.Action != "notify" || !strings.Contains(last.Note, "abuse@registrar.example") {
		t.Errorf("history ends with %+v", last)
	}

	// Refusals: no partner, a partner without an address, a TLP:RED ticket, no server.
	lone, _ := svc.Open(ctx, incident.Ticket{Type: event.DDoSIncident}, incident.Change{Actor: "alice"})
	if err := svc.Notify(ctx, lone.ID, m, "CNCERT", shanghai, incident.Change{Actor: "alice"}); err == nil || !strings.Contains(err.Error(), "no partner") {
		t.Errorf("without partner: %v", err)
	}
	svc.Assign(ctx, lone.ID, "No Mail Ltd", incident.Change{Actor: "alice"})
	if err := svc.Notify(ctx, lone.ID, m, "CNCERT", shanghai, incident.Change{Actor: "alice"}); err == nil || !strings.Contains(err.Error(), "contact") {
		t.Errorf("partner without address: %v", err)
	}
	red, _ := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, TLP: event.Red, Partner: "Registrar Abroad"}, incident.Change{Actor: "alice"})
	if err := svc.Notify(ctx, red.ID, m, "CNCERT", shanghai, incident.Change{Actor: "alice"}); err == nil || !strings.Contains(err.Error(), "TLP:RED") {
		t.Errorf("TLP:RED: %v", err)
	}
	if err := svc.Notify(ctx, tk.ID, incident.Mailer{}, "CNCERT", shanghai, incident.Change{Actor: "alice"}); err == nil || !strings.Contains(err.Error(), "SITREP_SMTP_ADDR") {
		t.Errorf("no server: %v", err)
	}
	if len(box.msgs) != 1 {
		t.Errorf("refused notifications were sent: %d messages", len(box.msgs))
	}
}

func TestNoticeTemplatesPerType(t *testing.T) {
	path := t.TempDir() + "/notice.txt"
	os.WriteFile(path, []byte(`{{define "body-phishing"}}Takedown please: {{range .Evidence}}{{.}} {{end}}({{.Ticket.ID}}){{end}}`), 0o644)
	tmpl, err := incident.LoadNoticeTemplates(path)
	if err != nil {
		t.Fatal(err)
	}
	box, addr := startSMTP(t)
	svc, st := newService(t)
	svc.Templates = tmpl
	st.SetPartner(ctx, store.Partner{Name: "R", Kind: "registrar", Contact: "abuse@r.example"})
	m := incident.Mailer{Addr: addr, From: "duty@cert.example"}
	phish, _ := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, URL: "https://a.top/x", Partner: "R"}, incident.Change{Actor: "a"})
	ddos, _ := svc.Open(ctx, incident.Ticket{Type: event.DDoSIncident, Partner: "R"}, incident.Change{Actor: "a"})
	for _, id := range []string{phish.ID, ddos.ID} {
		if err := svc.Notify(ctx, id, m, "CERT", shanghai, incident.Change{Actor: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	bodies := make([]string, len(box.msgs))
	for i, msg := range box.msgs {
		parsed, _ := mail.ReadMessage(strings.NewReader(string(msg.data)))
		b, _ := io.ReadAll(quotedprintable.NewReader(parsed.Body))
		bodies[i] = string(b)
	}
	if len(bodies) != 2 || !strings.HasPrefix(bodies[0], "Takedown please: url: hxxps://a[.]top/x ("+phish.ID+")") || !strings.Contains(bodies[1], "拒绝服务攻击") {
		t.Errorf("bodies %q", bodies)
	}
	if _, err := incident.LoadNoticeTemplates(t.TempDir() + "/missing.txt"); err == nil {
		t.Error("a missing template file was accepted")
	}
}
