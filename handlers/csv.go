package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"

	"attest"
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

// readCSV reads an uploaded CSV file into rows (any number of cells per row, a leading BOM
// ignored), undoing the apostrophe csvCell puts before a cell a spreadsheet would read as a
// formula, so that an export imports as it was. Errors: EINVALID naming "file".
func readCSV(data []byte) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		msg := "not readable as CSV: " + err.Error()
		return nil, &attest.Error{Code: attest.EINVALID, Message: "The file was not imported: " + msg + ".", Fields: map[string]string{"file": msg}}
	}
	for _, row := range rows {
		for i, c := range row {
			if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(c[1])) {
				row[i] = c[1:]
			}
		}
	}
	return rows, nil
}
