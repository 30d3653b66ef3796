package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"

	"attest"
	"attest/views"
)

// backTo is where a refused person is sent: the reason flashed on the page at URL, or, when
// Form is set, the page drawn again with the refused form (what was typed and what is wrong).
type backTo struct {
	URL string
	// Note is said before the reason in the flash ("The use was not recorded: ").
	Note string
	Form func(f views.Form) (templ.Component, error)
}

// refuse answers a change the domain refused, the one way every handler does. The API gets
// the error, and so does a person for what a page cannot put right (not signed in, agreement
// pending, malformed request, internal errors; not found, unless a form named what was not
// found). Otherwise the person gets the page back: the form drawn again with the error's
// status, or the reason flashed on to.URL.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error, to backTo) {
	switch code := attest.ErrorCode(err); {
	case code == attest.ENOTFOUND && to.Form != nil:
	case code == attest.EINTERNAL, code == attest.ENOTFOUND, code == attest.EUNAUTH, code == attest.EAGREEMENT,
		code == attest.EBADREQ, code == attest.ETOOLARGE, code == attest.EMETHOD:
		s.fail(w, r, err)
		return
	}
	if isAPI(r) || (to.URL == "" && to.Form == nil) {
		s.fail(w, r, err)
		return
	}
	if to.Form == nil {
		s.flash(r, "error", to.Note+attest.ErrorMessage(err))
		http.Redirect(w, r, to.URL, http.StatusSeeOther)
		return
	}
	c, ferr := to.Form(formOf(r, err))
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	s.render(w, r, status(attest.ErrorCode(err)), c)
}

// formOf keeps what was posted and what was wrong with it (lists joined by commas). Passwords
// are never sent back.
func formOf(r *http.Request, err error) views.Form {
	r.ParseForm()
	f := views.Form{Values: map[string]string{}, Message: attest.ErrorMessage(err)}
	for k, v := range r.PostForm {
		if k != "csrf_token" && !strings.Contains(k, "password") {
			f.Values[k] = strings.Join(v, ",")
		}
	}
	var ae *attest.Error
	if errors.As(err, &ae) {
		f.Errors = ae.Fields
	}
	return f
}

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
	case attest.EFORBIDDEN, attest.EAGREEMENT, attest.EPASSWORD, attest.ESCOPE, attest.ECMDBAGREEMENT:
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
	switch {
	case code == attest.EINTERNAL && r.Context().Err() != nil && errors.Is(err, r.Context().Err()):
		// The client went away (closed the tab, timed out) while the work was under way: the
		// transaction was rolled back, nothing is wrong on our side, and nobody reads the answer.
		s.log.InfoContext(r.Context(), "request abandoned by the client", "method", r.Method, "path", r.URL.Path)
		return
	case code == attest.EINTERNAL:
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
		if code == attest.EPASSWORD {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
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

// checkText refuses a request whose text is not UTF-8 or holds a NUL character, in the query
// string, a form or a JSON body, naming the field (422): such text would be stored as sent and
// break pages, exports and the journal later. A body that is not well-formed is left to the
// handler's decoding (400). The guard calls it for every route.
func checkText(r *http.Request) error {
	fields := map[string]string{}
	bad := func(name, s string) {
		if name == "" {
			name = "body"
		}
		switch {
		case !utf8.ValidString(name):
			fields["body"] = "must be UTF-8 text"
		case !utf8.ValidString(s):
			fields[name] = "must be UTF-8 text"
		case strings.ContainsRune(s, 0) || strings.ContainsRune(name, 0):
			fields[name] = "must not contain NUL characters"
		}
	}
	for k, vs := range r.URL.Query() {
		bad(k, k)
		for _, v := range vs {
			bad(k, v)
		}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case r.Body == nil || r.Body == http.NoBody:
	case ct == "multipart/form-data":
		// The text fields; files are checked by the handlers that store them.
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return attest.Errorf(attest.EBADREQ, "The form is malformed.")
		}
		for k, vs := range r.MultipartForm.Value {
			bad(k, k)
			for _, v := range vs {
				bad(k, v)
			}
		}
	case isAPI(r) || ct == "application/json":
		// The API decodes any body but a multipart upload as JSON, whatever its declared type
		// (curl -d declares a form): reading it as a form would consume it.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return attest.Errorf(attest.EBADREQ, "Could not read the request body.")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		checkJSONText(body, bad)
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return attest.Errorf(attest.EBADREQ, "The form is malformed.")
		}
		for k, vs := range r.PostForm {
			bad(k, k)
			for _, v := range vs {
				bad(k, v)
			}
		}
	}
	if len(fields) > 0 {
		return attest.FieldError(fields)
	}
	return nil
}

// checkJSONText calls bad with the name of the nearest object key and the text of every
// string in body (keys included), its raw bytes standing in when they are not UTF-8 (the
// decoder would replace them). It stops quietly at malformed JSON.
func checkJSONText(body []byte, bad func(name, s string)) {
	type level struct {
		object  bool
		wantKey bool
		key     string
	}
	var stack []level
	dec := json.NewDecoder(bytes.NewReader(body))
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		raw := body[prev:end]
		prev = end
		name := ""
		if len(stack) > 0 {
			name = stack[len(stack)-1].key
		}
		valueDone := func() {
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantKey = true
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{object: true, wantKey: true, key: name})
			case '[':
				stack = append(stack, level{key: name})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if !utf8.Valid(raw) {
				t = string(raw)
			}
			if top := len(stack) - 1; top >= 0 && stack[top].object && stack[top].wantKey {
				bad(t, t)
				stack[top].key, stack[top].wantKey = t, false
				continue
			}
			bad(name, t)
			valueDone()
		default:
			valueDone()
		}
	}
}

// pathID parses a path value as a positive integer id, written the one way ids are written:
// decimal digits without sign or leading zeros (01 and +1 name nothing). Errors: ENOTFOUND.
func pathID(r *http.Request, name string) (int64, error) {
	raw := r.PathValue(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
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
