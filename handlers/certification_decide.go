package handlers

import (
	"fmt"
	"net/http"
	"net/url"

	"attest/training"
)

// handleCertificationQueue lists the passed attempts waiting for a trainer's decision.
func (s *Server) handleCertificationQueue(w http.ResponseWriter, r *http.Request) {
	q, err := s.Training.Queue(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": q})
}

// handleCertificationCreate certifies: on the API by username and request type (the newest
// pass that counts), from the queue page by attempt.
func (s *Server) handleCertificationCreate(w http.ResponseWriter, r *http.Request) {
	var c *training.Certification
	var err error
	if isAPI(r) {
		var in struct {
			Username    string `json:"username"`
			RequestType string `json:"request_type"`
		}
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		c, err = s.Training.Certify(r.Context(), actor(r), in.Username, in.RequestType)
	} else {
		id, perr := pathID(r, "id")
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		c, err = s.Training.CertifyAttempt(r.Context(), actor(r), id)
	}
	if err != nil {
		s.refuse(w, r, err, backTo{URL: "/training"})
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": c.ID, "expires_at": c.ExpiresAt, "username": c.Username,
		"request_type": c.RequestType, "certified_at": c.CertifiedAt, "attempt_id": c.AttemptID},
		fmt.Sprintf("%s is certified for %s until %s.", c.UserName, c.RequestTypeName, c.ExpiresAt.Format("2 Jan 2006")), "/training")
}

// handleCertificationDecline declines a passed attempt with a reason.
func (s *Server) handleCertificationDecline(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := reasonInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Training.Decline(r.Context(), actor(r), id, reason); err != nil {
		s.refuse(w, r, err, backTo{URL: "/training"})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"attempt_id": id, "decision": "declined"}, "Certification declined.", "/training")
}

// handleCertificationRevoke revokes a certification with a reason.
func (s *Server) handleCertificationRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason, err := reasonInput(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/authority"
	if u := r.PostFormValue("username"); u != "" && !isAPI(r) {
		back = "/authority/" + url.PathEscape(u)
	}
	c, err := s.Training.Revoke(r.Context(), actor(r), id, reason)
	if err != nil {
		s.refuse(w, r, err, backTo{URL: back})
		return
	}
	s.done(w, r, http.StatusOK, c, fmt.Sprintf("%s's %s certification is revoked.", c.UserName, c.RequestTypeName), back)
}
