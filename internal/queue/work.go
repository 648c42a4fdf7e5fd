package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"sitrep/internal/ingest"
	"sitrep/internal/store"
)

// Ingest is a store.Ingest for the ingest pipeline of a server: the input is registered in
// the store's ledger, and each batch, instead of being written, is published for the workers.
type Ingest struct {
	Store store.Ingest
	Queue *Queue
	Job   string

	mu      sync.Mutex
	sha     string
	input   int64
	batches int // one more than the greatest batch number the input has
}

var _ store.Ingest = (*Ingest)(nil)

// OpenInput implements store.Ingest.
func (q *Ingest) OpenInput(ctx context.Context, in store.Input) (store.Input, error) {
	in, err := q.Store.OpenInput(ctx, in)
	if err != nil {
		return in, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sha, q.input = in.SHA256, in.ID
	if in.Complete {
		return in, nil // nothing to wait for: the pipeline says what it would
	}
	for no := range in.Committed {
		q.batches = max(q.batches, no+1)
	}
	return in, nil
}

// Commit implements store.Ingest: it publishes the batch. Its tally counts the rows read;
// the rest is the workers'.
func (q *Ingest) Commit(ctx context.Context, b store.Batch) (store.Tally, error) {
	if b.Stage != nil {
		b.Stage.Discard()
		return store.Tally{}, errors.New("the queue takes batches as rows, not staged")
	}
	q.mu.Lock()
	sha := q.sha
	q.batches = max(q.batches, b.No+1)
	q.mu.Unlock()
	err := q.Queue.Publish(ctx, &Message{Job: q.Job, SHA256: sha, Input: b.Input, No: b.No, Read: b.Read, Events: b.Events,
		Vulns: b.Vulns, Incidents: b.Incidents, Exploited: b.Exploited, Rejects: b.Rejects})
	return store.Tally{Read: b.Read}, err
}

// FinishInput implements store.Ingest: the input is finished by Settle, once the workers
// committed every batch.
func (q *Ingest) FinishInput(ctx context.Context, id int64) error { return nil }

// Pending is what a queued ingest job records until it is done: its input and how many
// batches it has, with what the server read of it.
type Pending struct {
	Queued  bool           `json:"queued"`
	Input   int64          `json:"input_id"`
	Batches int            `json:"batches"`
	Read    ingest.Summary `json:"read"`
}

// Enqueue ingests the file at path through the queue for the job: it reads and checks every
// row here, publishes the batches, and records on the job what it waits for. A job whose
// input was ingested whole before is done at once.
func Enqueue(ctx context.Context, st store.Store, q *Queue, job store.Job, name string, open func() (*os.File, error), opt ingest.Options) (store.Job, error) {
	in := &Ingest{Store: st, Queue: q, Job: job.ID}
	opt.BatchSize, opt.BatchBytes = BatchRows, q.BatchBytes()
	sum, err := ingest.Input(ctx, in, name, open, opt)
	if err != nil {
		return job, err
	}
	in.mu.Lock()
	p := Pending{Queued: true, Input: in.input, Batches: in.batches, Read: sum}
	in.mu.Unlock()
	job.State = store.JobRunning
	if job.Result, err = json.Marshal(p); err != nil {
		return job, err
	}
	now := time.Now().UTC()
	job.Started, job.Server = &now, store.QueueServer // the workers' now
	if ok, err := st.SaveJobIf(ctx, job, store.JobQueued); err != nil {
		return job, err
	} else if !ok { // a batch died while the rest were published: the job says why
		return st.Job(ctx, job.ID)
	}
	// The workers settle the job as well, and look again for jobs left (Work): a failure to
	// look here leaves it to them. A server that stops meanwhile still looks.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if settled, err := Settle(sctx, st, job.ID); err == nil {
		job = settled
	}
	return job, nil
}

// Settle finishes the job when the ledger holds every batch of its input: the job's result
// becomes the ingest's summary, from the ledger's tallies, and the input is marked complete.
// It returns the job as it stands. Anyone may settle a job, any number of times.
func Settle(ctx context.Context, st store.Store, id string) (store.Job, error) {
	j, err := st.Job(ctx, id)
	if err != nil || j.State != store.JobRunning {
		return j, err
	}
	var p Pending
	if err := json.Unmarshal(j.Result, &p); err != nil || !p.Queued {
		return j, err
	}
	in, err := st.OpenInput(ctx, store.Input{SHA256: p.Read.SHA256})
	if err != nil {
		return j, err
	}
	sum := p.Read
	sum.Tally = store.Tally{}
	for no := range p.Batches {
		t, ok := in.Committed[no]
		if !ok {
			return j, nil // a batch is still on its way
		}
		sum.Add(t)
	}
	if p.Batches == 0 { // nothing was left to write: the input was in already
		sum = p.Read
	}
	if err := st.FinishInput(ctx, in.ID); err != nil {
		return j, err
	}
	now := time.Now().UTC()
	j.State, j.Status, j.Finished = store.JobDone, 200, &now
	if j.Result, err = json.Marshal(Answer(sum)); err != nil {
		return j, err
	}
	if ok, err := st.SaveJobIf(ctx, j, store.JobRunning); err != nil || !ok {
		if err == nil { // settled, or failed, meanwhile
			return st.Job(ctx, id)
		}
		return j, err
	}
	return j, nil
}

// Answer is an ingest's summary as the server answers it.
func Answer(sum ingest.Summary) map[string]any {
	return map[string]any{"read": sum.Read, "stored": sum.Stored, "duplicate": sum.Duplicate, "rejected": sum.Rejected,
		"format": sum.Format, "feed": sum.Feed, "encoding": sum.Encoding, "sha256": sum.SHA256, "summary": sum.String(), "name": sum.Name}
}

