// Package queue carries accepted ingest batches from the servers that read uploads to the
// workers that write them, through a NATS JetStream stream. A server runs the ingest pipeline
// with an Ingest whose Commit publishes each batch; workers pull batches with explicit acks,
// commit them to the store and ack; a batch that fails MaxDeliver times goes to the
// dead-letter subject with its reason. A job is done when the store's ledger holds all its
// input's batches (Settle), whoever notices first.
//
// A batch delivered twice (a worker killed after its commit and before its ack) is committed
// twice and counted once: the store's ledger refuses or ignores the second (store.ErrCommitted).
package queue

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// Names of the stream, its subjects and the workers' consumer.
const (
	Stream   = "SITREP_INGEST"
	Subject  = "sitrep.ingest.batch"
	Dead     = "sitrep.ingest.dead"
	Consumer = "sitrep-workers"
)

// MaxDeliver is how many times a batch is delivered before it is dead; AckWait how long a
// worker holds one before it is delivered again.
const (
	MaxDeliver = 5
	AckWait    = 30 * time.Second
)

// BatchRows is the most rows of an ingest's batch through the queue (BatchBytes bounds its text).
const BatchRows = 4000

// maxDecoded is the most a message may hold once decompressed: 4,000 rows of up to 1 MiB
// would be more, but such batches are refused as too large to publish long before.
const maxDecoded = 256 << 20

// Queue is a connection to the stream.
type Queue struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	name string
}

// Open connects to the NATS servers of addr (nats://host:4222[,nats://host2:4222…]) and
// makes sure the stream is there, replicated on as many servers as ?replicas= asks (1 by
// default; 3 in a cluster of three or more).
func Open(ctx context.Context, addr string) (*Queue, error) {
	servers, replicas, err := parse(addr)
	if err != nil {
		return nil, err
	}
	name := redacted(addr)
	nc, err := nats.Connect(strings.Join(servers, ","), nats.Name("sitrep"), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.Timeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("queue %s: %w", name, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue %s: %w", name, err)
	}
	q := &Queue{nc: nc, js: js, name: name}
	cfg := jetstream.StreamConfig{Name: Stream, Subjects: []string{Subject, Dead}, Storage: jetstream.FileStorage,
		Replicas: max(replicas, 1), Duplicates: 10 * time.Minute, Retention: jetstream.WorkQueuePolicy}
	// A cluster elects the leader of its JetStream a moment after it starts.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var s jetstream.Stream
		if s, err = js.Stream(cctx, Stream); err == nil {
			// The stream is there: changed only where this address asks for other replicas, so
			// that a worker named without ?replicas= leaves the servers' choice as it is.
			if info, ierr := s.Info(cctx); ierr == nil && replicas > 0 && info.Config.Replicas != replicas {
				cfg := info.Config
				cfg.Replicas = replicas
				_, err = js.UpdateStream(cctx, cfg)
			}
		} else if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = js.CreateStream(cctx, cfg)
		}
		cancel()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("queue %s: the stream %s: %w", name, Stream, err)
	}
	return q, nil
}

// parse splits addr into the servers' URLs and the replicas it asks for.
func parse(addr string) ([]string, int, error) {
	replicas := 0 // not asked: 1 for a new stream, as it is for an existing one
	var servers []string
	for _, s := range strings.Split(addr, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || u.Scheme != "nats" && u.Scheme != "tls" || u.Host == "" {
			return nil, 0, fmt.Errorf("queue %q: name NATS servers as nats://host:4222[,nats://host:4222…][?replicas=3]", redacted(addr))
		}
		if r := u.Query().Get("replicas"); r != "" {
			n, err := strconv.Atoi(r)
			if err != nil || n < 1 || n > 5 {
				return nil, 0, fmt.Errorf("queue: replicas=%q: from 1 to 5", r)
			}
			replicas = n
		}
		u.RawQuery = ""
		servers = append(servers, u.String())
	}
	return servers, replicas, nil
}

// redacted is addr without passwords.
func redacted(addr string) string {
	var out []string
	for _, s := range strings.Split(addr, ",") {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil {
			out = append(out, u.Redacted())
		} else {
			out = append(out, "?")
		}
	}
	return strings.Join(out, ",")
}

