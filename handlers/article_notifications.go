package handlers

import (
	"net/http"

	"attest/views"
)

// handleNotifications lists the signed-in person's notifications: JSON on the API, a page
// otherwise.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	limit, _, err := listParams(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !isAPI(r) {
		limit = 100
	}
	ns, err := s.KB.Notifications(r.Context(), actor(r), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		type item struct {
			ID   int64   `json:"id"`
			At   *string `json:"at"`
			Text string  `json:"text"`
			Link string  `json:"link"`
			Read bool    `json:"read"`
		}
		out := []item{}
		for _, n := range ns {
			out = append(out, item{n.ID, apiTime(n.At), n.Text, n.Link, n.Read})
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.render(w, r, http.StatusOK, views.Notifications(s.page(r, "Notifications"), ns))
}

func (s *Server) handleNotificationsRead(w http.ResponseWriter, r *http.Request) {
	if err := s.KB.MarkNotificationsRead(r.Context(), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, http.StatusOK, nil, "All notifications are marked as read.", "/notifications")
}
