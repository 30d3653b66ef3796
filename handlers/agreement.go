package handlers

import (
	"net/http"
	"strconv"

	"attest"
	"attest/views"
)

func (s *Server) handleAgreementView(w http.ResponseWriter, r *http.Request) {
	a, err := s.Accounts.CurrentAgreement(r.Context(), actor(r))
	if isAPI(r) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"version": a.Version, "text": a.Text, "accepted": a.Accepted,
			"published_at": a.PublishedAt.UTC().Format("2006-01-02T15:04:05Z")})
		return
	}
	if err != nil && attest.ErrorCode(err) != attest.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Agreement(s.page(r, "Usage agreement"), a))
}

func (s *Server) handleAgreementPublish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Text = r.PostFormValue("text")
	}
	v, err := s.Accounts.PublishAgreement(r.Context(), actor(r), in.Text)
	if err != nil {
		s.refuse(w, r, err, s.adminForm(r, "agreement"))
		return
	}
	s.done(w, r, http.StatusOK, map[string]int{"version": v}, "Usage agreement version "+strconv.Itoa(v)+" published.", "/admin")
}

func (s *Server) handleAgreementAccept(w http.ResponseWriter, r *http.Request) {
	version, err := agreementVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Accounts.AcceptAgreement(r.Context(), actor(r), version); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"version": version, "accepted": true}, "Thank you: you accepted the usage agreement.", "/")
}

// agreementVersion reads the version being accepted, for the usage and the CMDB agreement
// alike: {"version"} on the API, the form field version on a page.
func agreementVersion(r *http.Request) (int, error) {
	if isAPI(r) {
		var in struct {
			Version int `json:"version"`
		}
		err := decode(r, &in)
		return in.Version, err
	}
	n, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return 0, attest.FieldError(map[string]string{"version": "required"})
	}
	return n, nil
}
