package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"attest"
	"attest/kb"
)

// gapTables are the gap report's tables as CSV: the header and the rows of each.
var gapTables = map[string]func(g *kb.GapReport) [][]string{
	"zero_results": func(g *kb.GapReport) [][]string {
		out := [][]string{{"query", "count"}}
		for _, q := range g.ZeroResultQueries {
			out = append(out, []string{q.Query, strconv.Itoa(q.Count)})
		}
		return out
	},
	"request_types_without_articles": func(g *kb.GapReport) [][]string {
		out := [][]string{{"request_type"}}
		for _, k := range g.RequestTypesWithoutArticles {
			out = append(out, []string{k})
		}
		return out
	},
	"low_rated": func(g *kb.GapReport) [][]string {
		out := [][]string{{"article_id", "title", "helpful", "not_helpful", "wrong"}}
		for _, a := range g.LowRatedArticles {
			out = append(out, []string{csvID(a.ArticleID), a.Title, strconv.Itoa(a.Helpful), strconv.Itoa(a.NotHelpful), strconv.Itoa(a.Wrong)})
		}
		return out
	},
	"outdated_usage": func(g *kb.GapReport) [][]string {
		out := [][]string{{"supplier", "article_id", "title", "count"}}
		for _, o := range g.OutdatedUsage {
			out = append(out, []string{o.Supplier, csvID(o.ArticleID), o.Title, strconv.Itoa(o.Count)})
		}
		return out
	},
	"never_used": func(g *kb.GapReport) [][]string {
		out := [][]string{{"article_id", "title", "version", "approved_at", "views"}}
		for _, a := range g.ArticlesNeverUsed {
			at := ""
			if !a.ApprovedAt.IsZero() {
				at = a.ApprovedAt.UTC().Format(time.RFC3339)
			}
			out = append(out, []string{csvID(a.ArticleID), a.Title, strconv.Itoa(a.Version), at, strconv.Itoa(a.Views)})
		}
		return out
	},
	"link_rates": func(g *kb.GapReport) [][]string {
		out := [][]string{{"supplier", "name", "tickets", "searches_without_article", "link_rate"}}
		for _, l := range g.LinkRates {
			rate := ""
			if l.Rate != nil {
				rate = strconv.FormatFloat(*l.Rate, 'f', 4, 64)
			}
			out = append(out, []string{l.Supplier, l.Name, strconv.Itoa(l.Tickets), strconv.Itoa(l.UnlinkedSearches), rate})
		}
		return out
	},
}

func csvID(n int64) string { return strconv.FormatInt(n, 10) }

// handleGapCSV exports one table of the gap report (?table=zero_results, request_types_without_articles,
// low_rated, outdated_usage, never_used or link_rates) as CSV, with the report's filters.
func (s *Server) handleGapCSV(w http.ResponseWriter, r *http.Request) {
	table := r.URL.Query().Get("table")
	rows, ok := gapTables[table]
	if !ok {
		s.fail(w, r, attest.FieldError(map[string]string{"table": "one of zero_results, request_types_without_articles, low_rated, outdated_usage, never_used, link_rates"}))
		return
	}
	f, err := s.reportFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.KB.GapReport(r.Context(), actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := fmt.Sprintf("gaps-%s-%s-%s.csv", table, f.Since.Format(time.DateOnly), f.Until.Format(time.DateOnly))
	s.writeCSV(w, r, name, rows(g))
}
