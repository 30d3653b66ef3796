package handlers

// The OpenAPI description of the webhook and notification-settings calls, added to apiDocs
// (openapi.go) from their own file.
func init() {
	delivery := map[string]any{"id": oaString, "event": oaString, "status": oaEnum("pending", "delivered", "failed"),
		"attempts": oaInt, "last_error": oaString, "next_at": map[string]any{"type": "string", "format": "date-time", "nullable": true}}
	events := map[string]any{"type": "array", "items": oaEnum("article.approved", "article.withdrawn", "article.retired", "notice.published",
		"certification.granted", "certification.revoked", "certification.expiring", "finding.assigned")}
	for k, v := range map[string]apiDoc{
		"POST /api/v1/webhooks": {summary: "Register a supplier system's webhook: signed POSTs (Attest-Signature) of the events it names, about what the supplier may read",
			body:     map[string]any{"supplier": oaString, "url": oaString, "secret": oaString, "events": events},
			required: []string{"supplier", "url", "secret", "events"}, status: "201", result: map[string]any{"id": oaInt}},
		"GET /api/v1/webhooks/{id}/deliveries": {summary: "A webhook's deliveries, newest first (?limit=&offset=): a JSON array of these",
			result: delivery},
		"POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry": {summary: "Send a delivery again now, with its same id"},
		"PUT /api/v1/me/notifications": {summary: "The caller's e-mail settings: each notification by e-mail, and a daily digest",
			body: map[string]any{"email": oaBool, "digest": oaEnum("off", "daily")}, result: map[string]any{"email": oaBool, "digest": oaString}},
	} {
		apiDocs[k] = v
	}
}
