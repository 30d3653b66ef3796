package kb_test

import (
	"context"
	"slices"
	"testing"

	"attest"
	"attest/kb"
)

// TestFollowsTemplate: every section as a heading, in order, with text under it.
func TestFollowsTemplate(t *testing.T) {
	full := "## Issue\nLocked out.\n\n## Environment\nAD\n\n## Resolution\n1. Unlock.\n\n## Cause\nToo many tries.\n\n## Verification\nThe user signs in.\n"
	cases := []struct {
		name    string
		body    string
		tmpl    kb.Template
		missing []string
	}{
		{"complete", full, kb.TemplateKCS, nil},
		{"skeleton only", kb.TemplateKCS.Skeleton(), kb.TemplateKCS, kb.TemplateKCS.Sections},
		{"no cause", "## Issue\nx\n## Environment\nx\n## Resolution\nx\n## Verification\nx\n", kb.TemplateKCS, []string{"Cause"}},
		{"empty cause", "## Issue\nx\n## Environment\nx\n## Resolution\nx\n## Cause\n\n## Verification\nx\n", kb.TemplateKCS, []string{"Cause"}},
		{"other heading levels and case", "# issue\nx\n### STEPS ##\n1. x\n## Verification\nok\n", kb.TemplateSteps, nil},
		{"out of order", "## Verification\nok\n## Issue\nx\n## Steps\n1. x\n", kb.TemplateSteps, []string{"Verification"}},
		{"plain text", "Just do it.", kb.TemplateSteps, []string{"Issue", "Steps", "Verification"}},
	}
	for _, c := range cases {
		ok, missing := kb.FollowsTemplate(c.body, c.tmpl)
		if ok != (len(c.missing) == 0) || !slices.Equal(missing, c.missing) {
			t.Errorf("%s: ok=%v missing=%v, want %v", c.name, ok, missing, c.missing)
		}
	}
}

// TestTemplatePerRequestType: KCS by default; admins and knowledge managers set a type's
// template (journaled), others may not; an article keeps the template it was written from.
func TestTemplatePerRequestType(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	if tm, err := o.KB.TemplateOf(ctx, "vpn-access"); err != nil || tm.Key != "kcs" {
		t.Fatalf("default template = %v, %v; want kcs", tm.Key, err)
	}
	if err := o.KB.SetTemplateOf(ctx, o.User(t, "alice"), "vpn-access", "steps"); attest.ErrorCode(err) != attest.EFORBIDDEN {
		t.Errorf("agent sets a template: %v, want forbidden", err)
	}
	if err := o.KB.SetTemplateOf(ctx, o.User(t, "km1"), "vpn-access", "poem"); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("unknown template: %v, want validation_failed", err)
	}
	if err := o.KB.SetTemplateOf(ctx, o.User(t, "km1"), "nope", "steps"); attest.ErrorCode(err) != attest.ENOTFOUND {
		t.Errorf("unknown request type: %v, want not_found", err)
	}
	if err := o.KB.SetTemplateOf(ctx, o.User(t, "km1"), "vpn-access", "steps"); err != nil {
		t.Fatal(err)
	}
	if tm, _ := o.KB.TemplateOf(ctx, "vpn-access"); tm.Key != "steps" {
		t.Errorf("template after setting = %q, want steps", tm.Key)
	}
	if got := journalActions(t, o, "request_type:vpn-access"); len(got) == 0 || got[len(got)-1] != "request_type.template by km1" {
		t.Errorf("journal = %v", got)
	}
	// An article of the type without a chosen template follows the type's; a chosen one sticks.
	v, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: "VPN", Body: kb.TemplateSteps.Skeleton() + "x", RequestTypes: []string{"vpn-access"}})
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := o.KB.ArticleTemplate(ctx, v.ArticleID); tm.Key != "steps" {
		t.Errorf("article without a chosen template follows %q, want the type's steps", tm.Key)
	}
	w, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: "VPN 2", Body: "x", RequestTypes: []string{"vpn-access"}, Template: "kcs"})
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := o.KB.ArticleTemplate(ctx, w.ArticleID); tm.Key != "kcs" {
		t.Errorf("article written from kcs follows %q", tm.Key)
	}
	if _, err := o.KB.CreateArticle(ctx, o.User(t, "km1"), kb.NewArticle{Title: "VPN 3", Body: "x", Template: "poem"}); attest.ErrorCode(err) != attest.EINVALID {
		t.Errorf("unknown template on create: %v, want validation_failed", err)
	}
}
