package incident

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/smtp"
	"strings"
	"text/template"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/store"
)

//go:embed templates/notice.txt
var noticeFS embed.FS

var noticeTemplate = template.Must(template.ParseFS(noticeFS, "templates/notice.txt"))

// LoadNoticeTemplates reads notice templates an operator wrote, on top of the built-in ones
// (templates/notice.txt shows what they get). A file may define "subject" and "body" to
// replace the defaults, or "subject-TYPE" and "body-TYPE" (body-phishing, …) for one type.
func LoadNoticeTemplates(path string) (*template.Template, error) {
	base, err := noticeTemplate.Clone()
	if err != nil {
		return nil, err
	}
	t, err := base.ParseFiles(path)
	if err != nil {
		return nil, fmt.Errorf("notice templates: %w", err)
	}
	return t, nil
}

// Mailer sends notifications over SMTP. Username and Password, when set, authenticate with
// PLAIN, which net/smtp only allows over TLS or to localhost.
type Mailer struct {
	Addr     string // host:port
	From     string // the sender's address
	Username string
	Password string
}

var errNoMailer = errors.New("no mail server: set SITREP_SMTP_ADDR (host:port) and SITREP_SMTP_FROM")

// Send delivers one message.
func (m Mailer) Send(to string, msg []byte) error {
	if m.Addr == "" || m.From == "" {
		return errNoMailer
	}
	var auth smtp.Auth
	if m.Username != "" {
		host := m.Addr
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return fmt.Errorf("sender %q: %w", m.From, err)
	}
	return smtp.SendMail(m.Addr, auth, from.Address, []string{to}, msg)
}

type words struct{ ZH, EN string }

var what = map[event.IncidentType]words{
	event.PhishingIncident:      {"网页仿冒", "phishing"},
	event.MobileMalwareIncident: {"移动互联网恶意程序传播", "distribution of mobile malware"},
	event.MalwareIncident:       {"恶意程序传播", "distribution of malware"},
	event.DefacementIncident:    {"网页篡改", "website defacement"},
	event.BackdoorIncident:      {"网站后门", "a website backdoor"},
	event.VulnerabilityIncident: {"安全漏洞", "a security vulnerability"},
	event.DDoSIncident:          {"拒绝服务攻击", "a denial-of-service attack"},
	event.OtherIncident:         {"网络安全事件", "a network security incident"},
}

var asks = map[event.IncidentType]words{
	event.PhishingIncident:      {"请核实后下线仿冒页面，或暂停相关域名的解析。", "please take the phishing pages down, or suspend the domain."},
	event.MobileMalwareIncident: {"请核实后下架相关应用并停止其下载。", "please remove the app and stop its downloads."},
	event.MalwareIncident:       {"请核实后删除恶意程序并阻断其下载地址。", "please remove the malware and block the addresses serving it."},
	event.DefacementIncident:    {"请通知网站运营者恢复页面并修补入侵途径。", "please have the site's operator restore it and close the way in."},
	event.BackdoorIncident:      {"请通知网站运营者清除后门并排查入侵途径。", "please have the site's operator remove the backdoor and find how it got there."},
	event.VulnerabilityIncident: {"请核实并修复相关漏洞。", "please verify and fix the vulnerability."},
	event.DDoSIncident:          {"请协助定位并阻断攻击源。", "please help trace and block the sources of the attack."},
	event.OtherIncident:         {"请核实并处置。", "please verify and act on it."},
}

// notice writes the notification of a ticket to its partner: subject and body in Chinese and
// English from the templates, links defanged, the TLP label on both. A TLP:RED ticket is not
// shared with a partner.
func notice(tmpl *template.Template, t store.Ticket, p store.Partner, org, from string, now time.Time, zone *time.Location) (to string, msg []byte, err error) {
	if t.TLP == event.Red {
		return "", nil, fmt.Errorf("ticket %s is TLP:RED and is not shared with partners", t.ID)
	}
	addr, err := mail.ParseAddress(p.Contact)
	if err != nil {
		return "", nil, fmt.Errorf("partner %q has no usable contact address (%q): set one with sitrep incident partner --contact", p.Name, p.Contact)
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return "", nil, fmt.Errorf("sender %q: %w", from, err)
	}
	var evidence []string
	for _, l := range t.Links {
		evidence = append(evidence, l.Kind+": "+enrich.Defang(l.Value))
	}
	due := "-"
	if t.Due != nil {
		due = t.Due.In(zone).Format("2006-01-02 15:04")
	}
	tlp := string(t.TLP)
	if tlp == "" {
		tlp = string(event.Clear)
	}
	data := map[string]any{
		"Ticket": t, "Partner": p, "Org": org, "TLP": tlp, "What": what[t.Type], "Ask": asks[t.Type],
		"Evidence": evidence, "Opened": t.Opened.In(zone).Format("2006-01-02 15:04"), "Due": due, "Zone": zone.String(),
	}
	var subject, body bytes.Buffer
	if err := tmpl.ExecuteTemplate(&subject, forType(tmpl, "subject", t.Type), data); err != nil {
		return "", nil, err
	}
	if err := tmpl.ExecuteTemplate(&body, forType(tmpl, "body", t.Type), data); err != nil {
		return "", nil, err
	}
	id := make([]byte, 8)
	rand.Read(id)
	domain := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@%s>\r\n",
		sender.String(), addr.String(), mime.QEncoding.Encode("utf-8", oneLine(subject.String())), now.Format(time.RFC1123Z),
		t.ID, hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(body.String(), "\n", "\r\n")))
	qp.Close()
	return addr.Address, b.Bytes(), nil
}

// forType names the template for a ticket type: "body-phishing" when defined, else "body".
func forType(t *template.Template, name string, typ event.IncidentType) string {
	if t.Lookup(name+"-"+string(typ)) != nil {
		return name + "-" + string(typ)
	}
	return name
}

// oneLine keeps a header on one line whatever the data holds.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Prepare writes the notice of a ticket to its partner with the service's templates.
func (s *Service) Prepare(ctx context.Context, id, from, org string, zone *time.Location, at time.Time) (store.Ticket, string, []byte, error) {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return t, "", nil, err
	}
	if t.Partner == "" {
		return t, "", nil, fmt.Errorf("ticket %s has no partner yet: assign one first", id)
	}
	p, err := s.Store.Partner(ctx, t.Partner)
	if err != nil {
		return t, "", nil, err
	}
	tmpl := s.Templates
	if tmpl == nil {
		tmpl = noticeTemplate
	}
	to, msg, err := notice(tmpl, t, p, org, from, at, zone)
	return t, to, msg, err
}

// Notify sends a ticket's notification to its partner and records it in the history. The
// message goes out before the entry is written, so the history never claims a message that
// was not sent.
func (s *Service) Notify(ctx context.Context, id string, m Mailer, org string, zone *time.Location, c Change) error {
	if m.Addr == "" || m.From == "" {
		return errNoMailer
	}
	at := s.at(c)
	t, to, msg, err := s.Prepare(ctx, id, m.From, org, zone, at)
	if err != nil {
		return err
	}
	if err := m.Send(to, msg); err != nil {
		return fmt.Errorf("notify %s: %w", to, err)
	}
	return s.Store.AppendTicket(ctx, id, t.Seq, []store.TicketEntry{{At: at, Actor: c.Actor, Action: "notify", Note: "sent to " + to}}, store.TicketChange{})
}
