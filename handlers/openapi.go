package handlers

import (
	"net/http"
	"regexp"
	"strings"
)

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// handleOpenAPI publishes the API as OpenAPI 3, built from the routing table so it can never
// drift from what is served.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	for _, rt := range s.table {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/openapi.json" {
			continue
		}
		op := map[string]any{
			"summary":   strings.ToLower(method) + " " + path,
			"responses": map[string]any{"default": map[string]any{"description": "JSON; errors as {\"error\":{\"code\",\"message\",\"fields\"}}"}},
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
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
		}
		if method == http.MethodPost || method == http.MethodPut {
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]string{"title": "Attest API", "version": "1"},
		"servers": []map[string]string{{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{"securitySchemes": map[string]any{
			"bearer": map[string]string{"type": "http", "scheme": "bearer"}}},
		"security": []map[string][]string{{"bearer": {}}},
	})
}
