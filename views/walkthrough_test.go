package views

import (
	"strings"
	"testing"
)

func TestFormSummaryNamesFieldsInWords(t *testing.T) {
	cases := []struct {
		form Form
		want string
	}{
		{Form{Message: "ticket_ref: required.", Errors: map[string]string{"ticket_ref": "required"}}, "Not saved. Ticket ref: required."},
		{Form{Message: "Some fields are not valid.", Errors: map[string]string{"a": "x", "b": "y"}}, "Not saved: please correct the fields marked below."},
		{Form{Message: "Wrong username or password."}, "Wrong username or password."},
		{Form{Message: "Somebody else saved first.", Errors: map[string]string{"title": "required"}}, "Somebody else saved first."},
	}
	for _, c := range cases {
		if got := c.form.Summary(); got != c.want {
			t.Errorf("Summary(%q) = %q, want %q", c.form.Message, got, c.want)
		}
	}
}

func TestJournalDetailIsReadable(t *testing.T) {
	parts := journalDetail([]byte(`{"before":{"status":"draft"},"after":{"status":"in_review","tags":["vpn","mfa"],"major":true,"deadline":null}}`))
	var got []string
	for _, p := range parts {
		got = append(got, p.Label+"="+strings.Join(p.Lines, ";"))
	}
	want := []string{"Before=status: draft", "After=deadline: none;major: yes;status: in_review;tags: vpn, mfa"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("journalDetail = %q, want %q", got, want)
	}
	for _, p := range parts {
		for _, l := range p.Lines {
			if strings.ContainsAny(l, `{}"`) {
				t.Errorf("line %q still looks like JSON", l)
			}
		}
	}
	if parts := journalDetail([]byte(`{}`)); len(parts) != 0 {
		t.Errorf("empty detail gave %v, want nothing", parts)
	}
}
