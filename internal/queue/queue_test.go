package queue

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"sitrep/internal/event"
	"sitrep/internal/testenv"
)

// TestDecodeRefusesBombs: a message that decompresses to more than a batch can hold is refused
// before it is held in memory; a batch reads back as it was sent.
func TestDecodeRefusesBombs(t *testing.T) {
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 300 { // 300 MiB of zeros, a few kilobytes compressed
		w.Write(zeros)
	}
	w.Close()
	if b.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", b.Len())
	}
	if _, err := Decode(b.Bytes()); err == nil {
		t.Error("a message of 300 MiB decompressed was taken")
	}
	m := &Message{Job: "j", SHA256: "abc", Input: 7, No: 2, Read: 1, Events: []event.Event{{Kind: event.Phishing, URL: "http://x.example/"}}}
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil || got.Job != "j" || got.No != 2 || len(got.Events) != 1 || got.Events[0].URL != "http://x.example/" {
		t.Errorf("a batch read back as %+v, %v", got, err)
	}
}

// TestReplicasKept: a worker that names the queue without ?replicas= leaves the stream on as
// many servers as it was made for; the queue is named without its password.
func TestReplicasKept(t *testing.T) {
	servers := testenv.NATSServers(t, 3)
	addr := servers[0].URL + "," + servers[1].URL + "," + servers[2].URL
	ctx := context.Background()
	withPassword := strings.Replace(servers[1].URL, "nats://", "nats://sitrep:hunter2secret@", 1)
	for _, a := range []string{addr + "?replicas=3", addr, withPassword} {
		q, err := Open(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		s, err := q.js.Stream(ctx, Stream)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Config.Replicas != 3 {
			t.Errorf("opened as %s, the stream is on %d servers", a, info.Config.Replicas)
		}
		if strings.Contains(q.String(), "hunter2secret") {
			t.Errorf("the queue names itself with its password: %q", q)
		}
		q.Close()
	}
}
