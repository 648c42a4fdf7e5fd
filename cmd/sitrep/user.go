package main

import (
	"bufio"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"sitrep/internal/auth"
	"sitrep/internal/store"
	"sitrep/internal/web"
)

const userUsage = "user add --role viewer|analyst|editor|publisher|admin [--password-stdin] NAME | passwd [--password-stdin] NAME | list | disable NAME | logout NAME"

// runUser keeps the accounts people log in to the workspace with (the browser's; machines
// use tokens).
func runUser(e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"the user command is: " + userUsage}
	}
	switch args[0] {
	case "add", "passwd":
		return userSet(e, args[0], args[1:])
	case "list":
		return userList(e, args[1:])
	case "disable", "logout":
		return userChange(e, args[0], args[1:])
	}
	return usageError{"the user command is: " + userUsage}
}

// userSet adds an account or sets its password (and, with add, its role). The password is
// read from the terminal twice, or from the first line of the standard input with
// --password-stdin; with neither, a strong one is made and shown once.
func userSet(e *env, verb string, args []string) error {
	fs := flag.NewFlagSet("user "+verb, flag.ContinueOnError)
	role := fs.String("role", "", "viewer, analyst, editor, publisher or admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of the standard input")
	if verb == "passwd" {
		fs = flag.NewFlagSet("user passwd", flag.ContinueOnError)
		fromStdin = fs.Bool("password-stdin", false, "read the password from the first line of the standard input")
	}
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"name one account: sitrep " + userUsage}
	}
	name := fs.Arg(0)
	if verb == "passwd" {
		r, err := e.accountRole(name)
		if err != nil {
			return err
		}
		*role = r
	} else if *role == "" {
		return usageError{"--role is required"}
	}
	pw, made, err := e.password(*fromStdin)
	if err != nil {
		return err
	}
	if c := e.remote(); c != nil {
		if err := c.SetAccount(e.ctx, name, *role, pw); err != nil {
			return err
		}
	} else {
		a, err := web.NewAccount(name, *role, pw, time.Now())
		if err != nil {
			return usageError{err.Error()}
		}
		st, err := e.cfg.Open(e.ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.SetAccount(e.ctx, a, e.cfg.Actor); err != nil {
			return err
		}
	}
	if made {
		fmt.Fprintln(e.stdout, pw)
		fmt.Fprintf(e.stderr, "account %q (%s) with the password above; it is shown only now\n", name, *role)
		return nil
	}
	fmt.Fprintf(e.stderr, "account %q (%s) set\n", name, *role)
	return nil
}

// accountRole is the role of an existing account.
func (e *env) accountRole(name string) (string, error) {
	if c := e.remote(); c != nil {
		b, err := c.Accounts(e.ctx)
		if err != nil {
			return "", err
		}
		var list struct{ Accounts []store.Account }
		if err := json.Unmarshal(b, &list); err != nil {
			return "", err
		}
		for _, a := range list.Accounts {
			if a.Name == name {
				return a.Role, nil
			}
		}
		return "", fmt.Errorf("no account %q (sitrep user list)", name)
	}
	var a store.Account
	err := e.reading(func(st store.Store) (err error) { a, err = st.Account(e.ctx, name); return err })
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no account %q (sitrep user list)", name)
	}
	return a.Role, err
}

// password reads a new password, or makes one (made) where nobody is there to type it.
func (e *env) password(fromStdin bool) (pw string, made bool, err error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, errors.New("--password-stdin: the standard input holds no password")
		}
		return strings.TrimRight(line, "\r\n"), false, auth.CheckPasswordRules(strings.TrimRight(line, "\r\n"))
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", false, err
		}
		if err := auth.CheckPasswordRules(string(a)); err != nil {
			return "", false, err
		}
		fmt.Fprint(e.stderr, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", false, err
		}
		if string(a) != string(b) {
			return "", false, errors.New("the two passwords differ")
		}
		return string(a), false, nil
	}
	return rand.Text(), true, nil
}

