// Package client speaks to a running `sitrep serve` over its REST API, so that the command
// line works beside a server that holds the store: the same requests a script would send,
// with the token of SITREP_TOKEN.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Client is one server and the token it is asked with. It is safe for concurrent use.
type Client struct {
	Base  string // the server's address, such as http://127.0.0.1:8080
	Token string
	HTTP  *http.Client // nil: a client without an overall timeout (an upload may be long)
	// Waiting is told the job an ingest became when the server answered before it was done;
	// the ingest then waits for the job. nil says nothing.
	Waiting func(job string)
}

// Error is an answer other than 2xx: its status and the server's reason.
type Error struct {
	Status    int
	Reason    string
	RequestID string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("the server answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// do sends a request and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body io.Reader) ([]byte, error) {
	b, _, err := c.doHeader(ctx, method, path, q, body)
	return b, err
}

// doHeader is do that also returns the answer's header.
func (c *Client) doHeader(ctx context.Context, method, path string, q url.Values, body io.Reader) ([]byte, http.Header, error) {
	b, h, _, err := c.send(ctx, method, path, q, body)
	return b, h, err
}

// send is doHeader that also returns the answer's status.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body io.Reader) ([]byte, http.Header, int, error) {
	u := strings.TrimRight(c.Base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, nil, 0, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: 30 * time.Minute}}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, 0, err
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
		var answer struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &answer) == nil {
			e.Reason = answer.Error
		}
		return nil, nil, resp.StatusCode, e
	}
	return b, resp.Header, resp.StatusCode, nil
}

// Stats returns a week's statistics JSON of the edition labelled tlp ("" or CLEAR: public).
func (c *Client) Stats(ctx context.Context, week, tlp string) ([]byte, error) {
	q := url.Values{}
	if tlp != "" && tlp != "CLEAR" {
		q.Set("tlp", tlp)
	}
	return c.do(ctx, http.MethodGet, "/api/v1/stats/"+url.PathEscape(week), q, nil)
}

// Bulletin returns a week's bulletin in a language and format, of the edition labelled tlp.
func (c *Client) Bulletin(ctx context.Context, week, lang, format, tlp string) ([]byte, error) {
	q := url.Values{"lang": {lang}, "format": {format}}
	if tlp != "" && tlp != "CLEAR" {
		q.Set("tlp", tlp)
	}
	return c.do(ctx, http.MethodGet, "/api/v1/bulletins/"+url.PathEscape(week), q, nil)
}

// Summary is the server's answer to an ingest.
type Summary struct {
	Read      int    `json:"read"`
	Stored    int    `json:"stored"`
	Duplicate int    `json:"duplicate"`
	Rejected  int    `json:"rejected"`
	Format    string `json:"format"`
	Feed      string `json:"feed"`
	Encoding  string `json:"encoding"`
	SHA256    string `json:"sha256"`
}

// Ingest sends the file at path (standard input for "-": stdin) to be ingested, with the
// query of POST /api/v1/ingest: format (empty: recognised by the server), source, observed;
// the server records the input under path, as a local ingest does.
func (c *Client) Ingest(ctx context.Context, path string, stdin io.Reader, q url.Values) (Summary, error) {
	var sum Summary
	body := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return sum, err
		}
		defer f.Close()
		body = f
	}
	q = maps.Clone(q)
	if q == nil {
		q = url.Values{}
	}
	q.Set("name", path)
	b, _, status, err := c.send(ctx, http.MethodPost, "/api/v1/ingest", q, body)
	if err != nil {
		return sum, err
	}
	if status == http.StatusAccepted {
		var job struct {
			Job string `json:"job"`
		}
		if err := json.Unmarshal(b, &job); err != nil || job.Job == "" {
			return sum, fmt.Errorf("the server accepted the input as a job but did not name it: %s", b)
		}
		if c.Waiting != nil {
			c.Waiting(job.Job)
		}
		if b, err = c.AwaitJob(ctx, job.Job); err != nil {
			return sum, err
		}
	}
	return sum, json.Unmarshal(b, &sum)
}

