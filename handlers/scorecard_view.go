package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"attest"
	"attest/scorecard"
	"attest/views"
)

// scorecardData is the scorecard pages' period as typed (or as read) and the rows.
func (s *Server) scorecardData(r *http.Request) (views.ScorecardData, error) {
	u := actor(r)
	q := r.URL.Query()
	d := views.ScorecardData{Since: q.Get("since"), Until: q.Get("until"), CanSetTarget: u.Has(admin),
		OwnOnly: !u.Has(km, auditor, admin)}
	p, err := s.period(r)
	if err != nil {
		var e *attest.Error
		if !errors.As(err, &e) || e.Code != attest.EINVALID {
			return d, err
		}
		d.Form = views.Form{Message: e.Message, Errors: e.Fields}
		return d, nil
	}
	d.Since, d.Until = day(p.Since), day(p.Until)
	d.Period, d.PreviousPeriod = p.String(), p.Previous().String()
	d.Rows, err = s.scorecards().Suppliers(r.Context(), u, p)
	return d, err
}

// handleScorecard answers the supplier scorecard: JSON on the API, the page (or its printable
// view) otherwise. An agent's page shows its own supplier's row only.
func (s *Server) handleScorecard(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		p, err := s.period(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows, err := s.scorecards().Suppliers(r.Context(), actor(r), p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, rows)
		return
	}
	d, err := s.scorecardData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := http.StatusOK
	if d.Form.Message != "" {
		st = http.StatusUnprocessableEntity
	}
	if r.URL.Path == "/reports/suppliers/print" {
		s.render(w, r, st, views.ScorecardPrint(s.page(r, "Supplier scorecard (print)"), d))
		return
	}
	s.render(w, r, st, views.Scorecard(s.page(r, "Supplier scorecard"), d))
}

func fmtShare(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

func fmtInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

// handleScorecardCSV exports the scorecard for a period as CSV, one row per supplier, each
// figure followed by the previous period's.
func (s *Server) handleScorecardCSV(w http.ResponseWriter, r *http.Request) {
	p, err := s.period(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := s.scorecards().Suppliers(r.Context(), actor(r), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cells := func(r *scorecard.Row) []string {
		return []string{strconv.Itoa(r.Agents), strconv.Itoa(r.Tickets), fmtShare(r.ResolvedShare), fmtShare(r.LinkRate),
			strconv.Itoa(r.OutdatedUses), strconv.Itoa(r.Proposals.Submitted), strconv.Itoa(r.Proposals.Approved),
			strconv.Itoa(r.Proposals.Rejected), fmtShare(r.Proposals.MedianHoursToDecision), strconv.Itoa(r.ApprovedContributions),
			fmtInt(r.ContributionTarget), strconv.Itoa(r.FeedbackGiven), fmtShare(r.CertificationCoverage),
			strconv.Itoa(r.OpenFindings), strconv.Itoa(r.OverdueFindings), fmtShare(r.AuditScore)}
	}
	names := []string{"agents", "tickets", "resolved_share", "link_rate", "outdated_uses", "proposals_submitted", "proposals_approved",
		"proposals_rejected", "median_hours_to_decision", "approved_contributions", "contribution_target", "feedback_given",
		"certification_coverage", "open_findings", "overdue_findings", "audit_score"}
	header := []string{"supplier", "name"}
	for _, n := range names {
		header = append(header, n, "previous_"+n)
	}
	out := [][]string{header}
	for i := range rows {
		row := &rows[i]
		cur, prev := cells(row), cells(row.Previous)
		line := []string{row.Supplier, row.Name}
		for j := range cur {
			line = append(line, cur[j], prev[j])
		}
		out = append(out, line)
	}
	s.writeCSV(w, r, fmt.Sprintf("scorecard-%s-%s.csv", day(p.Since), day(p.Until)), out)
}

// handleScorecardRecords lists the records behind one figure of a supplier's scorecard.
func (s *Server) handleScorecardRecords(w http.ResponseWriter, r *http.Request) {
	p, err := s.period(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.scorecards().Records(r.Context(), actor(r), r.PathValue("key"), r.PathValue("figure"), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/reports/suppliers?" + url.Values{"since": {day(p.Since)}, "until": {day(p.Until)}}.Encode()
	s.render(w, r, http.StatusOK, views.ScorecardRecords(s.page(r, rec.Label+": "+rec.Name),
		views.ScorecardRecordsData{Records: rec, Period: p.String(), Back: back}))
}
