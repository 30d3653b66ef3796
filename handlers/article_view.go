package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"attest"
	"attest/kb"
	"attest/views"
)

// handleArticleView shows the current approved version. An agent whose only versions of the
// article are their own proposals lands on the newest of them.
func (s *Server) handleArticleView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, u := r.Context(), actor(r)
	a, err := s.KB.Article(ctx, u, id)
	if attest.ErrorCode(err) == attest.ENOTFOUND {
		// A retired article sends its readers to the one that replaces it.
		if rid, _, rerr := s.KB.Replacement(ctx, u, id); rerr == nil && rid != 0 {
			http.Redirect(w, r, fmt.Sprintf("/articles/%d?replaces=%d", rid, id), http.StatusSeeOther)
			return
		}
		if _, vs, herr := s.KB.History(ctx, u, id); herr == nil && len(vs) > 0 {
			http.Redirect(w, r, fmt.Sprintf("/articles/%d/versions/%d", id, vs[0].Number), http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Current != nil {
		s.KB.RecordView(u, id, a.Current.Number)
		if r.URL.Query().Get("from") == "search" {
			s.KB.RecordSearchClick(u, r.URL.Query().Get("q"), id)
		}
	}
	d := views.ArticleView{Article: a, CanEdit: u.Has(agent, km), IsManager: u.Has(km), Now: time.Now()}
	if a.Status == kb.ArticleRetired && u.Has(km, auditor) {
		if d.Retirement, err = s.KB.RetirementOf(r.Context(), u, a.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if u.IsAgent() {
		for _, rt := range a.RequestTypes {
			h, err := s.Training.Hint(ctx, u, rt)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Hints = append(d.Hints, h)
		}
	}
	ns, err := s.KB.ArticleNotices(ctx, u, []int64{id})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Notices = ns[id]
	if s.CMDB != nil && a.Current != nil {
		if d.CitedCIs, err = s.CMDB.Cited(ctx, u, kb.CitedCIs(a.Current.Body)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("superseded")); err == nil && a.Current != nil && n > 0 && n < a.Current.Number {
		d.SupersededLink = n
	}
	if d.Watching, err = s.KB.Watching(ctx, u, id); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.articleExtras(r, &d); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.IsManager {
		if d.RequestTypes, err = s.Accounts.RequestTypes(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.ReviewDays, err = s.KB.ReviewInterval(ctx, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, views.Article(s.page(r, a.Title), d))
}

// handleVersionGet answers one version: JSON on the API; the version page (the review page for
// knowledge managers) otherwise. An agent following a link to a superseded version is sent to
// the current one with a notice.
func (s *Server) handleVersionGet(w http.ResponseWriter, r *http.Request) {
	id, n, err := pathVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, u := r.Context(), actor(r)
	v, err := s.KB.Version(ctx, u, id, n)
	if err != nil {
		var e *attest.Error
		if !isAPI(r) && attest.ErrorCode(err) == attest.ENOTFOUND && errors.As(err, &e) && e.Extra["current"] != nil {
			http.Redirect(w, r, fmt.Sprintf("/articles/%d?superseded=%d", id, n), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, toVersionJSON(v))
		return
	}
	a, _, err := s.KB.History(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	act := kb.Actions(u, a, v)
	d := views.VersionView{Article: a, Version: v, IsAuthor: act.IsAuthor, IsManager: u.Has(km),
		CanSubmit: act.Submit, CanWithdraw: act.Withdraw, CanApprove: act.Approve, CanReject: act.Reject,
		ApprovedByMe: act.ApprovedByMe, Stale: act.Stale, Required: v.ApprovalsRequired}
	if c := a.Current; c != nil && c.Number != v.Number {
		d.Current = c
		d.TitleDiff, d.BodyDiff = kb.Diff(c.Title, v.Title), kb.Diff(c.Body, v.Body)
	}
	if d.Origins, err = s.KB.VersionOrigins(ctx, u, id, v.Number); err != nil {
		s.fail(w, r, err)
		return
	}
	title := fmt.Sprintf("%s — version %d", v.Title, v.Number)
	s.render(w, r, http.StatusOK, views.Version(s.page(r, title), d))
}

func (s *Server) handleArticleHistory(w http.ResponseWriter, r *http.Request) {
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
	d := views.HistoryView{Article: a, Versions: vs, CanEdit: u.Has(agent, km)}
	if d.Watching, err = s.KB.Watching(ctx, u, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.History(s.page(r, "History of "+a.Title), d))
}

// handleArticleDiff answers GET /api/v1/articles/{id}/diff?from=A&to=B and the compare page.
func (s *Server) handleArticleDiff(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	fields := map[string]string{}
	from, ferr := strconv.Atoi(q.Get("from"))
	if ferr != nil || from <= 0 {
		fields["from"] = "a version number"
	}
	to, terr := strconv.Atoi(q.Get("to"))
	if terr != nil || to <= 0 {
		fields["to"] = "a version number"
	}
	ctx, u := r.Context(), actor(r)
	if len(fields) > 0 {
		// An unknown article is a 404 whatever the query says.
		if _, _, err := s.KB.History(ctx, u, id); err != nil {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, attest.FieldError(fields))
		return
	}
	a, b, changes, err := s.KB.Diff(ctx, u, id, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "changes": changes,
			"title_changes": kb.Diff(a.Title, b.Title)})
		return
	}
	art, _, err := s.KB.History(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.CompareView{Article: art, From: a, To: b, TitleDiff: kb.Diff(a.Title, b.Title), BodyDiff: changes}
	s.render(w, r, http.StatusOK, views.Compare(s.page(r, fmt.Sprintf("Versions %d and %d", from, to)), d))
}

// handleRequestTypeCatalogue lists the request types with their approved articles' count.
func (s *Server) handleRequestTypeCatalogue(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	rts, err := s.Accounts.RequestTypes(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.KB.ArticleCounts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.CatalogueView{IsAgent: u.IsAgent()}
	if d.General, err = s.KB.GeneralArticles(ctx, u); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Proposals, err = s.KB.OpenProposals(ctx, u); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rt := range rts {
		it := views.CatalogueItem{Type: rt, Articles: counts[rt.Key], Fulfilled: u.FulfilsType(rt.Key)}
		if d.IsAgent && !it.Fulfilled {
			it.Articles = 0
		}
		d.Items = append(d.Items, it)
	}
	s.render(w, r, http.StatusOK, views.Catalogue(s.page(r, "Request types"), d))
}

// handleRequestTypeView is a request type's page: its approved articles, the suppliers that
// fulfil it (an agent sees only their own) and who holds authority for it.
func (s *Server) handleRequestTypeView(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	rt, err := s.Accounts.RequestType(ctx, r.PathValue("key"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := views.RequestTypeView{Type: *rt, Unfulfilled: u.IsAgent() && !u.FulfilsType(rt.Key), CanSetTemplate: u.Has(km, admin)}
	if d.Template, err = s.KB.TemplateOf(ctx, rt.Key); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Articles, err = s.KB.RequestTypeArticles(ctx, u, rt.Key); err != nil {
		s.fail(w, r, err)
		return
	}
	sps, err := s.Accounts.Suppliers(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, sp := range sps {
		if contains(sp.RequestTypes, rt.Key) && (!u.IsAgent() || sp.Key == u.Supplier) {
			d.Suppliers = append(d.Suppliers, sp)
		}
	}
	// Who holds authority (filled by training; supplier staff see only their own supplier's).
	holders, err := s.Training.Holders(ctx, u, rt.Key)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.AuthorityKnown = true
	for _, h := range holders {
		row := views.AuthorityRow{Username: h.Username, Name: h.Name, Supplier: h.SupplierName, Status: h.Reason}
		if h.ExpiresAt != nil {
			row.ExpiresAt = h.ExpiresAt.Format("2 Jan 2006")
		}
		d.Authority = append(d.Authority, row)
	}
	s.render(w, r, http.StatusOK, views.RequestType(s.page(r, rt.Name), d))
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// articleExtras adds what helps a reader on from the article: request type names, favourite,
// helpful count, related articles, the replacement of a retired one.
func (s *Server) articleExtras(r *http.Request, d *views.ArticleView) error {
	ctx, u, id := r.Context(), actor(r), d.Article.ID
	var err error
	if d.TypeNames, err = s.typeNames(r); err != nil {
		return err
	}
	if d.Favourite, err = s.KB.IsFavourite(ctx, u, id); err != nil {
		return err
	}
	if d.Helpful, err = s.KB.HelpfulCount(ctx, id); err != nil {
		return err
	}
	if d.Related, err = s.KB.RelatedArticles(ctx, u, id, 5); err != nil {
		return err
	}
	if d.Article.Status == kb.ArticleRetired {
		if d.ReplacedBy, _, err = s.KB.Replacement(ctx, u, id); err != nil {
			return err
		}
	}
	if old, err := strconv.ParseInt(r.URL.Query().Get("replaces"), 10, 64); err == nil {
		if rid, title, err := s.KB.Replacement(ctx, u, old); err == nil && rid == id {
			d.Replaces = title
		}
	}
	return nil
}

func (s *Server) handleArticleFavourite(w http.ResponseWriter, r *http.Request) {
	s.setFavourite(w, r, true)
}

func (s *Server) handleArticleUnfavourite(w http.ResponseWriter, r *http.Request) {
	s.setFavourite(w, r, false)
}

func (s *Server) setFavourite(w http.ResponseWriter, r *http.Request, on bool) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.KB.SetFavourite(r.Context(), actor(r), id, on); err != nil {
		s.fail(w, r, err)
		return
	}
	msg := "Added to your favourites: it is listed on your home page."
	if !on {
		msg = "Removed from your favourites."
	}
	s.done(w, r, http.StatusOK, map[string]any{"favourite": on}, msg, fmt.Sprintf("/articles/%d", id))
}

// handleRequestTypeTemplate sets the template a request type's new articles start from:
// PUT /api/v1/request-types/{key}/template {"template"} or the request type page's form.
func (s *Server) handleRequestTypeTemplate(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	var in struct {
		Template string `json:"template"`
	}
	if isAPI(r) {
		if err := decode(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		in.Template = r.PostFormValue("template")
	}
	if err := s.KB.SetTemplateOf(r.Context(), actor(r), key, in.Template); err != nil {
		s.fail(w, r, err)
		return
	}
	t, _ := kb.TemplateByKey(in.Template)
	s.done(w, r, http.StatusOK, map[string]any{"request_type": key, "template": t.Key},
		"New articles of this request type now start from: "+t.Name+".", "/request-types/"+key)
}

// handleArticleSimilar suggests existing articles like the title being typed for a new one
// (duplicates), as the editor's title field changes.
func (s *Server) handleArticleSimilar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	q.Set("q", q.Get("title"))
	r.URL.RawQuery = q.Encode()
	s.handleSearchSuggest(w, r)
}