// Close closes the connection once what was published is sent.
func (q *Queue) Close() error {
	err := q.nc.Drain()
	for i := 0; i < 100 && !q.nc.IsClosed(); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Message is one batch on its way: the job it belongs to, its input, and its rows.
type Message struct {
	Job       string
	SHA256    string
	Input     int64
	No        int
	Read      int
	Events    []event.Event
	Vulns     []event.Vuln
	Incidents []event.Incident
	Exploited []event.Exploited
	Rejects   []store.Reject
}

// Batch is the store's batch of m.
func (m *Message) Batch() store.Batch {
	return store.Batch{Input: m.Input, No: m.No, Read: m.Read, Events: m.Events, Vulns: m.Vulns, Incidents: m.Incidents,
		Exploited: m.Exploited, Rejects: m.Rejects}
}

var (
	encoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	// A message is at most a few megabytes: one that says it holds more is refused before it is
	// decompressed, and so is one that grows past that while it is.
	decoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxDecoded), zstd.WithDecoderMaxWindow(maxDecoded))
)

// Encode is m as a message's data: gob, compressed.
func Encode(m *Message) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(m); err != nil {
		return nil, err
	}
	return encoder.EncodeAll(b.Bytes(), nil), nil
}

// Decode reads a message's data.
func Decode(data []byte) (*Message, error) {
	raw, err := decoder.DecodeAll(data, nil)
	if err != nil {
		return nil, fmt.Errorf("not a batch: %w", err)
	}
	var m Message
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&m); err != nil {
		return nil, fmt.Errorf("not a batch: %w", err)
	}
	if m.Input == 0 || m.Job == "" {
		return nil, errors.New("not a batch: no input or job")
	}
	return &m, nil
}

// Publish sends a batch; publishing the same batch of the same job again (a server retrying)
// is dropped by the stream, which knows each by its job and number.
func (q *Queue) Publish(ctx context.Context, m *Message) error {
	data, err := Encode(m)
	if err != nil {
		return err
	}
	if max := q.nc.MaxPayload(); int64(len(data)) > max {
		return fmt.Errorf("batch %d of %s is %d bytes, more than the queue's messages may hold (%d): raise the servers' max_payload", m.No, m.SHA256[:min(12, len(m.SHA256))], len(data), max)
	}
	// A NATS server that fails takes its clients' connections with it: they reconnect to
	// another within moments. A publication is tried again meanwhile, for up to a minute; the
	// stream drops a second copy of one that went through. The ID names the job: another
	// upload of the same bytes publishes its own copies, which the store's ledger counts once.
	id := fmt.Sprintf("%s/%d", m.Job, m.No)
	start, pause := time.Now(), 100*time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = q.js.Publish(pctx, Subject, data, jetstream.WithMsgID(id))
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Since(start) > time.Minute {
			return fmt.Errorf("queue %s: publish batch %d: %w", q.name, m.No, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, 2*time.Second)
	}
}

// natsMsg is a message with headers to publish on subject.
func natsMsg(subject string, data []byte) *nats.Msg {
	return &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
}

// DeadLetter is a batch that could not be written, as the dead-letter subject keeps it.
type DeadLetter struct {
	Job, Reason string
	Batch       string
}

// DeadLetters lists the dead letters kept in the stream, oldest first.
func (q *Queue) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	s, err := q.js.Stream(ctx, Stream)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue // deleted
		}
		if m.Subject != Dead {
			continue
		}
		out = append(out, DeadLetter{Job: m.Header.Get("Sitrep-Job"), Reason: m.Header.Get("Sitrep-Reason"), Batch: m.Header.Get("Sitrep-Batch")})
	}
	return out, nil
}

// PublishRaw publishes data as it is on the batches' subject: for tests of what is not a batch.
func (q *Queue) PublishRaw(ctx context.Context, data []byte) error {
	_, err := q.js.Publish(ctx, Subject, data)
	return err
}

// BatchBytes is the most text the rows of one batch may hold: the servers' max_payload, so
// that rows of long fields (a scan report's fifty columns, long URLs) make smaller batches,
// not a message too large. A message holds the rows parsed, encoded and compressed: for text,
// well under the text's size; Publish refuses by name a batch that still does not fit.
func (q *Queue) BatchBytes() int { return int(q.nc.MaxPayload()) }

// String names the queue's servers, without passwords.
func (q *Queue) String() string { return q.name }
