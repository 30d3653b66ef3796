package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
)

// csvCell neutralises a cell a spreadsheet would evaluate as a formula (one starting with =, +,
// -, @, a tab or a carriage return) by prefixing an apostrophe. Exports carry text people typed
// (search queries, titles, notes, findings), so every cell goes through it.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV answers with rows as a CSV attachment named filename. It is the one CSV writer of
// every export, and the one place the formula guard is applied, to every cell.
func (s *Server) writeCSV(w http.ResponseWriter, r *http.Request, filename string, rows [][]string) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cell := []string{}
	for _, row := range rows {
		cell = cell[:0]
		for _, c := range row {
			cell = append(cell, csvCell(c))
		}
		_ = cw.Write(cell) // errors are kept for cw.Error
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
