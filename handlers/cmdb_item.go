package handlers

import (
	"net/http"
	"net/url"

	"attest"
	"attest/accounts"
	"attest/cmdb"
	"attest/views"
)

// handleCMDBItemPut stores a CI as the enterprise's CMDB pushes it: 201 when new, 200 with the
// new or unchanged version otherwise.
func (s *Server) handleCMDBItemPut(w http.ResponseWriter, r *http.Request) {
	var rec cmdb.Record
	if err := decode(r, &rec); err != nil {
		s.fail(w, r, err)
		return
	}
	if rec.Key != "" && rec.Key != r.PathValue("key") {
		s.fail(w, r, attest.FieldError(map[string]string{"key": "must match the key in the path (or be left out)"}))
		return
	}
	res, err := s.CMDB.Put(r.Context(), actor(r), rec.Input(r.PathValue("key")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := http.StatusOK
	if res.Created {
		st = http.StatusCreated
	}
	writeJSON(w, st, map[string]any{"key": res.Key, "version": res.Version, "changed": res.Created || res.Changed})
}

// cmdbTicket is the ticket an agent's call serves: the ticket_ref parameter on the API, the
// ticket kept in the session on pages (asked once on /cmdb).
func (s *Server) cmdbTicket(r *http.Request) string {
	if isAPI(r) || r.URL.Query().Has("ticket_ref") {
		return r.URL.Query().Get("ticket_ref")
	}
	if hasSession(r) {
		return s.sessions.GetString(r.Context(), "cmdb_ticket")
	}
	return ""
}

// cmdbItemJSON is a CI as the API answers it: for an agent only shared attributes.
func cmdbItemJSON(it *cmdb.Item) map[string]any {
	attrs := map[string]string{}
	restricted := []string{}
	for _, a := range it.Attributes {
		attrs[a.Name] = a.Value
		if !a.Shared {
			restricted = append(restricted, a.Name)
		}
	}
	articles := make([]int64, 0, len(it.Articles))
	for _, a := range it.Articles {
		articles = append(articles, a.ID)
	}
	rels := make([]map[string]string, 0, len(it.Relations))
	for _, rel := range it.Relations {
		rels = append(rels, map[string]string{"type": rel.Type, "to": rel.To, "name": rel.Name})
	}
	out := map[string]any{"key": it.Key, "class": it.Class, "name": it.Name, "status": it.Status, "environment": it.Environment,
		"owner": it.Owner, "version": it.Version, "attributes": attrs, "relations": rels, "request_types": it.RequestTypes,
		"articles": articles, "updated_at": it.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")}
	if it.Restricted {
		out["restricted_attributes"] = restricted
	}
	return out
}

// handleCMDBItemView shows one CI: JSON on the API, the CI page otherwise. An agent's page
// without a ticket in the session is sent to /cmdb to name one first.
func (s *Server) handleCMDBItemView(w http.ResponseWriter, r *http.Request) {
	ctx, u, key := r.Context(), actor(r), r.PathValue("key")
	ticket := s.cmdbTicket(r)
	if !isAPI(r) && cmdbAgent(u) && ticket == "" {
		http.Redirect(w, r, "/cmdb?next="+url.QueryEscape("/cmdb/"+key), http.StatusSeeOther)
		return
	}
	it, err := s.CMDB.Item(ctx, u, key, ticket)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, cmdbItemJSON(it))
		return
	}
	v := views.CMDBItemView{Item: it, Ticket: ticket}
	if !cmdbAgent(u) {
		if v.History, err = s.CMDB.History(ctx, u, key); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.CMDBItem(s.page(r, it.Key+" — "+it.Name), v))
}

// cmdbAgent reports whether u uses the CMDB under the agents' terms (no enterprise role).
func cmdbAgent(u *accounts.User) bool {
	return u != nil && u.Has(accounts.RoleAgent) && !u.Has(accounts.RoleAdmin, accounts.RoleKnowledgeManager, accounts.RoleAuditor)
}

// handleCMDBItemHistory lists a CI's versions (enterprise staff).
func (s *Server) handleCMDBItemHistory(w http.ResponseWriter, r *http.Request) {
	vs, err := s.CMDB.History(r.Context(), actor(r), r.PathValue("key"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, map[string]any{"number": v.Number, "status": v.Status, "name": v.Name, "created_by": v.CreatedBy,
			"created_at": v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), "changes": v.Changes})
	}
	writeJSON(w, http.StatusOK, out)
}
