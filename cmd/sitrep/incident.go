package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/feed/native"
	"sitrep/internal/incident"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

const incidentUsage = `incident open --type T [--url U] [--source S] [--partner P] [--impact I] [--platform X] [--cross-border true|false] [--due TIME] [--at TIME] [--note TEXT]
       sitrep incident open --from-events --week W [--kind phishing]
       sitrep incident show ID [--json]
       sitrep incident list [--state S,S] [--type T] [--partner P] [--week W] [--overdue] [--json]
       sitrep incident assign ID --partner P | note ID --note TEXT | resolve|close|reject ID [--note TEXT] [--duplicate-of ID]
       sitrep incident label ID --tlp LABEL [--note REASON]   (lowering the label needs the reason; audited)
       sitrep incident notify ID [--dry-run]   (SITREP_SMTP_ADDR, SITREP_SMTP_FROM, SITREP_SMTP_USER, SITREP_SMTP_PASSWORD)
       sitrep incident partner --name N --kind K --country CC [--contact EMAIL] | partners`

func runIncident(e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"name what to do: open, show, list, assign, note, resolve, close, reject, label, notify, partner, partners"}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "open":
		return incidentOpen(e, args)
	case "show":
		return incidentShow(e, args)
	case "list":
		return incidentList(e, args)
	case "assign", "note", "resolve", "close", "reject", "triage", "reopen", "label":
		return incidentChange(e, sub, args)
	case "notify":
		return incidentNotify(e, args)
	case "partner":
		return incidentPartner(e, args)
	case "partners":
		return incidentPartners(e, args)
	}
	return usageError{fmt.Sprintf("unknown incident command %q", sub)}
}

// parseWithID parses flags that may come before or after the ticket ID.
func parseWithID(e *env, fs *flag.FlagSet, args []string) (string, error) {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := e.parse(fs, args); err != nil {
		return "", err
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" {
		return "", usageError{"name the ticket"}
	}
	return id, nil
}

// timeFlag reads --at and --due style times in the bulletin's zone.
func (e *env) timeFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := native.ParseTime(s, e.cfg.Zone)
	if err != nil {
		return t, usageError{fmt.Sprintf("--%s: %v", name, err)}
	}
	return t, nil
}

func incidentOpen(e *env, args []string) error {
	fs := flag.NewFlagSet("incident open", flag.ContinueOnError)
	typ := fs.String("type", "", "incident `type`: phishing, mobile_malware, malware, defacement, backdoor, vulnerability, ddos, other")
	source := fs.String("source", "", "who reported it")
	partner := fs.String("partner", "", "assign to this `partner` of the directory at once")
	impact := fs.String("impact", "none", "none, provincial or national")
	url := fs.String("url", "", "the URL concerned")
	platform := fs.String("platform", "", "the app store of a mobile-malware URL")
	cross := fs.String("cross-border", "", "true or false; default: from the partner's country")
	tlp := fs.String("tlp", "", "TLP label (default CLEAR)")
	due := fs.String("due", "", "deadline (default: by type)")
	atFlag := fs.String("at", "", "when it was opened (default now), to record past handling")
	note := fs.String("note", "", "what was reported")
	id := fs.String("id", "", "ticket ID (default: the next INC-NNNNNN)")
	fromEvents := fs.Bool("from-events", false, "open a ticket for each URL of the week's events of --kind that has none open")
	wk := fs.String("week", "", "with --from-events: the ISO week")
	kind := fs.String("kind", "phishing", "with --from-events: the event kind")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	at, err := e.timeFlag("at", *atFlag)
	if err != nil {
		return err
	}
	var w week.Week
	var k event.Kind
	switch {
	case *fromEvents:
		if w, err = pickWeek(*wk, e.cfg.Zone); err != nil {
			return usageError{err.Error()}
		}
		if k, err = event.ParseKind(*kind); err != nil {
			return usageError{err.Error()}
		}
	case *typ == "":
		return usageError{"--type is required"}
	}
	if c := e.remote(); c != nil {
		if *fromEvents {
			var answer struct {
				Opened, Skipped int
				Tickets         []store.Ticket
			}
			q := neturl.Values{"week": {w.String()}, "kind": {string(k)}, "at": {rfc3339(at)}, "note": {*note}}
			if err := remoteJSON(c.IncidentsFromEvents(e.ctx, q))(&answer); err != nil {
				return err
			}
			printOpened(e, string(k), w.String(), answer.Opened, answer.Skipped, answer.Tickets)
			return nil
		}
		d, err := e.timeFlag("due", *due)
		if err != nil {
			return err
		}
		q := neturl.Values{"type": {*typ}, "id": {*id}, "source": {*source}, "partner": {*partner}, "impact": {*impact},
			"url": {*url}, "platform": {*platform}, "cross_border": {*cross}, "tlp": {*tlp}, "note": {*note},
			"at": {rfc3339(at)}, "due": {rfc3339(d)}}
		var t store.Ticket
		if err := remoteJSON(c.OpenIncident(e.ctx, q))(&t); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, t.ID)
		return nil
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &incident.Service{Store: st}
	if *fromEvents {
		from, to := w.Bounds(e.cfg.Zone)
		opened, skipped, err := svc.OpenFromEvents(e.ctx, st, store.Range{From: from, To: to}, k, incident.Change{Actor: e.cfg.Actor, At: at, Note: *note})
		if err != nil {
			return err
		}
		printOpened(e, string(k), w.String(), len(opened), skipped, opened)
		return nil
	}
	t := incident.Ticket{ID: *id, Type: event.IncidentType(*typ), Source: *source, Partner: *partner, Impact: *impact,
		URL: *url, Platform: *platform, TLP: event.TLP(strings.ToUpper(*tlp))}
	if *cross != "" {
		b, err := strconv.ParseBool(*cross)
		if err != nil {
			return usageError{"--cross-border is true or false"}
		}
		t.CrossBorder = &b
	}
	if *tlp != "" {
		if t.TLP, err = event.ParseTLP(*tlp); err != nil {
			return usageError{err.Error()}
		}
	}
	if d, err := e.timeFlag("due", *due); err != nil {
		return err
	} else if !d.IsZero() {
		t.Due = &d
	}
	got, err := svc.Open(e.ctx, t, incident.Change{Actor: e.cfg.Actor, At: at, Note: *note})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, got.ID)
	return nil
}

