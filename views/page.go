// Package views renders Attest's pages and htmx fragments with templ. Components take plain
// view structs; they never read data themselves.
package views

import (
	"net/url"
	"strings"

	"attest/accounts"
)

// Page is what every full page's frame needs.
type Page struct {
	Title string
	// User is the signed-in person, nil on public pages.
	User *accounts.User
	// CSRF is the session's token, sent back by forms and htmx.
	CSRF string
	// Flash is a one-time message from the previous action.
	Flash     string
	FlashKind string // "ok" or "error"
	// Query fills the header's search box.
	Query string
	// Path is the request path, to mark the current navigation item.
	Path string
	// Unread is how many notifications the user has not read.
	Unread int
}

// NavItem is one link of the navigation.
type NavItem struct {
	Label string
	Href  string
}

// Nav returns the navigation for the signed-in user's roles, most used first.
func (p Page) Nav() []NavItem {
	u := p.User
	if u == nil {
		return nil
	}
	items := []NavItem{{"Home", "/"}}
	add := func(label, href string) {
		for _, it := range items {
			if it.Href == href {
				return
			}
		}
		items = append(items, NavItem{label, href})
	}
	if u.Has(accounts.RoleAgent) {
		add("Request types", "/request-types")
		add("New article", "/articles/new")
		add("Training", "/training")
		add("My authority", "/authority")
		add("Our scorecard", "/reports/suppliers")
		add("CMDB", "/cmdb")
	}
	if u.Has(accounts.RoleKnowledgeManager) {
		add("Review queue", "/review")
		add("Request types", "/request-types")
		add("New article", "/articles/new")
		add("Follow-ups", "/followups")
		add("Gap report", "/reports/gaps")
		add("Dashboard", "/dashboard")
		add("Findings", "/findings")
		add("Scorecards", "/reports/suppliers")
		add("Automation", "/reports/automation")
		add("CMDB", "/cmdb")
	}
	if u.Has(accounts.RoleTrainer) {
		add("Training", "/training")
		add("Authority", "/authority")
	}
	if u.Has(accounts.RoleAuditor) {
		add("Audits", "/audits")
		add("Findings", "/findings")
		add("Gap report", "/reports/gaps")
		add("Journal", "/journal")
		add("Scorecards", "/reports/suppliers")
		add("CMDB", "/cmdb")
		add("CMDB access", "/cmdb/access")
	}
	if u.Has(accounts.RoleAdmin) {
		add("Admin", "/admin")
		add("CMDB", "/cmdb")
		add("CMDB access", "/cmdb/access")
		add("Journal", "/journal")
		add("Scorecards", "/reports/suppliers")
	}
	if u.Has(accounts.RoleAdmin, accounts.RoleAuditor) {
		add("Access review", "/access-review")
	}
	return items
}

// IsCurrent reports whether href is the page being shown (or a section it belongs to).
func (p Page) IsCurrent(href string) bool {
	if href == "/" {
		return p.Path == "/"
	}
	return p.Path == href || strings.HasPrefix(p.Path, href+"/")
}

// RoleLabels lists the user's roles as people read them.
func RoleLabels(u *accounts.User) string {
	var out []string
	for _, r := range u.Roles {
		out = append(out, r.Label())
	}
	return strings.Join(out, ", ")
}

// Form carries what a person typed and what was wrong with it, so a refused form keeps it.
type Form struct {
	Values map[string]string
	Errors map[string]string
	// Message is a summary shown above the form.
	Message string
}

// Summary is the message shown above the form. A field error's own message ("ticket_ref:
// required.") names the JSON field, which a person never saw; the summary names the field in
// words instead, and points at the messages beside the fields when there are several.
func (f Form) Summary() string {
	if len(f.Errors) == 0 || f.Message == "" {
		return f.Message
	}
	if len(f.Errors) > 1 {
		if f.Message == "Some fields are not valid." {
			return "Not saved: please correct the fields marked below."
		}
		return f.Message
	}
	for k, why := range f.Errors {
		if f.Message != k+": "+why+"." {
			return f.Message
		}
		name := strings.ReplaceAll(k, "_", " ")
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		return "Not saved. " + name + ": " + why + "."
	}
	return f.Message
}

// Value returns what was typed in field.
func (f Form) Value(field string) string { return f.Values[field] }

// Error returns what is wrong with field ("" when nothing is).
func (f Form) Error(field string) string { return f.Errors[field] }

func urlEscape(s string) string { return url.QueryEscape(s) }
