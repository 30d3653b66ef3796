package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"attest"
	"attest/cmdb"
	"attest/views"
)

// handleCMDBSearch searches CIs: JSON on the API; on /cmdb the search page, which first asks an
// agent to accept the CMDB agreement and to name the ticket it works on.
func (s *Server) handleCMDBSearch(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, r, attest.FieldError(map[string]string{"limit": "must be a whole number ≥ 0"}))
			return
		}
		limit = n
	}
	if isAPI(r) {
		hits, err := s.CMDB.Search(ctx, u, q, s.cmdbTicket(r), limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"hits": hits})
		return
	}
	v := views.CMDBSearchView{Query: q, Agent: cmdbAgent(u), Next: cmdbNext(r.URL.Query().Get("next"))}
	if v.Agent {
		a, err := s.CMDB.CurrentAgreement(ctx, u)
		if err != nil && attest.ErrorCode(err) != attest.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		if a == nil || !a.Accepted {
			http.Redirect(w, r, "/cmdb/agreement", http.StatusSeeOther)
			return
		}
		v.Ticket = s.sessions.GetString(ctx, "cmdb_ticket")
	}
	st := http.StatusOK
	if q != "" && (!v.Agent || v.Ticket != "") {
		hits, err := s.CMDB.Search(ctx, u, q, v.Ticket, 20)
		switch code := attest.ErrorCode(err); code {
		case "":
			v.Hits, v.Searched = hits, true
		case attest.EINVALID, cmdb.EQUOTA:
			v.Error, st = attest.ErrorMessage(err), status(code)
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, st, views.CMDBSearch(s.page(r, "CMDB"), v))
}

// cmdbNext keeps a redirect target only when it is a CMDB page of this site.
func cmdbNext(next string) string {
	if strings.HasPrefix(next, "/cmdb/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return ""
}

// handleCMDBTicket keeps the ticket an agent works on in the session, for the CMDB pages.
func (s *Server) handleCMDBTicket(w http.ResponseWriter, r *http.Request) {
	ref, why := cmdb.CheckTicketRef(r.PostFormValue("ticket_ref"))
	next := cmdbNext(r.PostFormValue("next"))
	if why != "" {
		v := views.CMDBSearchView{Agent: true, Next: next, TicketError: "Ticket reference: " + why + "."}
		s.render(w, r, http.StatusUnprocessableEntity, views.CMDBSearch(s.page(r, "CMDB"), v))
		return
	}
	s.sessions.Put(r.Context(), "cmdb_ticket", ref)
	if next == "" {
		next = "/cmdb"
	}
	s.flash(r, "ok", "Lookups are now recorded against ticket "+ref+".")
	http.Redirect(w, r, next, http.StatusSeeOther)
}
