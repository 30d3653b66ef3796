package search

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// corpusVersion changes whenever the generated corpus changes, so cached
// benchmark indexes are rebuilt.
const corpusVersion = 3

// The synthetic corpus: short IT service how-to articles made from topic
// templates. Article i is one combination of topic × product × platform ×
// symptom × audience (a permutation of all of them, so every article is a
// different combination), written with varied wording, shared boilerplate
// and cross-references to other topics, so that no single word separates one
// article from its neighbours.

type symptom struct {
	title string // how an article names it
	ask   string // how an agent types it
	fix   string // the step that fixes it
}

type topic struct {
	key      string // request type
	noun     string // what agents call the topic
	tags     []string
	products []string
	titles   []string // {p} product, {s} symptom, {o} platform, {a} audience
	intro    string
	steps    []string
	symptoms []symptom
	asks     []string // agent queries: {p} product, {s} symptom, {o} platform, {a} audience, {c} error code
	code     string   // error code format for fmt with one integer
}

var platforms = []struct{ name, ask string }{
	{"Windows 10", "win10"}, {"Windows 11", "windows 11"}, {"macOS Sonoma", "macos"},
	{"macOS Ventura", "ventura"}, {"Ubuntu 22.04", "ubuntu"}, {"iOS", "iphone"},
	{"Android", "android"}, {"ChromeOS", "chromebook"}, {"Citrix virtual desktop", "citrix"},
}

var audiences = []struct{ name, ask string }{
	{"new starters", "new starter"}, {"contractors", "contractor"}, {"executives", "exec"},
	{"shared kiosk devices", "kiosk"}, {"field engineers", "field engineer"},
	{"call centre agents", "call centre"}, {"the Finance department", "finance"},
	{"the Berlin office", "berlin"}, {"remote workers", "remote worker"}, {"interns", "intern"},
}

var (
	checks = []string{
		"Verify the caller's identity with two factors from the HR record before you change anything.",
		"Check the ticket names the affected user, their device and the exact error text.",
		"Confirm the user's line manager approved the request in the ticket.",
		"Make sure the device is on the corporate network or connected over VPN.",
		"Ask for a screenshot of the error if the ticket does not have one.",
		"Check the service status page for a known outage first.",
		"Note the device's asset tag and serial number in the ticket.",
	}
	closings = []string{
		"Record the resolution in the ticket and link this article.",
		"Ask the user to confirm it works before you resolve the ticket.",
		"If the user is a VIP, call them back within one hour.",
		"Escalate to the second-line team with the logs if the steps fail twice.",
		"Do not share temporary credentials by email; read them out on the phone.",
	}
)

