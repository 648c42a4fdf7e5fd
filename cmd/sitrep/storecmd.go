package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"sitrep/internal/store/clickhouse"
)

const storeUsage = "store init [--cluster NAME [--replicated] [--print]]   (create or migrate the store; with --cluster, lay a ClickHouse store out over a cluster)"

// runStore creates or migrates the store: the embedded one or a ClickHouse database on one
// server, or — with --cluster — a ClickHouse store laid out over the servers of a cluster.
func runStore(e *env, args []string) error {
	if len(args) == 0 || args[0] != "init" {
		return usageError{"the store command is: " + storeUsage}
	}
	fs := flag.NewFlagSet("store init", flag.ContinueOnError)
	cluster := fs.String("cluster", "", "lay the ClickHouse store out over the cluster of this `name` (its servers' remote_servers)")
	print := fs.Bool("print", false, "with --cluster: print the statements each server runs, and run none")
	replicated := fs.Bool("replicated", false, "with --cluster: lay out replicated tables (with --print), or stop unless the servers have ZooKeeper")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	if *cluster == "" {
		if *print || *replicated {
			return usageError{"--print and --replicated go with --cluster"}
		}
		st, err := e.cfg.Open(e.ctx, false)
		if err != nil {
			return err
		}
		defer st.Close()
		fmt.Fprintln(e.stdout, "the store is ready")
		return nil
	}
	if !clickhouse.IsURL(e.cfg.Store) {
		return usageError{"--cluster lays out a ClickHouse store: name it with --store clickhouse://host:9000/db"}
	}
	if *print {
		u, err := url.Parse(e.cfg.Store)
		if err != nil {
			return fmt.Errorf("store %s: %w", clickhouse.Redacted(e.cfg.Store), err)
		}
		db := strings.TrimPrefix(u.Path, "/")
		if db == "" {
			db = "default"
		}
		for _, q := range clickhouse.Layout(*cluster, db, *replicated) {
			fmt.Fprintf(e.stdout, "%s;\n", q)
		}
		return nil
	}
	c, err := clickhouse.InitCluster(e.ctx, e.cfg.Store, *cluster, *replicated)
	if err != nil {
		return err
	}
	how := "not replicated: the servers have no ZooKeeper"
	if c.Replicated {
		how = "replicated through ZooKeeper"
	}
	fmt.Fprintf(e.stdout, "laid the store out over cluster %s, %s:\n", *cluster, how)
	several := map[int]bool{}
	for _, sh := range c.Shards {
		fmt.Fprintf(e.stdout, "  shard %d replica %d  %s", sh.Number, sh.Replica, sh.Addr)
		if c.Replicated {
			fmt.Fprintf(e.stdout, "  {shard} %s {replica} %s", sh.ShardMacro, sh.ReplicaMacro)
		}
		fmt.Fprintln(e.stdout)
		several[sh.Number] = several[sh.Number] || sh.Replica > 1
	}
	for _, sh := range c.Shards {
		if !c.Replicated && several[sh.Number] && sh.Replica == 1 {
			fmt.Fprintf(e.stderr, "shard %d has several replicas and no ZooKeeper: each holds every row only if the cluster's internal_replication is false (the Distributed tables then write to each)\n", sh.Number)
		}
	}
	return nil
}
