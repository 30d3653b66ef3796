package handlers

import (
	"net/http"
	"strconv"

	"attest"
	"attest/views"
)

func (s *Server) handleCMDBAgreementView(w http.ResponseWriter, r *http.Request) {
	a, err := s.CMDB.CurrentAgreement(r.Context(), actor(r))
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
	s.render(w, r, http.StatusOK, views.CMDBAgreement(s.page(r, "CMDB agreement"), a, cmdbAgent(actor(r))))
}

func (s *Server) handleCMDBAgreementPublish(w http.ResponseWriter, r *http.Request) {
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
	v, err := s.CMDB.PublishAgreement(r.Context(), actor(r), in.Text)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/cmdb/admin"})
		return
	}
	s.done(w, r, http.StatusOK, map[string]int{"version": v}, "CMDB agreement version "+strconv.Itoa(v)+" published.", "/cmdb/admin")
}

func (s *Server) handleCMDBAgreementAccept(w http.ResponseWriter, r *http.Request) {
	version, err := agreementVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.CMDB.AcceptAgreement(r.Context(), actor(r), version); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"version": version, "accepted": true}, "You accepted the CMDB agreement.", "/cmdb")
}
