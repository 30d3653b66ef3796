package demo

import (
	"context"
	"fmt"
	"time"

	"attest/audit"
)

// The audit seed runs last (seeders run in file-name order): it samples the knowledge the
// earlier seeds approved and reads the usage and training they recorded.
func init() { register("audits", seedAudits) }

// seedAudits leaves one signed-off audit of last quarter, with findings (one resolved, one
// open), and this quarter's audit started from it, in fieldwork.
func seedAudits(ctx context.Context, d Deps, org *Org) error {
	audrey := org.Users["audrey"]
	now := time.Now().UTC()
	defer d.Audit.SetClock(nil)
	at := func(ago time.Duration) { d.Audit.SetClock(func() time.Time { return now.Add(-ago) }) }

	// Last quarter's audit: fieldwork happened in the weeks after the quarter ended.
	at(72 * time.Hour)
	last, err := d.Audit.Create(ctx, audrey, audit.NewAudit{Quarter: audit.QuarterOf(now.AddDate(0, -3, 0)), SampleSize: 5, Seed: auditPtr(int64(20260930))})
	if err != nil {
		return fmt.Errorf("last quarter's audit: %w", err)
	}
	at(48 * time.Hour)
	notes := []string{
		"Steps match the runbook; verified on a test account.",
		"A step is missing: nothing says what to do when the first check fails.",
		"Screens match the current portal.",
		"Title uses the team's jargon, not the requester's words.",
		"Clear and complete.",
	}
	var gaps []audit.Item
	for i, it := range last.Items {
		checks := map[string]bool{}
		for _, c := range last.Criteria {
			checks[c.Key] = true
		}
		switch i % 5 {
		case 1:
			checks["complete"] = false
			gaps = append(gaps, it)
		case 3:
			checks["findable"] = false
			gaps = append(gaps, it)
		}
		if _, err := d.Audit.Assess(ctx, audrey, last.ID, it.ID, checks, notes[i%len(notes)]); err != nil {
			return fmt.Errorf("assess item %d: %w", it.ID, err)
		}
	}
	if len(last.Items) > 0 {
		if _, err := d.Audit.AddEvidence(ctx, audrey, last.ID, last.Items[0].ID, "note",
			"Walked through the steps with the Acme team lead on a test account; every step worked as written.", now.AddDate(0, 0, -3).Format(time.DateOnly)); err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
	}
	var resolved int64
	for i, it := range gaps {
		owner, sev, desc, cause := "kim", "minor", "The article stops after the happy path: add what to do when a step fails.", "The template has no \"If it does not work\" section."
		if i%2 == 1 {
			owner, sev, desc, cause = "kai", "observation", "The title uses internal jargon; agents search for the requester's words.", "No title guideline for articles."
		}
		id, err := d.Audit.RaiseFinding(ctx, audrey, last.ID, audit.NewFinding{Item: it.ID, Severity: sev, Description: desc,
			RootCause: cause, Owner: owner, Due: now.AddDate(0, 0, 10+20*i).Format(time.DateOnly)})
		if err != nil {
			return fmt.Errorf("finding: %w", err)
		}
		if i == 0 {
			resolved = id
		}
	}
	at(24 * time.Hour)
	if _, err := d.Audit.Close(ctx, audrey, last.ID); err != nil {
		return fmt.Errorf("sign off: %w", err)
	}
	if resolved != 0 {
		if err := d.Audit.Resolve(ctx, org.Users["kim"], resolved, audit.Remedy{Note: "Added an \"If it does not work\" section to the article."}); err != nil {
			return fmt.Errorf("resolve finding: %w", err)
		}
		if err := d.Audit.Verify(ctx, audrey, resolved, "Re-tested: the new section covers the failure cases."); err != nil {
			return fmt.Errorf("verify finding: %w", err)
		}
	}

	// This quarter's audit, started from last quarter's: same scope and checklist, open
	// findings carried over; two items assessed so far.
	at(2 * time.Hour)
	cur, err := d.Audit.NextFrom(ctx, audrey, last.ID, audit.QuarterOf(now), auditPtr(int64(20261231)))
	if err != nil {
		return fmt.Errorf("this quarter's audit: %w", err)
	}
	for i, it := range cur.Items {
		if i >= 2 {
			break
		}
		checks := map[string]bool{}
		for _, c := range cur.Criteria {
			checks[c.Key] = i == 0 || c.Key != "current"
		}
		if _, err := d.Audit.Assess(ctx, audrey, cur.ID, it.ID, checks, notes[(i+2)%len(notes)]); err != nil {
			return fmt.Errorf("assess item %d: %w", it.ID, err)
		}
	}
	return nil
}

func auditPtr[T any](v T) *T { return &v }
