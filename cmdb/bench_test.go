package cmdb_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"attest/cmdb"
)

var benchSites = []string{"Leeds", "Manchester", "London", "Edinburgh", "Birmingham", "Bristol", "Frankfurt", "Amsterdam", "Dublin", "Paris"}
var benchClasses = []string{"server", "printer", "laptop_model", "vpn_gateway", "domain_controller", "business_application", "network_switch", "database"}
var benchTypes = []string{"password-reset", "software-install", "vpn-access"}

// benchEstate is n synthetic CIs: a class, a site, a support group, a model and two restricted
// attributes each, a relation to an earlier CI for most.
func benchEstate(n int) []cmdb.Line {
	lines := make([]cmdb.Line, n)
	for i := range n {
		class := benchClasses[i%len(benchClasses)]
		site := benchSites[(i/7)%len(benchSites)]
		in := cmdb.Input{Key: fmt.Sprintf("%s-%06d", map[bool]string{true: "SRV", false: "CI"}[class == "server"], i), Class: class,
			Name: fmt.Sprintf("%s %s %d", site, class, i), Status: "in_service", Environment: "production", Owner: "Operations",
			RequestTypes: []string{benchTypes[i%len(benchTypes)]},
			Attributes: []cmdb.Attribute{{Name: "site", Value: site, Shared: true}, {Name: "support_group", Value: fmt.Sprintf("Team %d", i%97), Shared: true},
				{Name: "model", Value: fmt.Sprintf("Model %c%d", 'A'+rune(i%26), i%50), Shared: true},
				{Name: "ip_address", Value: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}, {Name: "vault_ref", Value: fmt.Sprintf("cyberark://corp/%d", i)}}}
		if i > 0 && i%3 != 0 {
			in.Relations = []cmdb.Relation{{Type: "depends_on", To: lines[i/2].Input.Key}}
		}
		lines[i] = cmdb.Line{N: i + 2, Input: in}
	}
	return lines
}

func importBench(b *testing.B, e *env, lines []cmdb.Line) time.Duration {
	b.Helper()
	start := time.Now()
	rep, err := e.CMDB.Import(context.Background(), e.User(b, "admin"), lines, cmdb.ImportOptions{})
	if err != nil || len(rep.Failed) > 0 || rep.Created != len(lines) {
		b.Fatalf("import: %v %+v", err, rep)
	}
	return time.Since(start)
}

func newBenchEnv(b *testing.B) *env { return newEnvTB(b) }

func agree(b *testing.B, e *env, users ...string) {
	b.Helper()
	ctx := context.Background()
	v, err := e.CMDB.PublishAgreement(ctx, e.User(b, "admin"), "Only for the ticket you work on.")
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range users {
		if err := e.CMDB.AcceptAgreement(ctx, e.User(b, u), v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport100k imports 100,000 CIs into an empty CMDB (budget ≤ 60 s) and then the
// same file again (nothing changes).
func BenchmarkImport100k(b *testing.B) {
	lines := benchEstate(100_000)
	for range b.N {
		e := newBenchEnv(b)
		d := importBench(b, e, lines)
		b.ReportMetric(d.Seconds(), "import-s")
		start := time.Now()
		rep, err := e.CMDB.Import(context.Background(), e.User(b, "admin"), lines, cmdb.ImportOptions{})
		if err != nil || rep.Unchanged != len(lines) {
			b.Fatalf("re-import: %v %+v", err, rep)
		}
		b.ReportMetric(time.Since(start).Seconds(), "reimport-s")
	}
}

// BenchmarkSearch100k measures CMDB search for one client at 100,000 CIs (budget p99 ≤ 25 ms),
// as an admin (every CI) and as an agent (scope, access log and quota included).
func BenchmarkSearch100k(b *testing.B) {
	e := newBenchEnv(b)
	importBench(b, e, benchEstate(100_000))
	ctx := context.Background()
	admin := e.User(b, "admin")
	if err := e.CMDB.SetQuota(ctx, admin, "acme", 1_000_000); err != nil {
		b.Fatal(err)
	}
	agree(b, e, "alice")
	alice := e.User(b, "alice")
	queries := []string{"leeds", "CI-004217", "srv-0999", "team 42", "model c", "frankfurt printer", "dublin vpn_gateway", "paris database 1234",
		"model z9", "amsterdam", "nothing-like-this", "team 7 leeds", "SRV-05", "edinburgh server", "network_switch bristol"}
	for _, who := range []struct {
		name string
		run  func(q string) error
	}{
		{"admin", func(q string) error { _, err := e.CMDB.Search(ctx, admin, q, "", 20); return err }},
		{"agent", func(q string) error { _, err := e.CMDB.Search(ctx, alice, q, "INC-1", 20); return err }},
	} {
		b.Run(who.name, func(b *testing.B) {
			var lat []time.Duration
			worst := map[string]time.Duration{}
			for range b.N {
				for _, q := range queries {
					t0 := time.Now()
					if err := who.run(q); err != nil {
						b.Fatalf("search %q: %v", q, err)
					}
					d := time.Since(t0)
					lat = append(lat, d)
					worst[q] = max(worst[q], d)
				}
			}
			b.Logf("slowest answer per query: %v", worst)
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