var topics = []topic{
	{
		key: "password-reset", noun: "password reset", tags: []string{"password", "identity"},
		products: []string{"Active Directory", "Entra ID", "Okta", "SAP GUI", "ServiceNow", "Workday", "Salesforce", "Jira"},
		titles:   []string{"Reset a {p} password: {s}", "{p} password reset on {o} when {s}", "Password reset for {a} in {p} ({s})"},
		intro:    "Resetting a password gives the user a temporary password they must change at first sign-in.",
		steps: []string{
			"Open the {p} admin console and search for the user by username.",
			"Select **Reset password** and generate a temporary password.",
			"Tick *User must change password at next sign-in*.",
			"Tell the user to sign in on {o} and choose a new password of at least 14 characters.",
			"Check that the password policy history does not reject the new password.",
		},
		symptoms: []symptom{
			{"the password has expired", "password expired", "Set a new temporary password; expired passwords cannot be extended."},
			{"the user forgot the password", "forgot password", "Send a self-service reset link first; reset manually only if it fails."},
			{"the self-service reset link never arrives", "reset link not arriving", "Check the recovery email and phone in the profile and correct them."},
			{"the new password is rejected by policy", "new password rejected", "Explain the complexity rules: 14 characters, no reuse of the last 24 passwords."},
			{"the password works on the web but not on the device", "password works on web not laptop", "Have the user lock and unlock the device while connected to sync the cached password."},
			{"the password was reset but sign-in still fails", "still cant log in after reset", "Wait for replication (up to 15 minutes) and clear saved credentials in Credential Manager."},
		},
		asks: []string{"{p} password reset {o}", "how do i reset a {p} password for a {a}", "{a} {s} {p}", "user {s} in {p} on {o}", "{p} {s} {c}", "reset {p} pw {s}"},
		code: "error %d",
	},
	{
		key: "mfa-reset", noun: "MFA reset", tags: []string{"mfa", "identity", "security"},
		products: []string{"Microsoft Authenticator", "Okta Verify", "Duo Mobile", "Google Authenticator", "YubiKey", "RSA SecurID", "SMS verification", "Authy"},
		titles:   []string{"Re-register multi-factor authentication with {p}: {s}", "{p} MFA reset on {o} when {s}", "MFA for {a}: {s} ({p})"},
		intro:    "Multi-factor authentication protects every account; a reset removes the registered methods so the user can register again.",
		steps: []string{
			"Verify the user's identity with a video call and their staff ID.",
			"In the identity portal open **Authentication methods** for the user.",
			"Select **Require re-register MFA** and revoke existing sessions.",
			"Ask the user to open {p} on {o} and scan the new QR code.",
			"Have the user approve a test sign-in to confirm the new method works.",
		},
		symptoms: []symptom{
			{"the user got a new phone", "new phone", "Remove the old device from the methods list before registering the new phone."},
			{"push notifications do not arrive", "not getting the push", "Check notifications are allowed for {p} and the phone's clock is set automatically."},
			{"the one-time codes are rejected", "codes not working", "Resynchronise the time on the device; codes depend on an accurate clock."},
			{"the phone was lost or stolen", "lost phone", "Revoke all sessions, issue a temporary access pass and report the lost device to Security."},
			{"the user is locked out after too many MFA prompts", "too many mfa prompts locked", "Check the sign-in log for MFA fatigue attacks and report them before unlocking."},
			{"the hardware token is not recognised", "token not recognised", "Re-seat the token, try another USB port and re-enrol the token serial number."},
		},
		asks: []string{"how do i reset someone's mfa on the {s}", "{p} {s} {o}", "mfa reset {a} {p}", "2fa {s} {p}", "{p} {c}", "re register {p} {s} {o}"},
		code: "AADSTS%d",
	},
	{
		key: "account-unlock", noun: "account unlock", tags: []string{"account", "identity"},
		products: []string{"Active Directory", "Entra ID", "SAP ERP", "Okta", "Citrix Workspace", "Oracle E-Business Suite", "Workday", "Mainframe RACF"},
		titles:   []string{"Unlock a locked {p} account: {s}", "{p} account locked out on {o} ({s})", "Account lockout for {a} in {p}"},
		intro:    "Accounts lock after ten failed sign-in attempts in fifteen minutes to stop password guessing.",
		steps: []string{
			"Look up the user in {p} and check the lockout status and the bad password count.",
			"Find the source of the failed attempts in the security log.",
			"Select **Unlock account**; do not reset the password unless the user asks.",
			"Ask the user to sign in on {o} once, slowly, and confirm access.",
		},
		symptoms: []symptom{
			{"the account locks again every few minutes", "keeps locking", "Remove stale saved credentials from phones and mapped drives that keep retrying."},
			{"the account is locked after the password change", "locked after password change", "Update the password on every device, including mail on the phone."},
			{"the account is disabled rather than locked", "account disabled", "Check HR status; a disabled account needs a reactivation request, not an unlock."},
			{"the lockout comes from a service account", "service account locking", "Find the scheduled task or service using the old password and update it."},
			{"the account locked during travel", "locked while travelling", "Check conditional access blocks for the country before unlocking."},
			{"the unlock does not take effect", "unlock not working", "Unlock on the PDC emulator and wait for replication to all sites."},
		},
		asks: []string{"unlock {p} account {o}", "{p} account {s}", "{a} locked out of {p}", "user {s} {p} {c}", "how do i unlock a {p} account that {s}"},
		code: "event %d",
	},
	{
		key: "vpn-access", noun: "VPN", tags: []string{"vpn", "network", "remote"},
		products: []string{"GlobalProtect", "Cisco AnyConnect", "FortiClient", "Zscaler Private Access", "OpenVPN", "WireGuard", "Pulse Secure", "Check Point Endpoint"},
		titles:   []string{"{p} VPN: {s} on {o}", "Connect to the VPN with {p} when {s}", "VPN access for {a} using {p}"},
		intro:    "The VPN connects remote devices to internal applications; split tunnelling sends only corporate traffic through it.",
		steps: []string{
			"Check the user is in the VPN access group for {p}.",
			"Open {p} on {o}, enter the portal address vpn.example.com and sign in.",
			"Approve the MFA prompt when it appears.",
			"Test access to the intranet once the status shows **Connected**.",
			"Collect the {p} logs from the client's troubleshooting tab if it fails.",
		},
		symptoms: []symptom{
			{"the connection drops every few minutes", "vpn keeps disconnecting", "Switch the client to TCP and disable power saving on the network adapter."},
			{"the client cannot reach the gateway", "cant connect to vpn", "Check the home router blocks no UDP 4501 and the gateway address is correct."},
			{"the certificate is not trusted", "vpn certificate error", "Install the current root certificate from the Company Portal."},
			{"the VPN is connected but nothing loads", "connected but no internet", "Flush the DNS cache and check the DNS suffix list pushed by the gateway."},
			{"the client is missing after an upgrade", "vpn client missing", "Reinstall {p} from the Company Portal and reboot."},
			{"the sign-in loops back to the portal", "vpn login loop", "Clear the embedded browser cookies in the client and sign in again."},
		},
		asks: []string{"{p} {s} {o}", "vpn {s} {a}", "{p} error {c}", "how do i connect to vpn on {o} with {p}", "{s} {p}", "vpn not working {o} {p}"},
		code: "error %d",
	},
	{
		key: "wifi-access", noun: "Wi-Fi", tags: []string{"wifi", "network"},
		products: []string{"CORP-SECURE", "CORP-GUEST", "eduroam", "CORP-IOT", "CORP-MEETING", "WAREHOUSE-WLAN", "CORP-LEGACY", "LAB-WIFI"},
		titles:   []string{"Join the {p} Wi-Fi network on {o}", "Wi-Fi {p}: {s}", "Wireless access to {p} for {a} ({s})"},
		intro:    "Corporate wireless networks use 802.1X with device certificates; guest networks use a daily voucher.",
		steps: []string{
			"Open the Wi-Fi settings on {o} and choose the {p} network.",
			"Select the corporate certificate when asked for an identity.",
			"Forget the network first if the device joined it before with old settings.",
			"Check the device received an address in the 10.40.0.0/16 range.",
		},
		symptoms: []symptom{
			{"the device connects but has no internet", "wifi no internet", "Renew the DHCP lease and check the proxy settings."},
			{"the network asks for a password again and again", "wifi keeps asking password", "Remove the saved profile and install the Wi-Fi certificate again."},
			{"the network is not listed", "cant see the network", "Check the device supports 5 GHz and that the access point in the room is online."},
			{"the guest voucher is rejected", "guest code not working", "Issue a new voucher from the reception portal; vouchers expire at midnight."},
			{"the connection is very slow", "wifi slow", "Move closer to an access point or switch to the 5 GHz band."},
			{"authentication fails with a certificate error", "wifi certificate error", "Renew the device certificate through the management agent."},
		},
		asks: []string{"{p} wifi {s} {o}", "{s} on {p}", "wireless {p} {a}", "how do i connect to {p} on {o}", "wifi {c} {p}"},
		code: "reason code %d",
	},
	{
		key: "printer-setup", noun: "printer", tags: []string{"printer", "hardware"},
		products: []string{"HP LaserJet", "Canon imageRUNNER", "Xerox VersaLink", "Ricoh IM C3000", "Brother HL", "Konica Minolta bizhub", "Kyocera TASKalfa", "Lexmark MX"},
		titles:   []string{"Add a {p} printer on {o}", "{p} printing: {s}", "Printer setup for {a}: {p} ({s})"},
		intro:    "Printers are added from the print server so that drivers and follow-me printing work.",
		steps: []string{
			"Find the printer's name on the label, for example PRN-3F-021.",
			"On {o} open **Printers & scanners** and add \\\\print01\\PRN-3F-021.",
			"Install the {p} universal driver if the system asks for one.",
			"Print a test page and release it at the device with the badge.",
		},
		symptoms: []symptom{
			{"jobs stay in the queue", "print stuck in queue", "Restart the print spooler and delete the stuck job."},
			{"the printer shows as offline", "printer offline", "Check the device's network cable and ping its address from the print server."},
			{"the driver cannot be installed", "printer driver wont install", "Install the driver package from the Company Portal; users cannot install drivers."},
			{"scanning to email fails", "scan to email not working", "Check the SMTP relay settings on the device and the user's address book entry."},
			{"prints come out blank or faded", "blank pages", "Replace the toner cartridge and run the cleaning cycle."},
			{"the badge is not recognised at the printer", "badge not working at printer", "Re-register the badge at the device and link it to the username."},
		},
		asks: []string{"{p} {s} {o}", "add printer {o} {p}", "{s} {p}", "how do i add a printer for a {a} on {o}", "{p} error {c}", "printing {s} {o}"},
		code: "error %d",
	},
	{
		key: "shared-mailbox", noun: "shared mailbox", tags: []string{"mailbox", "email", "exchange"},
		products: []string{"Exchange Online", "Outlook for Windows", "Outlook for Mac", "Outlook on the web", "Outlook mobile", "Apple Mail", "Thunderbird", "New Outlook"},
		titles:   []string{"Grant access to a shared mailbox in {p}", "Shared mailbox: {s} ({p}, {o})", "Shared mailbox access for {a} with {p}"},
		intro:    "Shared mailboxes have no licence and no password; people get Full Access and Send As permissions.",
		steps: []string{
			"Confirm the mailbox owner approved the request.",
			"In the Exchange admin centre open the shared mailbox and select **Delegation**.",
			"Add the user to **Read and manage** and, if requested, **Send as**.",
			"Ask the user to restart {p} on {o}; the mailbox appears in the folder list within an hour.",
		},
		symptoms: []symptom{
			{"the shared mailbox does not appear", "shared mailbox not showing", "Check automapping is on, or add the mailbox manually in account settings."},
			{"sending as the shared mailbox fails", "cant send as shared mailbox", "Grant Send As, not only Send on Behalf, and wait an hour."},
			{"sent items land in the personal mailbox", "sent items wrong folder", "Enable saving sent items to the shared mailbox with the mailbox setting."},
			{"the shared mailbox is full", "shared mailbox full", "Enable the archive or ask the owner to clean up; shared mailboxes stop at 50 GB."},
			{"the user should lose access", "remove shared mailbox access", "Remove the permissions and restart the mail client."},
			{"the shared mailbox asks for a password", "shared mailbox password prompt", "Remove the mailbox added as a separate account; add it as an additional mailbox."},
		},
		asks: []string{"shared mailbox {s} {p}", "give {a} access to shared mailbox {p}", "{s} in {p} on {o}", "how do i add a shared mailbox to {p}", "{p} shared inbox {s}"},
		code: "error %d",
	},
	{
		key: "mailbox-quota", noun: "mailbox full", tags: []string{"mailbox", "email", "storage"},
		products: []string{"Exchange Online", "Online Archive", "Outlook for Windows", "Outlook for Mac", "Outlook on the web", "Gmail", "Outlook mobile", "Exchange 2019"},
		titles:   []string{"Mailbox full: {s} ({p})", "Free up mailbox space in {p} on {o}", "Mailbox quota for {a} in {p}"},
		intro:    "Mailboxes warn at 45 GB and stop sending at 49 GB; the online archive grows automatically.",
		steps: []string{
			"Check the mailbox size in the admin centre.",
			"Enable the online archive if the user's licence includes it.",
			"Ask the user to sort by size in {p} and delete or archive large attachments.",
			"Empty **Deleted Items** and **Recoverable Items** after checking retention holds.",
		},
		symptoms: []symptom{
			{"the user cannot send mail because the mailbox is full", "mailbox full cant send", "Raise the quota temporarily and enable the archive."},
			{"the archive does not move mail", "archive not working", "Run the managed folder assistant and check the retention policy tag."},
			{"the local data file is too large", "ost file too big", "Reduce the cached mode period to twelve months and rebuild the OST."},
			{"warnings continue after cleaning up", "still says mailbox full", "Wait for the size to recalculate and empty Recoverable Items."},
			{"large attachments fill the mailbox", "attachments taking space", "Teach the user to share OneDrive links instead of attaching files."},
			{"the quota warning is wrong", "wrong mailbox size", "Compare the size in the admin centre with the client and resync the folder."},
		},
		asks: []string{"mailbox full {p}", "{s} {o}", "{a} {s} {p}", "how do i free up space in {p}", "email quota {p} {c}", "{p} {s}"},
		code: "NDR 5.2.%d",
	},
	{
		key: "outlook-issue", noun: "Outlook problem", tags: []string{"outlook", "email"},
		products: []string{"Outlook 2016", "Outlook 2019", "Outlook for Microsoft 365", "New Outlook", "Outlook for Mac", "Outlook on the web", "Outlook for iOS", "Outlook for Android"},
		titles:   []string{"{p}: {s}", "Fix {p} on {o} when {s}", "{p} troubleshooting for {a}: {s}"},
		intro:    "Most Outlook problems come from a damaged profile, add-ins or cached credentials.",
		steps: []string{
			"Check the user can reach mail in Outlook on the web; if so the mailbox is fine.",
			"Start {p} in safe mode to rule out add-ins.",
			"Create a new mail profile on {o} and set it as default.",
			"Clear saved credentials for the mail account and sign in again.",
		},
		symptoms: []symptom{
			{"Outlook keeps asking for the password", "outlook keeps asking for password", "Remove cached credentials and enable modern authentication."},
			{"Outlook is stuck on loading profile", "outlook stuck loading", "Start in safe mode, disable add-ins, then recreate the profile."},
			{"mail is stuck in the outbox", "emails stuck in outbox", "Remove large attachments from the stuck message and resend."},
			{"the calendar does not sync", "calendar not syncing", "Reset the calendar folder and check shared calendar permissions."},
			{"search in Outlook returns nothing", "outlook search not working", "Rebuild the search index from the indexing options."},
			{"Outlook crashes on start", "outlook crashing", "Repair the Office installation and remove the faulty add-in."},
		},
		asks: []string{"{s} {o}", "{p} {s}", "{p} error {c}", "{a} {s}", "how do i fix {s} in {p}", "outlok {s}"},
		code: "0x800CCC%02X",
	},
	{
		key: "teams-issue", noun: "Teams problem", tags: []string{"teams", "collaboration"},
		products: []string{"Microsoft Teams", "Teams Rooms", "Teams Phone", "Teams web app", "New Teams", "Teams mobile", "Teams Premium", "Teams town halls"},
		titles:   []string{"{p}: {s}", "Fix {p} on {o}: {s}", "{p} for {a} when {s}"},
		intro:    "Teams uses the same sign-in as mail; most client problems are fixed by clearing the cache.",
		steps: []string{
			"Quit {p} completely from the system tray.",
			"Clear the Teams cache folder on {o}.",
			"Start {p} again and sign in with the work account.",
			"Check the device settings for camera, microphone and speaker.",
		},
		symptoms: []symptom{
			{"the microphone does not work in meetings", "teams mic not working", "Select the right microphone in device settings and allow microphone access in privacy settings."},
			{"screen sharing shows a black screen", "screen share black", "Turn off hardware acceleration and allow screen recording on macOS."},
			{"messages do not sync", "teams messages not syncing", "Clear the cache and sign out of all sessions."},
			{"the user cannot join external meetings", "cant join external meeting", "Check anonymous join is allowed by the meeting policy."},
			{"Teams shows the user as offline", "teams status wrong", "Reset the status message and check the presence service health."},
			{"notifications do not appear", "teams notifications not working", "Allow notifications for Teams in the operating system settings."},
		},
		asks: []string{"{p} {s} {o}", "{s} {o}", "teams {s} {a}", "how do i fix {s}", "{p} error {c}", "ms teams {s}"},
		code: "CAA%d",
	},
	{
		key: "sharepoint-access", noun: "SharePoint access", tags: []string{"sharepoint", "access"},
		products: []string{"SharePoint Online site", "document library", "Teams channel files", "intranet news site", "project site", "HR portal", "Finance site", "SharePoint list"},
		titles:   []string{"Request access to a {p}", "SharePoint {p}: {s}", "{p} permissions for {a} ({s})"},
		intro:    "SharePoint access is granted by the site owner; IT only helps when the owner has left.",
		steps: []string{
			"Find the site owner on the site's **Site information** page.",
			"Ask the owner to add the user to the members group of the {p}.",
			"If the owner left, check the ownership in the admin centre and assign a new owner.",
			"Ask the user to open the link in a private browser window on {o}.",
		},
		symptoms: []symptom{
			{"the user sees access denied", "access denied sharepoint", "Check the user is in the right SharePoint group, not only the Teams team."},
			{"the request access button does nothing", "request access not working", "Set an access request email on the site settings."},
			{"an external guest cannot open the link", "guest cant open sharepoint link", "Check external sharing is on for the site and the guest redeemed the invitation."},
			{"the site is read only", "sharepoint read only", "Check the site is not locked for retention or migration."},
			{"files are checked out to someone who left", "file checked out", "Take ownership of the checked out file as site collection admin."},
			{"permissions are inherited wrongly", "wrong permissions inherited", "Restore inheritance on the folder and re-grant unique permissions."},
		},
		asks: []string{"{s} {p}", "sharepoint access {a} {p}", "{p} {s} {o}", "how do i get access to a {p}", "sp {s} {c}"},
		code: "correlation %d",
	},
	{
		key: "onedrive-sync", noun: "OneDrive sync", tags: []string{"onedrive", "files", "sync"},
		products: []string{"OneDrive for Business", "Files On-Demand", "Known Folder Move", "OneDrive for Mac", "OneDrive mobile", "SharePoint sync", "Teams files sync", "OneDrive web"},
		titles:   []string{"{p}: {s}", "Fix OneDrive sync on {o} ({s})", "{p} for {a}: {s}"},
		intro:    "OneDrive keeps work files in the cloud and syncs them to each device.",
		steps: []string{
			"Open the OneDrive icon on {o} and read the sync status.",
			"Pause and resume syncing to retry stuck files.",
			"Check the file path is shorter than 400 characters and has no invalid characters.",
			"Reset OneDrive if the status stays stuck for more than an hour.",
		},
		symptoms: []symptom{
			{"files are stuck on sync pending", "onedrive stuck syncing", "Reset the OneDrive client and let it resync."},
			{"the sync client shows a red cross", "onedrive red x", "Rename files with invalid characters or paths that are too long."},
			{"the Desktop folder is not backed up", "desktop not backing up", "Turn on folder backup and check the policy allows it."},
			{"files are duplicated with the device name", "duplicate files onedrive", "Resolve the conflict copies and keep the newest version."},
			{"the user ran out of OneDrive storage", "onedrive full", "Remove old versions or request more storage."},
			{"a library does not sync", "sharepoint library not syncing", "Remove the library from sync and add it again from the browser."},
		},
		asks: []string{"onedrive {s} {o}", "{p} {s}", "{s} {a}", "how do i fix {s} on {o}", "onedrive error {c}", "one drive {s}"},
		code: "0x8004de%02x",
	},
	{
		key: "software-install", noun: "software install", tags: []string{"software", "install"},
		products: []string{"Adobe Acrobat Reader", "Zoom", "Slack", "Visual Studio Code", "Python", "Tableau Desktop", "AutoCAD", "7-Zip"},
		titles:   []string{"Install {p} on {o}", "{p} installation: {s}", "Software request for {a}: {p} ({s})"},
		intro:    "Standard software installs from the Company Portal; licensed software needs an approved request first.",
		steps: []string{
			"Check {p} is on the approved software list.",
			"Open the Company Portal on {o} and search for {p}.",
			"Select **Install** and wait for the notification.",
			"For licensed software, assign the licence in the licence portal first.",
		},
		symptoms: []symptom{
			{"the app is not in the Company Portal", "not in company portal", "Request the app to be packaged, or assign the user to the app's group."},
			{"the installation fails", "install failed", "Check free disk space and the install log in the management agent."},
			{"the installation needs admin rights", "needs admin rights", "Install it from the Company Portal, which runs with system rights; never give local admin."},
			{"the licence is not activated", "licence not activated", "Assign the named licence and sign out and in to the app."},
			{"an old version is installed", "old version", "Uninstall the old version first, then install from the portal."},
			{"the app is blocked by security software", "blocked by antivirus", "Ask Security to review the app; do not disable endpoint protection."},
		},
		asks: []string{"install {p} {o}", "{p} {s}", "{a} needs {p}", "how do i install {p} on {o}", "{p} install error {c}", "instal {p} {o}"},
		code: "exit code %d",
	},
	{
		key: "laptop-setup", noun: "laptop setup", tags: []string{"laptop", "hardware"},
		products: []string{"Dell Latitude", "Lenovo ThinkPad", "HP EliteBook", "MacBook Pro", "MacBook Air", "Surface Laptop", "Surface Pro", "Dell XPS"},
		titles:   []string{"Set up a new {p} on {o}", "{p} replacement: {s}", "New laptop for {a}: {p} ({s})"},
		intro:    "New and replacement laptops are enrolled automatically when the user first signs in on the corporate network.",
		steps: []string{
			"Unbox the {p} and connect it to power and the wired network.",
			"Sign in with the user's work account to start enrolment.",
			"Wait until the required apps install; this takes up to 45 minutes.",
			"Move the user's files with OneDrive and sign in to the browser.",
			"Record the asset tag against the user in the asset register.",
		},
		symptoms: []symptom{
			{"enrolment stops at the account setup screen", "stuck on account setup", "Check the device is registered in Autopilot and the user has a licence."},
			{"the old laptop must be returned", "return old laptop", "Wipe the old device from the management console and book a courier."},
			{"the laptop does not turn on", "laptop wont turn on", "Hold the power button for 30 seconds with the charger connected."},
			{"the battery drains quickly", "battery drains fast", "Run the battery report and replace the battery under warranty."},
			{"BitLocker asks for a recovery key", "bitlocker recovery key", "Look up the recovery key in the device record and read it to the user."},
			{"the docking station is not detected", "dock not working", "Update the dock firmware and the laptop's Thunderbolt driver."},
		},
		asks: []string{"new {p} setup {a}", "{p} {s}", "{s} {o}", "how do i set up a new laptop for a {a}", "{p} error {c}", "notebook {s} {p}"},
		code: "0x800705%02X",
	},
	{
		key: "device-enrolment", noun: "device enrolment", tags: []string{"mdm", "mobile", "device"},
		products: []string{"Intune Company Portal", "Jamf Pro", "Workspace ONE", "Android Enterprise", "Apple Business Manager", "Windows Autopilot", "MobileIron", "Kandji"},
		titles:   []string{"Enrol a device in {p} on {o}", "{p} enrolment: {s}", "Device enrolment for {a} with {p}"},
		intro:    "Devices must be enrolled in device management before they can open work apps and mail.",
		steps: []string{
			"Install the {p} agent or app on {o}.",
			"Sign in with the work account and accept the management profile.",
			"Wait for the compliance check to turn green.",
			"Open Outlook on the device to confirm access to work data.",
		},
		symptoms: []symptom{
			{"the device is marked not compliant", "device not compliant", "Update the operating system and set a screen lock, then sync the device."},
			{"enrolment fails with a device limit message", "device limit reached", "Remove old devices from the user's device list."},
			{"the management profile cannot be installed", "profile wont install", "Remove the old profile and restart the device."},
			{"work apps do not install", "apps not installing", "Sync the device from the portal and check the app assignment."},
			{"the device must be wiped", "wipe device", "Send a retire for personal devices and a full wipe for company devices."},
			{"the personal phone needs work mail", "work email on personal phone", "Install Outlook and enrol only the work profile."},
		},
		asks: []string{"enrol {o} in {p}", "{p} {s}", "{s} {o} {a}", "how do i enroll a phone in {p}", "{p} error {c}", "intune {s}"},
		code: "0x87D1%04X",
	},
	{
		key: "sap-access", noun: "SAP access", tags: []string{"sap", "access", "erp"},
		products: []string{"SAP ERP", "SAP S/4HANA", "SAP BW", "SAP Fiori", "SAP Concur", "SAP Ariba", "SAP SuccessFactors", "SAP GUI"},
		titles:   []string{"Request a role in {p}", "{p} access: {s}", "{p} authorisation for {a} ({s})"},
		intro:    "SAP roles are requested through the access catalogue and approved by the role owner and the line manager.",
		steps: []string{
			"Find the role in the access catalogue by transaction code or business task.",
			"Submit the request with a business reason and the cost centre.",
			"Check the segregation of duties report before approving.",
			"Ask the user to sign in to {p} on {o} and test the transaction.",
		},
		symptoms: []symptom{
			{"the transaction says you are not authorised", "not authorised transaction", "Run SU53 right after the error and attach the screenshot to the request."},
			{"the SAP user is locked", "sap user locked", "Unlock the user in SU01; reset the password only if asked."},
			{"the role conflicts with segregation of duties", "sod conflict", "Ask the risk owner for a mitigating control or choose another role."},
			{"the user needs access to another company code", "another company code", "Request the organisational level for the company code, not a new role."},
			{"Fiori tiles are missing", "fiori tiles missing", "Assign the catalogue and group roles, then clear the launchpad cache."},
			{"the SAP GUI connection is missing", "sap gui connection missing", "Deploy the current landscape file to the client."},
		},
		asks: []string{"{p} {s}", "sap access {a} {p}", "{s} {o}", "how do i request a role in {p}", "{p} error {c}", "sap {s}"},
		code: "SU53 %d",
	},
	{
		key: "application-access", noun: "application access", tags: []string{"access", "saas"},
		products: []string{"Salesforce", "ServiceNow", "Jira", "Confluence", "GitHub", "Power BI", "Workday", "Miro"},
		titles:   []string{"Request access to {p}", "{p} access: {s}", "{p} for {a}: {s}"},
		intro:    "Application access is granted by group membership synchronised from the identity platform.",
		steps: []string{
			"Check the request is approved by the application owner.",
			"Add the user to the {p} users group in the identity portal.",
			"Wait up to 40 minutes for provisioning.",
			"Ask the user to open {p} from the app launcher on {o}.",
		},
		symptoms: []symptom{
			{"the app says the user is not assigned", "user not assigned to app", "Add the user to the assignment group, not only the licence group."},
			{"no licence is available", "no licences left", "Reclaim an unused licence or ask procurement for more."},
			{"provisioning failed", "provisioning failed", "Check the provisioning log for a duplicate username or email."},
			{"the user has the wrong role in the app", "wrong role", "Change the role group and reprovision the user."},
			{"single sign-on loops", "sso loop", "Clear cookies and check the user's email matches the app username."},
			{"access must be removed", "remove access", "Remove the group membership; the account is deprovisioned automatically."},
		},
		asks: []string{"access to {p} {a}", "{p} {s}", "{s} {o}", "how do i get a {p} licence", "{p} error {c}", "give user {p} access"},
		code: "error %d",
	},
	{
		key: "distribution-list", noun: "distribution list", tags: []string{"email", "groups"},
		products: []string{"distribution list", "Microsoft 365 group", "dynamic distribution list", "mail-enabled security group", "Google group", "team email alias", "shared contact", "room list"},
		titles:   []string{"Create or change a {p}", "{p}: {s}", "{p} for {a} ({s})"},
		intro:    "Lists and groups are owned by a named person who approves who joins.",
		steps: []string{
			"Check the requester owns the {p} or has the owner's approval.",
			"Open the group in the admin centre and update members or owners.",
			"Allow external senders only when the owner asks for it.",
			"Tell the user changes reach the address book within 24 hours.",
		},
		symptoms: []symptom{
			{"external senders get a bounce", "external mail bounced", "Allow senders outside the organisation in the delivery settings."},
			{"the list is not in the address book", "not in address book", "Check the list is not hidden and wait for the offline address book."},
			{"members do not receive mail", "members not receiving", "Check the members' mailbox rules and the list's moderation settings."},
			{"a new owner is needed", "change owner", "Add the new owner before removing the old one."},
			{"the user cannot send to the list", "cant send to list", "Add the user to the allowed senders."},
			{"a new list is needed", "create new list", "Create the list with a name following the naming policy."},
		},
		asks: []string{"{p} {s}", "dl {s}", "{s} {a}", "how do i add someone to a {p}", "{p} bounce {c}", "email group {s}"},
		code: "NDR 5.7.%d",
	},
	{
		key: "file-share-access", noun: "file share", tags: []string{"files", "access", "network"},
		products: []string{"finance share", "departmental share", "project share", "home drive", "scan folder", "NAS share", "DFS namespace", "Azure Files share"},
		titles:   []string{"Access the {p} from {o}", "Network drive {p}: {s}", "{p} access for {a}"},
		intro:    "Network shares are mapped by group policy; access follows the share's security group.",
		steps: []string{
			"Find the security group for the {p} in the share register.",
			"Add the user to the group after the data owner approves.",
			"Ask the user to sign out and in so the new group applies.",
			"Map the drive letter manually on {o} if the policy has not run.",
		},
		symptoms: []symptom{
			{"the drive letter is missing", "mapped drive missing", "Run a group policy update and reconnect to the VPN first when remote."},
			{"access is denied to a folder", "access denied folder", "Check the folder has inheritance and the group has modify rights."},
			{"deleted files must be restored", "restore deleted file", "Restore from previous versions or the nightly backup."},
			{"the share is very slow", "share slow", "Check the VPN link and avoid opening large files directly from the share."},
			{"the share asks for credentials", "network drive asks password", "Clear old saved credentials for the file server."},
			{"the path is too long", "path too long", "Shorten folder names or map a drive letter deeper in the tree."},
		},
		asks: []string{"{p} {s}", "network drive {s} {o}", "{s} {a}", "how do i get access to the {p}", "share error {c}", "shared drive {s}"},
		code: "system error %d",
	},
	{
		key: "remote-desktop", noun: "remote desktop", tags: []string{"remote", "vdi"},
		products: []string{"Citrix Workspace", "Azure Virtual Desktop", "Windows 365 Cloud PC", "VMware Horizon", "Remote Desktop Connection", "Amazon WorkSpaces", "Parallels RAS", "Bastion jump host"},
		titles:   []string{"Connect to {p} from {o}", "{p}: {s}", "{p} for {a} ({s})"},
		intro:    "Virtual desktops give access to internal applications from any device.",
		steps: []string{
			"Install the {p} client on {o} from the Company Portal or the vendor site.",
			"Add the workspace URL and sign in with the work account.",
			"Approve the MFA prompt.",
			"Open the assigned desktop and check the applications start.",
		},
		symptoms: []symptom{
			{"the session disconnects", "remote session drops", "Check the network and set the client to reconnect automatically."},
			{"no desktops are assigned", "no desktop assigned", "Add the user to the host pool's assignment group."},
			{"the client cannot find the workspace", "workspace not found", "Use the full workspace URL and clear the client's cache."},
			{"printing from the session does not work", "cant print from remote desktop", "Enable printer redirection and install the universal driver."},
			{"the session is very slow", "remote desktop slow", "Lower the display quality and check the host's load."},
			{"the user's profile did not load", "temporary profile", "Reset the roaming profile container and sign in again."},
		},
		asks: []string{"{p} {s}", "{s} {o}", "{p} {a}", "how do i connect to {p} from {o}", "{p} error {c}", "vdi {s}"},
		code: "error %d",
	},
	{
		key: "browser-issue", noun: "browser problem", tags: []string{"browser", "web"},
		products: []string{"Microsoft Edge", "Google Chrome", "Mozilla Firefox", "Safari", "Edge IE mode", "Chrome extensions", "Edge profiles", "Brave"},
		titles:   []string{"{p}: {s}", "Fix {p} on {o} ({s})", "{p} for {a}: {s}"},
		intro:    "Managed browsers get settings, extensions and the home page from device policy.",
		steps: []string{
			"Check {p} is up to date from its About page.",
			"Clear cookies and cache for the affected site only.",
			"Try an InPrivate or incognito window to rule out extensions.",
			"Reset the browser settings if the problem stays.",
		},
		symptoms: []symptom{
			{"a website shows a certificate error", "site certificate error", "Check the device date and time and the proxy's certificate."},
			{"an internal site needs Internet Explorer", "site needs internet explorer", "Add the site to the IE mode site list."},
			{"pop-ups are blocked", "popups blocked", "Allow pop-ups for the site through the managed policy."},
			{"an extension is blocked", "extension blocked", "Request the extension through the browser allow list."},
			{"saved passwords disappeared", "saved passwords gone", "Sign in to the browser profile to restore synced passwords."},
			{"the browser is very slow", "browser slow", "Disable unnecessary extensions and clear the cache."},
		},
		asks: []string{"{p} {s}", "{s} {o}", "browser {s} {a}", "how do i fix {s} in {p}", "{p} error {c}", "chrome {s}"},
		code: "ERR_%d",
	},
	{
		key: "certificate-renewal", noun: "certificate", tags: []string{"certificate", "security"},
		products: []string{"user certificate", "device certificate", "S/MIME certificate", "code signing certificate", "Wi-Fi certificate", "VPN certificate", "smart card certificate", "web server certificate"},
		titles:   []string{"Renew a {p} on {o}", "{p}: {s}", "{p} for {a} ({s})"},
		intro:    "Certificates are issued by the internal certificate authority and renew automatically 30 days before expiry.",
		steps: []string{
			"Open the certificate store on {o} and check the {p}'s expiry date.",
			"Trigger automatic enrolment or request a new certificate from the portal.",
			"Remove the expired certificate after the new one is installed.",
			"Test the service that uses the certificate.",
		},
		symptoms: []symptom{
			{"the certificate expired", "cert expired", "Request a new certificate; expired ones cannot be renewed."},
			{"automatic renewal failed", "auto renewal failed", "Check the device can reach the certificate authority and the template permissions."},
			{"the private key is missing", "private key missing", "Re-enrol the certificate; the key cannot be recovered."},
			{"encrypted mail cannot be opened", "cant open encrypted email", "Import the old S/MIME certificate with its key from the key archive."},
			{"the certificate is not trusted", "cert not trusted", "Install the intermediate and root certificates."},
			{"a certificate must be revoked", "revoke certificate", "Revoke it in the authority and publish a new revocation list."},
		},
		asks: []string{"{p} {s}", "{s} {o}", "renew {p} {a}", "how do i renew a {p}", "certificate error {c}", "cert {s} {p}"},
		code: "0x800B01%02X",
	},
	{
		key: "phishing-report", noun: "phishing", tags: []string{"security", "email"},
		products: []string{"Report Message button", "Outlook", "Proofpoint", "Mimecast", "Defender for Office 365", "Gmail", "quarantine portal", "KnowBe4 Phish Alert"},
		titles:   []string{"Report a phishing email with {p}", "Phishing: {s} ({p})", "{p} phishing reports for {a}"},
		intro:    "Suspicious email is reported to Security, never forwarded to colleagues.",
		steps: []string{
			"Ask the user not to click links or open attachments in the message.",
			"Use {p} to report the message as phishing.",
			"If the user entered a password, reset it and revoke sessions at once.",
			"Open a security incident with the message headers.",
		},
		symptoms: []symptom{
			{"the user clicked a phishing link", "clicked phishing link", "Reset the password, revoke sessions and scan the device."},
			{"the report button is missing", "report button missing", "Deploy the add-in again from the admin centre."},
			{"a real email went to quarantine", "email in quarantine", "Release the message from the quarantine portal after checking it."},
			{"the user receives a lot of spam", "too much spam", "Add the sender to the blocked list and report it as junk."},
			{"a colleague's account sends phishing", "compromised account sending", "Block sign-in for the account and open a security incident."},
			{"the user opened a malicious attachment", "opened attachment virus", "Isolate the device and run a full scan."},
		},
		asks: []string{"{s} {p}", "phishing {s} {o}", "{a} {s}", "how do i report phishing with {p}", "{p} {c}", "suspicious email {s}"},
		code: "incident %d",
	},
	{
		key: "phone-setup", noun: "phone", tags: []string{"telephony", "phone"},
		products: []string{"Cisco Jabber", "Teams Phone", "Yealink desk phone", "Poly desk phone", "Zoom Phone", "RingCentral", "8x8 Work", "Avaya"},
		titles:   []string{"Set up {p} on {o}", "{p}: {s}", "{p} for {a} ({s})"},
		intro:    "Phone numbers are assigned by the telephony team; agents set up the client or handset.",
		steps: []string{
			"Check the user has a phone number and a calling licence.",
			"Install {p} or plug the handset into a PoE network port.",
			"Sign in with the work account.",
			"Make a test call to the service desk number.",
		},
		symptoms: []symptom{
			{"calls drop after a few seconds", "calls dropping", "Check the network's quality of service and the firewall's SIP settings."},
			{"there is no dial tone", "no dial tone", "Check the handset registration and the network cable."},
			{"the voicemail PIN must be reset", "voicemail pin reset", "Reset the voicemail PIN in the telephony portal."},
			{"call forwarding does not work", "call forwarding not working", "Set forwarding in the client settings, not on the handset."},
			{"the caller hears an echo", "echo on calls", "Use a headset and update the audio drivers."},
			{"the user needs a new number", "new phone number", "Request a number from the telephony team with the cost centre."},
		},
		asks: []string{"{p} {s}", "{s} {o}", "phone {s} {a}", "how do i set up {p}", "{p} error {c}", "softphone {s}"},
		code: "SIP %d",
	},
	{
		key: "new-user-account", noun: "new user account", tags: []string{"account", "joiner"},
		products: []string{"Active Directory", "Entra ID", "Workday", "Google Workspace", "Okta", "ServiceNow", "SAP SuccessFactors", "Exchange Online"},
		titles:   []string{"Create an account for {a} in {p}", "{p} joiner account: {s}", "New user in {p} on {o} ({s})"},
		intro:    "Accounts for joiners are created from the HR record two days before the start date.",
		steps: []string{
			"Check the joiner record in HR is complete and approved.",
			"Create the account in {p} from the joiner template of the department.",
			"Assign the licence groups and the manager.",
			"Send the first sign-in details to the manager, never to the joiner's private email.",
		},
		symptoms: []symptom{
			{"the account was not created automatically", "account not created", "Check the HR feed errors and create the account from the template."},
			{"the start date changed", "start date changed", "Update the HR record; the account follows it automatically."},
			{"the username already exists", "username taken", "Use the naming policy's next variant with a middle initial."},
			{"the mailbox is missing", "no mailbox", "Assign the mail licence and wait for the mailbox to be provisioned."},
			{"the joiner needs access on day one", "access on day one", "Request the department's standard access package in advance."},
			{"the account must be extended for a contractor", "extend contractor account", "Set a new expiry date with the manager's approval."},
		},
		asks: []string{"new user {p} {a}", "{s} {p}", "{s} {o}", "how do i create an account for a {a}", "{p} error {c}", "joiner {s}"},
		code: "error %d",
	},
	{
		key: "monitor-docking", noun: "monitor and dock", tags: []string{"hardware", "monitor"},
		products: []string{"Dell WD19 dock", "Lenovo USB-C dock", "HP Thunderbolt dock", "CalDigit TS4", "external monitor", "DisplayLink adapter", "Surface Dock", "Apple Studio Display"},
		titles:   []string{"Connect a {p} on {o}", "{p}: {s}", "{p} for {a} ({s})"},
		intro:    "Docks and monitors are standard equipment at every desk; firmware updates fix most problems.",
		steps: []string{
			"Check the {p} is powered and the cable is in the right port.",
			"Update the dock firmware and display drivers on {o}.",
			"Open display settings and select **Detect**.",
			"Try another cable before replacing hardware.",
		},
		symptoms: []symptom{
			{"the external monitor shows no signal", "monitor no signal", "Use the dock's DisplayPort output and update the graphics driver."},
			{"the monitor flickers", "screen flickering", "Replace the cable and set the refresh rate to 60 Hz."},
			{"USB devices on the dock do not work", "dock usb not working", "Update the dock firmware and reconnect it."},
			{"the laptop does not charge on the dock", "not charging on dock", "Use the dock's power supply of the right wattage."},
			{"the resolution is wrong", "wrong resolution", "Set the recommended resolution in display settings."},
			{"only one of two monitors works", "second monitor not working", "Enable multi-stream transport on the monitor."},
		},
		asks: []string{"{p} {s}", "{s} {o}", "dock {s} {a}", "how do i connect a {p}", "{p} error {c}", "second screen {s}"},
		code: "error %d",
	},
}