func userList(e *env, args []string) error {
	fs := flag.NewFlagSet("user list", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var list struct {
		Accounts []store.Account `json:"accounts"`
		Sessions []store.Session `json:"sessions"`
	}
	if c := e.remote(); c != nil {
		b, err := c.Accounts(e.ctx)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
	} else if err := e.reading(func(st store.Store) (err error) {
		if list.Accounts, err = st.ListAccounts(e.ctx); err != nil {
			return err
		}
		list.Sessions, err = st.Sessions(e.ctx, time.Now())
		return err
	}); err != nil {
		return err
	}
	live := map[string]int{}
	for _, s := range list.Sessions {
		live[s.Account]++
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tDISABLED\tSESSIONS")
	for _, a := range list.Accounts {
		disabled := "-"
		if a.DisabledAt != nil {
			disabled = a.DisabledAt.In(e.cfg.Zone).Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", printable(a.Name), a.Role, a.CreatedAt.In(e.cfg.Zone).Format(time.DateTime), disabled, live[a.Name])
	}
	return tw.Flush()
}

// userChange disables an account (and ends its sessions), or ends its sessions only.
func userChange(e *env, verb string, args []string) error {
	fs := flag.NewFlagSet("user "+verb, flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"name one account: sitrep " + userUsage}
	}
	name := fs.Arg(0)
	n := 0
	if c := e.remote(); c != nil {
		b, err := c.ChangeAccount(e.ctx, name, verb)
		if err != nil {
			return err
		}
		var answer struct {
			Ended int `json:"sessions_ended"`
		}
		json.Unmarshal(b, &answer)
		n = answer.Ended
	} else {
		st, err := e.cfg.Open(e.ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if verb == "disable" {
			err = st.DisableAccount(e.ctx, name, e.cfg.Actor, time.Now())
		} else if _, err = st.Account(e.ctx, name); err == nil {
			n, err = st.EndSessions(e.ctx, name, e.cfg.Actor, time.Now())
		}
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no account %q (sitrep user list)", name)
		}
		if err != nil {
			return err
		}
	}
	if verb == "disable" {
		fmt.Fprintf(e.stdout, "account %q disabled; its sessions ended\n", name)
	} else {
		fmt.Fprintf(e.stdout, "%d session(s) of %q ended\n", n, name)
	}
	return nil
}

// runAudit lists the audit log, newest first: who did what, when and from where.
func runAudit(e *env, args []string) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	q := url.Values{}
	for _, f := range []struct{ name, usage string }{
		{"actor", "only what this `name` did"}, {"action", "only this `action` (token, ticket.resolve, session.login …)"},
		{"subject", "only entries about this `subject` (a week, a ticket, an account)"},
		{"since", "from this `date` (2024-03-01) or time"}, {"until", "to this `date` (the whole day) or time"},
		{"limit", "at most `N` entries, 0 for all (200)"},
	} {
		fs.Func(f.name, f.usage, func(v string) error { q.Set(f.name, v); return nil })
	}
	asJSON := fs.Bool("json", false, "write JSON")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var log []store.AuditEntry
	if c := e.remote(); c != nil {
		b, err := c.Audit(e.ctx, q)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &log); err != nil {
			return err
		}
	} else {
		f, err := web.AuditFilterOf(q, e.cfg.Zone)
		if err != nil {
			return usageError{err.Error()}
		}
		if err := e.reading(func(st store.Store) (err error) { log, err = st.AuditLog(e.ctx, f); return err }); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if log == nil {
			log = []store.AuditEntry{}
		}
		return enc.Encode(log)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tACTION\tSUBJECT\tFROM\tDETAIL")
	for _, a := range log {
		from := a.From
		if from == "" {
			from = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.At.In(e.cfg.Zone).Format(time.DateTime), printable(a.Actor), a.Action, printable(a.Subject), printable(from), printable(a.Detail))
	}
	return tw.Flush()
}
