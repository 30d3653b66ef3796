package handlers

import (
	"errors"
	"net/http"

	"attest"
	"attest/views"
)

// handleAutomation answers the automation candidates: JSON on the API, the page otherwise.
func (s *Server) handleAutomation(w http.ResponseWriter, r *http.Request) {
	p, perr := s.period(r)
	if perr != nil && (isAPI(r) || attest.ErrorCode(perr) != attest.EINVALID) {
		s.fail(w, r, perr)
		return
	}
	q := r.URL.Query()
	d := views.AutomationData{Since: q.Get("since"), Until: q.Get("until"), CanPropose: actor(r).Has(km)}
	st := http.StatusOK
	if perr == nil {
		cs, err := s.scorecards().Automation(r.Context(), actor(r), p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if isAPI(r) {
			writeJSON(w, http.StatusOK, cs)
			return
		}
		d.Candidates, d.Since, d.Until, d.Period = cs, day(p.Since), day(p.Until), p.String()
	} else {
		var e *attest.Error
		errors.As(perr, &e)
		d.Form = views.Form{Message: e.Message, Errors: e.Fields}
		st = http.StatusUnprocessableEntity
	}
	s.render(w, r, st, views.Automation(s.page(r, "Automation candidates"), d))
}

// handleAutomationPropose marks a request type "automation proposed" with a note
// (knowledge managers): {"note"} on the API, the form field note on the page.
func (s *Server) handleAutomationPropose(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Note = r.PostFormValue("note")
	}
	key := r.PathValue("key")
	if err := s.scorecards().ProposeAutomation(r.Context(), actor(r), key, in.Note); err != nil {
		s.refuse(w, r, err, backTo{URL: "/reports/automation#candidate-" + key, Note: "Not marked: "})
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"request_type": key, "automation_proposed": true})
		return
	}
	s.flash(r, "ok", "Marked “automation proposed”.")
	http.Redirect(w, r, "/reports/automation#candidate-"+key, http.StatusSeeOther)
}
