package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"attest"
	"attest/views"
)

// maxBody is the largest request body accepted (API.md: over 1 MiB gets 413).
const maxBody = 1 << 20

// status maps an error code to its HTTP status.
func status(code string) int {
	switch code {
	case attest.EINVALID:
		return http.StatusUnprocessableEntity
	case attest.EBADREQ:
		return http.StatusBadRequest
	case attest.ENOTFOUND:
		return http.StatusNotFound
	case attest.EFORBIDDEN, attest.EAGREEMENT, attest.ECMDBAGREEMENT:
		return http.StatusForbidden
	case attest.EUNAUTH:
		return http.StatusUnauthorized
	case attest.ECONFLICT, attest.ESTALE:
		return http.StatusConflict
	case attest.ETHROTTLED, attest.EQUOTA:
		return http.StatusTooManyRequests
	case attest.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case attest.EMETHOD:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// fail answers err in the form the caller reads: API JSON, an htmx fragment or a page.
// Only internal errors are logged; users see a safe message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := attest.ErrorCode(err)
	st := status(code)
	if code == attest.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var e *attest.Error
	errors.As(err, &e)
	if e != nil && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	msg := attest.ErrorMessage(err)
	switch {
	case isAPI(r):
		body := map[string]any{}
		inner := map[string]any{"code": code, "message": msg}
		if e != nil && len(e.Fields) > 0 {
			inner["fields"] = e.Fields
		}
		if e != nil {
			for k, v := range e.Extra {
				body[k] = v
				inner[k] = v
			}
		}
		body["error"] = inner
		writeJSON(w, st, body)
	case isHTMX(r):
		w.WriteHeader(st)
		views.ErrorFragment(msg).Render(r.Context(), w)
	default:
		if code == attest.EAGREEMENT {
			http.Redirect(w, r, "/agreement", http.StatusSeeOther)
			return
		}
		if code == attest.ECMDBAGREEMENT {
			http.Redirect(w, r, "/cmdb/agreement", http.StatusSeeOther)
			return
		}
		if st == http.StatusUnauthorized {
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.render(w, r, st, views.ErrorPage(s.page(r, errorTitleFor(st)), st, msg))
	}
}

func errorTitleFor(st int) string {
	if t := http.StatusText(st); t != "" {
		return t
	}
	return "Error"
}

// writeJSON writes v as the JSON answer with status st.
func writeJSON(w http.ResponseWriter, st int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"could not encode the answer"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(st)
	w.Write(buf.Bytes())
}

// decode reads a JSON body strictly into v: unknown fields and trailing data are refused (400),
// so are bodies over maxBody (413); a value of the wrong type names its field (422).
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return attest.Errorf(attest.ETOOLARGE, "The request body is larger than 1 MiB.")
	}
	if err != nil {
		return attest.Errorf(attest.EBADREQ, "Could not read the request body.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return attest.FieldError(map[string]string{field: fmt.Sprintf("must be a JSON %s", jsonKind(te.Type.Kind().String()))})
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
			return attest.Errorf(attest.EBADREQ, "The body is not valid JSON: %v.", err)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return attest.Errorf(attest.EBADREQ, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return attest.Errorf(attest.EBADREQ, "The body is not valid JSON: %v.", err)
		}
	}
	if dec.More() {
		return attest.Errorf(attest.EBADREQ, "The body holds more than one JSON value.")
	}
	return nil
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "bool":
		return "boolean"
	case k == "slice":
		return "array"
	case k == "map", k == "struct":
		return "object"
	default:
		return k
	}
}

// render writes a templ component as the HTML answer with status st.
func (s *Server) render(w http.ResponseWriter, r *http.Request, st int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.ErrorContext(r.Context(), "render", "path", r.URL.Path, "err", err)
		http.Error(w, "Something went wrong while drawing this page.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(st)
	w.Write(buf.Bytes())
}

// pathID parses a path value as a positive integer id. Errors: ENOTFOUND.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, attest.Errorf(attest.ENOTFOUND, "No such %s.", name)
	}
	return id, nil
}

// listParams reads limit (default 10, capped at 100) and offset (≥ 0).
func listParams(r *http.Request) (limit, offset int, err error) {
	limit, offset = 10, 0
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return 0, 0, attest.FieldError(map[string]string{"limit": "must be a whole number ≥ 0"})
		}
		limit = n
	}
	if limit == 0 {
		limit = 10
	}
	limit = min(limit, 100)
	if v := q.Get("offset"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return 0, 0, attest.FieldError(map[string]string{"offset": "must be a whole number ≥ 0"})
		}
		offset = n
	}
	return limit, offset, nil
}

// reasonInput reads the reason of an action that needs one (decline, revoke, retire,
// dismiss…): {"reason"} on the API, the form field reason otherwise.
func reasonInput(r *http.Request) (string, error) {
	if !isAPI(r) {
		return r.PostFormValue("reason"), nil
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return "", err
	}
	return in.Reason, nil
}
