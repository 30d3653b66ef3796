package demo

import (
	"context"
	"fmt"
	"time"

	"attest/accounts"
	"attest/kb"
	"attest/training"
)

func init() { register("training", seedTraining) }

// demoQuestion is a question of a demo quiz; the first choices listed in right are right.
type demoQuestion struct {
	text, explanation string
	choices           []string
	right             []int
}

type demoQuiz struct {
	rt, title     string
	pass, valid   int
	draw, minutes int
	questions     []demoQuestion
}

var demoQuizzes = []demoQuiz{
	{rt: "mfa-reset", title: "MFA reset checkpoint", pass: 80, valid: 365, minutes: 15, questions: []demoQuestion{
		{"Before you reset someone's MFA, you must", "MFA resets are a favourite social-engineering target: identity comes first, always.",
			[]string{"verify identity with a call-back to the number in the HR directory", "accept the caller's employee number as proof", "ask the caller's manager by chat"}, []int{0}},
		{"Which of these must be on the ticket before you act?", "Without both, the reset cannot be audited.",
			[]string{"the ticket reference from the service desk", "the result of the identity check", "the user's old one-time code"}, []int{0, 1}},
		{"The caller says they are travelling and cannot take a call-back. You", "No identity check, no reset: escalate instead of improvising.",
			[]string{"escalate to the enterprise security desk", "reset after they answer security questions", "send the new enrolment link to their private e-mail"}, []int{0}},
		{"After the reset, the user's existing sessions", "Revoking sessions stops an attacker who already holds a token.",
			[]string{"are revoked", "stay signed in until they expire"}, []int{0}},
		{"An MFA reset for an administrator account is", "Privileged accounts go through the privileged-access procedure.",
			[]string{"handed to the privileged-access team", "done like any other reset"}, []int{0}},
	}},
	{rt: "access-request", title: "Access request checkpoint", pass: 75, valid: 365, questions: []demoQuestion{
		{"Access to an application is granted when", "The data owner's approval is what makes access legitimate.",
			[]string{"the application owner has approved it on the ticket", "the requester's colleague has the same access", "the requester asks twice"}, []int{0}},
		{"Which details must the approval name?", "Role and end date make the grant reviewable.",
			[]string{"the role or group granted", "the end date for temporary access", "the requester's desk number"}, []int{0, 1}},
		{"A request asks to 'copy Anna's access'. You", "Copying access spreads privilege creep; grant named roles only.",
			[]string{"ask for the specific roles needed and their approval", "copy every group Anna has"}, []int{0}},
		{"Temporary access without an end date", "Temporary means dated.",
			[]string{"is sent back to the requester for an end date", "is granted for 90 days by default"}, []int{0}},
	}},
	{rt: "privileged-access", title: "Privileged access checkpoint", pass: 100, valid: 180, minutes: 20, questions: []demoQuestion{
		{"Privileged access needs", "Two approvals: the system owner and security.",
			[]string{"approval by the system owner", "approval by the security team", "approval by the requester's team lead only"}, []int{0, 1}},
		{"Privileged credentials are handed over", "Credentials never travel by e-mail or chat.",
			[]string{"through the password vault only", "by encrypted e-mail", "by phone"}, []int{0}},
		{"A privileged session must be", "Recording is what makes privileged work auditable.",
			[]string{"started through the session-recording gateway", "run from the agent's own laptop"}, []int{0}},
		{"When the work is done, the privilege", "Standing privilege is the risk; remove it.",
			[]string{"is removed and the vault password rotated", "stays for the next ticket"}, []int{0}},
	}},
	{rt: "software-install", title: "Software installation checkpoint", pass: 75, valid: 365, questions: []demoQuestion{
		{"You may install software that is", "Only catalogued packages are licensed and security-reviewed.",
			[]string{"in the approved software catalogue", "free to download", "requested by a manager"}, []int{0}},
		{"Software not in the catalogue is", "The catalogue team reviews licences and security first.",
			[]string{"sent to the catalogue team as a new-software request", "installed from the vendor's website"}, []int{0}},
		{"Which must you record on the ticket?", "Package and version make the install traceable.",
			[]string{"the package name", "the version installed", "the user's password"}, []int{0, 1}},
		{"Installation is done", "Remote deployment keeps installs consistent and logged.",
			[]string{"through the deployment tool", "by remote desktop with the user's account"}, []int{0}},
	}},
	{rt: "laptop-provisioning", title: "Laptop provisioning checkpoint", pass: 75, valid: 365, questions: []demoQuestion{
		{"A new laptop is enrolled", "Enrolment applies encryption and policies before first use.",
			[]string{"in device management before it is handed over", "by the user on first sign-in"}, []int{0}},
		{"Before hand-over you check", "Encryption and the asset tag protect data and inventory.",
			[]string{"disk encryption is on", "the asset tag is recorded on the ticket", "the user's favourite browser is installed"}, []int{0, 1}},
		{"The laptop is handed over to", "Only the named user signs for the device.",
			[]string{"the named user, who signs the hand-over", "anyone from the user's team"}, []int{0}},
		{"An old laptop being replaced is", "Old devices are wiped by the asset team, with a certificate.",
			[]string{"returned to the asset team for certified wiping", "reset to factory settings by the agent and reused"}, []int{0}},
	}},
}

