package main

import (
	"flag"
	"fmt"
	"sync"

	"sitrep/internal/queue"
	"sitrep/internal/store/clickhouse"
)

const workerUsage = "worker --queue nats://host:4222[,…] [--workers N]   (write the batches a server's uploads were cut into; with --store clickhouse://… and --records)"

// runWorker writes to the store the batches servers hand to the queue (serve --queue), until
// it is stopped: each batch acked once the store holds it, delivered again to any worker if
// this one dies first.
func runWorker(e *env, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	addr := fs.String("queue", "", "the NATS JetStream `address` the servers hand uploads to (nats://host:4222[,…])")
	n := fs.Int("workers", 1, "batches written at `once`")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *addr == "" {
		return usageError{"name the queue with --queue nats://host:4222"}
	}
	if *n < 1 || *n > 64 {
		return usageError{"--workers is from 1 to 64"}
	}
	if !clickhouse.IsURL(e.cfg.Store) {
		return usageError{"workers write to a store they share with the servers: name a ClickHouse store (--store clickhouse://…)"}
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := queue.Open(e.ctx, *addr)
	if err != nil {
		return err
	}
	defer q.Close()
	fmt.Fprintf(e.stderr, "writing the batches of %s to %s with %d worker(s)\n", q, clickhouse.Redacted(e.cfg.Store), *n)
	var wg sync.WaitGroup
	errs := make([]error, *n)
	for i := range *n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = q.Work(e.ctx, st, e.cfg.Log)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
