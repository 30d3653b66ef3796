package cmdb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"attest"
	"attest/accounts"
)

// Record is a CI as JSON: the body of PUT /api/v1/cmdb/items/{key} and, with "key", one line
// of a JSON Lines import.
type Record struct {
	Key          string                     `json:"key,omitempty"`
	Class        string                     `json:"class"`
	Name         string                     `json:"name"`
	Status       string                     `json:"status"`
	Environment  string                     `json:"environment"`
	Owner        string                     `json:"owner"`
	RequestTypes []string                   `json:"request_types"`
	Attributes   map[string]RecordAttribute `json:"attributes"`
	Relations    []Relation                 `json:"relations"`
}

// RecordAttribute is an attribute in a Record.
type RecordAttribute struct {
	Value  string `json:"value"`
	Shared bool   `json:"shared"`
}

// Input turns a Record into what Put takes.
func (r Record) Input(key string) Input {
	in := Input{Key: key, Class: r.Class, Name: r.Name, Status: r.Status, Environment: r.Environment, Owner: r.Owner,
		RequestTypes: r.RequestTypes}
	for name, a := range r.Attributes {
		in.Attributes = append(in.Attributes, Attribute{Name: name, Value: a.Value, Shared: a.Shared})
	}
	for _, rel := range r.Relations {
		in.Relations = append(in.Relations, Relation{Type: rel.Type, To: rel.To})
	}
	return in
}

// Line is one CI read from an import file, with where it came from.
type Line struct {
	N     int
	Input Input
	// Err says why the line could not be read (the CI is then skipped).
	Err string
}

// ReadFile reads an import file: CSV (header key,class,name,status,environment,owner,
// request_types, shared:NAME / restricted:NAME columns, relations) or JSON Lines (one Record per
// line), told apart by the first character. Lines that cannot be read are returned with Err.
// Errors: EINVALID for a file that is neither (a CSV without the key column, for example).
func ReadFile(r io.Reader) ([]Line, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, attest.Errorf(attest.EINVALID, "The file is empty.")
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			br.ReadByte()
			continue
		}
		if b[0] == '{' {
			return readJSONLines(br)
		}
		return readCSV(br)
	}
}

func readJSONLines(r io.Reader) ([]Line, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 4<<20)
	var out []Line
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			out = append(out, Line{N: n, Input: Input{Key: rec.Key}, Err: "not a valid CI record: " + err.Error()})
			continue
		}
		out = append(out, Line{N: n, Input: rec.Input(rec.Key)})
	}
	if err := sc.Err(); err != nil {
		return nil, attest.Errorf(attest.EINVALID, "Line %d: %v.", n+1, err)
	}
	return out, nil
}

var csvFixed = []string{"key", "class", "name", "status", "environment", "owner", "request_types"}

func readCSV(r io.Reader) ([]Line, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, attest.Errorf(attest.EINVALID, "Could not read the CSV header: %v.", err)
	}
	col := map[string]int{}
	type attrCol struct {
		i      int
		name   string
		shared bool
	}
	var attrs []attrCol
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch {
		case strings.HasPrefix(h, "shared:"):
			attrs = append(attrs, attrCol{i, strings.TrimSpace(h[len("shared:"):]), true})
		case strings.HasPrefix(h, "restricted:"):
			attrs = append(attrs, attrCol{i, strings.TrimSpace(h[len("restricted:"):]), false})
		default:
			col[h] = i
		}
	}
	if _, ok := col["key"]; !ok {
		return nil, attest.Errorf(attest.EINVALID, "The CSV header has no key column (expected %s, then shared:NAME or restricted:NAME columns and relations).", strings.Join(csvFixed, ","))
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []Line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				out = append(out, Line{N: pe.StartLine, Err: pe.Err.Error()})
				continue
			}
			return nil, attest.Errorf(attest.EINVALID, "Could not read the CSV: %v.", err)
		}
		in := Input{Key: strings.TrimSpace(get(rec, "key")), Class: get(rec, "class"), Name: get(rec, "name"), Status: get(rec, "status"),
			Environment: get(rec, "environment"), Owner: get(rec, "owner")}
		for _, rt := range strings.Split(get(rec, "request_types"), ";") {
			if rt = strings.TrimSpace(rt); rt != "" {
				in.RequestTypes = append(in.RequestTypes, rt)
			}
		}
		for _, a := range attrs {
			if a.i < len(rec) && strings.TrimSpace(rec[a.i]) != "" {
				in.Attributes = append(in.Attributes, Attribute{Name: a.name, Value: rec[a.i], Shared: a.shared})
			}
		}
		l := Line{N: line, Input: in}
		for _, rel := range strings.Split(get(rec, "relations"), ";") {
			if rel = strings.TrimSpace(rel); rel == "" {
				continue
			}
			typ, to, ok := strings.Cut(rel, ">")
			if !ok {
				l.Err = fmt.Sprintf("relation %q: write type>key", clip(rel, 60))
				break
			}
			l.Input.Relations = append(l.Input.Relations, Relation{Type: strings.TrimSpace(typ), To: strings.TrimSpace(to)})
		}
		out = append(out, l)
	}
	return out, nil
}

