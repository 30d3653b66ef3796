package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"attest"
	"attest/cmdb"
	"attest/views"
)

// cmdbAccessFilter reads the access log's filters: username, supplier, outcome, since and
// until (YYYY-MM-DD or an RFC 3339 time), limit and offset.
func cmdbAccessFilter(r *http.Request) (cmdb.AccessFilter, error) {
	q := r.URL.Query()
	f := cmdb.AccessFilter{}
	str := func(name string) *string {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			return &v
		}
		return nil
	}
	f.Username, f.Supplier, f.Outcome = str("username"), str("supplier"), str("outcome")
	fields := map[string]string{}
	day := func(name string) *time.Time {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, v); err != nil {
				fields[name] = "a date YYYY-MM-DD"
				return nil
			}
		}
		return &t
	}
	f.Since, f.Until = day("since"), day("until")
	limit, offset, err := listParams(r)
	if err != nil {
		return f, err
	}
	if len(fields) > 0 {
		return f, attest.FieldError(fields)
	}
	f.Limit, f.Offset = limit, offset
	return f, nil
}

// handleCMDBAccessList lists the access log: JSON on the API; on the page, with its flags.
func (s *Server) handleCMDBAccessList(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), actor(r)
	f, err := cmdbAccessFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !isAPI(r) && r.URL.Query().Get("limit") == "" {
		f.Limit = 50
	}
	entries, total, err := s.CMDB.AccessLog(ctx, u, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if isAPI(r) {
		out := make([]map[string]any, 0, len(entries))
		for _, e := range entries {
			out = append(out, cmdbAccessJSON(e))
		}
		writeJSON(w, http.StatusOK, map[string]any{"total": total, "entries": out})
		return
	}
	flags, err := s.CMDB.Flags(ctx, u, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("limit")
	q.Del("offset")
	v := views.CMDBAccessView{Entries: entries, Total: total, Flags: flags, Filter: map[string]string{}, Outcomes: cmdb.Outcomes,
		CSV: "/cmdb/access.csv?" + q.Encode(), Offset: f.Offset, Limit: f.Limit}
	for _, k := range []string{"username", "supplier", "outcome", "since", "until"} {
		v.Filter[k] = q.Get(k)
	}
	if f.Offset+f.Limit < total {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		nq.Set("offset", strconv.Itoa(f.Offset+f.Limit))
		v.NextPage = "/cmdb/access?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, views.CMDBAccess(s.page(r, "CMDB access log"), v))
}

func cmdbAccessJSON(e cmdb.Access) map[string]any {
	return map[string]any{"at": e.At.UTC().Format("2006-01-02T15:04:05Z"), "username": e.Username, "supplier": e.Supplier,
		"kind": e.Kind, "key": e.Key, "query": e.Query, "ticket_ref": e.TicketRef, "outcome": e.Outcome, "version": e.Version}
}

// handleCMDBAccessFlags lists what the access log shows that is worth a look.
func (s *Server) handleCMDBAccessFlags(w http.ResponseWriter, r *http.Request) {
	f, err := cmdbAccessFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flags, err := s.CMDB.Flags(r.Context(), actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if flags == nil {
		flags = []cmdb.Flag{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"flags": flags})
}

// handleCMDBAccessCSV exports the filtered access log (every matching record) as CSV.
func (s *Server) handleCMDBAccessCSV(w http.ResponseWriter, r *http.Request) {
	f, err := cmdbAccessFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Limit, f.Offset = 0, 0
	entries, _, err := s.CMDB.AccessLog(r.Context(), actor(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := [][]string{{"at", "username", "supplier", "kind", "key", "query", "ticket_ref", "outcome", "version"}}
	for _, e := range entries {
		rows = append(rows, []string{e.At.UTC().Format(time.RFC3339), e.Username, e.Supplier, e.Kind, e.Key,
			e.Query, e.TicketRef, e.Outcome, strconv.Itoa(e.Version)})
	}
	s.writeCSV(w, r, "cmdb-access.csv", rows)
}