// Work pulls batches and commits them to st until ctx ends: each is acked once the store
// holds it (or held it already); one that fails is delivered again after a pause, up to
// MaxDeliver times, and then sent to the dead-letter subject with its reason and its job
// marked failed; a message that is not a batch goes there at once. log says what happened.
func (q *Queue) Work(ctx context.Context, st store.Store, log *slog.Logger) error {
	cons, err := q.js.CreateOrUpdateConsumer(ctx, Stream, jetstream.ConsumerConfig{Durable: Consumer, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: AckWait, MaxDeliver: MaxDeliver, FilterSubject: Subject, MaxAckPending: 64})
	if err != nil {
		return fmt.Errorf("queue %s: the workers' consumer: %w", q.name, err)
	}
	var swept time.Time
	for ctx.Err() == nil {
		if time.Since(swept) > SweepEvery {
			q.sweep(ctx, st, log)
			swept = time.Now()
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Warn("fetch from the queue", "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		for msg := range batch.Messages() {
			q.handle(ctx, st, msg, log)
		}
	}
	return nil
}

// SweepEvery is how often a worker looks for jobs handed to the queue whose batches are all
// in and that nobody settled (a settling that failed after the last batch's ack, or one
// the server looked for before the workers were done).
const SweepEvery = time.Minute

// sweep settles the running jobs of the queue among the latest sweepJobs.
func (q *Queue) sweep(ctx context.Context, st store.Store, log *slog.Logger) {
	jobs, err := st.ListJobs(ctx, "", sweepJobs)
	if err != nil {
		log.Warn("look for jobs left", "err", err)
		return
	}
	for _, j := range jobs {
		if j.State != store.JobRunning || j.Server != store.QueueServer {
			continue
		}
		if settled, err := Settle(ctx, st, j.ID); err != nil {
			log.Warn("settle a job left", "job", j.ID, "err", err)
		} else if settled.State == store.JobDone {
			log.Info("settled a job left", "job", j.ID)
		}
	}
}

// sweepJobs is how many of the latest jobs a sweep looks through.
const sweepJobs = 500

// handle commits one message's batch and settles its job.
func (q *Queue) handle(ctx context.Context, st store.Store, msg jetstream.Msg, log *slog.Logger) {
	m, err := Decode(msg.Data())
	if err != nil {
		q.dead(ctx, st, msg, nil, err, log)
		return
	}
	// A commit that takes long says so, lest the batch go to another worker meanwhile.
	working := make(chan struct{})
	go func() {
		t := time.NewTicker(AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-working:
				return
			case <-t.C:
				msg.InProgress()
			}
		}
	}()
	_, err = st.Commit(ctx, m.Batch())
	close(working)
	if err != nil && !errors.Is(err, store.ErrCommitted) {
		meta, merr := msg.Metadata()
		if merr == nil && meta.NumDelivered >= MaxDeliver {
			q.dead(ctx, st, msg, m, err, log)
			return
		}
		// Again after 5, 10, 20 and 40 s: a store that restarts is back before the batch dies.
		delay := 5 * time.Second
		if merr == nil {
			delay <<= min(meta.NumDelivered-1, 4)
		}
		log.Warn("a batch was not committed; it comes again", "job", m.Job, "batch", m.No, "in", delay, "err", err)
		msg.NakWithDelay(delay)
		return
	}
	if err := msg.Ack(); err != nil {
		log.Warn("ack", "job", m.Job, "batch", m.No, "err", err) // delivered again, and committed already
	}
	if _, err := Settle(ctx, st, m.Job); err != nil {
		log.Warn("settle the job", "job", m.Job, "err", err)
	}
}

// dead sends a message that will not go in to the dead-letter subject, with why, and marks
// its job failed.
func (q *Queue) dead(ctx context.Context, st store.Store, msg jetstream.Msg, m *Message, reason error, log *slog.Logger) {
	out := &jetstreamDead{data: msg.Data(), reason: reason.Error()}
	if m != nil {
		out.job, out.batch = m.Job, m.No
	}
	if err := q.publishDead(ctx, out); err != nil {
		log.Error("a dead batch was not kept; it comes again", "err", err)
		msg.NakWithDelay(5 * time.Second)
		return
	}
	msg.Term()
	log.Error("a batch is dead", "job", out.job, "batch", out.batch, "reason", out.reason)
	if m == nil {
		return
	}
	j, err := st.Job(ctx, m.Job)
	if err != nil {
		return
	}
	now := time.Now().UTC()
	j.State, j.Status, j.Finished = store.JobFailed, 422, &now
	j.Error = fmt.Sprintf("batch %d could not be written after %d tries: %s", m.No, MaxDeliver, reason)
	// Not a job that ended: a dead copy of a batch the store holds does not undo it.
	st.SaveJobIf(ctx, j, store.JobQueued, store.JobRunning)
}

// jetstreamDead is a dead letter: the message as it came, and why.
type jetstreamDead struct {
	data   []byte
	reason string
	job    string
	batch  int
}

func (q *Queue) publishDead(ctx context.Context, d *jetstreamDead) error {
	msg := natsMsg(Dead, d.data)
	msg.Header.Set("Sitrep-Reason", d.reason)
	if d.job != "" {
		msg.Header.Set("Sitrep-Job", d.job)
		msg.Header.Set("Sitrep-Batch", fmt.Sprint(d.batch))
	}
	_, err := q.js.PublishMsg(ctx, msg)
	return err
}
