package handlers

import (
	"net/http"

	"attest/views"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	u := actor(r)
	d := views.HomeData{Cards: views.HomeCards(u)}
	// An agent's home lists what they need at a glance: known blockers and changed steps of
	// their request types, their favourite and recent articles, the most used ones.
	if u.IsAgent() && !u.NeedsAgreement() {
		ctx := r.Context()
		names, err := s.typeNames(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.TypeNames = names
		for _, key := range u.Fulfils {
			ns, err := s.KB.Notices(ctx, u, key)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Notices = append(d.Notices, ns...)
		}
		if d.Agent, err = s.KB.HomeFor(ctx, u, 6); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.Home(s.page(r, "Home"), d))
}
