package handlers

import (
	"net/http"
	"net/url"

	"attest/accounts"
	"attest/views"
)

// handleAuthorityGet answers GET /api/v1/authority?username=&request_type= for ticketing
// systems: {"authorized","reason","expires_at"}.
func (s *Server) handleAuthorityGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, err := s.Training.Authority(r.Context(), actor(r), q.Get("username"), q.Get("request_type"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// handleAuthorityMatrix answers the staff × request types matrix as JSON.
func (s *Server) handleAuthorityMatrix(w http.ResponseWriter, r *http.Request) {
	m, err := s.Training.Matrix(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		Username string `json:"username"`
		Supplier string `json:"supplier"`
		Cells    any    `json:"authority"`
	}
	rows := []row{}
	for _, st := range m.Staff {
		rows = append(rows, row{st.Username, st.SupplierName, st.Cells})
	}
	writeJSON(w, http.StatusOK, map[string]any{"staff": rows, "expiring": nonNil(m.Expiring), "awaiting_recertification": nonNil(m.Awaiting)})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// handleAuthorityView is /authority: an agent's own authority (and their supplier's matrix);
// the matrix with its lists for trainers, auditors and admins.
func (s *Server) handleAuthorityView(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	d := views.AuthorityData{}
	var err error
	if u.Has(accounts.RoleAgent) {
		if d.Mine, err = s.Training.Overview(ctx, u, u.Username); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.Matrix, err = s.Training.Matrix(ctx, u); err != nil {
		s.fail(w, r, err)
		return
	}
	title := "Authority"
	if u.IsAgent() {
		title = "My authority"
	}
	s.render(w, r, http.StatusOK, views.AuthorityPage(s.page(r, title), d))
}

// handleAuthorityPerson is /authority/{username}: one person's authority and history.
func (s *Server) handleAuthorityPerson(w http.ResponseWriter, r *http.Request) {
	o, err := s.Training.Overview(r.Context(), actor(r), r.PathValue("username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AuthorityPerson(s.page(r, "Authority of "+o.Name), *o))
}

// handleSuspensionCreate suspends someone's authority for a request type.
func (s *Server) handleSuspensionCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username    string `json:"username"`
		RequestType string `json:"request_type"`
		Reason      string `json:"reason"`
		FindingID   int64  `json:"finding_id"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Training.Suspend(r.Context(), actor(r), in.Username, in.RequestType, in.Reason, in.FindingID); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"username": in.Username, "request_type": in.RequestType, "suspended": true})
}

// handleSuspensionLift lifts a suspension with a reason.
func (s *Server) handleSuspensionLift(w http.ResponseWriter, r *http.Request) {
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
	if err := s.Training.LiftSuspension(r.Context(), actor(r), id, reason); err != nil {
		s.refuse(w, r, err, backTo{URL: back})
		return
	}
	s.done(w, r, http.StatusOK, map[string]any{"id": id, "lifted": true}, "Suspension lifted.", back)
}