func incidentChange(e *env, verb string, args []string) error {
	fs := flag.NewFlagSet("incident "+verb, flag.ContinueOnError)
	partner := fs.String("partner", "", "with assign: the partner")
	note := fs.String("note", "", "a note for the history")
	atFlag := fs.String("at", "", "when it happened (default now)")
	dupOf := fs.String("duplicate-of", "", "with reject: the ticket this one repeats")
	tlp := fs.String("tlp", "", "with label: the ticket's new TLP label (lowering it needs --note with the reason)")
	id, err := parseWithID(e, fs, args)
	if err != nil {
		return err
	}
	at, err := e.timeFlag("at", *atFlag)
	if err != nil {
		return err
	}
	if rc := e.remote(); rc != nil {
		q := neturl.Values{"partner": {*partner}, "note": {*note}, "at": {rfc3339(at)}, "duplicate_of": {*dupOf}, "tlp": {*tlp}}
		var t store.Ticket
		if err := remoteJSON(rc.ChangeIncident(e.ctx, id, verb, q))(&t); err != nil {
			return err
		}
		printChanged(e, verb, t)
		return nil
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &incident.Service{Store: st}
	c := incident.Change{Actor: e.cfg.Actor, At: at, Note: *note}
	switch verb {
	case "assign":
		if *partner == "" {
			return usageError{"--partner is required"}
		}
		err = svc.Assign(e.ctx, id, *partner, c)
	case "note":
		if *note == "" {
			return usageError{"--note is required"}
		}
		err = svc.Note(e.ctx, id, c)
	case "label":
		to, perr := event.ParseTLP(*tlp)
		if *tlp == "" || perr != nil {
			return usageError{"--tlp CLEAR|GREEN|AMBER|AMBER+STRICT|RED is required"}
		}
		err = svc.Relabel(e.ctx, id, to, c)
	case "reject":
		to := incident.Rejected
		if *dupOf != "" {
			to = incident.Duplicate
			c.Note = strings.TrimSpace("duplicate of " + *dupOf + ". " + c.Note)
		}
		err = svc.Move(e.ctx, id, to, c)
	default:
		to := map[string]incident.State{"resolve": incident.Resolved, "close": incident.Closed, "triage": incident.Triaged, "reopen": incident.Coordinating}[verb]
		err = svc.Move(e.ctx, id, to, c)
	}
	if err != nil {
		return err
	}
	t, err := st.Ticket(e.ctx, id)
	if err != nil {
		return err
	}
	printChanged(e, verb, t)
	return nil
}

// printChanged says what a ticket is after a change.
func printChanged(e *env, verb string, t store.Ticket) {
	if verb == "label" {
		fmt.Fprintf(e.stdout, "%s %s TLP:%s\n", t.ID, t.State, t.TLP)
		return
	}
	fmt.Fprintf(e.stdout, "%s %s\n", t.ID, t.State)
}

// rfc3339 writes a time for the API, or "" for none.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// remoteJSON decodes a server's JSON answer into v, passing its error on.
func remoteJSON(b []byte, err error) func(v any) error {
	return func(v any) error {
		if err != nil {
			return err
		}
		return json.Unmarshal(b, v)
	}
}

func incidentShow(e *env, args []string) error {
	fs := flag.NewFlagSet("incident show", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print as JSON")
	id, err := parseWithID(e, fs, args)
	if err != nil {
		return err
	}
	var t store.Ticket
	if c := e.remote(); c != nil {
		if err := remoteJSON(c.Incident(e.ctx, id))(&t); err != nil {
			return err
		}
	} else if err := e.reading(func(st store.Store) (err error) { t, err = st.Ticket(e.ctx, id); return err }); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, t)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s  %s  %s  TLP:%s\n", t.ID, t.Type, t.State, t.TLP)
	fmt.Fprintf(w, "opened   %s\n", t.Opened.In(e.cfg.Zone).Format(time.DateTime))
	if t.Due != nil {
		fmt.Fprintf(w, "due      %s\n", t.Due.In(e.cfg.Zone).Format(time.DateTime))
	}
	if t.Closed != nil {
		fmt.Fprintf(w, "closed   %s\n", t.Closed.In(e.cfg.Zone).Format(time.DateTime))
	}
	for _, f := range [][2]string{{"source", t.Source}, {"partner", strings.TrimSpace(t.Partner + " " + t.PartnerKind)}, {"impact", t.Impact}, {"platform", t.Platform}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%-8s %s\n", f[0], printable(f[1]))
		}
	}
	if t.CrossBorder != nil {
		fmt.Fprintf(w, "cross-border %v\n", *t.CrossBorder)
	}
	for _, l := range t.Links {
		fmt.Fprintf(w, "link     %s %s\n", l.Kind, printable(enrich.Defang(l.Value)))
	}
	fmt.Fprintln(w, "history:")
	for _, h := range t.History {
		move := ""
		if h.To != "" {
			move = strings.TrimPrefix(h.From+" → "+h.To, " → ")
		}
		fmt.Fprintf(w, "  %d  %s  %s  %s  %s  %s\n", h.Seq, h.At.In(e.cfg.Zone).Format(time.DateTime), printable(h.Actor), h.Action, move, printable(h.Note))
	}
	return nil
}

