package handlers

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// apiDoc is what the OpenAPI document says of one API.md call beyond the routing table: its
// request body's fields, the status of success and the fields of the answer.
type apiDoc struct {
	summary  string
	query    map[string]any // query parameter → schema
	body     map[string]any // property name → schema
	required []string
	status   string // the success status, "200" when empty
	result   map[string]any
	// bodyType is the request body's media type, application/json when empty.
	bodyType string
}

// Schemas used by the documents below.
var (
	oaString  = map[string]any{"type": "string"}
	oaInt     = map[string]any{"type": "integer"}
	oaBool    = map[string]any{"type": "boolean"}
	oaNumber  = map[string]any{"type": "number"}
	oaDate    = map[string]any{"type": "string", "format": "date"}
	oaTime    = map[string]any{"type": "string", "format": "date-time"}
	oaStrings = map[string]any{"type": "array", "items": oaString}
	oaAny     = map[string]any{}
)

func oaEnum(vs ...string) map[string]any { return map[string]any{"type": "string", "enum": vs} }
func oaArray(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}
func oaObject(props map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": props}
}

// apiDocs documents the calls of API.md (keyed by routing-table pattern).
var apiDocs = map[string]apiDoc{
	"POST /api/v1/auth/token": {summary: "Sign in and get an API token", body: map[string]any{"username": oaString, "password": oaString},
		required: []string{"username", "password"}, status: "201", result: map[string]any{"token": oaString, "expires_at": oaTime}},
	"POST /api/v1/suppliers": {summary: "Add a supplier", body: map[string]any{"key": oaString, "name": oaString}, required: []string{"key", "name"}, status: "201"},
	"POST /api/v1/request-types": {summary: "Add a request type", body: map[string]any{"key": oaString, "name": oaString, "risk": oaEnum("low", "medium", "high"),
		"requires_certification": oaBool, "approvals_required": map[string]any{"type": "integer", "enum": []int{1, 2}, "default": 1},
		"review_days": oaInt, "grace_days": oaInt},
		required: []string{"key", "name", "risk"}, status: "201"},
	"PUT /api/v1/suppliers/{key}/request-types": {summary: "Set the request types a supplier fulfils", body: map[string]any{"request_types": oaStrings}, required: []string{"request_types"}},
	"POST /api/v1/users": {summary: "Add a user", body: map[string]any{"username": oaString, "display_name": oaString, "password": oaString,
		"roles": oaArray(oaEnum("admin", "knowledge_manager", "trainer", "auditor", "agent")), "supplier": oaString, "email": oaString},
		required: []string{"username", "password", "roles"}, status: "201"},
	"PUT /api/v1/agreement": {summary: "Publish a new version of the usage agreement", body: map[string]any{"text": oaString}, required: []string{"text"},
		result: map[string]any{"version": oaInt}},
	"GET /api/v1/agreement": {summary: "The current usage agreement (404 when none is published)",
		result: map[string]any{"version": oaInt, "text": oaString, "accepted": oaBool, "published_at": oaTime}},
	"POST /api/v1/agreement/accept": {summary: "Accept the current usage agreement", body: map[string]any{"version": oaInt}, required: []string{"version"}},
	"POST /api/v1/articles": {summary: "Propose a new article", body: map[string]any{"title": oaString, "body": oaString, "request_types": oaStrings, "tags": oaStrings, "template": oaEnum("kcs", "steps")},
		required: []string{"title", "body"}, status: "201", result: map[string]any{"id": oaInt, "version": oaObject(map[string]any{"number": oaInt, "status": oaString})}},
	"GET /api/v1/articles/{id}": {summary: "An article and its current approved version",
		result: map[string]any{"id": oaInt, "title": oaString, "status": oaEnum("active", "retired"), "request_types": oaStrings, "tags": oaStrings, "current": oaAny}},
	"GET /api/v1/articles/{id}/versions": {summary: "An article's versions"},
	"GET /api/v1/articles/{id}/versions/{n}": {summary: "One version of an article",
		result: map[string]any{"number": oaInt, "status": oaString, "title": oaString, "body": oaString, "html": oaString, "author": oaString, "base": oaInt, "note": oaString}},
	"POST /api/v1/articles/{id}/versions": {summary: "Save a new version (409 stale_base when its base is outdated)",
		body: map[string]any{"base": oaInt, "title": oaString, "body": oaString, "note": oaString}, required: []string{"base", "body"}, status: "201",
		result: map[string]any{"number": oaInt, "status": oaString}},
	"POST /api/v1/articles/{id}/versions/{n}/submit":   {summary: "Submit a version for review", result: map[string]any{"status": oaString}},
	"POST /api/v1/articles/{id}/versions/{n}/withdraw": {summary: "Withdraw a draft or a version in review", result: map[string]any{"status": oaString}},
	"POST /api/v1/articles/{id}/versions/{n}/approve": {summary: "Approve a version (four eyes)", body: map[string]any{"comment": oaString, "major": oaBool},
		result: map[string]any{"status": oaString, "approvals": oaInt, "approvals_required": oaInt}},
	"POST /api/v1/articles/{id}/versions/{n}/reject": {summary: "Reject a version", body: map[string]any{"comment": oaString}, required: []string{"comment"},
		result: map[string]any{"status": oaString}},
	"GET /api/v1/articles/{id}/diff": {summary: "Word-level diff between two versions", query: map[string]any{"from": oaInt, "to": oaInt},
		result: map[string]any{"from": oaInt, "to": oaInt, "changes": oaArray(oaObject(map[string]any{"op": oaEnum("equal", "insert", "delete"), "text": oaString}))}},
	"POST /api/v1/articles/{id}/retire": {summary: "Retire an article: a first knowledge manager's call requests it (status retirement_requested; out of use at once), a second one's confirms it (status retired)",
		body: map[string]any{"reason": oaString, "replaced_by": oaInt}, result: map[string]any{"id": oaInt, "status": oaEnum("retirement_requested", "retired")}},
	"GET /api/v1/search": {summary: "Search current approved knowledge",
		query: map[string]any{"q": oaString, "request_type": oaString, "tag": oaString, "limit": oaInt, "offset": oaInt},
		result: map[string]any{"total": oaInt, "took_ms": oaNumber, "hits": oaArray(oaObject(map[string]any{"article_id": oaInt, "title": oaString,
			"version": oaInt, "snippet": oaString, "score": oaNumber})), "facets": oaAny}},
	"POST /api/v1/usage": {summary: "Record that an article was used on a ticket (422 naming every bad field; nothing is recorded)",
		body: map[string]any{"article_id": oaInt, "version": oaInt, "ticket_ref": map[string]any{"type": "string", "minLength": 1, "maxLength": 128},
			"request_type": oaString, "outcome": oaEnum("resolved", "not_resolved")},
		required: []string{"article_id", "version", "ticket_ref", "request_type", "outcome"}, status: "201", result: map[string]any{"id": oaInt, "outdated": oaBool}},
	"POST /api/v1/articles/{id}/feedback": {summary: "Rate an article (not helpful with a comment, or wrong, opens a follow-up)",
		body: map[string]any{"helpful": oaBool, "comment": oaString, "wrong": oaBool}, required: []string{"helpful"}, status: "201"},
	"GET /api/v1/reports/gaps": {summary: "The gap report", query: gapsQuery,
		result: map[string]any{"zero_result_queries": oaArray(oaObject(map[string]any{"query": oaString, "count": oaInt})),
			"request_types_without_articles": oaStrings,
			"low_rated_articles":             oaArray(oaObject(map[string]any{"article_id": oaInt, "helpful": oaInt, "not_helpful": oaInt})),
			"outdated_usage":                 oaArray(oaObject(map[string]any{"supplier": oaString, "article_id": oaInt, "count": oaInt}))}},
	"POST /api/v1/quizzes": {summary: "Write a quiz", body: map[string]any{"title": oaString, "request_type": oaString, "pass_percent": oaInt, "validity_days": oaInt,
		"questions": oaArray(oaObject(map[string]any{"kind": oaEnum("single", "multiple", "true_false"), "text": oaString, "choices": oaArray(oaObject(map[string]any{"text": oaString, "correct": oaBool}))}))},
		required: []string{"title", "request_type", "questions"}, status: "201", result: map[string]any{"id": oaInt}},
	"GET /api/v1/quizzes/{id}/preview": {summary: "Preview a quiz as an agent would get it: a fresh draw, never the answers; nothing is recorded",
		result: map[string]any{"quiz_id": oaInt, "questions": oaAny}},
	"GET /api/v1/quizzes/{id}/questions.csv": {summary: "The quiz's question bank as CSV: kind,question,correct,explanation,article_id,heading,choice 1,choice 2,…"},
	"POST /api/v1/quizzes/{id}/questions": {summary: "Add the questions of a question bank CSV (the export's format) to the quiz; nothing is saved when a row is bad (422 naming the row)",
		body: map[string]any{"csv": oaString}, required: []string{"csv"}, result: map[string]any{"added": oaInt, "quiz": oaAny}},
	"POST /api/v1/quizzes/{id}/attempts": {summary: "Start an attempt (never the answers)", status: "201",
		result: map[string]any{"attempt_id": oaInt, "questions": oaAny}},
	"POST /api/v1/attempts/{id}/answers": {summary: "Submit an attempt's answers (409 on a second submission)",
		body:     map[string]any{"answers": map[string]any{"type": "object", "additionalProperties": oaArray(oaInt)}},
		required: []string{"answers"}, result: map[string]any{"score_percent": oaInt, "passed": oaBool}},
	"POST /api/v1/certifications": {summary: "Certify a user who passed", body: map[string]any{"username": oaString, "request_type": oaString},
		required: []string{"username", "request_type"}, status: "201", result: map[string]any{"id": oaInt, "expires_at": oaTime}},
	"DELETE /api/v1/certifications/{id}": {summary: "Revoke a certification", body: map[string]any{"reason": oaString}},
	"GET /api/v1/authority": {summary: "Whether a user holds fulfilment authority for a request type",
		query:  map[string]any{"username": oaString, "request_type": oaString},
		result: map[string]any{"authorized": oaBool, "reason": oaString, "expires_at": oaTime}},
	"POST /api/v1/audits": {summary: "Create a quarterly audit with its sample", body: map[string]any{"quarter": oaString, "sample_size": oaInt, "seed": oaInt,
		"suppliers": oaStrings, "request_types": oaStrings}, required: []string{"quarter", "sample_size"}, status: "201",
		result: map[string]any{"id": oaInt, "status": oaString, "population": oaInt, "items": oaArray(oaObject(map[string]any{"id": oaInt, "article_id": oaInt, "version": oaInt}))}},
	"GET /api/v1/audits/{id}": {summary: "An audit, its items and findings, and the journal heads recorded at sign-off and at each report export",
		result: map[string]any{"id": oaInt, "quarter": oaString, "status": oaEnum("planned", "fieldwork", "review", "signed_off"), "seed": oaInt,
			"population": oaInt, "items": oaArray(oaObject(map[string]any{"id": oaInt, "article_id": oaInt, "version": oaInt, "score": oaInt})),
			"findings": oaArray(oaAny), "journal_head": oaObject(map[string]any{"id": oaInt, "hash": oaString}),
			"exports": oaArray(oaObject(map[string]any{"format": oaEnum("csv", "html"), "exported_by": oaString, "exported_at": oaTime,
				"journal_head": oaObject(map[string]any{"id": oaInt, "hash": oaString})}))}},
	"POST /api/v1/audits/{id}/items/{item}/assessment": {summary: "Assess a sampled item", body: map[string]any{"checks": map[string]any{"type": "object",
		"additionalProperties": oaBool}, "notes": oaString}, required: []string{"checks"}, result: map[string]any{"score": oaInt}},
	"POST /api/v1/audits/{id}/findings": {summary: "Record a finding", body: map[string]any{"item": oaInt, "severity": oaEnum("major", "minor", "observation", "improvement"),
		"description": oaString, "root_cause": oaString, "owner": oaString, "due": oaDate}, required: []string{"item", "severity", "description", "owner", "due"},
		status: "201", result: map[string]any{"id": oaInt}},
	"POST /api/v1/audits/{id}/cmdb-findings": {summary: "Record a finding from a flag of the audit's CMDB-access section (its suppliers over its quarter); the flag is named as GET /api/v1/cmdb/access/flags lists it; 422 on flag when the section has no such flag",
		body: map[string]any{"flag": oaObject(map[string]any{"kind": oaEnum("no_usage", "refused", "quota_exceeded", "unusual_volume"), "supplier": oaString,
			"username": oaString, "key": oaString, "ticket_ref": oaString, "at": oaTime}),
			"severity": oaEnum("major", "minor", "observation", "improvement"), "description": oaString, "root_cause": oaString, "owner": oaString, "due": oaDate,
			"subject": oaObject(map[string]any{"username": oaString, "request_type": oaString}), "suspend": oaBool},
		required: []string{"flag", "severity", "description", "owner", "due"}, status: "201", result: map[string]any{"id": oaInt}},
	"POST /api/v1/audits/{id}/close":      {summary: "Sign off an audit (409 while an item is unassessed)"},
	"GET /api/v1/audits/{id}/report.csv":  {summary: "The audit report as CSV; the export is recorded with the journal head, which every row carries"},
	"GET /api/v1/journal":                 {summary: "The journal as JSON lines", query: map[string]any{"since": oaTime}},
	"GET /api/v1/reports/gaps.csv":        {summary: "A table of the gap report as CSV", query: gapsQuery},
	"GET /api/v1/followups":               {summary: "Open feedback follow-ups"},
	"POST /api/v1/followups/{id}/dismiss": {summary: "Dismiss a follow-up with a reason", body: map[string]any{"reason": oaString}, required: []string{"reason"}},
	"GET /api/v1/suppliers":               {summary: "Suppliers and what they fulfil"},
	"GET /api/v1/request-types":           {summary: "The request-type catalogue"},
	"GET /api/v1/users":                   {summary: "Users and their roles"},
	"POST /api/v1/articles/{id}/watch":    {summary: "Watch an article"},
	"GET /api/v1/notifications":           {summary: "The caller's notifications"},
	"PUT /api/v1/request-types/{key}/template": {summary: "Choose the template (kcs, steps) a request type's new articles start from (admins, knowledge managers)",
		body: map[string]any{"template": oaEnum("kcs", "steps")}, required: []string{"template"}, result: map[string]any{"request_type": oaString, "template": oaString}},
	"GET /api/v1/review": {summary: "The review queue: versions in review (with the author's supplier, request types and competing proposals on the same base), overdue articles, retirements to confirm",
		query: map[string]any{"type": oaString, "supplier": oaString, "state": oaEnum("ready", "approved_by_me", "mine", "stale"), "sort": oaEnum("oldest", "newest")}},
	"GET /api/v1/quizzes/{id}":         {summary: "A quiz"},
	"GET /api/v1/attempts/{id}":        {summary: "An attempt"},
	"GET /api/v1/authority/matrix":     {summary: "Fulfilment authority of every visible agent"},
	"GET /api/v1/certifications/queue": {summary: "Passed attempts waiting for certification"},
	"GET /api/v1/findings":             {summary: "Audit findings"},
	"GET /api/v1/findings/{id}":        {summary: "One finding (its owner, auditors and knowledge managers)"},
	"GET /api/v1/audits":               {summary: "Audits"},
	"GET /api/v1/audits/trends":        {summary: "Audit scores over time"},
	"GET /api/v1/audits/sample-size": {summary: "A suggested sample size",
		query: map[string]any{"population": oaInt, "confidence": oaInt, "tolerable": oaInt}},
	"POST /api/v1/audits/{id}/next": {summary: "Start the next audit from this one: same scope and checklist, open findings carried over",
		body: map[string]any{"quarter": oaString, "seed": oaInt}, status: "201"},
	"GET /api/v1/audits/{id}/items/{item}": {summary: "A sampled item"},
	"POST /api/v1/suspensions": {summary: "Suspend a user's authority for a request type (never one's own)",
		body:     map[string]any{"username": oaString, "request_type": oaString, "reason": oaString, "finding_id": oaInt},
		required: []string{"username", "request_type", "reason"}, status: "201"},
	"POST /api/v1/suspensions/{id}/lift": {summary: "Lift a suspension (never of one's own authority)", body: map[string]any{"reason": oaString}, required: []string{"reason"}},
	"POST /api/v1/findings/{id}/resolve": {summary: "Resolve a finding (its owner), with a note or the version that fixes it",
		body: map[string]any{"note": oaString, "version": oaInt}},
	"POST /api/v1/findings/{id}/verify": {summary: "Verify a finding's resolution and close it (not its owner or subject)", body: map[string]any{"note": oaString}},
	"POST /api/v1/findings/{id}/reopen": {summary: "Reopen a finding", body: map[string]any{"note": oaString}, required: []string{"note"}},
	"POST /api/v1/findings/{id}/accept-risk": {summary: "Accept a finding's risk until a date (not its owner or subject)",
		body: map[string]any{"note": oaString, "until": oaDate}, required: []string{"note", "until"}},
	"POST /api/v1/attempts/{id}/decline": {summary: "Decline to certify a passed attempt (never one's own)", body: map[string]any{"reason": oaString}, required: []string{"reason"}},
	"POST /api/v1/audits/{id}/items/{item}/evidence": {summary: "Attach evidence to a sampled item (not to a version one wrote or approved)",
		body: map[string]any{"kind": oaEnum("note", "link", "text"), "content": oaString, "effective_date": oaDate}, required: []string{"kind", "content"}, status: "201"},
	"PATCH /api/v1/articles/{id}": {summary: "Reclassify an article: request types, tags, review interval",
		body: map[string]any{"request_types": oaStrings, "tags": oaStrings, "review_days": oaInt}},
	"DELETE /api/v1/articles/{id}/watch": {summary: "Stop watching an article"},
	"GET /api/v1/quizzes":                {summary: "Quizzes"},
	"PUT /api/v1/quizzes/{id}": {summary: "Edit a quiz (finished attempts keep the questions they were asked)",
		body: map[string]any{"title": oaString, "request_type": oaString, "pass_percent": oaInt, "validity_days": oaInt, "questions": oaArray(oaAny)}},
	"GET /api/v1/openapi.json": {summary: "This API described as OpenAPI 3"},
	"GET /api/v1/docs":         {summary: "This API reference as a web page, rendered from the OpenAPI document"},

	// People, service accounts and tokens (issue 17).
	"PATCH /api/v1/users/{username}": {summary: "Change a person (any subset): disabling ends their sessions and tokens at once; 422 fields.roles when supplier staff would hold an enterprise role; 403 on one's own roles",
		body: map[string]any{"display_name": oaString, "email": oaString, "roles": oaArray(oaEnum("admin", "knowledge_manager", "trainer", "auditor", "agent")),
			"supplier": oaString, "disabled": oaBool, "reason": oaString, "end_date": map[string]any{"type": "string", "format": "date", "nullable": true}},
		result: map[string]any{"username": oaString, "display_name": oaString, "email": oaString, "roles": oaStrings, "supplier": oaString,
			"disabled": oaBool, "end_date": oaDate, "must_change_password": oaBool}},
	"POST /api/v1/users/{username}/password-reset": {summary: "Issue a temporary password, to be changed at the next sign-in",
		result: map[string]any{"temporary_password": oaString}},
	"POST /api/v1/users/{username}/erase": {summary: "Remove a person's personal data; the account stays under a pseudonym",
		body: map[string]any{"reason": oaString}, result: map[string]any{"username": oaString}},
	"PUT /api/v1/me/password": {summary: "Change one's own password (422 for a wrong current or a weak new one); other sessions end",
		body: map[string]any{"current": oaString, "new": oaString}, required: []string{"current", "new"}},
	"POST /api/v1/service-accounts": {summary: "Add a service account for an integration",
		body:     map[string]any{"name": oaString, "supplier": oaString, "scopes": oaArray(oaEnum("knowledge:read", "authority:read", "usage:write", "cmdb:read"))},
		required: []string{"name", "supplier", "scopes"}, status: "201", result: map[string]any{"username": oaString}},
	"POST /api/v1/tokens": {summary: "Make a named API token (username: a service account, admins only); the token is shown once",
		body: map[string]any{"name": oaString, "expires_at": oaTime, "username": oaString}, required: []string{"name"}, status: "201",
		result: map[string]any{"id": oaInt, "token": oaString, "expires_at": oaTime}},
	"GET /api/v1/tokens": {summary: "Working tokens (admins: anyone's, ?username=; others: their own), never their secret",
		result: map[string]any{"id": oaInt, "name": oaString, "username": oaString, "created_at": oaTime, "expires_at": oaTime, "last_used_at": oaTime}},
	"DELETE /api/v1/tokens/{id}":                {summary: "Revoke a token: refused at once afterwards"},
	"GET /api/v1/access-review":                 {summary: "Every account with roles, supplier, last sign-in, agreements accepted and token use, by supplier (?quarter=YYYY-Qn)"},
	"POST /api/v1/access-review/certifications": {summary: "Certify a supplier's access review for a quarter (supplier \"\" : enterprise staff)", body: map[string]any{"supplier": oaString, "quarter": oaString, "note": oaString}, status: "201"},
	"POST /api/v1/articles/{id}/retire/cancel":  {summary: "Cancel a retirement waiting for a second knowledge manager", body: map[string]any{"reason": oaString}, required: []string{"reason"}},
	"PUT /api/v1/audits/{id}/needs-reviewer":    {summary: "Require (or not) that an auditor who did no fieldwork signs the audit off", body: map[string]any{"needs_reviewer": oaBool}, required: []string{"needs_reviewer"}},
	"POST /api/v1/attachments": {summary: "Upload an image or file (PNG, JPEG, GIF, WebP, PDF, text, CSV; recognised by content; at most 10 MiB, 413 beyond)",
		bodyType: "multipart/form-data", body: map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, required: []string{"file"}, status: "201",
		result: map[string]any{"id": oaInt, "sha256": oaString, "name": oaString, "content_type": oaString, "size": oaInt, "url": oaString}},

	// CMDB (issue 11).
	"PUT /api/v1/cmdb/items/{key}": {summary: "Store a configuration item as the CMDB delivers it (201 new, 200 changed or unchanged)",
		body: map[string]any{"class": oaString, "name": oaString, "status": oaString, "environment": oaString, "owner": oaString, "request_types": oaStrings,
			"attributes": map[string]any{"type": "object", "additionalProperties": oaObject(map[string]any{"value": oaString, "shared": oaBool})},
			"relations":  oaArray(oaObject(map[string]any{"type": oaString, "to": oaString}))},
		required: []string{"class", "name"}, result: map[string]any{"key": oaString, "version": oaInt, "changed": oaBool}},
	"GET /api/v1/cmdb/items/{key}": {summary: "A configuration item (agents: ticket_ref, CMDB agreement, scope, quota; only shared attributes)",
		result: map[string]any{"key": oaString, "class": oaString, "name": oaString, "status": oaString, "environment": oaString, "version": oaInt,
			"attributes": map[string]any{"type": "object", "additionalProperties": oaString}, "relations": oaArray(oaObject(map[string]any{"type": oaString, "to": oaString, "name": oaString})),
			"request_types": oaStrings, "articles": oaArray(oaInt)}},
	"GET /api/v1/cmdb/items/{key}/versions": {summary: "A configuration item's versions (enterprise staff)"},
	"GET /api/v1/cmdb/search": {summary: "Search configuration items by key, name and shared values (agents: at most 20 hits, ticket_ref)",
		result: map[string]any{"hits": oaArray(oaObject(map[string]any{"key": oaString, "name": oaString, "class": oaString}))}},
	"PUT /api/v1/cmdb/agreement": {summary: "Publish a new version of the CMDB agreement", body: map[string]any{"text": oaString}, required: []string{"text"},
		result: map[string]any{"version": oaInt}},
	"GET /api/v1/cmdb/agreement": {summary: "The current CMDB agreement (404 when none is published)",
		result: map[string]any{"version": oaInt, "text": oaString, "accepted": oaBool, "published_at": oaTime}},
	"POST /api/v1/cmdb/agreement/accept":     {summary: "Accept the current CMDB agreement", body: map[string]any{"version": oaInt}, required: []string{"version"}},
	"PUT /api/v1/suppliers/{key}/cmdb-quota": {summary: "Set a supplier's CMDB lookups per agent per UTC day", body: map[string]any{"per_day": oaInt}, required: []string{"per_day"}},
	"GET /api/v1/cmdb/access": {summary: "The CMDB access log",
		result: map[string]any{"total": oaInt, "entries": oaArray(oaObject(map[string]any{"at": oaTime, "username": oaString, "supplier": oaString, "key": oaString,
			"ticket_ref": oaString, "outcome": oaEnum("shown", "not_found", "agreement_required", "quota_exceeded", "invalid"), "version": oaInt}))}},
	"GET /api/v1/cmdb/access/flags": {summary: "What the CMDB access log shows that is worth a look"},
	"GET /api/v1/cmdb/access.csv":   {summary: "The CMDB access log as CSV"},
}

