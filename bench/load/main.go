// Command load sends the same GET to a server many times, several at once, and reports the
// answers by status and their latencies: the load half of bench/serve-load.sh.
//
//	go run ./bench/load -url http://127.0.0.1:8080/api/v1/stats/2024-W09 -token T -n 2000 -c 20
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "the `URL` to GET")
	token := flag.String("token", os.Getenv("SITREP_TOKEN"), "bearer `token`")
	n := flag.Int("n", 2000, "requests in all")
	c := flag.Int("c", 20, "requests at once")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "load: -url is needed")
		os.Exit(2)
	}
	var (
		mu        sync.Mutex
		codes     = map[int]int{}
		latencies []time.Duration
		failures  []string
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				req, _ := http.NewRequest(http.MethodGet, *url, nil)
				if *token != "" {
					req.Header.Set("Authorization", "Bearer "+*token)
				}
				t := time.Now()
				resp, err := http.DefaultClient.Do(req)
				code := 0
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				d := time.Since(t)
				mu.Lock()
				codes[code]++
				latencies = append(latencies, d)
				if err != nil && len(failures) < 5 {
					failures = append(failures, err.Error())
				}
				mu.Unlock()
			}
		}()
	}
	for i := range *n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Printf("%d requests, %d at once, in %.1f s (%.0f a second)\n", *n, *c, took.Seconds(), float64(*n)/took.Seconds())
	for _, k := range keys {
		name := http.StatusText(k)
		if k == 0 {
			name = "no answer"
		}
		fmt.Printf("  %d %s: %d\n", k, name, codes[k])
	}
	fmt.Printf("latency: median %v, p90 %v, p99 %v, max %v\n", pct(0.5).Round(time.Millisecond), pct(0.9).Round(time.Millisecond),
		pct(0.99).Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	for _, f := range failures {
		fmt.Println("  error:", f)
	}
	for k := range codes {
		if k == 0 || k >= 500 {
			os.Exit(1)
		}
	}
}
