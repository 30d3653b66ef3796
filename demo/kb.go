package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"attest/accounts"
	"attest/database"
	"attest/kb"
)

func init() { register("knowledge articles", seedKB) }

// demoArticle is one seeded article: its first approved version and what it covers.
type demoArticle struct {
	key      string // how later steps name it
	author   string
	approver string
	title    string
	rts      []string
	tags     []string
	steps    []string
	before   []string
	fails    []string
}

func (a demoArticle) body() string {
	var b strings.Builder
	if len(a.before) > 0 {
		b.WriteString("## Before you start\n\n")
		for _, s := range a.before {
			fmt.Fprintf(&b, "- %s\n", s)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Steps\n\n")
	for i, s := range a.steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	if len(a.fails) > 0 {
		b.WriteString("\n## If it does not work\n\n")
		for _, s := range a.fails {
			fmt.Fprintf(&b, "- %s\n", s)
		}
	}
	return b.String()
}

var demoArticles = []demoArticle{
	{key: "ad-reset", author: "kim", approver: "kai", title: "Reset an Active Directory password", rts: []string{"password-reset"}, tags: []string{"active directory", "identity"},
		before: []string{"The ticket names the user's **sAMAccountName** and a callback number from the HR directory.", "You are signed in to the jump host with your own admin account, never a shared one."},
		steps:  []string{"Call the user back on the number in the HR directory — never on a number the caller gives you.", "Verify identity with two factors: employee number and the last four digits of the cost centre.", "Open **Active Directory Users and Computers** and find the account.", "Right-click the account, choose **Reset Password**, and set a one-time password from the generator.", "Tick **User must change password at next logon** and **Unlock the user's account**.", "Tell the user the one-time password by phone only; never by e-mail or chat.", "Record the verification factors used on the ticket and resolve it."},
		fails:  []string{"The account is in the *Privileged Accounts* OU: stop and route the ticket to the privileged-access queue.", "The user cannot be reached on the callback number: set the ticket to *Pending customer* and try again after 2 hours."}},
	{key: "mfa-phone", author: "kai", approver: "kim", title: "Reset MFA after a new phone", rts: []string{"mfa-reset"}, tags: []string{"mfa", "authenticator"},
		before: []string{"MFA resets are high risk: only certified staff fulfil them.", "The user has the new phone in hand and can receive a call on their registered desk number."},
		steps:  []string{"Verify identity by video call with the photo on the badge system.", "In the identity portal, open the user and choose **Authentication methods**.", "Delete the old authenticator registration; leave the phone-call method in place.", "Issue a Temporary Access Pass valid for 1 hour, single use.", "Guide the user to https://aka.ms/mysecurityinfo to register the authenticator app on the new phone.", "Confirm a test sign-in succeeds, then delete the Temporary Access Pass."},
		fails:  []string{"No video call possible: the user must visit the service desk in person with their badge."}},
	{key: "vpn-install", author: "alice", approver: "kim", title: "Install the GlobalProtect VPN client", rts: []string{"vpn-access", "software-install"}, tags: []string{"vpn", "globalprotect"},
		steps: []string{"Check in the CMDB that the device is a managed corporate laptop.", "Open **Software Center** on the laptop and install *GlobalProtect 6.2*.", "Restart when prompted.", "Enter the portal address `vpn.example.com` and sign in with corporate credentials and MFA.", "Confirm the status shows **Connected** and that `intranet.example.com` opens."},
		fails: []string{"Error *Gateway not found*: the laptop clock is wrong; sync time with `w32tm /resync` and retry.", "Personal devices are never given VPN access; close the ticket as *Not eligible*."}},
	{key: "vpn-access", author: "kim", approver: "kai", title: "Grant VPN access to a new starter", rts: []string{"vpn-access"}, tags: []string{"vpn", "access"},
		steps: []string{"Check the request carries the line manager's approval.", "Add the user to the AD group `GG-VPN-Users`.", "Wait for the next directory sync (up to 30 minutes).", "Ask the user to sign in to the VPN client and confirm they connect."}},
	{key: "shared-mailbox", author: "gina", approver: "kai", title: "Create a shared mailbox", rts: []string{"mailbox-creation"}, tags: []string{"exchange", "mailbox"},
		before: []string{"The request names an owner (a person, not a team) and the members.", "Mailbox names follow `team-purpose@example.com`."},
		steps:  []string{"In the Exchange admin centre, choose **Recipients → Mailboxes → Add a shared mailbox**.", "Enter the display name and the address from the request.", "Add the members with **Full Access** and **Send As**.", "Set the owner in the custom attribute `extensionAttribute1`.", "Reply to the requester that the mailbox appears in Outlook within an hour."}},
	{key: "laptop-imaging", author: "ivan", approver: "kim", title: "Image a laptop with the standard build", rts: []string{"laptop-provisioning"}, tags: []string{"autopilot", "imaging"},
		steps: []string{"Register the hardware hash in Autopilot with the group tag `STD-2026`.", "Connect the laptop to the wired build network and boot it.", "Sign in with the user's account when the out-of-box screen asks.", "Wait for the Enrollment Status Page to finish (about 40 minutes).", "Check BitLocker is on and the recovery key is escrowed in the identity portal.", "Hand the laptop over with the user present and have them sign in once."},
		fails: []string{"ESP stuck over 90 minutes: collect logs with `mdmdiagnosticstool -area Autopilot` and attach them to the ticket."}},
	{key: "printer", author: "gina", approver: "kim", title: "Map a network printer", rts: []string{"printer-setup"}, tags: []string{"printing"},
		steps: []string{"Find the printer's queue name on the label: `PRN-<site>-<floor>-<number>`.", "On the user's laptop open **Settings → Printers → Add device**.", "Choose **Add manually** and enter `\\\\print.example.com\\<queue>`.", "Print a test page and ask the user to collect it."}},
	{key: "priv-access", author: "alice", approver: "kim", title: "Grant temporary domain admin rights", rts: []string{"privileged-access"}, tags: []string{"privileged", "pam"},
		before: []string{"Two knowledge managers approved this procedure; a change needs two approvals again.", "The request has a change number and the approval of the system owner **and** the security officer."},
		steps:  []string{"Open the PAM vault and check out the request's change number.", "Grant the role `Domain Admins` as an **eligible** assignment for at most 8 hours.", "Send the user the activation instructions; never activate it for them.", "Note the expiry time on the ticket.", "After expiry, confirm in the PAM report that the assignment ended."},
		fails:  []string{"Any approval missing: refuse the request and say which approval is missing."}},
	{key: "sw-catalogue", author: "ivan", approver: "kai", title: "Install software from the catalogue", rts: []string{"software-install"}, tags: []string{"software center"},
		steps: []string{"Check the product is in the approved software catalogue.", "If it needs a licence, check a free seat in the licence tool and assign it.", "Make the application *Available* to the user's device collection.", "Ask the user to install it from **Software Center**.", "Confirm the install and resolve the ticket."},
		fails: []string{"Not in the catalogue: route the ticket to Software Asset Management for approval."}},
	{key: "account-unlock", author: "kim", approver: "kai", title: "Unlock a locked-out account", rts: []string{"password-reset"}, tags: []string{"active directory", "lockout"},
		steps: []string{"Verify the caller as for a password reset (callback and two factors).", "In Active Directory find the account and check the **Account** tab.", "Tick **Unlock account**; do not reset the password unless the user asks.", "Check the lockout source in the SIEM: a phone with an old password often causes repeated lockouts.", "Tell the user to update the password on their phone mail app."}},
	{key: "self-service", author: "kai", approver: "kim", title: "Enrol a user in self-service password reset", rts: []string{"password-reset"}, tags: []string{"sspr"},
		steps: []string{"Send the user the link https://passwordreset.example.com/register.", "Ask them to register a mobile number and the authenticator app.", "Confirm in the identity portal that two methods are registered."}},
	{key: "access-request", author: "alice", approver: "kai", title: "Grant access to a shared drive folder", rts: []string{"access-request"}, tags: []string{"file share", "access"},
		steps: []string{"Find the folder's owner in the data catalogue.", "Check the owner approved the request on the ticket.", "Add the user to the folder's read or modify group (`FS-<folder>-R` or `-M`); never grant rights to a single account.", "Ask the user to sign out and in again."}},
	{key: "app-role", author: "kim", approver: "kai", title: "Add a user to an application role", rts: []string{"access-request"}, tags: []string{"access", "applications"},
		steps: []string{"Check the role's owner approved the request.", "In the identity portal, open **Enterprise applications → <app> → Users and groups**.", "Assign the role named in the request.", "Record the approval reference on the ticket."}},
	{key: "mailbox-perm", author: "gina", approver: "kai", title: "Give someone access to another person's mailbox", rts: []string{"mailbox-creation"}, tags: []string{"exchange", "delegation"},
		steps: []string{"Check the mailbox owner (or their manager, when the owner has left) approved it in writing.", "In the Exchange admin centre open the mailbox and choose **Mailbox delegation**.", "Add **Read and manage**; add **Send as** only when the request asks for it.", "Tell the requester the mailbox appears in Outlook within an hour."}},
	{key: "laptop-return", author: "ivan", approver: "kim", title: "Wipe and return a laptop to stock", rts: []string{"laptop-provisioning"}, tags: []string{"autopilot", "leavers"},
		steps: []string{"Check the user's data was handed over (the leaver checklist is on the ticket).", "Issue a **Wipe** from the device management portal.", "When the wipe completes, reset the Autopilot group tag to `STOCK`.", "Update the CMDB status to *In stock*."}},
	{key: "printer-driver", author: "gina", approver: "kai", title: "Fix a printer that prints garbled text", rts: []string{"printer-setup"}, tags: []string{"printing", "drivers"},
		steps: []string{"Remove the printer from **Settings → Printers**.", "Open **Print management** and remove the old driver package.", "Map the printer again so the current driver installs from the print server.", "Print a test page."}},
	{key: "mfa-lost", author: "kai", approver: "kim", title: "Handle a lost or stolen phone used for MFA", rts: []string{"mfa-reset"}, tags: []string{"mfa", "security incident"},
		steps: []string{"Revoke all the user's sessions in the identity portal.", "Delete the lost phone's authenticator registration.", "Raise a security incident with the phone's details.", "Follow *Reset MFA after a new phone* when the user has a replacement."}},
	{key: "vpn-split", author: "alice", approver: "kim", title: "Troubleshoot a VPN that connects but reaches nothing", rts: []string{"vpn-access"}, tags: []string{"vpn", "troubleshooting"},
		steps: []string{"Ask the user to open `https://intranet.example.com/health`.", "If it fails, run `ipconfig /all` and check the VPN adapter has a 10.64.x.x address.", "Disconnect and reconnect the VPN client.", "If the address is missing, reinstall the client from Software Center."}},
	{key: "sw-remove", author: "ivan", approver: "kim", title: "Uninstall software and free its licence", rts: []string{"software-install"}, tags: []string{"software center", "licences"},
		steps: []string{"Remove the user from the application's deployment collection.", "Uninstall from **Software Center** or with the vendor's uninstaller.", "Release the seat in the licence tool.", "Resolve the ticket with the licence number freed."}},
	{key: "password-policy", author: "kim", approver: "kai", title: "Explain the password rules to a user", tags: []string{"policy"},
		steps: []string{"Passwords have at least 14 characters; a passphrase of four words is best.", "They never expire unless a compromise is suspected.", "The last 10 passwords cannot be reused.", "Point the user to the password guidance page on the intranet."}},
	{key: "ticket-notes", author: "kai", approver: "kim", title: "Write ticket notes an auditor can follow", tags: []string{"tickets", "audit"},
		steps: []string{"Say what the user asked for in one sentence.", "Name the article and version you followed (Attest records it when you log usage).", "Record the verification you did, never the secret values.", "Say how you confirmed the result with the user."}},
	{key: "escalate", author: "kim", approver: "kai", title: "Escalate a request you cannot resolve", tags: []string{"tickets", "escalation"},
		steps: []string{"Check the article for the request type once more; report it with *This is wrong* if it is out of date.", "Add what you tried to the ticket.", "Assign the ticket to the resolver group named in the catalogue, not to a person.", "Tell the user who has it now and when they can expect an answer."}},
	{key: "guest-wifi", author: "gina", approver: "kim", title: "Give a visitor guest Wi-Fi access", tags: []string{"wifi", "visitors"},
		steps: []string{"Open the guest portal and create a voucher valid for the visit's days only.", "Send the voucher to the host, not to the visitor directly.", "Never connect a visitor device to the corporate SSID."}},
	{key: "mobile-mail", author: "alice", approver: "kai", title: "Set up corporate mail on a mobile phone", rts: []string{"software-install"}, tags: []string{"mobile", "outlook"},
		steps: []string{"Ask the user to install the **Company Portal** app and enrol the phone.", "Install **Outlook** from the Company Portal.", "Sign in with the corporate account and approve the MFA prompt.", "Check mail and calendar sync."}},
	{key: "old-vpn", author: "kim", approver: "kai", title: "Install the legacy AnyConnect 3 client", rts: []string{"vpn-access"}, tags: []string{"vpn", "legacy"},
		steps: []string{"Download AnyConnect 3.1 from the file share.", "Install it and enter `legacy-vpn.example.com`."}},
	{key: "distribution-list", author: "gina", approver: "kai", title: "Create a distribution list", rts: []string{"mailbox-creation"}, tags: []string{"exchange", "groups"},
		steps: []string{"Check the request names an owner.", "Create the list in the Exchange admin centre with the owner set.", "Restrict senders to the organisation unless the request asks otherwise.", "Add the members from the request."}},
	{key: "docking", author: "ivan", approver: "kai", title: "Fix a laptop that does not see its docking station", rts: []string{"laptop-provisioning"}, tags: []string{"hardware"},
		steps: []string{"Unplug the dock's power for 30 seconds, then plug it back.", "Update the dock firmware from Software Center (*Dock firmware updater*).", "Try another USB-C port on the laptop.", "Swap the dock if it still fails and log the asset change."}},
	{key: "scan-to-mail", author: "gina", approver: "kim", title: "Set up scan to e-mail on a multifunction printer", rts: []string{"printer-setup"}, tags: []string{"printing", "scanning"},
		steps: []string{"Check the user's mailbox accepts mail from `scanner@example.com`.", "Add the user's address to the device's address book through the print management portal.", "Scan a test page to the user."}},
}

func seedKB(ctx context.Context, d Deps, org *Org) error {
	ids := map[string]int64{}
	u := func(name string) *accounts.User {
		// Reload, so that what the supplier fulfils and the agreement state are current.
		if x, err := d.Accounts.UserByUsername(ctx, name); err == nil {
			return x
		}
		return org.Users[name]
	}
	approve := func(id int64, n int, approver string, comment string, major bool) error {
		_, err := d.KB.Approve(ctx, u(approver), id, n, kb.Decision{Comment: comment, Major: major})
		return err
	}
	for _, a := range demoArticles {
		v, err := d.KB.CreateArticle(ctx, u(a.author), kb.NewArticle{Title: a.title, Body: a.body(), RequestTypes: a.rts, Tags: a.tags, Note: "First version"})
		if err != nil {
			return fmt.Errorf("%s: %w", a.key, err)
		}
		if _, err := d.KB.Submit(ctx, u(a.author), v.ArticleID, 1); err != nil {
			return fmt.Errorf("%s: %w", a.key, err)
		}
		if err := approve(v.ArticleID, 1, a.approver, "Checked against the current process.", false); err != nil {
			return fmt.Errorf("%s: %w", a.key, err)
		}
		if a.key == "priv-access" {
			// Privileged access needs two approvers, neither the author.
			if err := approve(v.ArticleID, 1, "kai", "Second approval: matches the PAM standard.", true); err != nil {
				return fmt.Errorf("%s: %w", a.key, err)
			}
		}
		ids[a.key] = v.ArticleID
	}
	edit := func(key, author string, base int, change func(string) string, note string) (int, error) {
		id := ids[key]
		cur, err := d.KB.Version(ctx, u("kim"), id, base)
		if err != nil {
			return 0, err
		}
		v, err := d.KB.SaveVersion(ctx, u(author), id, kb.NewVersion{Base: base, Title: cur.Title, Body: change(cur.Body), Note: note})
		if err != nil {
			return 0, fmt.Errorf("edit %s: %w", key, err)
		}
		if _, err := d.KB.Submit(ctx, u(author), id, v.Number); err != nil {
			return 0, err
		}
		return v.Number, nil
	}
	steps := []struct {
		key, author, approver string
		change                func(string) string
		note                  string
		major                 bool
	}{
		{"ad-reset", "alice", "kim", func(b string) string {
			return strings.Replace(b, "and set a one-time password from the generator.", "and set a one-time password from the generator (16 characters, no look-alike letters).", 1)
		}, "Say how long the one-time password is", false},
		{"ad-reset", "kai", "kim", func(b string) string {
			return strings.Replace(b, "7. Record the verification", "7. Check in the SIEM that no other reset happened on this account in the last 24 hours; if one did, raise a security incident.\n8. Record the verification", 1)
		}, "Check for repeated resets (audit finding 2026-Q3)", true},
		{"mfa-phone", "ivan", "kai", func(b string) string {
			return strings.Replace(b, "valid for 1 hour, single use.", "valid for 1 hour, single use. Never read it out on a call that you did not place.", 1)
		}, "Temporary Access Pass over the phone", false},
		{"vpn-install", "kim", "kai", func(b string) string {
			return strings.Replace(b, "*GlobalProtect 6.2*", "*GlobalProtect 6.3*", 1)
		}, "New client version", false},
	}
	for _, st := range steps {
		cur, err := d.KB.Article(ctx, u("kim"), ids[st.key])
		if err != nil {
			return err
		}
		n, err := edit(st.key, st.author, cur.Current.Number, st.change, st.note)
		if err != nil {
			return err
		}
		if err := approve(ids[st.key], n, st.approver, "Approved.", st.major); err != nil {
			return fmt.Errorf("approve %s: %w", st.key, err)
		}
	}
	// Awaiting review: gina's proposal on the password reset article.
	if _, err := edit("ad-reset", "gina", 3, func(b string) string {
		return strings.Replace(b, "never by e-mail or chat.", "never by e-mail or chat. Ask the user to change it while you are still on the call.", 1)
	}, "Stay on the call until the password is changed"); err != nil {
		return err
	}
	// Awaiting a second approval: a privileged-access change approved once.
	n, err := edit("priv-access", "alice", 1, func(b string) string {
		return strings.Replace(b, "for at most 8 hours", "for at most 4 hours", 1)
	}, "Shorter eligible window (security officer's request)")
	if err != nil {
		return err
	}
	if err := approve(ids["priv-access"], n, "kim", "Agreed with the security officer.", true); err != nil {
		return err
	}
	// A rejected proposal with the reviewer's reason.
	n, err = edit("vpn-access", "ivan", 1, func(b string) string {
		return strings.Replace(b, "Check the request carries the line manager's approval.\n", "", 1)
	}, "Approval check is slow; skip it")
	if err != nil {
		return err
	}
	if _, err := d.KB.Reject(ctx, u("kai"), ids["vpn-access"], n, kb.Decision{Comment: "The manager's approval is an audit requirement; it stays."}); err != nil {
		return err
	}
	// A draft alice has not submitted yet.
	if _, err := d.KB.SaveVersion(ctx, u("alice"), ids["vpn-split"], kb.NewVersion{Base: 1, Title: "Troubleshoot a VPN that connects but reaches nothing",
		Body: demoBody(d, ctx, ids["vpn-split"]) + "\n> Tip: a hotel captive portal often blocks the tunnel; ask the user to open any web page first.\n", Note: "Hotel Wi-Fi tip"}); err != nil {
		return err
	}
	// Retired: the legacy VPN client.
	if err := d.KB.Retire(ctx, u("kim"), ids["old-vpn"], "Replaced by the GlobalProtect client; AnyConnect 3 is out of support."); err != nil {
		return err
	}
	// Retiring takes a second knowledge manager's confirmation.
	if err := d.KB.Retire(ctx, u("kai"), ids["old-vpn"], "Confirmed: GlobalProtect is rolled out everywhere."); err != nil {
		return err
	}
	// Overdue for review: two articles were last approved longer ago than their review
	// interval. Approval times and review dates are review state, not version content, so the
	// seed may set them directly.
	for _, key := range []string{"printer", "docking"} {
		days, err := d.KB.ReviewInterval(ctx, ids[key])
		if err != nil {
			return err
		}
		due := time.Now().AddDate(0, 0, -12)
		approved := database.Format(due.AddDate(0, 0, -days))
		if _, err := d.DB.Write.ExecContext(ctx, `UPDATE versions SET decided_at = ?, submitted_at = ? WHERE article_id = ? AND status = 'approved'`, approved, approved, ids[key]); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
		if _, err := d.DB.Write.ExecContext(ctx, `UPDATE approvals SET at = ? WHERE version_id IN (SELECT id FROM versions WHERE article_id = ?)`, approved, ids[key]); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
		if _, err := d.DB.Write.ExecContext(ctx, `UPDATE articles SET next_review = ? WHERE id = ?`, database.Format(due), ids[key]); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
		// What article reads show changed: tell the change log, as every change does.
		if _, err := d.DB.Write.ExecContext(ctx, `INSERT INTO search_changes (article_id, at) VALUES (?, ?)`, ids[key], database.Now()); err != nil {
			return fmt.Errorf("overdue: %w", err)
		}
	}
	return nil
}

// demoBody returns the current body of an article (for drafts built on it).
func demoBody(d Deps, ctx context.Context, id int64) string {
	a, err := d.KB.Article(ctx, accounts.System("demo"), id)
	if err != nil || a.Current == nil {
		return ""
	}
	return a.Current.Body
}
