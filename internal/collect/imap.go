package collect

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
)

// A mailbox of report e-mails (url = "imaps://host/INBOX"): each message that came since the
// last run (by UID, within the mailbox's UIDVALIDITY) is read without marking it seen, and
// each of its attachments — zipped, gzipped or not — ingested under its file name. The
// mailbox is examined read-only: nothing is moved, flagged or deleted.

// imapMailbox is where a feed's URL points: the server's address, whether to speak TLS from
// the start, and the mailbox.
type imapMailbox struct {
	addr, mailbox string
	tls, starttls bool
}

func parseIMAP(raw string) (imapMailbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return imapMailbox{}, err
	}
	m := imapMailbox{addr: u.Host, mailbox: strings.TrimPrefix(u.Path, "/")}
	if m.mailbox == "" {
		m.mailbox = "INBOX"
	}
	switch u.Scheme {
	case "imaps":
		m.tls = true
		if u.Port() == "" {
			m.addr = net.JoinHostPort(u.Hostname(), "993")
		}
	case "imap":
		if u.Port() == "" {
			m.addr = net.JoinHostPort(u.Hostname(), "143")
		}
		// A password goes over the network only inside TLS: STARTTLS, but for loopback.
		ip := net.ParseIP(u.Hostname())
		m.starttls = !(u.Hostname() == "localhost" || ip != nil && ip.IsLoopback())
	default:
		return imapMailbox{}, fmt.Errorf("url %q is not imap or imaps", raw)
	}
	if u.Hostname() == "" {
		return imapMailbox{}, fmt.Errorf("url %q names no server", raw)
	}
	return m, nil
}

// runIMAP reads the messages of the feed's mailbox that came since the last run.
func (c *Collector) runIMAP(ctx context.Context, f Feed, st *State, dir string, r *Result) {
	m, err := parseIMAP(f.URL)
	if err != nil {
		r.Err = err
		return
	}
	cl, err := dialIMAP(ctx, m, c.Fetch.Idle)
	if err != nil {
		r.Err = fmt.Errorf("connect to %s: %w", m.addr, err)
		return
	}
	defer cl.Close()
	stop := context.AfterFunc(ctx, func() { cl.Close() })
	defer stop()
	if err := cl.Login(f.User, os.Getenv(f.KeyEnv)).Wait(); err != nil {
		r.Err = fmt.Errorf("log in to %s as %s: %w", m.addr, f.User, err)
		return
	}
	sel, err := cl.Select(m.mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		r.Err = fmt.Errorf("examine %s: %w", m.mailbox, err)
		return
	}
	if sel.UIDValidity != st.UIDValidity { // the mailbox was made anew: read it all again
		st.UIDValidity, st.LastUID = sel.UIDValidity, 0
	}
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(st.LastUID + 1), Stop: 0}}}}
	if f.From != "" {
		criteria.Header = []imap.SearchCriteriaHeaderField{{Key: "From", Value: f.From}}
	}
	found, err := cl.UIDSearch(criteria, nil).Wait()
	if err != nil {
		r.Err = fmt.Errorf("search %s: %w", m.mailbox, err)
		return
	}
	var errs []error
	for _, uid := range found.AllUIDs() {
		if uint32(uid) <= st.LastUID { // "n:*" holds the last message even when it is older
			continue
		}
		msgDir, err := os.MkdirTemp(dir, "message-")
		if err != nil {
			errs = append(errs, err)
			break
		}
		files, err := c.fetchMessage(cl, uid, f, msgDir)
		var bad badMessage
		switch {
		case errors.As(err, &bad): // it will not read better next time: said, and passed
			errs = append(errs, fmt.Errorf("message %d: %w", uid, err))
		case err != nil: // the connection: read again from this message next time
			errs = append(errs, fmt.Errorf("message %d: %w", uid, err))
			os.RemoveAll(msgDir)
			r.Err = errors.Join(errs...)
			return
		}
		for _, ierr := range c.ingestFiles(ctx, f, files, r) { // an attachment that is no report: said, and passed
			errs = append(errs, fmt.Errorf("message %d: %w", uid, ierr))
		}
		os.RemoveAll(msgDir)
		if ctx.Err() != nil { // stopped part-way: this message is read again next time
			break
		}
		st.LastUID = uint32(uid)
	}
	cl.Logout().Wait()
	r.Err = errors.Join(errs...)
}

// fetchMessage saves the attachments of one message, unpacked, into dir.
func (c *Collector) fetchMessage(cl *imapclient.Client, uid imap.UID, f Feed, dir string) ([]file, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := cl.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	msg := cmd.Next()
	if msg == nil {
		return nil, fmt.Errorf("the server sent no message")
	}
	var files []file
	for {
		item := msg.Next()
		if item == nil {
			break
		}
		body, ok := item.(imapclient.FetchItemDataBodySection)
		if !ok || body.Literal == nil {
			continue
		}
		if body.Literal.Size() > f.MaxBytes {
			return nil, badMessage{fmt.Errorf("the message is %d bytes, over the cap of %d (max_bytes)", body.Literal.Size(), f.MaxBytes)}
		}
		got, err := attachments(body.Literal, f.MaxBytes, dir)
		if err != nil {
			return nil, badMessage{err}
		}
		files = append(files, got...)
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return files, nil
}

// badMessage is a message that cannot be read, however often it is fetched.
type badMessage struct{ error }

func (b badMessage) Unwrap() error { return b.error }

// idleConn gives up a connection that says nothing for idle, so that a server that stops
// answering holds up no feed for longer.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

func dialIMAP(ctx context.Context, m imapMailbox, idle time.Duration) (*imapclient.Client, error) {
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	raw, err := (&net.Dialer{Timeout: 30 * time.Second}).DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return nil, err
	}
	conn := &idleConn{Conn: raw, idle: idle}
	host, _, _ := net.SplitHostPort(m.addr)
	opts := &imapclient.Options{TLSConfig: &tls.Config{ServerName: host}}
	switch {
	case m.tls:
		return imapclient.New(tls.Client(conn, opts.TLSConfig), opts), nil
	case m.starttls:
		cl, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			raw.Close()
		}
		return cl, err
	}
	return imapclient.New(conn, opts), nil
}

// attachments writes each attachment of a message into dir and unpacks it; parts without a
// file name (the text of the message) are not reports. What they come to, unpacked, is held
// to max for the whole message.
func attachments(r io.Reader, max int64, dir string) ([]file, error) {
	mr, err := mail.CreateReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a message sitrep can read: %w", err)
	}
	var out []file
	var used int64
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("a part of the message: %w", err)
		}
		name := ""
		switch h := p.Header.(type) {
		case *mail.AttachmentHeader:
			name, _ = h.Filename()
		case *mail.InlineHeader:
			if _, params, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil {
				name = params["name"]
			}
		}
		if name = filepath.Base(name); name == "" || name == "." || name == "/" {
			continue
		}
		path, err := expand(p.Body, max-used, dir, name)
		if err != nil {
			return nil, err
		}
		files, err := unpack(path, name, max-used, dir)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if fi, err := os.Stat(f.path); err == nil {
				used += fi.Size()
			}
		}
		if f := files; len(f) > 0 && f[0].path != path {
			os.Remove(path) // unpacked: the packed copy is no longer needed
		}
		out = append(out, files...)
	}
}
