package incident

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// DefaultDeadlines is how long each type of ticket may take, from opening, unless configured.
var DefaultDeadlines = map[event.IncidentType]time.Duration{
	event.PhishingIncident:      72 * time.Hour,
	event.MobileMalwareIncident: 72 * time.Hour,
	event.MalwareIncident:       7 * 24 * time.Hour,
	event.DefacementIncident:    24 * time.Hour,
	event.BackdoorIncident:      48 * time.Hour,
	event.VulnerabilityIncident: 7 * 24 * time.Hour,
	event.DDoSIncident:          24 * time.Hour,
	event.OtherIncident:         7 * 24 * time.Hour,
}

// Service runs tickets over a store. It checks every change against the state machine and
// writes it as history entries; a change raced by another is refused, not merged.
type Service struct {
	Store     store.Tickets
	Deadlines map[event.IncidentType]time.Duration // nil: DefaultDeadlines
	Now       func() time.Time                     // nil: time.Now
	Templates *template.Template                   // notices; nil: the built-in ones
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Change is who does something and when; a zero At is now. Backfilling an analyst's past
// handling sets At in the past.
type Change struct {
	Actor string
	At    time.Time
	Note  string
}

func (s *Service) at(c Change) time.Time {
	if c.At.IsZero() {
		return s.now()
	}
	return c.At
}

// Ticket is what opening a ticket needs; empty fields are unknown.
type Ticket struct {
	ID          string // empty: the store picks one
	Type        event.IncidentType
	Source      string
	Partner     string // a partner of the directory, assigned at once
	CrossBorder *bool  // stated; otherwise it follows from the partner's country
	Impact      string
	URL         string
	Platform    string
	TLP         event.TLP
	Due         *time.Time // empty: the type's deadline
	Links       []store.Link
}

// Open creates a ticket in state new (coordinating when a partner is given).
func (s *Service) Open(ctx context.Context, t Ticket, c Change) (store.Ticket, error) {
	if _, err := event.ParseEnum("type", string(t.Type), event.IncidentTypes); err != nil {
		return store.Ticket{}, err
	}
	if t.Impact == "" {
		t.Impact = "none"
	}
	if _, err := event.ParseEnum("impact", t.Impact, event.Impacts); err != nil {
		return store.Ticket{}, err
	}
	if t.TLP == "" {
		t.TLP = event.Clear
	}
	if c.Actor == "" {
		return store.Ticket{}, errors.New("who opens the ticket? (actor)")
	}
	at := s.at(c)
	id := t.ID
	if id == "" {
		var err error
		if id, err = s.Store.NextTicketID(ctx); err != nil {
			return store.Ticket{}, err
		}
	}
	due := t.Due
	if due == nil {
		deadlines := s.Deadlines
		if deadlines == nil {
			deadlines = DefaultDeadlines
		}
		d := at.Add(deadlines[t.Type])
		due = &d
	}
	links := t.Links
	if t.URL != "" {
		links = append(links, store.Link{Kind: "url", Value: t.URL})
	}
	rec := store.Ticket{Incident: event.Incident{ID: id, Opened: at, Type: t.Type, Source: t.Source, CrossBorder: t.CrossBorder,
		Impact: t.Impact, URL: t.URL, Platform: t.Platform, TLP: t.TLP}, Due: due, Links: links}
	if err := s.Store.CreateTicket(ctx, rec, store.TicketEntry{At: at, Actor: c.Actor, Action: "open", To: string(New), Note: c.Note}); err != nil {
		return store.Ticket{}, err
	}
	if t.Partner != "" {
		if err := s.Assign(ctx, id, t.Partner, Change{Actor: c.Actor, At: at}); err != nil {
			return store.Ticket{}, err
		}
	}
	return s.Store.Ticket(ctx, id)
}

// Assign gives a ticket to a partner of the directory and moves it to coordinating. Unless
// the ticket states it, whether it is cross-border follows from the partner's country.
func (s *Service) Assign(ctx context.Context, id, partner string, c Change) error {
	p, err := s.Store.Partner(ctx, partner)
	if err != nil {
		return fmt.Errorf("%w (add it with: sitrep incident partner --name … --kind … --country …)", err)
	}
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	at := s.at(c)
	var entries []store.TicketEntry
	state := State(t.State)
	if state != Coordinating {
		path, err := Path(state, Coordinating)
		if err != nil {
			return fmt.Errorf("ticket %s: %w", id, err)
		}
		entries = transitions(state, path, c.Actor, at, "")
	}
	entries = append(entries, store.TicketEntry{At: at, Actor: c.Actor, Action: "assign", Note: strings.TrimSpace(p.Name + " " + c.Note)})
	change := store.TicketChange{Partner: &p}
	if t.CrossBorder == nil && p.Country != "" {
		cross := !strings.EqualFold(p.Country, "CN")
		change.CrossBorder = &cross
	}
	return s.Store.AppendTicket(ctx, id, t.Seq, entries, change)
}

// Note adds a note to a ticket's history.
func (s *Service) Note(ctx context.Context, id string, c Change) error {
	if strings.TrimSpace(c.Note) == "" {
		return errors.New("an empty note")
	}
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	return s.Store.AppendTicket(ctx, id, t.Seq, []store.TicketEntry{{At: s.at(c), Actor: c.Actor, Action: "note", Note: c.Note}}, store.TicketChange{})
}

// ErrReasonNeeded is returned when a ticket's label is lowered without a reason.
var ErrReasonNeeded = errors.New("lowering a ticket's TLP label needs a reason")

// Relabel sets a ticket's TLP label, with a history entry and an audit entry. Lowering it
// (towards CLEAR) shares what the ticket holds more widely, so it needs a reason (c.Note).
func (s *Service) Relabel(ctx context.Context, id string, to event.TLP, c Change) error {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	from := t.TLP
	if from == "" {
		from = event.Clear
	}
	if from == to {
		return nil
	}
	if slices.Index(event.TLPOrder, to) < slices.Index(event.TLPOrder, from) && strings.TrimSpace(c.Note) == "" {
		return fmt.Errorf("ticket %s from TLP:%s to TLP:%s: %w", id, from, to, ErrReasonNeeded)
	}
	note := fmt.Sprintf("TLP:%s → TLP:%s", from, to)
	if c.Note != "" {
		note += ": " + c.Note
	}
	e := store.TicketEntry{At: s.at(c), Actor: c.Actor, Action: "relabel", Note: note}
	return s.Store.AppendTicket(ctx, id, t.Seq, []store.TicketEntry{e}, store.TicketChange{TLP: &to})
}

// Move takes a ticket to state to by the allowed transitions, recording each; closing sets the
// time the ticket counts as handled.
func (s *Service) Move(ctx context.Context, id string, to State, c Change) error {
	t, err := s.Store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	from := State(t.State)
	path, err := Path(from, to)
	if err != nil {
		return fmt.Errorf("ticket %s: %w", id, err)
	}
	at := s.at(c)
	if at.Before(t.Opened) {
		return fmt.Errorf("ticket %s was opened at %s, after %s", id, t.Opened.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	change := store.TicketChange{}
	if to == Closed {
		change.Closed = &at
	}
	return s.Store.AppendTicket(ctx, id, t.Seq, transitions(from, path, c.Actor, at, c.Note), change)
}

func transitions(from State, path []State, actor string, at time.Time, note string) []store.TicketEntry {
	var out []store.TicketEntry
	for i, to := range path {
		e := store.TicketEntry{At: at, Actor: actor, Action: "transition", From: string(from), To: string(to)}
		if i == len(path)-1 {
			e.Note = note
		}
		out = append(out, e)
		from = to
	}
	return out
}

// kindTypes is the ticket type for the events of each kind.
var kindTypes = map[event.Kind]event.IncidentType{
	event.Phishing: event.PhishingIncident, event.MalwareSite: event.MalwareIncident, event.InfectedHost: event.MalwareIncident,
	event.Defacement: event.DefacementIncident, event.Backdoor: event.BackdoorIncident, event.DDoS: event.DDoSIncident,
}

// OpenFromEvents opens a ticket for each URL of the range's events of a kind, linked to its
// URL, domain and IP, unless a ticket for that URL is still open or was opened in the range:
// running it twice opens nothing more. It returns the tickets opened and how many URLs it
// left alone.
func (s *Service) OpenFromEvents(ctx context.Context, src store.Observables, r store.Range, kind event.Kind, c Change) ([]store.Ticket, int, error) {
	obs, err := src.Observables(ctx, r, string(kind))
	if err != nil {
		return nil, 0, err
	}
	var opened []store.Ticket
	skipped := 0
	for _, o := range obs {
		existing, err := s.Store.ListTickets(ctx, store.TicketFilter{Link: &store.Link{Kind: "url", Value: o.URL}})
		if err != nil {
			return opened, skipped, err
		}
		if slices.ContainsFunc(existing, func(t store.Ticket) bool {
			return !State(t.State).Final() || !t.Opened.Before(r.From) && t.Opened.Before(r.To)
		}) {
			skipped++
			continue
		}
		var links []store.Link
		if o.Domain != "" {
			links = append(links, store.Link{Kind: "domain", Value: o.Domain})
		}
		if o.IP != "" {
			links = append(links, store.Link{Kind: "ip", Value: o.IP})
		}
		note := c.Note
		if note == "" {
			note = "opened from the " + string(kind) + " events"
			if o.Target != "" {
				note += "; impersonates " + o.Target
			}
		}
		at := c.At
		if at.IsZero() {
			at = s.now()
		}
		t, err := s.Open(ctx, Ticket{Type: kindTypes[kind], Source: "monitoring", URL: o.URL, Links: links, TLP: o.TLP},
			Change{Actor: c.Actor, At: at, Note: note})
		if err != nil {
			return opened, skipped, err
		}
		opened = append(opened, t)
	}
	return opened, skipped, nil
}