// Job is a job's record as GET /api/v1/jobs/{id} answers it.
type Job struct {
	ID     string          `json:"id"`
	State  string          `json:"state"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Status int             `json:"status"`
}

// AwaitJob asks for a job until it is done, and returns its result: the answer its request
// would have had. A failed job is the *Error that answer would have been.
func (c *Client) AwaitJob(ctx context.Context, id string) ([]byte, error) {
	pause := 250 * time.Millisecond
	for {
		b, err := c.do(ctx, http.MethodGet, "/api/v1/jobs/"+url.PathEscape(id), nil, nil)
		if err != nil {
			return nil, err
		}
		var j Job
		if err := json.Unmarshal(b, &j); err != nil {
			return nil, fmt.Errorf("job %s: %w", id, err)
		}
		switch j.State {
		case "done":
			return j.Result, nil
		case "failed":
			return nil, &Error{Status: j.Status, Reason: j.Error}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// Review records the caller's review of a week's bulletin and returns the digest approved,
// with the warnings the editor should see.
func (c *Client) Review(ctx context.Context, week, note string) (Reviewed, error) {
	var answer Reviewed
	b, err := c.do(ctx, http.MethodPost, "/api/v1/bulletins/"+url.PathEscape(week)+"/review", url.Values{"note": {note}}, nil)
	if err != nil {
		return answer, err
	}
	return answer, json.Unmarshal(b, &answer)
}

// Reviewed is the server's answer to a review: the digest approved and the editor's warnings.
type Reviewed struct {
	Digest   string `json:"digest"`
	Warnings []struct {
		Metric string `json:"metric"`
		ZH     string `json:"zh"`
		EN     string `json:"en"`
	} `json:"warnings"`
}

// Publish publishes a week's bulletin and returns how many renderings were kept.
func (c *Client) Publish(ctx context.Context, week string) (int, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/bulletins/"+url.PathEscape(week)+"/publish", nil, nil)
	if err != nil {
		return 0, err
	}
	var answer struct {
		Renderings int `json:"renderings"`
	}
	return answer.Renderings, json.Unmarshal(b, &answer)
}

// Correct publishes a correction of a published issue, saying why, and returns its revision.
func (c *Client) Correct(ctx context.Context, week, reason string) (int, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/bulletins/"+url.PathEscape(week)+"/correct", url.Values{"reason": {reason}}, nil)
	if err != nil {
		return 0, err
	}
	var answer struct {
		Revision int `json:"revision"`
	}
	return answer.Revision, json.Unmarshal(b, &answer)
}

// Export returns a week's events for sharing, as sitrep export writes them (format csv or
// stix, up to the label tlp, of kind or every kind), and how many events it holds.
func (c *Client) Export(ctx context.Context, week, format, kind, tlp string) ([]byte, int, error) {
	q := url.Values{"week": {week}, "format": {format}, "tlp": {tlp}}
	if kind != "" {
		q.Set("kind", kind)
	}
	b, h, err := c.doHeader(ctx, http.MethodGet, "/api/v1/export", q, nil)
	if err != nil {
		return nil, 0, err
	}
	n, _ := strconv.Atoi(h.Get("X-Sitrep-Events"))
	return b, n, nil
}

// Token is a new token as the server made it; Token is shown only this once.
type Token struct {
	Token, Name, Role string
}

// CreateToken asks the server for a new token of role, named name (empty: the server names it).
func (c *Client) CreateToken(ctx context.Context, role, name string) (Token, error) {
	var t Token
	b, err := c.do(ctx, http.MethodPost, "/api/v1/tokens", url.Values{"role": {role}, "name": {name}}, nil)
	if err != nil {
		return t, err
	}
	return t, json.Unmarshal(b, &t)
}

// Tokens lists the server's tokens into v (a slice of the store's token records).
func (c *Client) Tokens(ctx context.Context, v any) error {
	b, err := c.do(ctx, http.MethodGet, "/api/v1/tokens", nil, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// RevokeTokens revokes the live tokens named name and says how many.
func (c *Client) RevokeTokens(ctx context.Context, name string) (int, error) {
	b, err := c.do(ctx, http.MethodPost, "/api/v1/tokens/revoke", url.Values{"name": {name}}, nil)
	if err != nil {
		return 0, err
	}
	var answer struct {
		Revoked int `json:"revoked"`
	}
	return answer.Revoked, json.Unmarshal(b, &answer)
}

// Rating returns a week's rating as the server answers it: {"stats": …, "audit": […]}.
func (c *Client) Rating(ctx context.Context, week string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/ratings/"+url.PathEscape(week), nil, nil)
}

// Override sets a week's rating to level with a reason (an empty level withdraws the
// override), and returns the rating as it then is.
func (c *Client) Override(ctx context.Context, week, level, reason string) ([]byte, error) {
	return c.do(ctx, http.MethodPost, "/api/v1/ratings/"+url.PathEscape(week), url.Values{"level": {level}, "reason": {reason}}, nil)
}

// Feeds returns how the feeds the server collects stand (JSON: a list of collect.FeedStatus).
func (c *Client) Feeds(ctx context.Context) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/feeds", nil, nil)
}

// Incidents lists tickets (JSON) with the filters of GET /api/v1/incidents.
func (c *Client) Incidents(ctx context.Context, q url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/incidents", q, nil)
}

// Incident returns one ticket with its history (JSON).
func (c *Client) Incident(ctx context.Context, id string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/incidents/"+url.PathEscape(id), nil, nil)
}

// OpenIncident opens a ticket with the fields of POST /api/v1/incidents and returns it (JSON).
func (c *Client) OpenIncident(ctx context.Context, q url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodPost, "/api/v1/incidents", q, nil)
}

// ChangeIncident applies a verb (assign, note, resolve, close, reject, triage, reopen, label)
// to a ticket and returns it as it then is (JSON).
func (c *Client) ChangeIncident(ctx context.Context, id, verb string, q url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodPost, "/api/v1/incidents/"+url.PathEscape(id)+"/"+url.PathEscape(verb), q, nil)
}

// Notice returns a ticket's notification as the server would send it now, unsent.
func (c *Client) Notice(ctx context.Context, id string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/incidents/"+url.PathEscape(id)+"/notice", nil, nil)
}

// Rejects returns the rows set aside (JSON), of one input (a name or SHA-256 prefix) or all,
// at most limit (0 for all).
func (c *Client) Rejects(ctx context.Context, input string, limit int) ([]byte, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if input != "" {
		q.Set("input", input)
	}
	return c.do(ctx, http.MethodGet, "/api/v1/rejects", q, nil)
}

// Partners returns the partner directory (JSON).
func (c *Client) Partners(ctx context.Context) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/partners", nil, nil)
}

// SetPartner adds or replaces a partner: name, kind, country, contact.
func (c *Client) SetPartner(ctx context.Context, q url.Values) error {
	_, err := c.do(ctx, http.MethodPost, "/api/v1/partners", q, nil)
	return err
}

// IncidentsFromEvents opens tickets from a week's events (week, kind, at, note) and returns
// the server's answer: {"opened": N, "skipped": N, "tickets": [the ones the role may read]}.
func (c *Client) IncidentsFromEvents(ctx context.Context, q url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodPost, "/api/v1/incidents/from-events", q, nil)
}

// SetAccount adds an account of the workspace, or sets the role and password of one; the
// password goes in the request's body.
func (c *Client) SetAccount(ctx context.Context, name, role, password string) error {
	b, err := json.Marshal(map[string]string{"name": name, "role": role, "password": password})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPost, "/api/v1/accounts", nil, bytes.NewReader(b))
	return err
}

// Accounts answers the accounts and live sessions (GET /api/v1/accounts).
func (c *Client) Accounts(ctx context.Context) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/accounts", nil, nil)
}

// ChangeAccount disables an account (verb disable) or ends its sessions (logout).
func (c *Client) ChangeAccount(ctx context.Context, name, verb string) ([]byte, error) {
	return c.do(ctx, http.MethodPost, "/api/v1/accounts/"+url.PathEscape(name)+"/"+verb, nil, nil)
}

// Audit answers the audit log's entries that q selects (GET /api/v1/audit).
func (c *Client) Audit(ctx context.Context, q url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodGet, "/api/v1/audit", q, nil)
}
