package handlers

import (
	"fmt"
	"net/http"
	"time"

	"attest/audit"
	"attest/views"
)

// handleAuditCSV exports the audit's report as CSV; the export and the journal head at that
// moment are recorded, and every row carries the head.
func (s *Server) handleAuditCSV(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Audit.Export(r.Context(), actor(r), id, "csv")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCSV(w, r, fmt.Sprintf("audit-%d-%s.csv", a.ID, a.Quarter), audit.ReportRows(a))
}

// handleAuditReport is the printable report page, an export like the CSV (recorded, with the
// journal head it shows).
func (s *Server) handleAuditReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Audit.Export(r.Context(), actor(r), id, "html")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AuditReport(s.page(r, "Audit report "+a.Quarter), a, time.Now().UTC().Format(time.DateOnly)))
}

// handleAuditTrends is the quarter-over-quarter view of scores and findings.
func (s *Server) handleAuditTrends(w http.ResponseWriter, r *http.Request) {
	rows, err := s.Audit.Trends(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		out := []map[string]any{}
		for _, t := range rows {
			out = append(out, map[string]any{"quarter": t.Quarter, "dimension": t.Dimension, "key": t.Key, "items": t.Items,
				"assessed": t.Assessed, "mean_score": t.MeanScore, "findings": t.Findings, "major": t.Major})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.render(w, r, http.StatusOK, views.AuditTrends(s.page(r, "Audit trends"), views.AuditTrendsData{Rows: rows}))
}
