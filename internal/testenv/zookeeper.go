package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ZooKeeperNeed is what ZooKeeper needs.
const ZooKeeperNeed = "ZooKeeper (install Debian's zookeeper package, which brings a Java runtime, or set SITREP_ZOOKEEPER_JAR to a zookeeper.jar with its dependencies beside it)"

// zookeeperJar is the server's jar: $SITREP_ZOOKEEPER_JAR, else Debian's, whose manifest names
// the jars it needs.
func zookeeperJar() (string, error) {
	if p := os.Getenv("SITREP_ZOOKEEPER_JAR"); p != "" {
		_, err := os.Stat(p)
		return p, err
	}
	const debian = "/usr/share/java/zookeeper.jar"
	if _, err := os.Stat(debian); err != nil {
		return "", errors.New("zookeeper is not installed")
	}
	return debian, nil
}

// ZooKeeper starts a standalone ZooKeeper server on 127.0.0.1 with its data in a directory of
// its own and returns its address (host:port). It is stopped when the test ends.
func ZooKeeper(t testing.TB) string {
	t.Helper()
	jar, err := zookeeperJar()
	Need(t, ZooKeeperNeed, err)
	java, err := exec.LookPath("java")
	Need(t, ZooKeeperNeed, err)
	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf(`tickTime=2000
dataDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
maxClientCnxns=0
`, filepath.Join(dir, "data"), port)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(java, "-Xmx256m", "-cp", jar, "-Dzookeeper.log.dir="+dir,
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(dir, "zoo.cfg"))
	srv.Dir = dir
	done := startProcess(t, srv, filepath.Join(dir, "server.log"))
	t.Cleanup(func() {
		syscall.Kill(-srv.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// It serves once srvr says it is standalone (ruok answers imok before it serves).
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if serving(addr) {
			return addr
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("ZooKeeper ended before it answered:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("ZooKeeper did not answer at %s within 60 s:\n%s", addr, b)
		}
	}
}

// serving reports whether the ZooKeeper at addr says it serves.
func serving(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return false
	}
	b, _ := io.ReadAll(bufio.NewReader(c))
	return strings.Contains(string(b), "Mode: standalone")
}
