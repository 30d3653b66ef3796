package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"attest/views"
)

// docsRoutes: the API reference page.
func (s *Server) docsRoutes() []route {
	return []route{
		// Public like openapi.json: integrators read it before they hold a token.
		{"GET /api/v1/docs", public, s.handleAPIDocs},
	}
}

// The parts of an OpenAPI 3 document the reference page shows.
type (
	oaDocument struct {
		Paths map[string]map[string]oaOperation `json:"paths"`
	}
	oaOperation struct {
		Summary     string        `json:"summary"`
		Description string        `json:"description"`
		OperationID string        `json:"operationId"`
		Parameters  []oaParameter `json:"parameters"`
		RequestBody *struct {
			Content map[string]oaMedia `json:"content"`
		} `json:"requestBody"`
		Responses map[string]struct {
			Description string             `json:"description"`
			Content     map[string]oaMedia `json:"content"`
		} `json:"responses"`
		Security *[]any `json:"security"`
	}
	oaParameter struct {
		Name     string   `json:"name"`
		In       string   `json:"in"`
		Required bool     `json:"required"`
		Schema   oaSchema `json:"schema"`
	}
	oaMedia struct {
		Schema oaSchema `json:"schema"`
	}
	oaSchema struct {
		Ref                  string              `json:"$ref"`
		Type                 string              `json:"type"`
		Format               string              `json:"format"`
		Enum                 []any               `json:"enum"`
		Items                *oaSchema           `json:"items"`
		Properties           map[string]oaSchema `json:"properties"`
		Required             []string            `json:"required"`
		AdditionalProperties *oaSchema           `json:"additionalProperties"`
		MinLength            *int                `json:"minLength"`
		MaxLength            *int                `json:"maxLength"`
	}
)

// handleAPIDocs renders the OpenAPI document as a page: the same document openapi.json
// serves, read back, so the two never differ.
func (s *Server) handleAPIDocs(w http.ResponseWriter, r *http.Request) {
	raw, err := json.Marshal(s.openAPI())
	if err != nil {
		s.fail(w, r, fmt.Errorf("handlers: api docs: %w", err))
		return
	}
	var doc oaDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		s.fail(w, r, fmt.Errorf("handlers: api docs: %w", err))
		return
	}
	s.render(w, r, http.StatusOK, views.APIDocs(s.page(r, "API reference"), apiDocsData(doc)))
}

var methodOrder = []string{"get", "post", "put", "patch", "delete"}

// apiDocsData groups the document's operations by area, paths in order, methods in the
// order GET, POST, PUT, PATCH, DELETE.
func apiDocsData(doc oaDocument) views.APIDocsData {
	paths := sortedKeys(anyMap(doc.Paths))
	var d views.APIDocsData
	for _, path := range paths {
		area, _, _ := strings.Cut(strings.TrimPrefix(path, "/api/v1/"), "/")
		if i := len(d.Groups) - 1; i < 0 || d.Groups[i].ID != "area-"+area {
			name := strings.ToUpper(area[:1]) + strings.ReplaceAll(area[1:], "-", " ")
			if area == "openapi.json" {
				name = "OpenAPI document"
			}
			d.Groups = append(d.Groups, views.APIDocGroup{Name: name, ID: "area-" + area})
		}
		g := &d.Groups[len(d.Groups)-1]
		methods := doc.Paths[path]
		for _, m := range methodOrder {
			op, ok := methods[m]
			if !ok {
				continue
			}
			g.Ops = append(g.Ops, apiDocOp(strings.ToUpper(m), path, op))
		}
	}
	return d
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func apiDocOp(method, path string, op oaOperation) views.APIDocOp {
	v := views.APIDocOp{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Access: strings.TrimPrefix(op.Description, "Roles: ")}
	if op.Security != nil && len(*op.Security) == 0 {
		v.Access = "Anyone (no token needed)"
	}
	for _, p := range op.Parameters {
		v.Params = append(v.Params, views.APIDocField{Name: p.Name, In: p.In, Type: schemaText(p.Schema), Required: p.Required})
	}
	if op.RequestBody != nil {
		if m, ok := op.RequestBody.Content["application/json"]; ok {
			v.Body = schemaFields(m.Schema)
		}
	}
	for _, st := range sortedKeys(anyMap(op.Responses)) {
		resp := op.Responses[st]
		if st < "400" {
			v.Success = st
			for ct, m := range resp.Content {
				v.ContentType = ct
				if ct == "application/json" {
					v.Result = schemaFields(m.Schema)
				}
			}
			continue
		}
		v.Errors = append(v.Errors, views.APIDocField{Name: st, Type: resp.Description})
	}
	return v
}

// schemaFields lists an object schema's properties, required ones first.
func schemaFields(s oaSchema) []views.APIDocField {
	var out []views.APIDocField
	for _, name := range sortedKeys(anyMap(s.Properties)) {
		out = append(out, views.APIDocField{Name: name, Type: schemaText(s.Properties[name]), Required: slices.Contains(s.Required, name)})
	}
	slices.SortStableFunc(out, func(a, b views.APIDocField) int {
		switch {
		case a.Required == b.Required:
			return 0
		case a.Required:
			return -1
		}
		return 1
	})
	return out
}

// schemaText says in words what a schema admits.
func schemaText(s oaSchema) string {
	switch {
	case s.Ref != "":
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	case len(s.Enum) > 0:
		var vs []string
		for _, e := range s.Enum {
			if str, ok := e.(string); ok {
				vs = append(vs, fmt.Sprintf("%q", str))
			} else {
				vs = append(vs, fmt.Sprint(e))
			}
		}
		return "one of " + strings.Join(vs, ", ")
	case s.Type == "array" && s.Items != nil:
		return "array of " + schemaText(*s.Items)
	case s.Type == "object" && len(s.Properties) > 0:
		return "object {" + strings.Join(sortedKeys(anyMap(s.Properties)), ", ") + "}"
	case s.Type == "object" && s.AdditionalProperties != nil:
		return "object mapping names to " + schemaText(*s.AdditionalProperties)
	case s.Type == "":
		return "any JSON value"
	}
	t := s.Type
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if s.MinLength != nil && s.MaxLength != nil {
		t += fmt.Sprintf(", %d–%d characters", *s.MinLength, *s.MaxLength)
	}
	return t
}
