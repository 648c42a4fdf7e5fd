package main

import (
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// runToken creates an API token and prints it once; the store keeps only its digest.
func runToken(e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"the token command is: token create --role R [--name N] | list | revoke --name N"}
	}
	switch args[0] {
	case "create":
	case "list":
		return tokenList(e, args[1:])
	case "revoke":
		return tokenRevoke(e, args[1:])
	default:
		return usageError{"the token command is: token create --role R [--name N] | list | revoke --name N"}
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	role := fs.String("role", "", "viewer, analyst, editor, publisher or admin")
	name := fs.String("name", "", "who or what holds the token (shown in the audit log)")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return usageError{err.Error()}
	}
	if c := e.remote(); c != nil {
		t, err := c.CreateToken(e.ctx, r, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, t.Token)
		fmt.Fprintf(e.stderr, "token %q with role %s; it is shown only now\n", t.Name, t.Role)
		return nil
	}
	if *name == "" {
		*name = r + "-" + time.Now().Format("20060102-150405")
	}
	token, digest, err := auth.NewToken()
	if err != nil {
		return err
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.AddToken(e.ctx, store.Token{Digest: digest, Name: *name, Role: r, CreatedAt: time.Now()}, e.cfg.Actor); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "token %q with role %s; it is shown only now\n", *name, r)
	return nil
}

func tokenList(e *env, args []string) error {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	var ts []store.Token
	if c := e.remote(); c != nil {
		if err := c.Tokens(e.ctx, &ts); err != nil {
			return err
		}
	} else if err := e.reading(func(st store.Store) (err error) { ts, err = st.ListTokens(e.ctx); return err }); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.In(e.cfg.Zone).Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(t.Name), t.Role, t.CreatedAt.In(e.cfg.Zone).Format(time.DateTime), revoked)
	}
	return tw.Flush()
}

func tokenRevoke(e *env, args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	name := fs.String("name", "", "revoke the tokens of this `name`")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return usageError{"--name is required"}
	}
	var n int
	if c := e.remote(); c != nil {
		var err error
		if n, err = c.RevokeTokens(e.ctx, *name); err != nil {
			return err
		}
	} else {
		st, err := e.cfg.Open(e.ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if n, err = st.RevokeTokens(e.ctx, *name, e.cfg.Actor, time.Now()); err != nil {
			return err
		}
	}
	if n == 0 {
		return fmt.Errorf("no live token is named %q (sitrep token list)", *name)
	}
	fmt.Fprintf(e.stdout, "revoked %d token(s) named %q\n", n, *name)
	return nil
}
