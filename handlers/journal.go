package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"attest"
	"attest/journal"
	"attest/views"
)

// handleJournal serves the journal: JSON lines on the API (all entries since `since`,
// streamed in pages), a verified, paged table in the UI.
func (s *Server) handleJournal(w http.ResponseWriter, r *http.Request) {
	since := r.URL.Query().Get("since")
	if since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			d, derr := time.Parse("2006-01-02", since)
			if derr != nil {
				s.fail(w, r, attest.FieldError(map[string]string{"since": "an RFC 3339 time or a YYYY-MM-DD date"}))
				return
			}
			t = d
		}
		since = t.UTC().Format("2006-01-02T15:04:05.000000000Z")
	}
	ctx := r.Context()
	if isAPI(r) {
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		enc := json.NewEncoder(w)
		var after int64
		for {
			page, err := journal.List(ctx, s.DB.Read, since, after, 1000)
			if err != nil {
				s.log.ErrorContext(ctx, "journal", "err", err)
				return
			}
			for _, e := range page {
				enc.Encode(e)
			}
			if len(page) < 1000 {
				return
			}
			after = page[len(page)-1].ID
		}
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	entries, err := journal.List(ctx, s.DB.Read, since, after, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	anchors, err := s.Audit.JournalAnchors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, verr := journal.Verify(ctx, s.DB.Read, anchors...)
	problem := ""
	var bad *journal.BadEntry
	if errors.As(verr, &bad) {
		problem = bad.Error()
	} else if verr != nil {
		s.fail(w, r, verr)
		return
	}
	var next int64
	if len(entries) == 200 {
		next = entries[len(entries)-1].ID
	}
	s.render(w, r, http.StatusOK, views.Journal(s.page(r, "Journal"), entries, n, problem, next))
}
