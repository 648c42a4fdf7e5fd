package testenv

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ClickHouse is what ClickHouseServer and ClickHouseShards need.
const ClickHouse = "ClickHouse (install Debian's clickhouse-server and clickhouse-client packages, or set SITREP_CLICKHOUSE_SERVER to a clickhouse-server binary)"

// ClickHouseCluster is the name of the cluster ClickHouseShards's servers know, for a
// Distributed table's first argument.
const ClickHouseCluster = "sitrep"

// clickhouseServer is the path of the server's binary: $SITREP_CLICKHOUSE_SERVER, else
// clickhouse-server on PATH, else Debian's /usr/sbin/clickhouse-server (which a user's PATH
// lacks).
func clickhouseServer() (string, error) {
	if p := os.Getenv("SITREP_CLICKHOUSE_SERVER"); p != "" {
		return exec.LookPath(p)
	}
	p, err := exec.LookPath("clickhouse-server")
	if err == nil {
		return p, nil
	}
	if _, err2 := os.Stat("/usr/sbin/clickhouse-server"); err2 == nil {
		return "/usr/sbin/clickhouse-server", nil
	}
	return "", err
}

// ClickHouseServer starts a ClickHouse server of the test's own on 127.0.0.1, with its data,
// logs and temporary files in a directory of its own, and returns the address of its native
// protocol as a clickhouse-go DSN (clickhouse://127.0.0.1:port/default, user default without
// a password). The server is stopped when the test ends. Its time zone is UTC, a query may use
// 2 GB of memory and inserts into a Distributed table are synchronous; it knows the cluster
// ClickHouseCluster of itself alone. ClickHouse does not refuse root, so unlike PostgresServer
// it runs as the test's user.
func ClickHouseServer(t testing.TB) string {
	t.Helper()
	return ClickHouseShards(t, 1)[0]
}

// ClickHouseShards starts n servers as ClickHouseServer does and returns their addresses. They
// all know the cluster ClickHouseCluster of n shards of one replica each, in the order of the
// addresses: shard i+1 (system.clusters' shard_num) is the i-th address, and a Distributed
// table with a sharding key sends a row to the i-th address when key % n is i. There is no
// ZooKeeper, so no replicated table and no ON CLUSTER: create the tables on each server.
func ClickHouseShards(t testing.TB, n int) []string {
	t.Helper()
	var dsns []string
	for _, s := range startClickHouse(t, n, 1, "") {
		dsns = append(dsns, s[0].DSN)
	}
	return dsns
}

// ClickHouseProcess is one ClickHouse server a test started.
type ClickHouseProcess struct {
	DSN  string // clickhouse://127.0.0.1:port/default
	dir  string
	pid  int
	http int
	done chan struct{}
}

// Kill ends the server at once (SIGKILL), as a machine that fails would.
func (s *ClickHouseProcess) Kill() {
	syscall.Kill(-s.pid, syscall.SIGKILL)
	<-s.done
}

// ClickHouseReplicas starts shards × replicas servers as ClickHouseServer does, which keep
// replicated tables' metadata in the ZooKeeper at zk (host:port; see ZooKeeper), and returns
// them by shard, then replica. They all know the cluster ClickHouseCluster of those shards,
// each of those replicas with internal_replication (a Distributed table writes a row to one
// replica of its shard and the shard's replicated table copies it to the others). Each
// server's macros {shard} (01, 02, …) and {replica} (r1, r2, …) name its place, it listens
// for other replicas' fetches on a port of its own, and its user default reads and writes a
// shard's replicas in order (load_balancing in_order).
func ClickHouseReplicas(t testing.TB, shards, replicas int, zk string) [][]*ClickHouseProcess {
	t.Helper()
	if zk == "" {
		t.Fatal("ClickHouseReplicas: no ZooKeeper")
	}
	return startClickHouse(t, shards, replicas, zk)
}

