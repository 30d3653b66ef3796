package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/kb"
	"attest/search"
	"attest/views"
)

// searchRoutes: the search page, suggestions as you type, the search API.
func (s *Server) searchRoutes() []route {
	return []route{
		{"GET /api/v1/search", signedIn.needs(knowledgeRead), s.handleSearch},
		{"GET /search", signedIn, s.handleSearch},
		{"GET /search/suggest", signedIn, s.handleSearchSuggest},
	}
}

// maxQueryLen bounds what is sent to the index; longer queries are cut, not refused.
const maxQueryLen = 500

// searchQuery builds the index query for the caller, who finds what the kb read rule lets
// them read (kb.ReadScope). Errors: EAGREEMENT, EINVALID.
func searchQuery(r *http.Request, u *accounts.User) (search.Query, error) {
	if err := accounts.RequireAgreement(u); err != nil {
		return search.Query{}, err
	}
	limit, offset, err := listParams(r)
	if err != nil {
		return search.Query{}, err
	}
	q := r.URL.Query()
	text := strings.TrimSpace(q.Get("q"))
	if len(text) > maxQueryLen {
		// Cut on a character boundary: half a character is not UTF-8, and the query is
		// echoed on the page and recorded for the gap reports.
		cut := maxQueryLen
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = strings.TrimSpace(text[:cut])
	}
	return search.Query{Text: text, RequestType: q.Get("request_type"), Tag: q.Get("tag"), Limit: limit, Offset: offset,
		TagFacets: true, Scope: kb.ReadScope(u), Supplier: learnedSupplier(u)}, nil
}

type searchHit struct {
	ArticleID int64   `json:"article_id"`
	Title     string  `json:"title"`
	Version   int     `json:"version"`
	Snippet   string  `json:"snippet"`
	Score     float64 `json:"score"`
}

type facetJSON struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

