package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"attest/accounts"
	"attest/kb"
)

func init() { register("usage", seedUsage) }

// Incident-like request types get INC numbers, the others REQ numbers, as in most ticketing
// systems.
var incidentTypes = []string{"password-reset", "mfa-reset", "vpn-access", "printer-setup"}

// missingTopics are what agents searched for and did not find: the gap report's top rows.
var missingTopics = []struct {
	query string
	times int
}{
	{"printer toner replacement", 9},
	{"bitlocker recovery key", 7},
	{"teams phone number", 5},
	{"shared mailbox send as", 4},
	{"docking station firmware update", 3},
	{"Reset Yubikey PIN", 2},
}

// searchWords are what an agent types to find an article of a request type.
var searchWords = map[string][]string{
	"password-reset":      {"reset password", "account locked", "password expired"},
	"mfa-reset":           {"mfa new phone", "authenticator reset", "lost phone mfa"},
	"access-request":      {"shared drive access", "application role"},
	"privileged-access":   {"domain admin", "temporary admin rights"},
	"software-install":    {"install software", "software center", "globalprotect install"},
	"vpn-access":          {"vpn", "vpn not working", "globalprotect"},
	"mailbox-creation":    {"shared mailbox", "distribution list", "mailbox access"},
	"laptop-provisioning": {"autopilot", "laptop imaging", "wipe laptop"},
	"printer-setup":       {"map printer", "printer garbled", "scan to email"},
}

// seedUsage records six weeks of plausible use: tickets worked with articles (some with a
// version that has since been superseded), the searches and reads around them, searches that
// found nothing, and ratings, one of which opened a follow-up. It writes through the
// store's ...At methods, which exist for imports and this demo.
func seedUsage(ctx context.Context, d Deps, org *Org) error {
	rng := rand.New(rand.NewPCG(2026, 5))
	now := time.Now().UTC()
	start := now.Truncate(24*time.Hour).AddDate(0, 0, -42)
	var agents []*accounts.User
	for _, name := range []string{"alice", "gina", "ivan"} {
		u, err := d.Accounts.UserByUsername(ctx, name)
		if err != nil {
			return err
		}
		agents = append(agents, u)
	}
	// What each agent can use, per request type: the articles as the agent may read them.
	type choice struct {
		id      int64
		version int
		title   string
	}
	byType := map[string]map[string][]choice{}
	for _, u := range agents {
		byType[u.Username] = map[string][]choice{}
		for _, rt := range u.Fulfils {
			arts, err := d.KB.RequestTypeArticles(ctx, u, rt)
			if err != nil {
				return err
			}
			for _, a := range arts {
				byType[u.Username][rt] = append(byType[u.Username][rt], choice{a.ID, a.Number, a.Title})
			}
		}
	}
	ticket := 12345
	at := func(day time.Time) time.Time {
		return day.Add(time.Duration(8*60+rng.IntN(9*60)) * time.Minute)
	}
	uses := 0
	for day := start; day.Before(now.Truncate(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		// Busier towards the present: the knowledge base is catching on.
		week := int(day.Sub(start).Hours()/24) / 7
		for _, u := range agents {
			n := 2 + rng.IntN(3) + week/2
			for range n {
				rt := u.Fulfils[rng.IntN(len(u.Fulfils))]
				when := at(day)
				words := searchWords[rt]
				q := rt
				if len(words) > 0 {
					q = words[rng.IntN(len(words))]
				}
				arts := byType[u.Username][rt]
				d.KB.RecordSearchAt(u, q, len(arts), when)
				if len(arts) == 0 {
					continue
				}
				c := arts[rng.IntN(len(arts))]
				when = when.Add(time.Duration(10+rng.IntN(50)) * time.Second)
				d.KB.RecordSearchClickAt(u, q, c.id, when)
				version := c.version
				// An agent working from an old bookmark or a printed copy: outdated use.
				if version > 1 && rng.IntN(6) == 0 {
					version--
				}
				d.KB.RecordViewAt(u, c.id, version, when)
				ticket += 1 + rng.IntN(40)
				prefix := "REQ"
				if slices.Contains(incidentTypes, rt) {
					prefix = "INC"
				}
				outcome := kb.OutcomeResolved
				if rng.IntN(8) == 0 {
					outcome = kb.OutcomeNotResolved
				}
				in := kb.UsageInput{ArticleID: c.id, Version: version, TicketRef: fmt.Sprintf("%s%07d", prefix, ticket),
					RequestType: rt, Outcome: outcome}
				if _, err := d.KB.RecordUsageAt(ctx, u, in, when.Add(time.Duration(5+rng.IntN(40))*time.Minute)); err != nil {
					return fmt.Errorf("usage of article %d on %s: %w", c.id, in.TicketRef, err)
				}
				uses++
				// Sometimes a rating, mostly favourable.
				if rng.IntN(7) == 0 {
					h := rng.IntN(9) != 0
					if _, err := d.KB.GiveFeedbackAt(ctx, u, c.id, kb.FeedbackInput{Helpful: &h}, when.Add(time.Hour)); err != nil {
						return err
					}
				}
			}
		}
	}
	// The searches that found nothing, spread over the period.
	for _, m := range missingTopics {
		for i := range m.times {
			u := agents[(i+len(m.query))%len(agents)]
			day := start.AddDate(0, 0, rng.IntN(42))
			q := m.query
			if i%2 == 1 {
				q = strings.ToLower(q) + " "
			}
			d.KB.RecordSearchAt(u, q, 0, at(day))
		}
	}
	// Actionable feedback: one "not helpful" with a comment and one "this is wrong", each
	// opening a follow-up for the knowledge managers.
	var followups int
	for _, fb := range []struct {
		agent, rt string
		in        kb.FeedbackInput
	}{
		{"gina", "printer-setup", kb.FeedbackInput{Helpful: new(false), Comment: "Step 2 names the old print server; the queue is now on PRN-02."}},
		{"ivan", "vpn-access", kb.FeedbackInput{Wrong: true, Comment: "The portal address changed to vpn2.example.com last week."}},
	} {
		var u *accounts.User
		for _, a := range agents {
			if a.Username == fb.agent {
				u = a
			}
		}
		arts := byType[fb.agent][fb.rt]
		if u == nil || len(arts) == 0 {
			continue
		}
		f, err := d.KB.GiveFeedbackAt(ctx, u, arts[0].id, fb.in, now.Add(-26*time.Hour))
		if err != nil {
			return err
		}
		if f.FollowupID != 0 {
			followups++
		}
	}
	if err := d.KB.Flush(ctx); err != nil {
		return err
	}
	if uses == 0 || followups == 0 {
		return fmt.Errorf("recorded %d uses and %d follow-ups; the demo needs both", uses, followups)
	}
	return nil
}
