package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"attest/accounts"
)

// BenchmarkSystem100k measures the whole product at DESIGN.md's scale: a data directory with
// ATTEST_BENCH_N (default 100,000) approved articles imported through `attest import
// --approve`, a full `attest reindex`, then a real `attest serve` process: start-up time with
// an existing index, HTTP search and article reads at 16 concurrent clients, how soon an
// approval is searchable, and the server's resident memory. The data directory is cached
// under the temp dir between runs. Run with: make bench, or
//
//	go test -run '^$' -bench System100k -benchtime 1x ./cmd/attest/
//
// With ATTEST_BENCH_DATABASE=postgres://… (an empty database) the same runs on PostgreSQL.
func BenchmarkSystem100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ATTEST_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("attest-system-bench-v1-n%d", n))
	if benchEnv("ATTEST_DATABASE") != "" {
		dir += "-postgres" // the index of the PostgreSQL run; the database is the one named
	}
	if _, err := os.Stat(filepath.Join(dir, "ready")); err != nil {
		os.RemoveAll(dir)
		buildBenchData(b, dir, n)
	}
	for i := 0; i < b.N; i++ {
		runSystemBench(b, dir, n)
	}
}

var (
	benchTopics = []string{"password", "vpn", "printer", "mailbox", "laptop", "mfa", "wifi", "teams", "outlook", "sharepoint",
		"onedrive", "bitlocker", "sap", "citrix", "zoom", "okta", "badge", "docking", "monitor", "keyboard"}
	benchActions = []string{"reset", "install", "configure", "unlock", "replace", "enrol", "remove", "migrate", "troubleshoot", "renew"}
	benchOS      = []string{"windows 11", "windows 10", "macos", "ubuntu", "ios", "android"}
	benchErrors  = []string{"0x80070005", "error 720", "access denied", "timeout", "certificate expired", "sync pending", "not responding"}
	benchTypes   = []string{"password-reset", "mfa-reset", "access-request", "software-install", "vpn-access", "mailbox-creation", "laptop-provisioning", "printer-setup"}
)

func benchArticle(r *rand.Rand, i int) (title, body, rt string) {
	topic := benchTopics[r.IntN(len(benchTopics))]
	action := benchActions[r.IntN(len(benchActions))]
	osName := benchOS[r.IntN(len(benchOS))]
	errName := benchErrors[r.IntN(len(benchErrors))]
	title = fmt.Sprintf("%s %s on %s (%s) #%d", strings.ToUpper(action[:1])+action[1:], topic, osName, errName, i)
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n\nUse this when the user reports **%s** with %s on %s.\n\n## Steps\n\n", title, errName, topic, osName)
	for s := 1; s <= 4+r.IntN(5); s++ {
		fmt.Fprintf(&sb, "%d. %s the %s settings, check the %s and confirm with the user.\n", s,
			strings.ToUpper(benchActions[r.IntN(len(benchActions))][:1])+benchActions[r.IntN(len(benchActions))][1:],
			benchTopics[r.IntN(len(benchTopics))], benchTopics[r.IntN(len(benchTopics))])
	}
	fmt.Fprintf(&sb, "\nIf %s persists, escalate to the %s team with the ticket number.\n", errName, topic)
	return title, sb.String(), benchTypes[r.IntN(len(benchTypes))]
}