// corpusSize is how many distinct articles the templates can make.
var corpusSize = len(topics) * 8 * len(platforms) * 6 * len(audiences)

// combo is which template values one article is made from.
type combo struct{ topic, product, platform, symptom, audience int }

// comboOf spreads article numbers over all combinations: a multiplicative
// permutation of [0, corpusSize), so the first n articles are n different
// combinations spread over every topic.
func comboOf(i int) combo {
	const stride = 7919 // prime; corpusSize has no factor 7919
	c := (i*stride + 13) % corpusSize
	var k combo
	k.topic = c % len(topics)
	c /= len(topics)
	k.audience = c % len(audiences)
	c /= len(audiences)
	k.platform = c % len(platforms)
	c /= len(platforms)
	k.symptom = c % 6
	c /= 6
	k.product = c % 8
	return k
}

// errorCode is the error code an article's symptom shows for its product.
func errorCode(k combo) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d/%d", k.topic, k.product, k.symptom)
	return fmt.Sprintf(topics[k.topic].code, 100+int(h.Sum32()%155))
}

type genArticle struct {
	Doc
	combo
}

// article makes article i (ids start at 1) deterministically.
func article(i int) genArticle {
	k := comboOf(i)
	t := topics[k.topic]
	rng := rand.New(rand.NewPCG(uint64(i), corpusVersion))
	p := t.products[k.product]
	o := platforms[k.platform].name
	s := t.symptoms[k.symptom]
	a := audiences[k.audience].name
	code := errorCode(k)
	fill := func(tmpl string) string {
		return strings.NewReplacer("{p}", p, "{o}", o, "{s}", s.title, "{a}", a, "{c}", code).Replace(tmpl)
	}
	title := fill(t.titles[rng.IntN(len(t.titles))])

	var b strings.Builder
	fmt.Fprintf(&b, "Use this article when %s report that %s in **%s** on %s (%s). %s\n\n",
		a, s.title, p, o, code, t.intro)
	if rng.IntN(3) > 0 {
		// Many articles quote how users describe the problem.
		fmt.Fprintf(&b, "**Symptoms:** users say \"%s\"", s.ask)
		if alias := platforms[k.platform].ask; !strings.Contains(strings.ToLower(o), alias) {
			fmt.Fprintf(&b, " on their %s", alias)
		}
		b.WriteString(".\n\n")
	}
	b.WriteString("## Before you start\n\n")
	for _, j := range rng.Perm(len(checks))[:2+rng.IntN(2)] {
		fmt.Fprintf(&b, "- %s\n", checks[j])
	}
	b.WriteString("\n## Steps\n\n")
	steps := append([]string(nil), t.steps...)
	rng.Shuffle(len(steps)-1, func(x, y int) { steps[x+1], steps[y+1] = steps[y+1], steps[x+1] })
	steps = steps[:3+rng.IntN(len(steps)-2)]
	steps = append(steps, s.fix)
	for n, st := range steps {
		fmt.Fprintf(&b, "%d. %s\n", n+1, fill(st))
	}
	if rng.IntN(3) == 0 {
		fmt.Fprintf(&b, "\n| Setting | Value |\n|---|---|\n| Platform | %s |\n| Product | %s |\n| Error | `%s` |\n", o, p, code)
	}
	// Cross-references: another symptom of this topic and a related topic.
	other := t.symptoms[(k.symptom+1+rng.IntN(5))%6]
	rel := topics[(k.topic+1+rng.IntN(len(topics)-1))%len(topics)]
	fmt.Fprintf(&b, "\n## If it still fails\n\nIf instead %s, follow the article for that problem. ", other.title)
	fmt.Fprintf(&b, "Related: [%s](/articles/search?q=%s) can cause similar symptoms with %s. ",
		rel.noun, rel.key, rel.products[rng.IntN(len(rel.products))])
	b.WriteString(closings[rng.IntN(len(closings))])
	b.WriteString("\n")

	rts := []string{t.key}
	if rng.IntN(10) == 0 {
		rts = nil // for everyone
	}
	tags := append([]string(nil), t.tags...)
	tags = append(tags, strings.ToLower(strings.Fields(o)[0]))
	return genArticle{
		Doc: Doc{
			ArticleID:    int64(i + 1),
			Version:      1 + rng.IntN(4),
			Title:        title,
			Body:         markdownText(b.String()),
			RequestTypes: rts,
			Tags:         tags,
		},
		combo: k,
	}
}