// ImportOptions control an import.
type ImportOptions struct {
	// Full marks CIs the file does not have as retired.
	Full bool
	// Progress, when set, is called after each batch with the CIs done and the total.
	Progress func(done, total int)
	// BatchSize is the number of CIs per transaction (default 500): small enough that a
	// running server's writes wait briefly between batches.
	BatchSize int
}

// Failure names a CI that could not be imported and why.
type Failure struct {
	Line   int
	Key    string
	Reason string
}

// ImportReport says what an import did.
type ImportReport struct {
	Created, Updated, Unchanged, Retired int
	Failed                               []Failure
	// RetireSkipped is set when --full did not retire anything because some lines could not
	// be read at all (their CIs would have been retired by mistake).
	RetireSkipped bool
}

// Import loads CIs, idempotent by key: each CI is Put (a new version only when it changed),
// in batches of BatchSize per transaction, relation targets before the CIs that point at
// them. Lines that fail are reported and skipped. With Full, CIs missing from the file are
// retired (a new version with status retired). Admins only. Errors: EFORBIDDEN.
func (s *Store) Import(ctx context.Context, actor *accounts.User, lines []Line, opt ImportOptions) (*ImportReport, error) {
	if err := forbid(actor, "Only admins import configuration items.", accounts.RoleAdmin); err != nil {
		return nil, err
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	rep := &ImportReport{}
	seen := map[string]bool{}
	type job struct {
		line int
		key  string
		c    content
	}
	var jobs []job
	unkeyed := false
	for _, l := range lines {
		key := strings.TrimSpace(l.Input.Key)
		if key != "" {
			if seen[key] {
				rep.Failed = append(rep.Failed, Failure{l.N, key, "the key appears earlier in the file"})
				continue
			}
			seen[key] = true
		} else {
			unkeyed = true
		}
		if l.Err != "" {
			rep.Failed = append(rep.Failed, Failure{l.N, key, l.Err})
			continue
		}
		c, fields := normalize(l.Input)
		if len(fields) > 0 {
			rep.Failed = append(rep.Failed, Failure{l.N, key, attest.FieldError(fields).Message})
			continue
		}
		jobs = append(jobs, job{l.N, key, c})
	}
	// Targets first: a depth-first order over relations within the file.
	index := map[string]int{}
	for i, j := range jobs {
		index[j.key] = i
	}
	state := make([]uint8, len(jobs))
	order := make([]int, 0, len(jobs))
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return
		}
		state[i] = 1
		for _, r := range jobs[i].c.Relations {
			if t, ok := index[r.To]; ok {
				visit(t)
			}
		}
		state[i] = 2
		order = append(order, i)
	}
	for i := range jobs {
		visit(i)
	}
	total := len(jobs)
	done := 0
	for start := 0; start < len(order); start += opt.BatchSize {
		batch := order[start:min(start+opt.BatchSize, len(order))]
		var failed []Failure
		var created, updated, unchanged int
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			failed, created, updated, unchanged = nil, 0, 0, 0
			p := newPutter(tx, actor.Username, s.clock())
			for _, i := range batch {
				j := jobs[i]
				res, err := p.put(ctx, j.key, j.c)
				switch {
				case attest.ErrorCode(err) == attest.EINVALID:
					failed = append(failed, Failure{j.line, j.key, attest.ErrorMessage(err)})
				case err != nil:
					return err
				case res.Created:
					created++
				case res.Changed:
					updated++
				default:
					unchanged++
				}
			}
			return nil
		})
		if err != nil {
			return rep, wrap("import", err)
		}
		rep.Failed = append(rep.Failed, failed...)
		rep.Created += created
		rep.Updated += updated
		rep.Unchanged += unchanged
		done += len(batch)
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
	}
	if opt.Full {
		if unkeyed {
			rep.RetireSkipped = true
			return rep, nil
		}
		n, err := s.retireMissing(ctx, actor, seen, opt.BatchSize)
		rep.Retired = n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// retireMissing gives every CI not in keep and not retired yet a new version with status retired.
func (s *Store) retireMissing(ctx context.Context, actor *accounts.User, keep map[string]bool, batchSize int) (int, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT key FROM cmdb_items WHERE status != 'retired'`)
	if err != nil {
		return 0, fmt.Errorf("cmdb: retire: %w", err)
	}
	var gone []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("cmdb: retire: %w", err)
		}
		if !keep[k] {
			gone = append(gone, k)
		}
	}
	rows.Close()
	n := 0
	for start := 0; start < len(gone); start += batchSize {
		batch := gone[start:min(start+batchSize, len(gone))]
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			p := newPutter(tx, actor.Username, s.clock())
			for _, k := range batch {
				var raw []byte
				if err := tx.QueryRowContext(ctx, `SELECT v.content FROM cmdb_versions v JOIN cmdb_items i ON i.id = v.item_id AND v.number = i.version WHERE i.key = ?`, k).Scan(&raw); err != nil {
					return err
				}
				c, err := decodeContent(raw)
				if err != nil {
					return err
				}
				c.Status = StatusRetired
				if _, err := p.put(ctx, k, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, wrap("retire", err)
		}
		n += len(batch)
	}
	return n, nil
}