// seedTraining writes a quiz per certifiable request type, some certified staff, one
// certification expiring within 30 days, one person awaiting recertification after a major
// knowledge change, and a pass waiting in the trainer's queue.
func seedTraining(ctx context.Context, d Deps, org *Org) error {
	tara, kim, kai := org.Users["tara"], org.Users["kim"], org.Users["kai"]
	quizzes := map[string]*training.Quiz{}
	for _, dq := range demoQuizzes {
		articles, err := d.KB.RequestTypeArticles(ctx, kim, dq.rt)
		if err != nil {
			return err
		}
		in := training.QuizInput{Title: dq.title, RequestType: dq.rt, PassPercent: &dq.pass, ValidityDays: &dq.valid,
			DrawCount: dq.draw, TimeLimitMinutes: dq.minutes}
		for i, q := range dq.questions {
			qi := training.QuestionInput{Text: q.text, Explanation: q.explanation}
			for j, c := range q.choices {
				right := false
				for _, r := range q.right {
					right = right || r == j
				}
				qi.Choices = append(qi.Choices, training.ChoiceInput{Text: c, Correct: right})
			}
			// The first questions cite the type's article, so recertification draws them first.
			if len(articles) > 0 && i < 2 {
				qi.ArticleID = articles[0].ID
			}
			in.Questions = append(in.Questions, qi)
		}
		z, err := d.Training.CreateQuiz(ctx, tara, in)
		if err != nil {
			return fmt.Errorf("quiz %s: %w", dq.rt, err)
		}
		quizzes[dq.rt] = z
	}

	defer d.Training.SetClock(nil)
	at := func(ago time.Duration) { d.Training.SetClock(func() time.Time { return time.Now().Add(-ago) }) }
	take := func(username, rt string, right bool) (*training.Result, error) {
		u, err := d.Accounts.UserByUsername(ctx, username)
		if err != nil {
			return nil, err
		}
		return takeQuiz(ctx, d, tara, u, quizzes[rt], right)
	}
	certify := func(username, rt string) error {
		_, err := d.Training.Certify(ctx, tara, username, rt)
		return err
	}
	day := 24 * time.Hour

	// Ivan is certified for MFA resets; the procedure changes in a major way afterwards (below).
	if _, err := take("ivan", "mfa-reset", true); err != nil {
		return err
	}
	if err := certify("ivan", "mfa-reset"); err != nil {
		return err
	}
	// One certification expiring within 30 days: passed 345 days ago, valid 365. It must rest on
	// knowledge that has not changed in a major way since, so pick a type without one.
	expiring := ""
	for _, c := range []struct{ user, rt string }{{"gina", "laptop-provisioning"}, {"alice", "software-install"}, {"ivan", "software-install"}} {
		if _, has, err := d.KB.LatestMajorApproval(ctx, c.rt); err != nil {
			return err
		} else if has {
			continue
		}
		at(345 * day)
		if _, err := take(c.user, c.rt, true); err != nil {
			return err
		}
		if err := certify(c.user, c.rt); err != nil {
			return err
		}
		expiring = c.user + "/" + c.rt
		break
	}
	d.Training.SetClock(nil)

	// A major change of the MFA reset procedure puts Ivan into recertification.
	if err := demoMajorChange(ctx, d, kim, kai, "mfa-reset"); err != nil {
		return err
	}

	// Alice: a failed first try at privileged access, then passes everywhere and is certified.
	if _, err := take("alice", "privileged-access", false); err != nil {
		return err
	}
	for _, rt := range []string{"mfa-reset", "access-request", "privileged-access", "software-install"} {
		if expiring == "alice/"+rt {
			continue
		}
		if _, err := take("alice", rt, true); err != nil {
			return err
		}
		if err := certify("alice", rt); err != nil {
			return err
		}
	}
	if expiring != "gina/laptop-provisioning" {
		if _, err := take("gina", "laptop-provisioning", true); err != nil {
			return err
		}
		if err := certify("gina", "laptop-provisioning"); err != nil {
			return err
		}
	}
	if expiring != "ivan/software-install" {
		if _, err := take("ivan", "software-install", true); err != nil {
			return err
		}
		if err := certify("ivan", "software-install"); err != nil {
			return err
		}
	}
	// Ivan's laptop provisioning pass waits in Tara's queue.
	if _, err := take("ivan", "laptop-provisioning", true); err != nil {
		return err
	}
	return nil
}

