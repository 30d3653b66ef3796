package handlers

// The OpenAPI description of the scorecard, automation and notice calls, added to apiDocs
// (openapi.go) from their own file, with failure_cause on POST /api/v1/usage.
func init() {
	share := map[string]any{"type": "number", "minimum": 0, "maximum": 1, "nullable": true}
	row := map[string]any{"supplier": oaString, "agents": oaInt, "tickets": oaInt, "resolved_share": share, "link_rate": share,
		"outdated_uses": oaInt, "proposals": oaObject(map[string]any{"submitted": oaInt, "approved": oaInt, "rejected": oaInt,
			"median_hours_to_decision": oaNumber}),
		"approved_contributions": oaInt, "contribution_target": oaInt, "contribution_expected": oaNumber, "feedback_given": oaInt,
		"certification_coverage": share, "open_findings": oaInt, "overdue_findings": oaInt, "audit_score": oaNumber,
		"previous": oaObject(map[string]any{})}
	candidate := map[string]any{"request_type": oaString, "tickets": oaInt, "resolved_share": share,
		"failure_causes": map[string]any{"type": "object", "additionalProperties": oaInt}, "articles_used": oaInt,
		"days_since_major_change": oaInt, "negative_feedback": oaInt, "score": map[string]any{"type": "integer", "minimum": 0, "maximum": 100},
		"reasons": oaStrings, "error_prone": oaBool, "automation_proposed": oaAny}
	notice := map[string]any{"id": oaInt, "title": oaString, "body": oaString, "html": oaString, "until": oaDate, "created_by": oaString}
	for k, v := range map[string]apiDoc{
		"GET /api/v1/reports/suppliers": {summary: "Supplier scorecards for a period (?since=&until=): a JSON array of these rows, one per supplier, each with the previous period's figures",
			result: row},
		"GET /api/v1/reports/suppliers.csv": {summary: "The supplier scorecards as CSV"},
		"PUT /api/v1/suppliers/{key}/contribution-target": {summary: "Set the approved contributions a supplier is expected to make per quarter",
			body: map[string]any{"per_quarter": oaInt}, required: []string{"per_quarter"}},
		"GET /api/v1/reports/automation": {summary: "Request types ranked by how much automation would pay (?since=&until=): a JSON array of these, highest score first",
			result: candidate},
		"POST /api/v1/request-types/{key}/automation": {summary: "Mark a request type “automation proposed” with a note",
			body: map[string]any{"note": oaString}, required: []string{"note"}},
		"POST /api/v1/request-types/{key}/notices": {summary: "Publish a known blocker and its workaround on a request type",
			body: map[string]any{"title": oaString, "body": oaString, "until": oaDate}, required: []string{"title", "body", "until"},
			status: "201", result: map[string]any{"id": oaInt}},
		"DELETE /api/v1/request-types/{key}/notices/{id}": {summary: "End a notice before its last day",
			body: map[string]any{"reason": oaString}, required: []string{"reason"}},
		"GET /api/v1/request-types/{key}/notices": {summary: "The active notices of a request type: a JSON array of these",
			result: notice},
	} {
		apiDocs[k] = v
	}
	usage := apiDocs["POST /api/v1/usage"]
	body := map[string]any{"failure_cause": oaEnum("system_unavailable", "data_error", "policy_violation", "knowledge_wrong",
		"knowledge_missing", "escalated", "other")}
	for k, v := range usage.body {
		body[k] = v
	}
	usage.body = body
	apiDocs["POST /api/v1/usage"] = usage
}
