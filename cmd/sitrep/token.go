package main

import (
	"flag"
	"fmt"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// runToken creates an API token and prints it once; the store keeps only its digest.
func runToken(e *env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usageError{"the token command is: token create --role R [--name N]"}
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
	if err := st.AddToken(e.ctx, store.Token{Digest: digest, Name: *name, Role: r, CreatedAt: time.Now()}, actor()); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "token %q with role %s; it is shown only now\n", *name, r)
	return nil
}