// startClickHouse starts the servers of ClickHouseShards (zk "", replicas 1) or of
// ClickHouseReplicas.
func startClickHouse(t testing.TB, nshards, nreplicas int, zk string) [][]*ClickHouseProcess {
	t.Helper()
	if nshards < 1 || nreplicas < 1 {
		t.Fatalf("ClickHouse: %d shards of %d replicas", nshards, nreplicas)
	}
	bin, err := clickhouseServer()
	Need(t, ClickHouse, err)
	n := nshards * nreplicas
	// The native, HTTP and interserver ports of server i (shard i / nreplicas, replica
	// i % nreplicas): 3i, 3i+1 and 3i+2.
	ports := freePorts(t, 3*n)
	var shards []chShard
	for s := range nshards {
		sh := chShard{}
		if zk != "" {
			sh.InternalReplication = "true"
		}
		for r := range nreplicas {
			sh.Replicas = append(sh.Replicas, chReplica{"127.0.0.1", ports[3*(s*nreplicas+r)]})
		}
		shards = append(shards, sh)
	}
	var zkNodes []chZKNode
	if zk != "" {
		host, port, err := net.SplitHostPort(zk)
		if err != nil {
			t.Fatalf("ZooKeeper %q: %v", zk, err)
		}
		p, _ := strconv.Atoi(port)
		zkNodes = append(zkNodes, chZKNode{host, p})
	}
	dirs := make([]string, n)
	for i := range dirs {
		dir, err := os.MkdirTemp("", "sitrep-ch-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		dirs[i] = dir
	}
	var servers []*ClickHouseProcess
	// Registered after the directories' removal, so run before it. The servers stop side by
	// side, as each waits for the connections of the others to end (poll_interval, in
	// users.xml, has idle ones end within a second): SIGTERM, then SIGKILL after 10 s. A
	// server the test killed has ended already.
	t.Cleanup(func() {
		for _, s := range servers {
			select {
			case <-s.done: // killed by the test: its group is gone, and its number may be another's
			default:
				syscall.Kill(-s.pid, syscall.SIGTERM)
			}
		}
		deadline := time.After(10 * time.Second)
		for _, s := range servers {
			select {
			case <-s.done:
			case <-deadline:
				syscall.Kill(-s.pid, syscall.SIGKILL)
				<-s.done
			}
		}
	})
	for i, dir := range dirs {
		cfg := chConfig{
			Logger:         chLogger{"warning", filepath.Join(dir, "log", "server.log"), filepath.Join(dir, "log", "error.log")},
			ListenHost:     "127.0.0.1",
			TCPPort:        ports[3*i],
			HTTPPort:       ports[3*i+1],
			Path:           filepath.Join(dir, "data") + "/",
			TmpPath:        filepath.Join(dir, "tmp") + "/",
			UserFilesPath:  filepath.Join(dir, "user_files") + "/",
			FormatSchema:   filepath.Join(dir, "format_schemas") + "/",
			UsersConfig:    "users.xml", // beside config.xml
			DefaultProfile: "default",
			DefaultDB:      "default",
			Timezone:       "UTC",
			MarkCache:      64 << 20,
			Uncompressed:   64 << 20,
			MaxConnections: 256,
			ShutdownWait:   1,
			Cluster:        chCluster{shards},
			ZooKeeper:      zkNodes,
		}
		if zk != "" {
			cfg.Interserver = ports[3*i+2]
			cfg.InterserverHost = "127.0.0.1"
			cfg.Macros = &chMacros{fmt.Sprintf("%02d", i/nreplicas+1), fmt.Sprintf("r%d", i%nreplicas+1)}
		}
		b, err := xml.MarshalIndent(cfg, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.xml"), append([]byte(xml.Header), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		users := chUsers
		if zk != "" {
			users = strings.Replace(users, "<poll_interval>", "<load_balancing>in_order</load_balancing>\n      <poll_interval>", 1)
		}
		if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o644); err != nil {
			t.Fatal(err)
		}
		srv := exec.Command(bin, "--config-file="+filepath.Join(dir, "config.xml"))
		srv.Dir = dir
		done := startProcess(t, srv, filepath.Join(dir, "stderr.log"))
		servers = append(servers, &ClickHouseProcess{fmt.Sprintf("clickhouse://127.0.0.1:%d/default", ports[3*i]), dir, srv.Process.Pid, ports[3*i+1], done})
	}
	// The servers start side by side. Each has answered once its HTTP port says Ok., as by
	// then its native port listens too. No connection is kept open, for the same reason.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, s := range servers {
		ping := fmt.Sprintf("http://127.0.0.1:%d/ping", s.http)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			resp, err := client.Get(ping)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && string(body) == "Ok.\n" {
					break
				}
				err = fmt.Errorf("%s: %s %q", ping, resp.Status, body)
			}
			select {
			case <-s.done:
				t.Fatalf("clickhouse-server ended before it answered:\n%s", chLogs(s.dir))
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal(errors.Join(errors.New("clickhouse-server did not answer within 30 s"), err, errors.New(chLogs(s.dir))))
			}
		}
	}
	out := make([][]*ClickHouseProcess, nshards)
	for i, s := range servers {
		out[i/nreplicas] = append(out[i/nreplicas], s)
	}
	return out
}

