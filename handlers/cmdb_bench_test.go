package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"attest/cmdb"
	"attest/cmdb/cmdbtest"
)

// BenchmarkCMDBLookupHTTP measures GET /api/v1/cmdb/items/{key}?ticket_ref= by an agent at 16
// concurrent clients, each answer written to the access log (and counted against the quota)
// before it is sent: budget ≥ 2,000 lookups/s, p99 ≤ 50 ms. Every answer must be 200.
func BenchmarkCMDBLookupHTTP(b *testing.B) {
	ts := newTestServer(b)
	ctx := context.Background()
	admin := ts.Org.User(b, "admin")
	const cis = 2000
	var lines []cmdb.Line
	for i := range cis {
		lines = append(lines, cmdb.Line{N: i, Input: cmdbtest.Item(fmt.Sprintf("GW-%05d", i), "vpn-access", fmt.Sprintf("Site %d", i%40))})
	}
	if _, err := ts.CMDB.Import(ctx, admin, lines, cmdb.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := ts.CMDB.SetQuota(ctx, admin, "acme", 1_000_000); err != nil {
		b.Fatal(err)
	}
	cmdbtest.Agree(b, ts.Org, ts.CMDB, "alice")
	token := ts.api(b, "alice").token
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	const clients, each = 16, 1000
	for range b.N {
		lat := make([][]time.Duration, clients)
		var wg sync.WaitGroup
		start := time.Now()
		for c := range clients {
			wg.Go(func() {
				for i := range each {
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/cmdb/items/GW-%05d?ticket_ref=INC%07d", ts.URL, (c*each+i)%cis, c*each+i), nil)
					req.Header.Set("Authorization", "Bearer "+token)
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("HTTP %d", resp.StatusCode)
						return
					}
					lat[c] = append(lat[c], time.Since(t0))
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "lookups/s")
		if len(all) > 0 {
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		}
	}
	var n int
	if err := ts.Org.DB.Read.QueryRow(`SELECT COUNT(*) FROM cmdb_access WHERE outcome = 'shown'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != clients*each*b.N {
		b.Fatalf("%d lookups logged, want %d", n, clients*each*b.N)
	}
}