// corpus feeds the first n generated articles to Rebuild.
func corpus(n int) func() (Doc, bool, error) {
	i := 0
	return func() (Doc, bool, error) {
		if i >= n {
			return Doc{}, false, nil
		}
		i++
		return article(i - 1).Doc, true, nil
	}
}

// slot bits say which details of its target a query mentions.
const (
	slotProduct = 1 << iota
	slotPlatform
	slotSymptom
	slotAudience
	slotCode
)

// knownItem is a query an agent would type for one article; an article
// answers it when it has the target's topic and every detail the query
// mentions.
type knownItem struct {
	text    string
	target  combo
	code    string
	product string // what the query calls the product
	slots   int
}

// containsWords reports whether every word of short is a word of name.
func containsWords(name, short string) bool {
	words := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(name)) {
		words[w] = true
	}
	for _, w := range strings.Fields(strings.ToLower(short)) {
		if !words[w] {
			return false
		}
	}
	return true
}

func (q knownItem) relevant(a genArticle) bool {
	k := q.target
	if a.topic != k.topic {
		return false
	}
	// A shortened product name ("authenticator") or platform ("mac") fits
	// every product or platform it names.
	if q.slots&slotProduct != 0 && !containsWords(topics[a.topic].products[a.product], q.product) {
		return false
	}
	if q.slots&slotPlatform != 0 && a.platform != k.platform &&
		!containsWords(platforms[a.platform].name, platforms[k.platform].ask) {
		return false
	}
	if q.slots&slotSymptom != 0 && a.symptom != k.symptom {
		return false
	}
	if q.slots&slotAudience != 0 && a.audience != k.audience {
		return false
	}
	if q.slots&slotCode != 0 && errorCode(a.combo) != q.code {
		return false
	}
	return true
}