func incidentList(e *env, args []string) error {
	fs := flag.NewFlagSet("incident list", flag.ContinueOnError)
	states := fs.String("state", "", "comma-separated `states`")
	typ := fs.String("type", "", "only this `type`")
	partner := fs.String("partner", "", "only this `partner`")
	wk := fs.String("week", "", "only tickets closed in this ISO `week`")
	overdue := fs.Bool("overdue", false, "only open tickets past their deadline")
	limit := fs.Int("limit", 200, "at most `N` tickets (0 for all)")
	asJSON := fs.Bool("json", false, "print as JSON")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	f := store.TicketFilter{Type: *typ, Partner: *partner, Limit: *limit}
	if *states != "" {
		for _, s := range strings.Split(*states, ",") {
			st, err := incident.ParseState(s)
			if err != nil {
				return usageError{err.Error()}
			}
			f.States = append(f.States, string(st))
		}
	}
	if *wk != "" {
		w, err := pickWeek(*wk, e.cfg.Zone)
		if err != nil {
			return usageError{err.Error()}
		}
		from, to := w.Bounds(e.cfg.Zone)
		f.ClosedIn = &store.Range{From: from, To: to}
	}
	if *overdue {
		f.OverdueAt = time.Now()
	}
	var list []store.Ticket
	if c := e.remote(); c != nil {
		q := neturl.Values{"state": {strings.Join(f.States, ",")}, "type": {*typ}, "partner": {*partner}, "limit": {strconv.Itoa(*limit)}}
		if *wk != "" {
			q.Set("week", *wk)
		}
		if *overdue {
			q.Set("overdue", "true")
		}
		if err := remoteJSON(c.Incidents(e.ctx, q))(&list); err != nil {
			return err
		}
	} else if err := e.reading(func(st store.Store) (err error) { list, err = st.ListTickets(e.ctx, f); return err }); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, list)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSTATE\tOPENED\tDUE\tPARTNER\tURL")
	for _, t := range list {
		due := "-"
		if t.Due != nil {
			due = t.Due.In(e.cfg.Zone).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Type, t.State, t.Opened.In(e.cfg.Zone).Format("2006-01-02 15:04"),
			due, printable(orDash(t.Partner)), printable(orDash(enrich.Defang(t.URL))))
	}
	return tw.Flush()
}

