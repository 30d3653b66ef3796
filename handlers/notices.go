package handlers

import (
	"errors"
	"net/http"

	"attest"
	"attest/kb"
	"attest/views"
)

// noticeJSON is a notice as the API gives it.
type noticeJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	HTML      string `json:"html"`
	Until     string `json:"until"`
	CreatedBy string `json:"created_by"`
}

// handleNoticeList answers a request type's active notices to those who may read its
// articles: JSON on the API, the page (with the publish form for knowledge managers) otherwise.
func (s *Server) handleNoticeList(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	ns, err := s.KB.Notices(r.Context(), actor(r), key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		out := make([]noticeJSON, len(ns))
		for i, n := range ns {
			out[i] = noticeJSON{ID: n.ID, Title: n.Title, Body: n.Body, HTML: n.HTML, Until: n.Until, CreatedBy: n.CreatedBy}
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	s.renderNotices(w, r, http.StatusOK, key, ns, views.Form{})
}

func (s *Server) renderNotices(w http.ResponseWriter, r *http.Request, st int, key string, ns []kb.Notice, f views.Form) {
	name := key
	if rt, err := s.Accounts.RequestType(r.Context(), key); err == nil {
		name = rt.Name
	}
	s.render(w, r, st, views.Notices(s.page(r, "Known blockers: "+name),
		views.NoticesData{RequestType: key, Name: name, Notices: ns, CanPublish: actor(r).Has(km), Form: f}))
}

// handleNoticePublish publishes a notice on a request type (knowledge managers).
func (s *Server) handleNoticePublish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title string `json:"title"`
		Body  string `json:"body"`
		Until string `json:"until"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Title, in.Body, in.Until = r.PostFormValue("title"), r.PostFormValue("body"), r.PostFormValue("until")
	}
	key := r.PathValue("key")
	n, err := s.KB.PublishNotice(r.Context(), actor(r), key, kb.NoticeInput{Title: in.Title, Body: in.Body, Until: in.Until})
	if isAPI(r) {
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": n.ID})
		return
	}
	var e *attest.Error
	if errors.As(err, &e) && e.Code == attest.EINVALID {
		ns, lerr := s.KB.Notices(r.Context(), actor(r), key)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.renderNotices(w, r, http.StatusUnprocessableEntity, key, ns, views.Form{Message: e.Message, Errors: e.Fields,
			Values: map[string]string{"title": in.Title, "body": in.Body, "until": in.Until}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "Notice published: it shows above every article and search hit of this request type until "+n.Until+".")
	http.Redirect(w, r, noticesPathOf(key), http.StatusSeeOther)
}

func noticesPathOf(key string) string { return "/request-types/" + key + "/notices" }

// handleNoticeEnd ends a notice before its last day, with a reason (knowledge managers).
func (s *Server) handleNoticeEnd(w http.ResponseWriter, r *http.Request) {
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
	key := r.PathValue("key")
	if err := s.KB.EndNotice(r.Context(), actor(r), key, id, reason); err != nil {
		s.refuse(w, r, err, backTo{URL: noticesPathOf(key), Note: "Not ended: "})
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "status": "ended"})
		return
	}
	s.flash(r, "ok", "Notice ended.")
	http.Redirect(w, r, noticesPathOf(key), http.StatusSeeOther)
}