// knownItems writes n queries for articles among the first size, the way
// agents type: lower case, short, their own words for the symptom, product
// names shortened, sometimes a question, sometimes a typo.
func knownItems(n, size int) []knownItem {
	rng := rand.New(rand.NewPCG(42, corpusVersion))
	out := make([]knownItem, 0, n)
	for len(out) < n {
		a := article(rng.IntN(size))
		k := a.combo
		t := topics[k.topic]
		ask := t.asks[rng.IntN(len(t.asks))]
		q := knownItem{target: k, code: errorCode(k)}
		product := shortName(t.products[k.product], rng)
		q.product = product
		repl := []string{}
		for slot, pair := range map[int][2]string{
			slotProduct:  {"{p}", product},
			slotPlatform: {"{o}", platforms[k.platform].ask},
			slotSymptom:  {"{s}", t.symptoms[k.symptom].ask},
			slotAudience: {"{a}", audiences[k.audience].ask},
			slotCode:     {"{c}", strings.ToLower(q.code)},
		} {
			if strings.Contains(ask, pair[0]) {
				q.slots |= slot
				repl = append(repl, pair[0], pair[1])
			}
		}
		text := strings.NewReplacer(repl...).Replace(ask)
		// Agents add the detail that tells articles apart when they have it.
		if q.slots&slotSymptom == 0 && q.slots&slotCode == 0 {
			text += " " + t.symptoms[k.symptom].ask
			q.slots |= slotSymptom
		}
		if q.slots&slotPlatform == 0 && rng.IntN(2) == 0 {
			text += " " + platforms[k.platform].ask
			q.slots |= slotPlatform
		}
		if q.slots&slotProduct == 0 && rng.IntN(2) == 0 {
			text += " " + product
			q.slots |= slotProduct
		}
		if rng.IntN(8) == 0 {
			text = typo(text, rng)
		}
		q.text = strings.ToLower(text)
		out = append(out, q)
	}
	return out
}

// shortName is what an agent types for a product: often just its
// distinctive word.
func shortName(p string, rng *rand.Rand) string {
	f := strings.Fields(p)
	if len(f) > 1 && rng.IntN(2) == 0 {
		return f[len(f)-1]
	}
	return p
}

// typo swaps two neighbouring letters in the longest word of s.
func typo(s string, rng *rand.Rand) string {
	words := strings.Fields(s)
	best := 0
	for i, w := range words {
		if len(w) > len(words[best]) {
			best = i
		}
	}
	w := []byte(words[best])
	if len(w) < 5 {
		return s
	}
	j := 1 + rng.IntN(len(w)-3)
	w[j], w[j+1] = w[j+1], w[j]
	words[best] = string(w)
	return strings.Join(words, " ")
}