func incidentNotify(e *env, args []string) error {
	fs := flag.NewFlagSet("incident notify", flag.ContinueOnError)
	dry := fs.Bool("dry-run", false, "print the message instead of sending it")
	org := fs.String("org", "", "the CERT's `name` (default $SITREP_ORG or CNCERT)")
	id, err := parseWithID(e, fs, args)
	if err != nil {
		return err
	}
	if c := e.remote(); c != nil {
		if *org != "" {
			return errRemoteOnly("--org (the server names its own CERT)")
		}
		if *dry {
			msg, err := c.Notice(e.ctx, id)
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(msg)
			return err
		}
		if _, err := c.ChangeIncident(e.ctx, id, "notify", nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s notified\n", id)
		return nil
	}
	e.org = *org
	st, err := e.cfg.Open(e.ctx, *dry)
	if err != nil {
		return err
	}
	defer st.Close()
	msg, err := e.notice(e.ctx, st, id, e.cfg.Actor, !*dry)
	if err != nil {
		return err
	}
	if *dry {
		_, err = e.stdout.Write(msg)
		return err
	}
	fmt.Fprintf(e.stdout, "%s notified\n", id)
	return nil
}

// notice prepares ticket id's notification as the configuration sets it up (SMTP, the
// templates, the CERT's name) and, when send, sends it and records it in the ticket's history.
// It returns the message, which is prepared anew but not sent when send is false.
func (e *env) notice(ctx context.Context, st store.Tickets, id, actor string, send bool) ([]byte, error) {
	org := e.orgName()
	if org == "" {
		org = "CNCERT"
	}
	m := incident.Mailer{Addr: e.cfg.SMTP.Addr, From: e.cfg.SMTP.From, Username: e.cfg.SMTP.User, Password: e.cfg.SMTP.Password}
	svc := &incident.Service{Store: st}
	if path := e.cfg.NoticeTemplates; path != "" {
		var err error
		if svc.Templates, err = incident.LoadNoticeTemplates(path); err != nil {
			return nil, err
		}
	}
	if send {
		return nil, svc.Notify(ctx, id, m, org, e.cfg.Zone, incident.Change{Actor: actor})
	}
	from := m.From
	if from == "" {
		from = "sitrep@localhost"
	}
	_, _, msg, err := svc.Prepare(ctx, id, from, org, e.cfg.Zone, time.Now())
	return msg, err
}

func incidentPartner(e *env, args []string) error {
	fs := flag.NewFlagSet("incident partner", flag.ContinueOnError)
	name := fs.String("name", "", "the partner's `name`")
	kind := fs.String("kind", "", "telecom, cloud, registrar, app_store, branch or international")
	country := fs.String("country", "", "ISO 3166 alpha-2 `code`; a partner outside CN makes its tickets cross-border")
	contact := fs.String("contact", "", "e-mail `address` for notifications")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *name == "" || *kind == "" {
		return usageError{"--name and --kind are required"}
	}
	k, err := event.ParseEnum("partner kind", *kind, event.PartnerKinds)
	if err != nil {
		return usageError{err.Error()}
	}
	cc := strings.ToUpper(strings.TrimSpace(*country))
	if cc != "" && len(cc) != 2 {
		return usageError{"--country is an ISO 3166 alpha-2 code such as CN"}
	}
	if c := e.remote(); c != nil {
		return c.SetPartner(e.ctx, neturl.Values{"name": {*name}, "kind": {k}, "country": {cc}, "contact": {*contact}})
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.SetPartner(e.ctx, store.Partner{Name: *name, Kind: k, Country: cc, Contact: *contact})
}

func incidentPartners(e *env, args []string) error {
	fs := flag.NewFlagSet("incident partners", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var ps []store.Partner
	if c := e.remote(); c != nil {
		if err := remoteJSON(c.Partners(e.ctx))(&ps); err != nil {
			return err
		}
	} else if err := e.reading(func(st store.Store) (err error) { ps, err = st.Partners(e.ctx); return err }); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tCOUNTRY\tCONTACT")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(p.Name), p.Kind, orDash(p.Country), printable(orDash(p.Contact)))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printOpened says which tickets were opened from a week's events; shown may leave out those
// a server does not show the caller.
func printOpened(e *env, kind, week string, opened, skipped int, shown []store.Ticket) {
	fmt.Fprintf(e.stdout, "opened %d ticket(s) from the %s events of %s; %d URL(s) already had one\n", opened, kind, week, skipped)
	for _, t := range shown {
		fmt.Fprintf(e.stdout, "  %s  %s\n", t.ID, printable(enrich.Defang(t.URL)))
	}
	if hidden := opened - len(shown); hidden > 0 {
		fmt.Fprintf(e.stdout, "  (%d more, of labels your role may not read)\n", hidden)
	}
}
