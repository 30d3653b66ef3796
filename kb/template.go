package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"attest"
	"attest/accounts"
	"attest/journal"
)

// Template is a built-in shape for an article (KCS-style): the sections, as Markdown
// headings, that a new article starts from and that the audit checks it keeps.
type Template struct {
	Key      string
	Name     string
	Sections []string
}

// The built-in templates. KCS is the default of every request type that names none.
var (
	TemplateKCS   = Template{Key: "kcs", Name: "Full resolution (issue, environment, resolution, cause, verification)", Sections: []string{"Issue", "Environment", "Resolution", "Cause", "Verification"}}
	TemplateSteps = Template{Key: "steps", Name: "Short how-to (issue, steps, verification)", Sections: []string{"Issue", "Steps", "Verification"}}
	Templates     = []Template{TemplateKCS, TemplateSteps}
)

// TemplateByKey returns the built-in template key, false when there is none.
func TemplateByKey(key string) (Template, bool) {
	for _, t := range Templates {
		if t.Key == key {
			return t, true
		}
	}
	return Template{}, false
}

// Skeleton is the Markdown a new article starts from: one heading per section.
func (t Template) Skeleton() string {
	var b strings.Builder
	for _, s := range t.Sections {
		fmt.Fprintf(&b, "## %s\n\n\n", s)
	}
	return b.String()
}

var headingRE = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$`)

// FollowsTemplate reports whether body has every section of t as a Markdown heading, in
// order and each with some text under it; missing names the sections that are absent or
// empty (the audit criterion "follows the template").
func FollowsTemplate(body string, t Template) (ok bool, missing []string) {
	body = NormalizeBody(body)
	type heading struct {
		name       string
		start, end int
	}
	var hs []heading
	for _, m := range headingRE.FindAllStringSubmatchIndex(body, -1) {
		hs = append(hs, heading{name: strings.ToLower(strings.TrimSpace(body[m[2]:m[3]])), start: m[0], end: m[1]})
	}
	next := 0
	for _, sec := range t.Sections {
		found := -1
		for i := next; i < len(hs); i++ {
			if hs[i].name == strings.ToLower(sec) {
				found = i
				break
			}
		}
		if found < 0 {
			missing = append(missing, sec)
			continue
		}
		end := len(body)
		if found+1 < len(hs) {
			end = hs[found+1].start
		}
		if strings.TrimSpace(body[hs[found].end:end]) == "" {
			missing = append(missing, sec)
		}
		next = found + 1
	}
	return len(missing) == 0, missing
}

// TemplateOf returns the template of request type key: the one set for it, else KCS.
func (s *Store) TemplateOf(ctx context.Context, key string) (Template, error) {
	var k string
	err := s.db.Read.QueryRowContext(ctx, `SELECT t.template FROM request_type_templates t JOIN request_types rt ON rt.id = t.request_type_id
		WHERE rt.key = ?`, key).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return TemplateKCS, nil
	}
	if err != nil {
		return Template{}, fmt.Errorf("kb: template of %s: %w", key, err)
	}
	if t, ok := TemplateByKey(k); ok {
		return t, nil
	}
	return TemplateKCS, nil
}

// SetTemplateOf sets the template new articles of request type key start from (admins and
// knowledge managers); journaled. Errors: EFORBIDDEN, ENOTFOUND, EINVALID (template).
func (s *Store) SetTemplateOf(ctx context.Context, actor *accounts.User, key, template string) error {
	if !actor.Has(accounts.RoleAdmin, accounts.RoleKnowledgeManager) {
		return attest.Errorf(attest.EFORBIDDEN, "Only administrators and knowledge managers choose a request type's template.")
	}
	if _, ok := TemplateByKey(template); !ok {
		return attest.FieldError(map[string]string{"template": "one of kcs, steps"})
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		id, err := requestTypeID(ctx, tx, key)
		if err != nil {
			return err
		}
		before, err := s.TemplateOf(ctx, key)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO request_type_templates (request_type_id, template) VALUES (?, ?)
			ON CONFLICT (request_type_id) DO UPDATE SET template = excluded.template`, id, template); err != nil {
			return fmt.Errorf("kb: set template of %s: %w", key, err)
		}
		return journal.Append(ctx, tx, actor.Username, "request_type.template", "request_type:"+key,
			journal.Change{Before: map[string]any{"template": before.Key}, After: map[string]any{"template": template}})
	})
}

// ArticleTemplate is the template article id was written from: the one chosen when it was
// created, else its first request type's, else KCS. The audit checks the article against it.
func (s *Store) ArticleTemplate(ctx context.Context, id int64) (Template, error) {
	var k string
	err := s.db.Read.QueryRowContext(ctx, `SELECT template FROM article_templates WHERE article_id = ?`, id).Scan(&k)
	if err == nil {
		if t, ok := TemplateByKey(k); ok {
			return t, nil
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return Template{}, fmt.Errorf("kb: template of article %d: %w", id, err)
	}
	err = s.db.Read.QueryRowContext(ctx, `SELECT rt.key FROM article_request_types art JOIN request_types rt ON rt.id = art.request_type_id
		WHERE art.article_id = ? ORDER BY rt.key LIMIT 1`, id).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return TemplateKCS, nil
	}
	if err != nil {
		return Template{}, fmt.Errorf("kb: template of article %d: %w", id, err)
	}
	return s.TemplateOf(ctx, k)
}

// setArticleTemplate records, as article id is created, the template it was written from.
func setArticleTemplate(ctx context.Context, tx *sql.Tx, id int64, template string) error {
	if template == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO article_templates (article_id, template) VALUES (?, ?)
		ON CONFLICT (article_id) DO UPDATE SET template = excluded.template`, id, template); err != nil {
		return fmt.Errorf("kb: template of article %d: %w", id, err)
	}
	return nil
}