func buildBenchData(b *testing.B, dir string, n int) {
	b.Helper()
	mustRun := func(stdin string, args ...string) {
		var out strings.Builder
		m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out, Getenv: benchEnv}
		if err := m.Run(context.Background(), args); err != nil {
			b.Fatalf("attest %v: %v\n%s", args, err, out.String())
		}
	}
	mustRun("bench-admin-pw\n", "user", "add", "--data", dir, "--username", "admin", "--role", "admin", "--password-stdin")
	mustRun("bench-km1-pw-1\n", "user", "add", "--data", dir, "--username", "km1", "--role", "knowledge_manager", "--password-stdin")
	mustRun("bench-km2-pw-1\n", "user", "add", "--data", dir, "--username", "km2", "--role", "knowledge_manager", "--password-stdin")
	// The catalogue and a supplier whose agent sees half of it, through the same calls admins use.
	a, err := (&Main{Getenv: benchEnv}).open(context.Background(), &where{dir: dir, database: benchEnv("ATTEST_DATABASE")}, slog.Default())
	if err != nil {
		b.Fatal(err)
	}
	ctx, sys := context.Background(), accounts.System("bench")
	if _, err := a.accounts.CreateSupplier(ctx, sys, "acme", "Acme"); err != nil {
		b.Fatal(err)
	}
	for _, k := range benchTypes {
		if _, err := a.accounts.CreateRequestType(ctx, sys, accounts.RequestType{Key: k, Name: k, Risk: accounts.RiskLow}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.accounts.SetSupplierRequestTypes(ctx, sys, "acme", benchTypes[:4]); err != nil {
		b.Fatal(err)
	}
	a.Close()
	mustRun("bench-agent-pw\n", "user", "add", "--data", dir, "--username", "agent", "--role", "agent", "--supplier", "acme", "--password-stdin")

	src := filepath.Join(dir, "import")
	os.MkdirAll(src, 0o755)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		title, body, rt := benchArticle(r, i)
		doc := fmt.Sprintf("---\ntitle: %s\nrequest_types: [%s]\n---\n%s", title, rt, body)
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("a%06d.md", i)), []byte(doc), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	mustRun("", "import", "--data", dir, "--approve", "--as", "km1", src)
	b.Logf("import of %d files with --approve: %.1fs", n, time.Since(start).Seconds())
	os.RemoveAll(src)
	os.WriteFile(filepath.Join(dir, "ready"), nil, 0o644)
}

