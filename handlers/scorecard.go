package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"attest"
	"attest/scorecard"
)

// scorecardRoutes: supplier scorecards, automation candidates and known-blocker notices.
func (s *Server) scorecardRoutes() []route {
	return []route{
		{"GET /api/v1/reports/suppliers", roles(km, auditor, admin), s.handleScorecard},
		{"GET /reports/suppliers", roles(km, auditor, admin, agent), s.handleScorecard},
		{"GET /reports/suppliers/print", roles(km, auditor, admin, agent), s.handleScorecard},
		{"GET /reports/suppliers.csv", roles(km, auditor, admin, agent), s.handleScorecardCSV},
		{"GET /api/v1/reports/suppliers.csv", roles(km, auditor, admin), s.handleScorecardCSV},
		{"GET /reports/suppliers/{key}/records/{figure}", roles(km, auditor, admin, agent), s.handleScorecardRecords},
		{"PUT /api/v1/suppliers/{key}/contribution-target", roles(admin), s.handleContributionTarget},
		{"POST /reports/suppliers/{key}/contribution-target", roles(admin), s.handleContributionTarget},
		{"GET /api/v1/reports/automation", roles(km, auditor, admin), s.handleAutomation},
		{"GET /reports/automation", roles(km, auditor, admin), s.handleAutomation},
		{"POST /api/v1/request-types/{key}/automation", roles(km), s.handleAutomationPropose},
		{"POST /reports/automation/{key}", roles(km), s.handleAutomationPropose},
		{"GET /api/v1/request-types/{key}/notices", signedIn, s.handleNoticeList},
		{"GET /request-types/{key}/notices", signedIn, s.handleNoticeList},
		{"POST /api/v1/request-types/{key}/notices", roles(km), s.handleNoticePublish},
		{"POST /request-types/{key}/notices", roles(km), s.handleNoticePublish},
		{"DELETE /api/v1/request-types/{key}/notices/{id}", roles(km), s.handleNoticeEnd},
		{"POST /request-types/{key}/notices/{id}/end", roles(km), s.handleNoticeEnd},
	}
}

// scorecards is the scorecard store over the server's stores (it keeps no state of its own).
func (s *Server) scorecards() *scorecard.Store {
	return scorecard.NewStore(s.DB, s.Accounts, s.KB, s.Training)
}

// period reads since and until of a report request.
func (s *Server) period(r *http.Request) (scorecard.Period, error) {
	q := r.URL.Query()
	return s.scorecards().ParsePeriod(q.Get("since"), q.Get("until"))
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// handleContributionTarget sets a supplier's contribution target per quarter (admins):
// {"per_quarter":N} on the API, the form field per_quarter on the scorecard page.
func (s *Server) handleContributionTarget(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PerQuarter *int `json:"per_quarter"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.PerQuarter == nil {
			s.fail(w, r, attest.FieldError(map[string]string{"per_quarter": "required"}))
			return
		}
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("per_quarter")))
		if err != nil {
			s.fail(w, r, attest.FieldError(map[string]string{"per_quarter": "a whole number"}))
			return
		}
		in.PerQuarter = &n
	}
	key := r.PathValue("key")
	if err := s.scorecards().SetContributionTarget(r.Context(), actor(r), key, *in.PerQuarter); err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"supplier": key, "per_quarter": *in.PerQuarter})
		return
	}
	s.flash(r, "ok", "Contribution target saved.")
	http.Redirect(w, r, "/reports/suppliers", http.StatusSeeOther)
}
