package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"attest"
	"attest/accounts"
	"attest/audit"
	"attest/views"
)

// handleFindingQueue shows "My findings" and, for auditors and knowledge managers, the
// overdue and open findings of everyone.
func (s *Server) handleFindingQueue(w http.ResponseWriter, r *http.Request) {
	u := actor(r)
	q, err := s.Audit.Findings(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"mine": findingsJSON(q.Mine), "overdue": findingsJSON(q.Overdue), "open": findingsJSON(q.Open)})
		return
	}
	s.render(w, r, http.StatusOK, views.AuditFindings(s.page(r, "Findings"), views.AuditFindingsData{Q: q,
		IsAuditor: u.Has(accounts.RoleAuditor), IsManager: u.Has(accounts.RoleAuditor, accounts.RoleKnowledgeManager)}))
}

func (s *Server) handleFindingView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Audit.Finding(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if isAPI(r) {
		writeJSON(w, http.StatusOK, toFindingJSON(*f, today))
		return
	}
	u := actor(r)
	s.render(w, r, http.StatusOK, views.AuditFindingPage(s.page(r, "Finding #"+strconv.FormatInt(f.ID, 10)), views.AuditFindingPageData{F: f,
		Today: today, IsOwner: f.Owner == u.Username, IsAuditor: u.Has(accounts.RoleAuditor), IsManager: u.Has(accounts.RoleAuditor, accounts.RoleKnowledgeManager)}))
}

// remedyInput reads {"note","version","until"} from JSON or the form.
func remedyInput(r *http.Request) (audit.Remedy, error) {
	var in struct {
		Note    string `json:"note"`
		Version int    `json:"version"`
		Until   string `json:"until"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			return audit.Remedy{}, err
		}
		return audit.Remedy{Note: in.Note, Version: in.Version, Until: in.Until}, nil
	}
	rm := audit.Remedy{Note: r.PostFormValue("note"), Until: r.PostFormValue("until")}
	if v := strings.TrimSpace(r.PostFormValue("version")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return rm, attest.FieldError(map[string]string{"version": "a version number"})
		}
		rm.Version = n
	}
	return rm, nil
}

// remedyHandler serves one remediation action for the API and the findings page.
func (s *Server) remedyHandler(w http.ResponseWriter, r *http.Request, apply func(id int64, rm audit.Remedy) error, msg string) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rm, err := remedyInput(r)
	if err == nil {
		err = apply(id, rm)
	}
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/findings", Note: "Finding #" + strconv.FormatInt(id, 10) + ": "})
		return
	}
	f, err := s.Audit.Finding(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, http.StatusOK, toFindingJSON(*f, time.Now().UTC().Format(time.DateOnly)),
		"Finding #"+strconv.FormatInt(id, 10)+" "+msg+".", "/findings")
}

func (s *Server) handleFindingResolve(w http.ResponseWriter, r *http.Request) {
	s.remedyHandler(w, r, func(id int64, rm audit.Remedy) error { return s.Audit.Resolve(r.Context(), actor(r), id, rm) }, "resolved")
}

func (s *Server) handleFindingVerify(w http.ResponseWriter, r *http.Request) {
	s.remedyHandler(w, r, func(id int64, rm audit.Remedy) error { return s.Audit.Verify(r.Context(), actor(r), id, rm.Note) }, "verified and closed")
}

func (s *Server) handleFindingReopen(w http.ResponseWriter, r *http.Request) {
	s.remedyHandler(w, r, func(id int64, rm audit.Remedy) error { return s.Audit.Reopen(r.Context(), actor(r), id, rm.Note) }, "reopened")
}

func (s *Server) handleFindingAcceptRisk(w http.ResponseWriter, r *http.Request) {
	s.remedyHandler(w, r, func(id int64, rm audit.Remedy) error { return s.Audit.AcceptRisk(r.Context(), actor(r), id, rm) }, "risk accepted")
}
