package handlers

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"attest"
	"attest/accounts"
	"attest/kb"
	"attest/views"
)

// editorChoices lists the request types a person may attach: an agent's supplier's, or all.
func (s *Server) editorChoices(r *http.Request) ([]accounts.RequestType, error) {
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		return nil, err
	}
	u := actor(r)
	if !u.IsAgent() {
		return rts, nil
	}
	var out []accounts.RequestType
	for _, rt := range rts {
		if u.FulfilsType(rt.Key) {
			out = append(out, rt)
		}
	}
	return out, nil
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// handleArticleNew is the editor for a new article, with any text autosaved before.
func (s *Server) handleArticleNew(w http.ResponseWriter, r *http.Request) {
	if err := accounts.RequireAgreement(actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.EditorView{Form: views.Form{Values: map[string]string{}}}
	// ?request_type= starts from that type's template; ?template= from the one chosen.
	q := r.URL.Query()
	if rt := q.Get("request_type"); rt != "" {
		t, err := s.KB.TemplateOf(r.Context(), rt)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Template, d.Checked = t.Key, []string{rt}
	}
	if t, ok := kb.TemplateByKey(q.Get("template")); ok {
		d.Template = t.Key
	}
	if t, ok := kb.TemplateByKey(d.Template); ok {
		d.Form.Values["body"] = t.Skeleton()
	}
	if as, err := s.KB.AutosaveOf(r.Context(), actor(r), 0); err == nil {
		d.Form.Values = map[string]string{"title": as.Title, "body": as.Body, "note": as.Note}
		d.Restored = as.SavedAt
	}
	s.renderEditor(w, r, http.StatusOK, d)
}

func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, st int, d views.EditorView) {
	if d.ArticleID == 0 {
		rts, err := s.editorChoices(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.RequestTypes = rts
	}
	title := "New article"
	if d.ArticleID != 0 {
		title = "Edit " + d.ArticleTitle
	}
	s.render(w, r, st, views.Editor(s.page(r, title), d))
}

// handleArticleEdit is the editor for a new version: it starts from the current version (or
// ?from=N, to restore an older one), or from the person's autosaved text.
func (s *Server) handleArticleEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, u := r.Context(), actor(r)
	a, vs, err := s.KB.History(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Status != kb.ArticleActive {
		s.fail(w, r, attest.Errorf(attest.ECONFLICT, "This article is retired; it takes no new versions."))
		return
	}
	start := vs[0]
	if a.Current != nil {
		start = a.Current
	}
	d := views.EditorView{ArticleID: id, ArticleTitle: a.Title, Base: start.Number}
	if n, err := strconv.Atoi(r.URL.Query().Get("from")); err == nil {
		from, err := s.KB.Version(ctx, u, id, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		start, d.FromVersion = from, n
	}
	d.Form = views.Form{Values: map[string]string{"title": start.Title, "body": start.Body}}
	// ?reapply=N: a stale proposal's author re-applies it. The editor opens on its text and its
	// base with what changed since shown, and the button that saves it on the current version.
	if n, err := strconv.Atoi(r.URL.Query().Get("reapply")); err == nil && a.Current != nil {
		old, cur, changes, err := s.KB.Reapply(ctx, u, id, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Form = views.Form{Values: map[string]string{"title": old.Title, "body": old.Body, "note": old.Note}}
		if changes != nil {
			d.Base = old.Base
			d.Conflict = &views.Conflict{Base: old.Base, Current: cur.Number, Changes: changes}
		}
		s.renderEditor(w, r, http.StatusOK, d)
		return
	}
	if d.FromVersion > 0 && d.FromVersion != d.Base {
		d.Form.Values["note"] = fmt.Sprintf("Restores version %d", d.FromVersion)
	}
	if as, err := s.KB.AutosaveOf(ctx, u, id); err == nil {
		d.Form.Values = map[string]string{"title": as.Title, "body": as.Body, "note": as.Note}
		d.Base, d.Restored, d.FromVersion = as.Base, as.SavedAt, 0
	}
	s.renderEditor(w, r, http.StatusOK, d)
}

// handleArticleCreate creates an article with its first draft: API JSON or the editor form.
func (s *Server) handleArticleCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title        string   `json:"title"`
		Body         string   `json:"body"`
		Note         string   `json:"note"`
		RequestTypes []string `json:"request_types"`
		Tags         []string `json:"tags"`
		Template     string   `json:"template"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		r.ParseForm()
		in.Title, in.Body, in.Note = r.PostFormValue("title"), r.PostFormValue("body"), r.PostFormValue("note")
		in.RequestTypes, in.Tags = r.PostForm["request_types"], splitTags(r.PostFormValue("tags"))
		in.Template = r.PostFormValue("template")
	}
	v, err := s.KB.CreateArticle(r.Context(), actor(r), kb.NewArticle{Title: in.Title, Body: in.Body, Note: in.Note,
		RequestTypes: in.RequestTypes, Tags: in.Tags, Template: in.Template})
	if err != nil {
		if isAPI(r) || !formError(err) {
			s.fail(w, r, err)
			return
		}
		d := views.EditorView{Form: refusedForm(r, err), Checked: in.RequestTypes, Template: in.Template}
		s.renderEditor(w, r, status(attest.ErrorCode(err)), d)
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"id": v.ArticleID, "version": map[string]any{"number": v.Number, "status": v.Status}},
		"Saved as a draft (version 1). Submit it for review when it is ready.", fmt.Sprintf("/articles/%d/versions/%d", v.ArticleID, v.Number))
}

// formError reports whether err is one a form shows beside what was typed.
func formError(err error) bool {
	switch attest.ErrorCode(err) {
	case attest.EINVALID, attest.ECONFLICT, attest.ESTALE:
		return true
	}
	return false
}

// refusedForm keeps what was typed in an editor form, with what is wrong.
func refusedForm(r *http.Request, err error) views.Form {
	f := views.Form{Values: map[string]string{}, Message: attest.ErrorMessage(err)}
	for _, k := range []string{"title", "body", "note", "tags"} {
		f.Values[k] = r.PostFormValue(k)
	}
	var e *attest.Error
	if errors.As(err, &e) {
		f.Errors = e.Fields
	}
	return f
}

// handleVersionSave saves a new draft version. A stale save answers 409 stale_base on the API;
// in the editor it shows what changed since the base, keeps the text and offers to re-apply it
// on the current version.
func (s *Server) handleVersionSave(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Base  *int   `json:"base"`
		Title string `json:"title"`
		Body  string `json:"body"`
		Note  string `json:"note"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Title, in.Body, in.Note = r.PostFormValue("title"), r.PostFormValue("body"), r.PostFormValue("note")
		base := r.PostFormValue("base")
		if rb := r.PostFormValue("rebase"); rb != "" {
			base = rb
		}
		if n, err := strconv.Atoi(base); err == nil {
			in.Base = &n
		}
	}
	if in.Base == nil {
		// Checked after the article exists, so an unknown article is a 404 first.
		if _, _, err := s.KB.History(r.Context(), actor(r), id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, attest.FieldError(map[string]string{"base": "required: the version you edited from"}))
		return
	}
	v, err := s.KB.SaveVersion(r.Context(), actor(r), id, kb.NewVersion{Base: *in.Base, Title: in.Title, Body: in.Body, Note: in.Note})
	if err != nil {
		if isAPI(r) || !formError(err) {
			s.fail(w, r, err)
			return
		}
		d := views.EditorView{ArticleID: id, ArticleTitle: in.Title, Base: *in.Base, Form: refusedForm(r, err)}
		var e *attest.Error
		if errors.As(err, &e) && e.Code == attest.ESTALE {
			cur, _ := e.Extra["current"].(int)
			changes, _ := e.Extra["changes"].([]kb.Change)
			d.Conflict = &views.Conflict{Base: *in.Base, Current: cur, Changes: changes}
			d.Form.Message = ""
		}
		s.renderEditor(w, r, status(attest.ErrorCode(err)), d)
		return
	}
	s.done(w, r, http.StatusCreated, map[string]any{"number": v.Number, "status": v.Status},
		fmt.Sprintf("Saved as a draft (version %d). Submit it for review when it is ready.", v.Number),
		fmt.Sprintf("/articles/%d/versions/%d", id, v.Number))
}

// handleArticlePreview renders the editor's Markdown for the live preview. Rendering here is
// for the person typing; pages never render Markdown on read.
func (s *Server) handleArticlePreview(w http.ResponseWriter, r *http.Request) {
	body := r.PostFormValue("body")
	if strings.TrimSpace(body) == "" {
		s.render(w, r, http.StatusOK, views.Preview(`<p class="muted">The preview shows here as you type.</p>`))
		return
	}
	out, err := kb.Render(r.Context(), body)
	switch {
	case attest.ErrorCode(err) == attest.EINVALID:
		// The editor keeps the text; the preview says why it cannot show it.
		s.render(w, r, http.StatusOK, views.Preview(`<p class="muted">`+html.EscapeString(attest.ErrorMessage(err))+`</p>`))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Preview(out.HTML))
}

// handleArticleAutosave keeps the editor's text aside (not as a version) as the person types.
func (s *Server) handleArticleAutosave(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PostFormValue("article_id"), 10, 64)
	base, _ := strconv.Atoi(r.PostFormValue("base"))
	at, err := s.KB.SaveAutosave(r.Context(), actor(r), kb.Autosave{ArticleID: id, Base: base,
		Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Note: r.PostFormValue("note")})
	if err != nil {
		if attest.ErrorCode(err) == attest.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.AutosaveStatus(at, "Not autosaved: "+attest.ErrorMessage(err)))
		return
	}
	s.render(w, r, http.StatusOK, views.AutosaveStatus(at, ""))
}

// handleArticleAutosaveDiscard forgets the autosaved text and reopens the editor.
func (s *Server) handleArticleAutosaveDiscard(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PostFormValue("article_id"), 10, 64)
	if err := s.KB.DiscardAutosave(r.Context(), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	to := "/articles/new"
	if id > 0 {
		to = fmt.Sprintf("/articles/%d/edit", id)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
