package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"attest/accounts"
	"attest/search"
	"attest/views"
)

// Suggestions for searches that find little, and the learned vocabulary's supplier (issue 19).

// suggester is the part of the search index that suggests other searches.
type suggester interface {
	Suggest(ctx context.Context, q search.Query, res search.Result) (search.Suggestions, error)
}

// learnedSupplier is whose learned vocabulary counts for u's searches: an agent's supplier's.
// Enterprise roles get none, so that no supplier's agents' words reach another's results.
func learnedSupplier(u *accounts.User) int64 {
	if u.IsAgent() {
		return u.SupplierID
	}
	return 0
}

// suggest returns the suggestions for a search that found fewer than search.SuggestBelow hits
// (first page of a text search only).
func (s *Server) suggest(r *http.Request, sq search.Query, res search.Result) (search.Suggestions, error) {
	sg, ok := s.Search.(suggester)
	if !ok || sq.Text == "" || sq.Offset > 0 || res.Total >= search.SuggestBelow {
		return search.Suggestions{}, nil
	}
	return sg.Suggest(r.Context(), sq, res)
}

type suggestedArticleJSON struct {
	ArticleID int64  `json:"article_id"`
	Title     string `json:"title"`
}

type suggestionsJSONBody struct {
	DidYouMean string                 `json:"did_you_mean,omitempty"`
	Found      []suggestedArticleJSON `json:"found"`
	Related    []string               `json:"related"`
}

func suggestionsJSON(sg search.Suggestions) suggestionsJSONBody {
	out := suggestionsJSONBody{DidYouMean: sg.DidYouMean, Found: []suggestedArticleJSON{}, Related: []string{}}
	for _, a := range sg.Found {
		out.Found = append(out.Found, suggestedArticleJSON{a.ArticleID, a.Title})
	}
	out.Related = append(out.Related, sg.Related...)
	return out
}

// searchHref is the search page for text, with the filters of sq.
func searchHref(sq search.Query, text string) string {
	v := url.Values{"q": {text}}
	if sq.RequestType != "" {
		v.Set("request_type", sq.RequestType)
	}
	if sq.Tag != "" {
		v.Set("tag", sq.Tag)
	}
	return "/search?" + v.Encode()
}

func suggestView(sq search.Query, sg search.Suggestions) views.SearchSuggest {
	var d views.SearchSuggest
	if sg.DidYouMean != "" {
		d.DidYouMean = views.Link{Label: sg.DidYouMean, Href: searchHref(sq, sg.DidYouMean)}
	}
	for _, a := range sg.Found {
		d.Found = append(d.Found, views.Link{Label: a.Title,
			Href: "/articles/" + strconv.FormatInt(a.ArticleID, 10) + "?from=search&q=" + url.QueryEscape(sq.Text)})
	}
	for _, q := range sg.Related {
		d.Related = append(d.Related, views.Link{Label: q, Href: searchHref(sq, q)})
	}
	return d
}
