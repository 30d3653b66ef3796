package cmdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"attest"
	"attest/accounts"
	"attest/database"
	"attest/journal"
)

// StatusRetired is the status of a CI that the CMDB no longer has: hidden from agents, history kept.
const StatusRetired = "retired"

// Attribute is one named value of a CI. Restricted attributes (Shared false) are for
// enterprise roles only and never leave the server for an agent.
type Attribute struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Shared bool   `json:"shared"`
}

// Relation links a CI to another one ("depends_on", "runs_on", "located_at"…).
type Relation struct {
	Type string `json:"type"`
	To   string `json:"to"`
	// Name is the related CI's name (filled on read).
	Name string `json:"name,omitempty"`
}

// Item is a configuration item as one reader sees it.
type Item struct {
	Key          string
	Class        string
	Name         string
	Status       string
	Environment  string
	Owner        string
	Version      int
	Attributes   []Attribute // by name; only shared ones for an agent
	Relations    []Relation  // only to CIs the reader may see
	RequestTypes []string
	// Articles are the ids of active articles whose current version cites [[ci:KEY]] and
	// that the reader may read.
	Articles  []ArticleRef
	UpdatedAt time.Time
	// Restricted tells that the reader sees restricted attributes (enterprise roles).
	Restricted bool
}

// Input is a CI as a sync delivers it (PUT /api/v1/cmdb/items/{key}, a line of an import).
type Input struct {
	Key          string
	Class        string
	Name         string
	Status       string
	Environment  string
	Owner        string
	RequestTypes []string
	Attributes   []Attribute
	Relations    []Relation
}

// content is the canonical form of a version: what is hashed and kept in cmdb_versions.
type content struct {
	Class        string      `json:"class"`
	Name         string      `json:"name"`
	Status       string      `json:"status"`
	Environment  string      `json:"environment"`
	Owner        string      `json:"owner"`
	RequestTypes []string    `json:"request_types"`
	Attributes   []Attribute `json:"attributes"`
	Relations    []Relation  `json:"relations"`
}

