package cmdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"attest"
	"attest/accounts"
)

// head is what deciding visibility needs of a CI.
type head struct {
	id                                         int64
	key                                        string
	version                                    int
	status                                     string
	requestTypes                               []string
	class, name, environment, owner, updatedAt string
}

func splitKeys(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

const typesOf = `COALESCE((SELECT group_concat(rt.key) FROM cmdb_item_types cit JOIN request_types rt ON rt.id = cit.request_type_id WHERE cit.item_id = %s), '')`

// head returns the CI key's head, nil when there is none.
func (s *Store) head(ctx context.Context, key string) (*head, error) {
	h := &head{key: key}
	var rts string
	r, err := s.prepared()
	if err != nil {
		return nil, err
	}
	err = r.head.QueryRowContext(ctx, key).Scan(&h.id, &h.version, &h.status, &rts, &h.class, &h.name, &h.environment, &h.owner, &h.updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cmdb: read %s: %w", key, err)
	}
	h.requestTypes = splitKeys(rts)
	return h, nil
}

// load reads the current version of a CI as sc may see it: restricted attributes only for
// enterprise staff, relations only to CIs sc sees, articles only those the reader may read.
// The caller decided that sc sees the CI itself.
func (s *Store) load(ctx context.Context, sc *scope, h *head) (*Item, error) {
	it := &Item{Key: h.key, RequestTypes: h.requestTypes, Restricted: sc.enterprise}
	if it.RequestTypes == nil {
		it.RequestTypes = []string{}
	}
	it.Version, it.Class, it.Name, it.Status, it.Environment, it.Owner = h.version, h.class, h.name, h.status, h.environment, h.owner
	it.UpdatedAt = parseTime(h.updatedAt)
	st, err := s.prepared()
	if err != nil {
		return nil, err
	}
	rows, err := st.attrs.QueryContext(ctx, h.id)
	if err != nil {
		return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
	}
	it.Attributes = []Attribute{}
	for rows.Next() {
		var a Attribute
		if err := rows.Scan(&a.Name, &a.Value, &a.Shared); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
		}
		if sc.seesAttribute(a) {
			it.Attributes = append(it.Attributes, a)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
	}
	rows, err = st.relation.QueryContext(ctx, h.id)
	if err != nil {
		return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
	}
	type rel struct {
		Relation
		status, rts string
	}
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.Type, &r.To, &r.Name, &r.status, &r.rts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
		}
		rels = append(rels, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cmdb: read %s: %w", h.key, err)
	}
	it.Relations = []Relation{}
	for _, r := range rels {
		ok, err := sc.sees(ctx, r.status, splitKeys(r.rts))
		if err != nil {
			return nil, err
		}
		if ok {
			it.Relations = append(it.Relations, r.Relation)
		}
	}
	if it.Articles, err = s.citingArticles(ctx, sc.actor, h.key); err != nil {
		return nil, err
	}
	return it, nil
}

// ArticleRef is an article that cites a CI.
type ArticleRef struct {
	ID    int64
	Title string
}

// citingArticles lists the active articles whose current approved version cites key and that
// actor may read (kb decides), at most 50.
func (s *Store) citingArticles(ctx context.Context, actor *accounts.User, key string) ([]ArticleRef, error) {
	ids, err := s.kb.CitingArticles(ctx, key, 50)
	if err != nil {
		return nil, err
	}
	out := []ArticleRef{}
	for _, id := range ids {
		if a, err := s.kb.Article(ctx, actor, id); err == nil {
			out = append(out, ArticleRef{ID: id, Title: a.Title})
		} else if attest.ErrorCode(err) == attest.EINTERNAL {
			return nil, err
		}
	}
	return out, nil
}

// Version is one stored version of a CI, for its history (enterprise staff only).
type Version struct {
	Number    int
	CreatedAt time.Time
	CreatedBy string
	Status    string
	Name      string
	// Changes lists, in words, what differs from the version before.
	Changes []string
}

// History returns every version of a CI, newest first, with what changed. Enterprise staff
// only. Errors: EFORBIDDEN, ENOTFOUND.
func (s *Store) History(ctx context.Context, actor *accounts.User, key string) ([]Version, error) {
	if !isEnterprise(actor) {
		return nil, attest.Errorf(attest.EFORBIDDEN, "Only enterprise staff see the history of a configuration item.")
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT v.number, v.created_at, v.created_by, v.content FROM cmdb_versions v
		JOIN cmdb_items i ON i.id = v.item_id WHERE i.key = ? ORDER BY v.number`, key)
	if err != nil {
		return nil, fmt.Errorf("cmdb: history %s: %w", key, err)
	}
	defer rows.Close()
	var out []Version
	var prev *content
	for rows.Next() {
		var v Version
		var at string
		var raw []byte
		if err := rows.Scan(&v.Number, &at, &v.CreatedBy, &raw); err != nil {
			return nil, fmt.Errorf("cmdb: history %s: %w", key, err)
		}
		c, err := decodeContent(raw)
		if err != nil {
			return nil, fmt.Errorf("cmdb: history %s: %w", key, err)
		}
		v.CreatedAt, v.Status, v.Name = parseTime(at), c.Status, c.Name
		v.Changes = describeChanges(prev, c)
		prev = &c
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cmdb: history %s: %w", key, err)
	}
	if len(out) == 0 {
		return nil, attest.Errorf(attest.ENOTFOUND, "No configuration item %s.", key)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func describeChanges(prev *content, c content) []string {
	if prev == nil {
		return []string{"created"}
	}
	var out []string
	for _, f := range [][3]string{{"class", prev.Class, c.Class}, {"name", prev.Name, c.Name}, {"status", prev.Status, c.Status},
		{"environment", prev.Environment, c.Environment}, {"owner", prev.Owner, c.Owner}} {
		if f[1] != f[2] {
			out = append(out, fmt.Sprintf("%s: %q → %q", f[0], f[1], f[2]))
		}
	}
	if strings.Join(prev.RequestTypes, ",") != strings.Join(c.RequestTypes, ",") {
		out = append(out, "request types: "+strings.Join(c.RequestTypes, ", "))
	}
	old := map[string]Attribute{}
	for _, a := range prev.Attributes {
		old[a.Name] = a
	}
	for _, a := range c.Attributes {
		o, ok := old[a.Name]
		switch {
		case !ok:
			out = append(out, "attribute added: "+a.Name)
		case o.Value != a.Value || o.Shared != a.Shared:
			out = append(out, "attribute changed: "+a.Name)
		}
		delete(old, a.Name)
	}
	for n := range old {
		out = append(out, "attribute removed: "+n)
	}
	if fmt.Sprint(prev.Relations) != fmt.Sprint(c.Relations) {
		out = append(out, "relations changed")
	}
	if len(out) == 0 {
		out = []string{"no visible change"}
	}
	return out
}