func (s *Server) runSearch(r *http.Request) (search.Query, search.Result, error) {
	u := actor(r)
	sq, err := searchQuery(r, u)
	if err != nil {
		return sq, search.Result{}, err
	}
	if s.Search == nil {
		return sq, search.Result{}, attest.Errorf(attest.EINTERNAL, "search is not available")
	}
	if sq.Text == "" && sq.RequestType == "" && sq.Tag == "" {
		return sq, search.Result{}, nil
	}
	newest := r.URL.Query().Get("sort") == "updated"
	want := sq
	if newest {
		// Recently updated: the best 100 matches, newest approval first, paged here.
		want.Limit, want.Offset = 100, 0
	}
	res, err := s.Search.Search(r.Context(), want)
	if err != nil {
		return sq, res, err
	}
	if newest && s.KB != nil {
		if res, err = s.newestFirst(r, res, sq.Offset, sq.Limit); err != nil {
			return sq, res, err
		}
	}
	if sq.Text != "" && sq.Offset == 0 && s.KB != nil {
		s.KB.RecordSearch(u, sq.Text, res.Total)
	}
	return sq, res, nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	sq, res, err := s.runSearch(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sg, err := s.suggest(r, sq, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		hits := make([]searchHit, 0, len(res.Hits))
		for _, h := range res.Hits {
			hits = append(hits, searchHit{h.ArticleID, h.Title, h.Version, h.Snippet, h.Score})
		}
		facets := make([]facetJSON, 0, len(res.RequestTypeFacets))
		for _, f := range res.RequestTypeFacets {
			facets = append(facets, facetJSON{f.Key, f.Count})
		}
		tags := make([]facetJSON, 0, len(res.TagFacets))
		for _, f := range res.TagFacets {
			tags = append(tags, facetJSON{f.Key, f.Count})
		}
		out := map[string]any{
			"total": res.Total, "took_ms": float64(res.Took.Microseconds()) / 1000, "hits": hits,
			"facets": map[string]any{"request_type": facets, "tag": tags},
		}
		if !sg.Empty() {
			out["suggestions"] = suggestionsJSON(sg)
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	d, err := s.searchPage(r, sq, res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Suggest = suggestView(sq, sg)
	p := s.page(r, "Search")
	p.Query = sq.Text
	s.render(w, r, http.StatusOK, views.SearchPage(p, d))
}

func (s *Server) searchPage(r *http.Request, sq search.Query, res search.Result) (views.SearchData, error) {
	d := views.SearchData{Query: sq.Text, RequestType: sq.RequestType, Tag: sq.Tag, Total: res.Total,
		Offset: sq.Offset, Limit: sq.Limit, Took: res.Took, Sort: r.URL.Query().Get("sort")}
	if d.Sort != "updated" {
		d.Sort = ""
	}
	rts, err := s.Accounts.RequestTypes(r.Context())
	if err != nil {
		return d, err
	}
	names := map[string]string{}
	for _, rt := range rts {
		names[rt.Key] = rt.Name
		if sq.Scope.Covers([]string{rt.Key}) {
			d.Catalogue = append(d.Catalogue, views.FacetLink{Key: rt.Key, Label: rt.Name})
		}
	}
	ids := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ArticleID
	}
	notices, err := s.KB.ArticleNotices(r.Context(), actor(r), ids)
	if err != nil {
		return d, err
	}
	for _, h := range res.Hits {
		d.Hits = append(d.Hits, views.SearchHit{ArticleID: h.ArticleID, Title: h.Title, Version: h.Version, Snippet: h.Snippet,
			Href: "/articles/" + strconv.FormatInt(h.ArticleID, 10) + "?from=search&q=" + url.QueryEscape(sq.Text), Notices: notices[h.ArticleID]})
	}
	link := func(rt, tag string, offset int) string {
		v := url.Values{}
		if sq.Text != "" {
			v.Set("q", sq.Text)
		}
		if rt != "" {
			v.Set("request_type", rt)
		}
		if tag != "" {
			v.Set("tag", tag)
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		if d.Sort != "" {
			v.Set("sort", d.Sort)
		}
		return "/search?" + v.Encode()
	}
	for _, f := range res.RequestTypeFacets {
		label := names[f.Key]
		if label == "" {
			label = f.Key
		}
		d.RequestTypeFacets = append(d.RequestTypeFacets, views.FacetLink{Key: f.Key, Label: label, Count: f.Count,
			Href: link(f.Key, sq.Tag, 0), Selected: f.Key == sq.RequestType})
	}
	for _, f := range res.TagFacets {
		d.TagFacets = append(d.TagFacets, views.FacetLink{Key: f.Key, Label: f.Key, Count: f.Count,
			Href: link(sq.RequestType, f.Key, 0), Selected: f.Key == sq.Tag})
	}
	if sq.RequestType != "" {
		d.RemoveRequestType = link("", sq.Tag, 0)
	}
	if sq.Tag != "" {
		d.RemoveTag = link(sq.RequestType, "", 0)
	}
	if sq.Text != "" {
		sort := d.Sort
		d.Sort = ""
		d.SortRelevance = link(sq.RequestType, sq.Tag, 0)
		d.Sort = "updated"
		d.SortUpdated = link(sq.RequestType, sq.Tag, 0)
		d.Sort = sort
	}
	if sq.RequestType != "" || sq.Tag != "" {
		d.ClearFilters = link("", "", 0)
		if label := names[sq.RequestType]; label != "" {
			d.RequestTypeLabel = label
		} else {
			d.RequestTypeLabel = sq.RequestType
		}
	}
	if sq.Offset > 0 {
		d.FirstHref = link(sq.RequestType, sq.Tag, 0)
		// A page past the end goes back to the last page that has results.
		d.PrevHref = link(sq.RequestType, sq.Tag, max(0, min(sq.Offset, res.Total)-sq.Limit))
	}
	if len(res.Hits) > 0 && sq.Offset+len(res.Hits) < res.Total {
		d.NextHref = link(sq.RequestType, sq.Tag, sq.Offset+len(res.Hits))
	}
	return d, nil
}

// newestFirst reorders a result's hits by their approval, newest first, and keeps the page
// at offset; the total is what could be ordered.
func (s *Server) newestFirst(r *http.Request, res search.Result, offset, limit int) (search.Result, error) {
	ids := make([]int64, len(res.Hits))
	byID := make(map[int64]search.Hit, len(res.Hits))
	for i, h := range res.Hits {
		ids[i], byID[h.ArticleID] = h.ArticleID, h
	}
	ordered, err := s.KB.NewestFirst(r.Context(), ids)
	if err != nil {
		return res, err
	}
	res.Total = len(ordered)
	res.Hits = nil
	for i := offset; i < len(ordered) && i < offset+limit; i++ {
		res.Hits = append(res.Hits, byID[ordered[i]])
	}
	return res, nil
}

// handleSearchSuggest answers the header box as a person types: the best few hits.
func (s *Server) handleSearchSuggest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	q.Set("limit", "6")
	r.URL.RawQuery = q.Encode()
	sq, err := searchQuery(r, actor(r))
	if err != nil || sq.Text == "" || s.Search == nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return // nothing to suggest: an empty fragment clears the list
	}
	res, err := s.Search.Search(r.Context(), sq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var hits []views.SearchHit
	for _, h := range res.Hits {
		hits = append(hits, views.SearchHit{ArticleID: h.ArticleID, Title: h.Title, Version: h.Version,
			Href: "/articles/" + strconv.FormatInt(h.ArticleID, 10) + "?from=search&q=" + url.QueryEscape(sq.Text)})
	}
	s.render(w, r, http.StatusOK, views.SearchSuggestions(sq.Text, hits, res.Total))
}
