package handlers

import (
	"net/http"

	"attest/views"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.Home(s.page(r, "Home"), views.HomeCards(actor(r))))
}