var gapsQuery = map[string]any{"since": oaDate, "until": oaDate, "supplier": oaString, "request_type": oaString}

// errorStatuses are the error answers of API.md's conventions.
var errorStatuses = map[string]string{
	"400": "Malformed JSON or an unknown field",
	"401": "No or bad token",
	"403": "Role or supplier scope forbids (code agreement_required until the usage agreement is accepted; password_change_required while the password is temporary; scope_required for a service-account token outside its scopes)",
	"404": "Unknown, or not visible to the caller",
	"409": "State conflict",
	"413": "Request body over 1 MiB",
	"422": "Well-formed but invalid; fields names each bad field",
	"429": "Throttled; see Retry-After",
}

// handleOpenAPI publishes the API as OpenAPI 3.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPI())
}

// openAPI is the API as OpenAPI 3, built from the routing table so it can never drift from
// what is served, with the bodies and answers of API.md's calls. /api/v1/docs renders it.
func (s *Server) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	errRef := map[string]any{"$ref": "#/components/schemas/Error"}
	for _, rt := range s.table {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		doc := apiDocs[rt.pattern]
		summary := doc.summary
		if summary == "" {
			summary = strings.ToLower(method) + " " + path
		}
		okStatus := doc.status
		if okStatus == "" {
			okStatus = "200"
		}
		success := map[string]any{"description": "Success"}
		if strings.HasSuffix(path, ".csv") {
			success["content"] = map[string]any{"text/csv": map[string]any{"schema": oaString}}
		} else if path == "/api/v1/docs" {
			success["content"] = map[string]any{"text/html": map[string]any{"schema": oaString}}
		} else if path == "/api/v1/journal" {
			success["content"] = map[string]any{"application/x-ndjson": map[string]any{"schema": oaString}}
		} else {
			schema := map[string]any{}
			if doc.result != nil {
				schema = oaObject(doc.result)
			}
			success["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
		}
		responses := map[string]any{okStatus: success}
		for st, desc := range errorStatuses {
			if rt.access.public && (st == "401" || st == "403") && path != "/api/v1/auth/token" {
				continue
			}
			if st == "429" && path != "/api/v1/auth/token" {
				continue
			}
			responses[st] = map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
		}
		op := map[string]any{
			"summary":     summary,
			"operationId": operationID(method, path),
			"responses":   responses,
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			schema := oaInt
			if m[1] == "key" || m[1] == "username" {
				schema = oaString
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": schema})
		}
		for _, name := range sortedKeys(doc.query) {
			params = append(params, map[string]any{"name": name, "in": "query", "schema": doc.query[name]})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.access.public {
			op["security"] = []any{}
		} else if rt.access.roles != nil {
			var rs []string
			for _, ro := range rt.access.roles {
				rs = append(rs, string(ro))
			}
			op["description"] = "Roles: " + strings.Join(rs, ", ")
		} else {
			op["description"] = "Any signed-in user"
		}
		if sc := rt.access.scope; sc != "" {
			op["description"] = op["description"].(string) + "; service-account tokens need the scope " + string(sc)
		} else if !rt.access.public {
			op["description"] = op["description"].(string) + "; not for service-account tokens"
		}
		if doc.body != nil {
			schema := map[string]any{"type": "object", "properties": doc.body}
			if len(doc.required) > 0 {
				schema["required"] = doc.required
			}
			bodyType := doc.bodyType
			if bodyType == "" {
				bodyType = "application/json"
			}
			op["requestBody"] = map[string]any{"required": len(doc.required) > 0,
				"content": map[string]any{bodyType: map[string]any{"schema": schema}}}
		} else if method == http.MethodPost || method == http.MethodPut {
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "Attest API", "version": "1"},
		"servers": []map[string]string{{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]string{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"Error": oaObject(map[string]any{"error": map[string]any{"type": "object", "required": []string{"code", "message"},
				"properties": map[string]any{"code": oaString, "message": oaString, "fields": map[string]any{"type": "object", "additionalProperties": oaString}}}})},
		},
		"security": []map[string][]string{{"bearer": {}}},
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// operationID names an operation uniquely: its method and path in words.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/") {
		part = strings.Trim(part, "{}")
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}
