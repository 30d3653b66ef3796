package handlers

// The OpenAPI description of search's suggestions and of the vocabulary learned from agents
// (issue 19), added to apiDocs (openapi.go) from their own file.
func init() {
	if d, ok := apiDocs["GET /api/v1/search"]; ok {
		d.result["suggestions"] = oaObject(map[string]any{
			"did_you_mean": oaString,
			"found":        oaArray(oaObject(map[string]any{"article_id": oaInt, "title": oaString})),
			"related":      oaStrings,
		})
		d.summary += "; when it finds fewer than 3 articles, suggestions (optional): the query with typos corrected, articles agents of the caller's supplier found after searching for similar words, and their searches that led to an article the caller may read"
		apiDocs["GET /api/v1/search"] = d
	}
	term := map[string]any{"term": oaString, "word": oaString, "supplier": oaString, "weight": oaNumber, "agents": oaInt, "last_seen": oaTime}
	for k, v := range map[string]apiDoc{
		"GET /api/v1/articles/{id}/learned-terms": {summary: "Words learned for an article from agents' searches that led to a recorded use, per supplier, heaviest first (knowledge managers and admins): a JSON array of these",
			result: term},
		"DELETE /api/v1/articles/{id}/learned-terms/{term}": {summary: "Forget a learned word of an article (?supplier=KEY for one supplier's agents, all suppliers without); journaled",
			query:  map[string]any{"supplier": oaString},
			result: map[string]any{"article_id": oaInt, "term": oaString, "supplier": oaString, "removed": oaBool}},
	} {
		apiDocs[k] = v
	}
}
