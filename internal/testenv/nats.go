package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NATS is what NATSServers needs.
const NATS = "NATS (install Debian's nats-server package, or set SITREP_NATS_SERVER to a nats-server binary)"

// NATSServer is one NATS server a test started.
type NATSServer struct {
	URL  string // nats://127.0.0.1:port
	cmd  *exec.Cmd
	done chan struct{}
}

// Kill ends the server at once (SIGKILL), as a machine that fails would.
func (s *NATSServer) Kill() {
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// natsServer is the path of the server's binary: $SITREP_NATS_SERVER, else nats-server on
// PATH, else Debian's /usr/sbin/nats-server.
func natsServer() (string, error) {
	if p := os.Getenv("SITREP_NATS_SERVER"); p != "" {
		return exec.LookPath(p)
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nats-server"); err == nil {
		return "/usr/sbin/nats-server", nil
	}
	return "", errors.New("nats-server is not installed")
}

// freePort is a port nothing listens on at the moment.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// NATSServers starts n NATS servers with JetStream on 127.0.0.1, each with its store in a
// directory of its own; n above 1 makes them a cluster (named sitrep) whose JetStream keeps
// streams of up to n replicas. Each line of conf is added to every server's configuration
// (max_payload: 65536). The servers are stopped when the test ends.
func NATSServers(t testing.TB, n int, conf ...string) []*NATSServer {
	t.Helper()
	bin, err := natsServer()
	Need(t, NATS, err)
	dir, err := os.MkdirTemp("", "sitrep-nats-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ports, routes := make([]int, n), make([]int, n)
	for i := range ports {
		ports[i], routes[i] = freePort(t), freePort(t)
	}
	servers := make([]*NATSServer, n)
	for i := range n {
		var cfg strings.Builder
		fmt.Fprintf(&cfg, "server_name: n%d\nlisten: 127.0.0.1:%d\njetstream {\n  store_dir: %q\n  max_memory_store: 256MB\n  max_file_store: 4GB\n}\n",
			i+1, ports[i], filepath.Join(dir, fmt.Sprintf("n%d", i+1)))
		for _, c := range conf {
			fmt.Fprintln(&cfg, c)
		}
		if n > 1 {
			var others []string
			for j := range n {
				if j != i {
					others = append(others, fmt.Sprintf("nats://127.0.0.1:%d", routes[j]))
				}
			}
			fmt.Fprintf(&cfg, "cluster {\n  name: sitrep\n  listen: 127.0.0.1:%d\n  routes: [%s]\n}\n", routes[i], strings.Join(others, ", "))
		}
		conf := filepath.Join(dir, fmt.Sprintf("n%d.conf", i+1))
		if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-c", conf)
		done := startProcess(t, cmd, filepath.Join(dir, fmt.Sprintf("n%d.log", i+1)))
		servers[i] = &NATSServer{URL: fmt.Sprintf("nats://127.0.0.1:%d", ports[i]), cmd: cmd, done: done}
	}
	t.Cleanup(func() {
		for _, s := range servers {
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		}
		for _, s := range servers {
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
				<-s.done
			}
		}
	})
	for i, s := range servers {
		addr := strings.TrimPrefix(s.URL, "nats://")
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				break
			}
			select {
			case <-s.done:
				log, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("n%d.log", i+1)))
				t.Fatalf("nats-server ended before it answered:\n%s", log)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("nats-server %s did not answer within 30 s", s.URL)
			}
		}
	}
	return servers
}