var (
	keyRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$`)
	relTypeRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// ValidKey reports whether key may name a CI: letters, digits, '.', '_' and '-', starting with
// a letter or digit, at most 100 characters.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

func text(s string, max int) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", "must be UTF-8 text"
	case utf8.RuneCountInString(s) > max:
		return "", fmt.Sprintf("at most %d characters", max)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "", "printable characters only"
	}
	return s, ""
}

// normalize validates in and returns its canonical content. Request types and relation
// targets are checked against the database by put. Errors: EINVALID with fields.
func normalize(in Input) (content, map[string]string) {
	fields := map[string]string{}
	c := content{}
	var why string
	set := func(name string, dst *string, v string, max int, required bool) {
		if *dst, why = text(v, max); why != "" {
			fields[name] = why
		} else if required && *dst == "" {
			fields[name] = "required"
		}
	}
	if !ValidKey(in.Key) {
		fields["key"] = "letters, digits, '.', '_' and '-' only, starting with a letter or digit, at most 100 characters"
	}
	set("class", &c.Class, in.Class, 64, true)
	set("name", &c.Name, in.Name, 200, true)
	set("status", &c.Status, in.Status, 40, false)
	set("environment", &c.Environment, in.Environment, 40, false)
	set("owner", &c.Owner, in.Owner, 200, false)
	if c.Status == "" {
		c.Status = "in_service"
	}
	c.RequestTypes = []string{}
	for _, rt := range in.RequestTypes {
		rt = strings.TrimSpace(rt)
		if rt == "" {
			continue
		}
		if !slices.Contains(c.RequestTypes, rt) {
			c.RequestTypes = append(c.RequestTypes, rt)
		}
	}
	slices.Sort(c.RequestTypes)
	c.Attributes = []Attribute{}
	seen := map[string]bool{}
	for _, a := range in.Attributes {
		name := strings.TrimSpace(a.Name)
		switch {
		case !attrNameRE.MatchString(name):
			fields["attributes"] = fmt.Sprintf("attribute name %q: letters, digits, ' ', '_', '.' and '-', at most 64 characters", clip(name, 64))
			continue
		case seen[strings.ToLower(name)]:
			fields["attributes"] = fmt.Sprintf("attribute %q is given twice", name)
			continue
		}
		seen[strings.ToLower(name)] = true
		v, why := text(a.Value, 2000)
		if why != "" {
			fields["attributes"] = fmt.Sprintf("attribute %q: %s", name, why)
			continue
		}
		c.Attributes = append(c.Attributes, Attribute{Name: name, Value: v, Shared: a.Shared})
	}
	slices.SortFunc(c.Attributes, func(a, b Attribute) int { return strings.Compare(a.Name, b.Name) })
	c.Relations = []Relation{}
	for _, r := range in.Relations {
		r.Type, r.To, r.Name = strings.TrimSpace(r.Type), strings.TrimSpace(r.To), ""
		switch {
		case !relTypeRE.MatchString(r.Type):
			fields["relations"] = fmt.Sprintf("relation type %q: lower-case letters, digits and '_'", clip(r.Type, 40))
			continue
		case !ValidKey(r.To):
			fields["relations"] = fmt.Sprintf("relation to %q: not a CI key", clip(r.To, 100))
			continue
		case r.To == in.Key:
			fields["relations"] = "a CI cannot relate to itself"
			continue
		}
		if !slices.Contains(c.Relations, r) {
			c.Relations = append(c.Relations, r)
		}
	}
	slices.SortFunc(c.Relations, func(a, b Relation) int {
		if n := strings.Compare(a.Type, b.Type); n != 0 {
			return n
		}
		return strings.Compare(a.To, b.To)
	})
	if len(c.Attributes) > 200 {
		fields["attributes"] = "at most 200 attributes"
	}
	if len(c.Relations) > 200 {
		fields["relations"] = "at most 200 relations"
	}
	return c, fields
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func (c content) hash() (string, []byte) {
	raw, _ := json.Marshal(c) // plain strings, slices and bools cannot fail
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), raw
}

// PutResult says what a sync did.
type PutResult struct {
	Key     string
	Version int
	// Created is true for a new CI, Changed for a new version of an existing one; neither for
	// a sync that changed nothing.
	Created bool
	Changed bool
}

// Put stores a CI as the CMDB delivers it: a new CI gets version 1, a changed one a new
// version, an unchanged one keeps its version (a sync is idempotent). Admins only.
// Errors: EFORBIDDEN, EINVALID (with fields: a bad field, an unknown request type, a relation
// to an unknown CI).
func (s *Store) Put(ctx context.Context, actor *accounts.User, in Input) (PutResult, error) {
	if err := forbid(actor, "Only admins load configuration items.", accounts.RoleAdmin); err != nil {
		return PutResult{}, err
	}
	c, fields := normalize(in)
	if len(fields) > 0 {
		return PutResult{}, attest.FieldError(fields)
	}
	var res PutResult
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		p := newPutter(tx, actor.Username, s.clock())
		var err error
		res, err = p.put(ctx, strings.TrimSpace(in.Key), c)
		return err
	})
	return res, wrap("put "+in.Key, err)
}

// putter writes CIs in one transaction, remembering request-type and CI ids it looked up.
type putter struct {
	tx    *sql.Tx
	actor string
	now   string
	rts   map[string]int64
	ids   map[string]int64
	// stmts are prepared once per transaction: an import runs each statement thousands of times.
	stmts map[string]*sql.Stmt
}

func newPutter(tx *sql.Tx, actor string, now time.Time) *putter {
	return &putter{tx: tx, actor: actor, now: database.Format(now), rts: map[string]int64{}, ids: map[string]int64{}, stmts: map[string]*sql.Stmt{}}
}

func (p *putter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *putter) exec(ctx context.Context, query string, args ...any) error {
	st, err := p.stmt(ctx, query)
	if err == nil {
		_, err = st.ExecContext(ctx, args...)
	}
	return err
}

func (p *putter) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.tx.QueryRowContext(ctx, query, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *putter) requestTypeID(ctx context.Context, key string) (int64, error) {
	if id, ok := p.rts[key]; ok {
		return id, nil
	}
	var id int64
	err := p.queryRow(ctx, `SELECT id FROM request_types WHERE key = ?`, key).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	p.rts[key] = id
	return id, nil
}

func (p *putter) itemID(ctx context.Context, key string) (int64, error) {
	if id, ok := p.ids[key]; ok && id != 0 {
		return id, nil
	}
	var id int64
	err := p.queryRow(ctx, `SELECT id FROM cmdb_items WHERE key = ?`, key).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	if id != 0 {
		p.ids[key] = id
	}
	return id, nil
}

// put writes c as the content of key. The caller validated c with normalize.
func (p *putter) put(ctx context.Context, key string, c content) (PutResult, error) {
	res := PutResult{Key: key}
	h, raw := c.hash()
	var id int64
	var version int
	var cur string
	err := p.queryRow(ctx, `SELECT id, version, hash FROM cmdb_items WHERE key = ?`, key).Scan(&id, &version, &cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	if id != 0 && cur == h {
		res.Version = version
		return res, nil
	}
	fields := map[string]string{}
	rtIDs := make([]int64, 0, len(c.RequestTypes))
	for _, rt := range c.RequestTypes {
		rid, err := p.requestTypeID(ctx, rt)
		if err != nil {
			return res, err
		}
		if rid == 0 {
			fields["request_types"] = fmt.Sprintf("unknown request type %q", clip(rt, 64))
		}
		rtIDs = append(rtIDs, rid)
	}
	toIDs := make([]int64, 0, len(c.Relations))
	for _, r := range c.Relations {
		tid, err := p.itemID(ctx, r.To)
		if err != nil {
			return res, err
		}
		if tid == 0 {
			fields["relations"] = fmt.Sprintf("relation to unknown CI %q", r.To)
		}
		toIDs = append(toIDs, tid)
	}
	if len(fields) > 0 {
		return res, attest.FieldError(fields)
	}
	if id == 0 {
		version = 1
		err = p.queryRow(ctx, `INSERT INTO cmdb_items (key, version, class, name, status, environment, owner, hash, created_at, updated_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, key, c.Class, c.Name, c.Status, c.Environment, c.Owner, h, p.now, p.now).Scan(&id)
		res.Created = true
		p.ids[key] = id
	} else {
		version++
		err = p.exec(ctx, `UPDATE cmdb_items SET version = ?, class = ?, name = ?, status = ?, environment = ?, owner = ?, hash = ?, updated_at = ?
			WHERE id = ?`, version, c.Class, c.Name, c.Status, c.Environment, c.Owner, h, p.now, id)
		res.Changed = true
		if err == nil {
			err = p.clearCurrent(ctx, id)
		}
	}
	if err != nil {
		return res, err
	}
	res.Version = version
	if err := p.exec(ctx, `INSERT INTO cmdb_versions (item_id, number, content, hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		id, version, raw, h, p.now, p.actor); err != nil {
		return res, err
	}
	for _, a := range c.Attributes {
		if err := p.exec(ctx, `INSERT INTO cmdb_attributes (item_id, name, value, shared) VALUES (?, ?, ?, ?)`, id, a.Name, a.Value, a.Shared); err != nil {
			return res, err
		}
	}
	for _, rid := range rtIDs {
		if err := p.exec(ctx, `INSERT INTO cmdb_item_types (item_id, request_type_id) VALUES (?, ?)`, id, rid); err != nil {
			return res, err
		}
	}
	for i, r := range c.Relations {
		if err := p.exec(ctx, `INSERT INTO cmdb_relations (item_id, type, to_id) VALUES (?, ?, ?)`, id, r.Type, toIDs[i]); err != nil {
			return res, err
		}
	}
	for _, t := range terms(key, c) {
		if err := p.exec(ctx, `INSERT INTO cmdb_terms (term, item_id) VALUES (?, ?)`, t, id); err != nil {
			return res, err
		}
	}
	action := "ci.update"
	if res.Created {
		action = "ci.create"
	}
	// The version's content is in cmdb_versions (immutable); the journal records the change.
	return res, journal.Append(ctx, p.tx, p.actor, action, "ci:"+key, journal.Change{After: map[string]any{"version": version, "status": c.Status, "hash": h}})
}

func (p *putter) clearCurrent(ctx context.Context, id int64) error {
	for _, q := range []string{
		`DELETE FROM cmdb_attributes WHERE item_id = ?`,
		`DELETE FROM cmdb_item_types WHERE item_id = ?`,
		`DELETE FROM cmdb_relations WHERE item_id = ?`,
		`DELETE FROM cmdb_terms WHERE item_id = ?`,
	} {
		if err := p.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// terms are the search terms of a CI: the lower-cased key and the words of the key, the name
// and the shared attribute values. Restricted values are never indexed.
func terms(key string, c content) []string {
	set := map[string]bool{strings.ToLower(key): true}
	add := func(s string) {
		for _, w := range words(s) {
			set[w] = true
		}
	}
	add(key)
	add(c.Name)
	for _, a := range c.Attributes {
		if a.Shared {
			add(a.Value)
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		if t != "" && len(t) <= 100 {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// words splits s into lower-cased runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func decodeContent(raw []byte) (content, error) {
	var c content
	err := json.Unmarshal(raw, &c)
	return c, err
}
