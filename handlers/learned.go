package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"attest/views"
)

// learnedRoutes: what search learned from agents for an article (issue 19), for knowledge
// managers and admins only; agents never see it.
func (s *Server) learnedRoutes() []route {
	return []route{
		{"GET /api/v1/articles/{id}/learned-terms", roles(km, admin), s.handleLearnedTerms},
		{"DELETE /api/v1/articles/{id}/learned-terms/{term}", roles(km, admin), s.handleLearnedTermRemove},
		{"GET /articles/{id}/learned", roles(km, admin), s.handleLearnedTerms},
		{"POST /articles/{id}/learned/remove", roles(km, admin), s.handleLearnedTermRemove},
	}
}

type learnedTermJSON struct {
	Term     string    `json:"term"`
	Word     string    `json:"word"`
	Supplier string    `json:"supplier"`
	Weight   float64   `json:"weight"`
	Agents   int       `json:"agents"`
	LastSeen time.Time `json:"last_seen"`
}

func learnedPath(id int64) string { return "/articles/" + strconv.FormatInt(id, 10) + "/learned" }

// handleLearnedTerms lists the words learned for an article: JSON on the API, the page with a
// Remove button per word otherwise.
func (s *Server) handleLearnedTerms(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ts, err := s.KB.LearnedTerms(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		out := make([]learnedTermJSON, len(ts))
		for i, t := range ts {
			out[i] = learnedTermJSON{Term: t.Term, Word: t.Word, Supplier: t.Supplier, Weight: float64(int(t.Weight*1000+0.5)) / 1000,
				Agents: t.Agents, LastSeen: t.LastSeen.UTC()}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	a, err := s.KB.Article(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Learned(s.page(r, "Learned search words: "+a.Title),
		views.LearnedData{ArticleID: id, Title: a.Title, Terms: ts}))
}

// handleLearnedTermRemove forgets a learned word of an article, for one supplier (supplier
// given) or all; journaled by the domain.
func (s *Server) handleLearnedTermRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	term, supplier := r.PathValue("term"), r.URL.Query().Get("supplier")
	if !isAPI(r) {
		term, supplier = r.PostFormValue("term"), r.PostFormValue("supplier")
	}
	err = s.KB.RemoveLearnedTerm(r.Context(), actor(r), id, term, supplier)
	if isAPI(r) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"article_id": id, "term": term, "supplier": supplier, "removed": true})
		return
	}
	if err != nil {
		s.refuse(w, r, err, backTo{URL: learnedPath(id), Note: "Not removed: "})
		return
	}
	who := "every supplier's agents"
	if supplier != "" {
		who = supplier + "'s agents"
	}
	s.flash(r, "ok", "Removed “"+term+"”: search no longer counts it for this article for "+who+".")
	http.Redirect(w, r, learnedPath(id)+"?"+url.Values{"removed": {term}}.Encode(), http.StatusSeeOther)
}
