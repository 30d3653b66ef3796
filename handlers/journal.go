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
	q := r.URL.Query()
	d := views.JournalData{Query: q}
	f, err := journal.ParseFilter(q.Get("who"), q.Get("action"), q.Get("object"), q.Get("from"), q.Get("to"))
	if err != nil {
		d.Form = formOf(r, err)
		for _, k := range []string{"who", "action", "object", "from", "to"} {
			d.Form.Values[k] = q.Get(k)
		}
	} else {
		before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
		if d.Entries, d.More, err = journal.Find(ctx, s.DB.Read, f, before, journalPage); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Filter, d.Paged = f, before > 0
	}
	if d.Words, err = journal.Words(ctx, s.DB.Read); err != nil {
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
	d.Verified, d.Problem = n, problem
	st := http.StatusOK
	if d.Form.Errors != nil {
		st = http.StatusUnprocessableEntity
	}
	s.render(w, r, st, views.Journal(s.page(r, "Journal"), d))
}

// journalPage is how many entries a page of the journal shows.
const journalPage = 50

// journalCSVLimit bounds one CSV export of the journal.
const journalCSVLimit = 50000

// handleJournalCSV exports the entries the journal page's filters select, newest first.
func (s *Server) handleJournalCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := journal.ParseFilter(q.Get("who"), q.Get("action"), q.Get("object"), q.Get("from"), q.Get("to"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, _, err := journal.Find(r.Context(), s.DB.Read, f, 0, journalCSVLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := [][]string{{"id", "at", "who", "action", "action_label", "object", "detail", "hash"}}
	for _, e := range entries {
		rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.At, e.Actor, e.Action, journal.ActionLabel(e.Action), e.Object, string(e.Detail), e.Hash})
	}
	s.writeCSV(w, r, "journal.csv", rows)
}