func runSystemBench(b *testing.B, dir string, n int) {
	// Full reindex.
	start := time.Now()
	var out strings.Builder
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: benchEnv}
	if err := m.Run(context.Background(), []string{"reindex", "--data", dir}); err != nil {
		b.Fatalf("reindex: %v %s", err, out.String())
	}
	reindex := time.Since(start)

	// Start-up with an existing index: process start to /readyz.
	start = time.Now()
	var onDB []string
	if u := benchEnv("ATTEST_DATABASE"); u != "" {
		onDB = []string{"--database", u}
	}
	srv := startServer(b, dir, onDB...)
	startup := time.Since(start)
	defer srv.stop()

	agent := login(b, srv.base, "agent", "bench-agent-pw")
	km1 := login(b, srv.base, "km1", "bench-km1-pw-1")
	km2 := login(b, srv.base, "km2", "bench-km2-pw-1")

	queries := []string{}
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		switch r.IntN(4) {
		case 0:
			queries = append(queries, benchActions[r.IntN(len(benchActions))]+" "+benchTopics[r.IntN(len(benchTopics))])
		case 1:
			queries = append(queries, benchTopics[r.IntN(len(benchTopics))]+" "+benchErrors[r.IntN(len(benchErrors))])
		case 2:
			queries = append(queries, "how do i "+benchActions[r.IntN(len(benchActions))]+" "+benchTopics[r.IntN(len(benchTopics))]+" on "+benchOS[r.IntN(len(benchOS))])
		default:
			queries = append(queries, benchTopics[r.IntN(len(benchTopics))])
		}
	}
	searchRate, sp50, sp99, sbad := load(b, 16, 10*time.Second, func(i int) string {
		return srv.base + "/api/v1/search?q=" + strings.ReplaceAll(queries[i%len(queries)], " ", "+")
	}, agent)
	readRate, rp50, rp99, rbad := load(b, 16, 10*time.Second, func(i int) string {
		return srv.base + "/api/v1/articles/" + strconv.Itoa(1+(i*7919)%n)
	}, km1)

	// An approval is searchable within 1 s.
	word := fmt.Sprintf("zebrafinch%d", time.Now().UnixNano())
	st, body := call(b, "POST", srv.base+"/api/v1/articles", km1, fmt.Sprintf(`{"title":"Fresh %s","body":"Steps with %s.","request_types":["password-reset"]}`, word, word))
	if st != 201 {
		b.Fatalf("create: %d %s", st, body)
	}
	id := between(body, `"id":`, ",")
	call(b, "POST", srv.base+"/api/v1/articles/"+id+"/versions/1/submit", km1, "")
	approved := time.Now()
	if st, body := call(b, "POST", srv.base+"/api/v1/articles/"+id+"/versions/1/approve", km2, `{"comment":"ok"}`); st != 200 {
		b.Fatalf("approve: %d %s", st, body)
	}
	var visible time.Duration
	for {
		_, body := call(b, "GET", srv.base+"/api/v1/search?q="+word, km1, "")
		if strings.Contains(body, `"article_id":`+id+`,`) {
			visible = time.Since(approved)
			break
		}
		if time.Since(approved) > 10*time.Second {
			b.Fatal("the approval was not searchable within 10 s")
		}
		time.Sleep(5 * time.Millisecond) // polling search with a deadline
	}
	rss := rssMB(srv.cmd.Process.Pid)

	b.ReportMetric(reindex.Seconds(), "reindex-s")
	b.ReportMetric(float64(startup.Milliseconds()), "startup-ms")
	b.ReportMetric(searchRate, "search/s")
	b.ReportMetric(sp99, "search-p99-ms")
	b.ReportMetric(readRate, "reads/s")
	b.ReportMetric(visible.Seconds()*1000, "approval-to-searchable-ms")
	b.ReportMetric(rss, "rss-MB")
	fmt.Printf("\nSystem at %d articles (%s):\n", n, cpuInfo())
	fmt.Printf("  full reindex                 %6.1f s      (budget ≤ 60 s)\n", reindex.Seconds())
	fmt.Printf("  start-up, existing index     %6d ms     (budget ≤ 1,000 ms)\n", startup.Milliseconds())
	fmt.Printf("  HTTP search, 16 clients      %6.0f /s     p50 %.1f ms, p99 %.1f ms, non-200: %d (budget ≥ 400/s, p99 ≤ 250 ms, all 200)\n", searchRate, sp50, sp99, sbad)
	fmt.Printf("  article read, 16 clients     %6.0f /s     p50 %.1f ms, p99 %.1f ms, non-200: %d (budget ≥ 5,000/s)\n", readRate, rp50, rp99, rbad)
	fmt.Printf("  approval → searchable        %6.0f ms     (budget ≤ 1,000 ms)\n", visible.Seconds()*1000)
	fmt.Printf("  resident memory after load   %6.0f MB     (budget ≤ 300 MB)\n", rss)
}

// load runs clients goroutines for d, each requesting url(i) with the token, and returns the
// rate, the p50 and p99 latency in ms and how many answers were not 200.
func load(b *testing.B, clients int, d time.Duration, url func(int) string, token string) (rate, p50, p99 float64, bad int64) {
	var mu sync.Mutex
	var lat []time.Duration
	var next, nbad atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	c := &http.Client{Transport: tr}
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				i := int(next.Add(1))
				req, _ := http.NewRequest("GET", url(i), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					nbad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode != 200 {
					nbad.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		b.Fatal("no request completed")
	}
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	return float64(len(lat)) / d.Seconds(), ms(0.5), ms(0.99), nbad.Load()
}

func call(b *testing.B, method, url, token, body string) (int, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func between(s, a, z string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, z)
	return strings.TrimSpace(v)
}

func rssMB(pid int) float64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

func cpuInfo() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	model, cores := "", 0
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			switch strings.TrimSpace(k) {
			case "model name":
				model = strings.TrimSpace(v)
				cores++
			}
		}
	}
	return fmt.Sprintf("%d × %s", cores, model)
}

// benchEnv is the commands' environment in the benchmark: ATTEST_DATABASE is
// ATTEST_BENCH_DATABASE (empty: SQLite).
func benchEnv(name string) string {
	if name == "ATTEST_DATABASE" {
		return os.Getenv("ATTEST_BENCH_DATABASE")
	}
	return ""
}
