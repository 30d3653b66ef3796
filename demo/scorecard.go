package demo

import (
	"context"
	"fmt"
	"time"

	"attest/accounts"
	"attest/kb"
	"attest/scorecard"
)

// seedScorecard makes the scorecard, automation and notice pages tell a story:
//
//   - contribution targets, with Initech Support behind on its contributions;
//   - password resets as a clear, error-prone automation candidate: the busiest type, nearly
//     all on one article, with mistyped data and skipped policy steps among its failures;
//   - VPN tickets failing while a gateway is down, and an active known-blocker notice with the
//     workaround; one VPN ticket failed because the steps were wrong (a follow-up from
//     failures) and one MFA ticket for want of knowledge (a gap).
func seedScorecard(ctx context.Context, d Deps, org *Org) error {
	sc := scorecard.NewStore(d.DB, d.Accounts, d.KB, d.Training)
	admin, kim := org.Users["admin"], org.Users["kim"]
	for sp, n := range map[string]int{"acme": 3, "globex": 3, "initech": 24} {
		if err := sc.SetContributionTarget(ctx, admin, sp, n); err != nil {
			return err
		}
	}
	agents := map[string]*accounts.User{}
	for _, name := range []string{"alice", "gina", "ivan"} {
		u, err := d.Accounts.UserByUsername(ctx, name)
		if err != nil {
			return err
		}
		agents[name] = u
	}
	article := func(u *accounts.User, rt, title string) (kb.Summary, error) {
		arts, err := d.KB.RequestTypeArticles(ctx, u, rt)
		if err != nil {
			return kb.Summary{}, err
		}
		for _, a := range arts {
			if a.Title == title {
				return a, nil
			}
		}
		if len(arts) == 0 {
			return kb.Summary{}, fmt.Errorf("no %s article for %s", rt, u.Username)
		}
		return arts[0], nil
	}
	now := time.Now().UTC()
	ticket := 73000
	use := func(who, rt, title string, cause kb.FailureCause, daysAgo int) error {
		u := agents[who]
		a, err := article(u, rt, title)
		if err != nil {
			return err
		}
		out := kb.OutcomeResolved
		if cause != "" {
			out = kb.OutcomeNotResolved
		}
		ticket += 7
		_, err = d.KB.RecordUsageAt(ctx, u, kb.UsageInput{ArticleID: a.ID, Version: a.Number, TicketRef: fmt.Sprintf("INC%07d", ticket),
			RequestType: rt, Outcome: out, FailureCause: cause}, now.AddDate(0, 0, -daysAgo).Add(-time.Duration(ticket%300)*time.Minute))
		return err
	}
	// Password resets: 48 tickets over three weeks on "Reset an Active Directory password",
	// 28 of them failing on a mistyped account name or a skipped callback.
	who := []string{"alice", "gina", "ivan"}
	for i := range 48 {
		var cause kb.FailureCause
		switch {
		case i%2 == 0:
			cause = kb.CauseDataError
		case i%7 == 3:
			cause = kb.CausePolicyViolation
		}
		if err := use(who[i%3], "password-reset", "Reset an Active Directory password", cause, 1+i%21); err != nil {
			return fmt.Errorf("password reset ticket: %w", err)
		}
	}
	// VPN: the Frankfurt gateway is down.
	for i := range 5 {
		if err := use([]string{"alice", "ivan"}[i%2], "vpn-access", "Grant VPN access to a new starter", kb.CauseSystemUnavailable, 1+i); err != nil {
			return fmt.Errorf("vpn ticket: %w", err)
		}
	}
	if err := use("ivan", "vpn-access", "Install the GlobalProtect VPN client", kb.CauseKnowledgeWrong, 2); err != nil {
		return fmt.Errorf("vpn knowledge_wrong ticket: %w", err)
	}
	if err := use("alice", "mfa-reset", "Reset MFA after a new phone", kb.CauseKnowledgeMissing, 3); err != nil {
		return fmt.Errorf("mfa knowledge_missing ticket: %w", err)
	}
	// From failure to knowledge: two software installs failed on wrong steps; kai fixed the
	// article and kim approved it, which resolved the follow-up and records where it came from.
	for _, w := range []string{"alice", "ivan"} {
		if err := use(w, "software-install", "Install software from the catalogue", kb.CauseKnowledgeWrong, 4); err != nil {
			return fmt.Errorf("software knowledge_wrong ticket: %w", err)
		}
	}
	sw, err := article(kim, "software-install", "Install software from the catalogue")
	if err != nil {
		return err
	}
	cur, err := d.KB.Version(ctx, kim, sw.ID, sw.Number)
	if err != nil {
		return err
	}
	kai := org.Users["kai"]
	v, err := d.KB.SaveVersion(ctx, kai, sw.ID, kb.NewVersion{Base: sw.Number, Title: cur.Title,
		Body: cur.Body + "\n\n**Licensed products:** assign the seat *before* making the application available, or the install fails with error 0x87D00607.",
		Note: "Two tickets failed: the licence seat must be assigned before the deployment."})
	if err != nil {
		return err
	}
	if _, err := d.KB.Submit(ctx, kai, sw.ID, v.Number); err != nil {
		return err
	}
	if _, err := d.KB.Approve(ctx, kim, sw.ID, v.Number, kb.Decision{Comment: "Matches what the failed tickets show."}); err != nil {
		return err
	}
	if _, err := d.KB.PublishNotice(ctx, kim, "vpn-access", kb.NoticeInput{
		Title: "Frankfurt VPN gateway down",
		Body: "The **Frankfurt** gateway (`vpn-fra.example.com`) is down while the network team replaces its certificate.\n\n" +
			"Workaround: in GlobalProtect, choose the **Amsterdam** gateway (`vpn-ams.example.com`) before signing in. " +
			"Do not re-install the client; it does not help.",
		Until: now.AddDate(0, 0, 10).Format(time.DateOnly)}); err != nil {
		return err
	}
	return sc.ProposeAutomation(ctx, kim, "mailbox-creation",
		"Shared mailboxes follow one naming rule and one set of permissions: a form in the self-service portal could create them.")
}