// chLogs returns what a server in dir wrote on its standard error and in its error log.
func chLogs(dir string) string {
	var logs string
	for _, name := range []string{"stderr.log", filepath.Join("log", "error.log")} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		logs += name + ":\n" + string(b)
	}
	return logs
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close() // held until all are taken, so that none comes twice
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// chConfig is a server's config.xml: what 18.16 needs and little more. Unlike Debian's, it has
// no query log, and an interserver port (for replication), ZooKeeper and macros only for
// ClickHouseReplicas.
type chConfig struct {
	XMLName        xml.Name  `xml:"yandex"`
	Logger         chLogger  `xml:"logger"`
	ListenHost     string    `xml:"listen_host"`
	TCPPort        int       `xml:"tcp_port"`
	HTTPPort       int       `xml:"http_port"`
	Path           string    `xml:"path"`
	TmpPath        string    `xml:"tmp_path"`
	UserFilesPath  string    `xml:"user_files_path"`
	FormatSchema   string    `xml:"format_schema_path"`
	UsersConfig    string    `xml:"users_config"`
	DefaultProfile string    `xml:"default_profile"`
	DefaultDB      string    `xml:"default_database"`
	Timezone       string    `xml:"timezone"`
	MarkCache      int64     `xml:"mark_cache_size"`
	Uncompressed   int64     `xml:"uncompressed_cache_size"`
	MaxConnections int       `xml:"max_connections"`
	ShutdownWait   int       `xml:"shutdown_wait_unfinished"` // seconds
	Cluster        chCluster `xml:"remote_servers>sitrep"`    // ClickHouseCluster

	ZooKeeper       []chZKNode `xml:"zookeeper>node,omitempty"`
	Interserver     int        `xml:"interserver_http_port,omitempty"`
	InterserverHost string     `xml:"interserver_http_host,omitempty"`
	Macros          *chMacros  `xml:"macros,omitempty"`
}

type chZKNode struct {
	Host string `xml:"host"`
	Port int    `xml:"port"`
}

type chMacros struct {
	Shard   string `xml:"shard"`
	Replica string `xml:"replica"`
}

type chLogger struct {
	Level    string `xml:"level"`
	Log      string `xml:"log"`
	ErrorLog string `xml:"errorlog"`
}

type chCluster struct {
	Shards []chShard `xml:"shard"`
}

type chShard struct {
	InternalReplication string      `xml:"internal_replication,omitempty"`
	Replicas            []chReplica `xml:"replica"`
}

type chReplica struct {
	Host string `xml:"host"`
	Port int    `xml:"port"`
}

// chUsers is the servers' users.xml: the user default, without a password, from loopback.
// insert_distributed_sync makes an insert into a Distributed table return once the shards
// have the rows, so that a test reads them at once; poll_interval (10 s by default) is how
// long an idle connection takes to notice that its server stops.
const chUsers = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <insert_distributed_sync>1</insert_distributed_sync>
      <poll_interval>1</poll_interval>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default></default>
  </quotas>
</yandex>
`