// takeQuiz starts an attempt for u and answers everything right (or wrong), reading the
// answers as the trainer.
func takeQuiz(ctx context.Context, d Deps, trainer, u *accounts.User, z *training.Quiz, right bool) (*training.Result, error) {
	full, err := d.Training.Quiz(ctx, trainer, z.ID)
	if err != nil {
		return nil, err
	}
	correct := map[int64]bool{}
	for _, q := range full.Questions {
		for _, c := range q.Choices {
			correct[c.ID] = c.Correct
		}
	}
	p, _, err := d.Training.StartAttempt(ctx, u, z.ID)
	if err != nil {
		return nil, fmt.Errorf("%s starts %s: %w", u.Username, z.Title, err)
	}
	answers := map[int64][]int64{}
	for _, q := range p.Questions {
		answers[q.ID] = []int64{}
		for _, c := range q.Choices {
			if correct[c.ID] == right {
				answers[q.ID] = append(answers[q.ID], c.ID)
			}
		}
	}
	return d.Training.Submit(ctx, u, p.AttemptID, answers)
}

// demoMajorChange approves a major change of the request type's knowledge: a new version of
// its first article, or a new article when it has none.
func demoMajorChange(ctx context.Context, d Deps, author, approver *accounts.User, rt string) error {
	const addition = "\n\n## Change: call-back before every reset\n\nFrom now on, always call the user back on the number in the HR directory before resetting MFA, even when the ticket came from their own account. Record the call-back time on the ticket.\n"
	articles, err := d.KB.RequestTypeArticles(ctx, author, rt)
	if err != nil {
		return err
	}
	var id int64
	var n int
	if len(articles) > 0 {
		cur, err := d.KB.Version(ctx, author, articles[0].ID, articles[0].Number)
		if err != nil {
			return err
		}
		v, err := d.KB.SaveVersion(ctx, author, cur.ArticleID, kb.NewVersion{Base: cur.Number, Title: cur.Title, Body: cur.Body + addition,
			Note: "Call-back is now mandatory before every MFA reset."})
		if err != nil {
			return err
		}
		id, n = v.ArticleID, v.Number
	} else {
		v, err := d.KB.CreateArticle(ctx, author, kb.NewArticle{Title: "Reset a user's MFA", RequestTypes: []string{rt},
			Body: "# Reset a user's MFA\n\n1. Verify the caller's identity.\n2. Remove the old authenticator in the identity portal.\n3. Send a new enrolment link to the user's work e-mail." + addition})
		if err != nil {
			return err
		}
		id, n = v.ArticleID, v.Number
	}
	if _, err := d.KB.Submit(ctx, author, id, n); err != nil {
		return err
	}
	_, err = d.KB.Approve(ctx, approver, id, n, kb.Decision{Comment: "Mandatory call-back: everyone recertifies.", Major: true})
	return err
}
