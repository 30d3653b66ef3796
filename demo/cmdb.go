package demo

import (
	"context"
	"fmt"
	"strings"

	"attest"
	"attest/cmdb"
	"attest/kb"
)

func isNotFound(err error) bool { return attest.ErrorCode(err) == attest.ENOTFOUND }

// demoSite is a network site of the demo estate.
type demoSite struct {
	code, city, kind string
}

var demoSites = []demoSite{
	{"LDS", "Leeds", "office"}, {"MAN", "Manchester", "office"}, {"LON", "London", "office"}, {"EDI", "Edinburgh", "office"},
	{"BHM", "Birmingham", "office"}, {"BRS", "Bristol", "office"}, {"FRA", "Frankfurt", "data centre"}, {"AMS", "Amsterdam", "data centre"},
}

// demoApps are business applications: key suffix, name, business owner, request types.
var demoApps = []struct {
	key, name, owner string
	rts              []string
}{
	{"SAP-FI", "SAP Finance", "Group Finance", []string{"access-request"}},
	{"SAP-HR", "SAP HR", "People Services", []string{"access-request", "privileged-access"}},
	{"WORKDAY", "Workday", "People Services", []string{"access-request"}},
	{"SALESFORCE", "Salesforce CRM", "Sales Operations", []string{"access-request"}},
	{"SERVICENOW", "ServiceNow", "IT Service Management", []string{"access-request", "privileged-access"}},
	{"JIRA", "Jira", "Engineering", []string{"access-request", "software-install"}},
	{"CONFLUENCE", "Confluence", "Engineering", []string{"access-request"}},
	{"GITLAB", "GitLab", "Engineering", []string{"access-request", "privileged-access"}},
	{"M365", "Microsoft 365", "Workplace Services", []string{"mailbox-creation", "software-install"}},
	{"TEAMS", "Microsoft Teams", "Workplace Services", []string{"software-install"}},
	{"ADOBE-CC", "Adobe Creative Cloud", "Marketing", []string{"software-install"}},
	{"TABLEAU", "Tableau", "Data & Analytics", []string{"access-request", "software-install"}},
	{"POWERBI", "Power BI", "Data & Analytics", []string{"access-request", "software-install"}},
	{"COUPA", "Coupa Procurement", "Procurement", []string{"access-request"}},
	{"CONCUR", "SAP Concur", "Group Finance", []string{"access-request"}},
	{"DOCUSIGN", "DocuSign", "Legal", []string{"access-request"}},
	{"ZOOM", "Zoom", "Workplace Services", []string{"software-install"}},
	{"SLACK", "Slack", "Workplace Services", []string{"software-install", "access-request"}},
	{"CITRIX", "Citrix Workspace", "End User Computing", []string{"software-install", "vpn-access"}},
	{"OKTA", "Okta SSO", "Identity", []string{"access-request", "mfa-reset"}},
	{"CYBERARK", "CyberArk PAM", "Identity", []string{"privileged-access"}},
	{"BLOOMBERG", "Bloomberg Terminal", "Treasury", []string{"access-request", "software-install"}},
	{"VEEVA", "Veeva Vault", "Quality", []string{"access-request"}},
	{"ORACLE-EBS", "Oracle E-Business Suite", "Supply Chain", []string{"access-request", "privileged-access"}},
	{"SHAREPOINT", "SharePoint Online", "Workplace Services", []string{"access-request"}},
	{"KRONOS", "Kronos Workforce", "People Services", []string{"access-request"}},
	{"AUTOCAD", "AutoCAD", "Engineering", []string{"software-install"}},
	{"MATLAB", "MATLAB", "Research", []string{"software-install"}},
	{"VSCODE", "Visual Studio Code", "Engineering", []string{"software-install"}},
	{"PRINTLOGIC", "PrinterLogic", "Workplace Services", []string{"printer-setup"}},
}

var demoLaptops = []struct{ key, vendor, model, image string }{
	{"LAT-7440", "Dell", "Latitude 7440", "Win11-Std-24H2"},
	{"LAT-5540", "Dell", "Latitude 5540", "Win11-Std-24H2"},
	{"PRE-5680", "Dell", "Precision 5680", "Win11-Eng-24H2"},
	{"X1C-G12", "Lenovo", "ThinkPad X1 Carbon Gen 12", "Win11-Std-24H2"},
	{"T14-G5", "Lenovo", "ThinkPad T14 Gen 5", "Win11-Std-24H2"},
	{"P16-G2", "Lenovo", "ThinkPad P16 Gen 2", "Win11-Eng-24H2"},
	{"EB840-G11", "HP", "EliteBook 840 G11", "Win11-Std-24H2"},
	{"ZB-FURY16", "HP", "ZBook Fury 16 G11", "Win11-Eng-24H2"},
	{"MBP14-M3", "Apple", "MacBook Pro 14 (M3)", "macOS-Std-15"},
	{"MBA13-M3", "Apple", "MacBook Air 13 (M3)", "macOS-Std-15"},
}

// demoEstate returns the demo CMDB: sites, domain controllers, VPN gateways, the MFA service,
// mail, laptop models, printers, application servers and business applications, related to
// each other and linked to the demo request types. Targets come before the CIs that point at
// them. Restricted attributes are what a supplier must not see: addresses, vault references,
// service accounts, console URLs.
func demoEstate() []cmdb.Input {
	var out []cmdb.Input
	add := func(key, class, name, owner string, rts []string, shared, restricted [][2]string, rels ...cmdb.Relation) {
		in := cmdb.Input{Key: key, Class: class, Name: name, Status: "in_service", Environment: "production", Owner: owner, RequestTypes: rts, Relations: rels}
		for _, a := range shared {
			in.Attributes = append(in.Attributes, cmdb.Attribute{Name: a[0], Value: a[1], Shared: true})
		}
		for _, a := range restricted {
			in.Attributes = append(in.Attributes, cmdb.Attribute{Name: a[0], Value: a[1]})
		}
		out = append(out, in)
	}
	rel := func(typ, to string) cmdb.Relation { return cmdb.Relation{Type: typ, To: to} }
	for i, s := range demoSites {
		add("SITE-"+s.code, "network_site", s.city+" "+s.kind, "Network Operations", []string{"vpn-access", "printer-setup", "laptop-provisioning"},
			[][2]string{{"city", s.city}, {"site_type", s.kind}, {"service_desk_hours", "07:00–19:00 local"}, {"local_support_group", "Desk-side " + s.city}},
			[][2]string{{"subnet", fmt.Sprintf("10.%d.0.0/16", 20+i)}, {"wan_circuit_id", fmt.Sprintf("BT-EPL-%05d", 40211+i*37)}})
	}
	for i, s := range demoSites {
		for n := 1; n <= 2; n++ {
			key := fmt.Sprintf("DC-%s-%02d", s.code, n)
			role := "Domain controller"
			if n == 1 && i == 0 {
				role = "Domain controller, PDC emulator"
			}
			add(key, "domain_controller", fmt.Sprintf("%s domain controller %d", s.city, n), "Identity & Access", []string{"password-reset", "access-request", "privileged-access"},
				[][2]string{{"site", s.city}, {"domain", "corp.example.com"}, {"role", role}, {"os", "Windows Server 2022"}, {"support_group", "Identity Operations"}},
				[][2]string{{"ip_address", fmt.Sprintf("10.%d.1.%d", 20+i, 10+n)}, {"dsrm_password_vault_ref", fmt.Sprintf("cyberark://corp/dsrm/%s", strings.ToLower(key))}},
				rel("located_at", "SITE-"+s.code))
		}
	}
	add("MFA-SVC-PROD", "service", "MFA service (production)", "Identity & Access", []string{"mfa-reset"},
		[][2]string{{"product", "Okta Verify / FastPass"}, {"support_group", "Identity Operations"}, {"self_service_url", "https://mfa.corp.example.com"}, {"reset_method", "Verify identity, then clear factors in the admin console"}},
		[][2]string{{"admin_console", "https://corp-admin.okta.com"}, {"api_token_vault_ref", "cyberark://corp/okta/api-token"}},
		rel("depends_on", "DC-LDS-01"))
	add("MFA-SVC-DR", "service", "MFA service (disaster recovery)", "Identity & Access", []string{"mfa-reset"},
		[][2]string{{"product", "Okta Verify / FastPass"}, {"support_group", "Identity Operations"}, {"failover", "manual, by Identity Operations"}},
		[][2]string{{"admin_console", "https://corp-dr-admin.okta.com"}}, rel("depends_on", "DC-FRA-01"))
	for n, s := range []demoSite{demoSites[6], demoSites[7]} {
		add(fmt.Sprintf("MFA-RADIUS-%02d", n+1), "radius_server", "MFA RADIUS proxy "+s.city, "Identity & Access", []string{"mfa-reset", "vpn-access"},
			[][2]string{{"site", s.city}, {"support_group", "Identity Operations"}, {"protocol", "RADIUS (PAP) to Okta"}},
			[][2]string{{"ip_address", fmt.Sprintf("10.%d.4.20", 26+n)}, {"shared_secret_vault_ref", fmt.Sprintf("cyberark://corp/radius/secret-%02d", n+1)}},
			rel("depends_on", "MFA-SVC-PROD"), rel("located_at", "SITE-"+s.code))
	}
	for i, s := range demoSites {
		for n := 1; n <= 2; n++ {
			key := fmt.Sprintf("VPN-GW-%s-%02d", s.code, n)
			add(key, "vpn_gateway", fmt.Sprintf("%s VPN gateway %d", s.city, n), "Network Operations", []string{"vpn-access"},
				[][2]string{{"site", s.city}, {"hostname", fmt.Sprintf("vpn-%s.corp.example.com", strings.ToLower(s.code))}, {"support_group", "NetOps " + s.city},
					{"client", "GlobalProtect 6.2"}, {"auth", "Okta MFA via RADIUS"}},
				[][2]string{{"public_ip", fmt.Sprintf("203.0.113.%d", 10+i*4+n)}, {"admin_url", fmt.Sprintf("https://%s-mgmt.corp.example.com", strings.ToLower(key))}, {"firmware", "PAN-OS 11.1.4-h7"}},
				rel("located_at", "SITE-"+s.code), rel("authenticates_with", "MFA-RADIUS-01"), rel("depends_on", fmt.Sprintf("DC-%s-01", s.code)))
		}
	}
	add("EXO-TENANT", "service", "Exchange Online tenant", "Workplace Services", []string{"mailbox-creation"},
		[][2]string{{"tenant", "corp.onmicrosoft.com"}, {"support_group", "Messaging"}, {"mailbox_naming", "firstname.lastname@corp.example.com"}},
		[][2]string{{"global_admin_vault_ref", "cyberark://corp/m365/global-admin"}}, rel("depends_on", "DC-LDS-01"))
	for n := 1; n <= 2; n++ {
		add(fmt.Sprintf("MAIL-RELAY-%02d", n), "server", fmt.Sprintf("SMTP relay %d", n), "Workplace Services", []string{"mailbox-creation"},
			[][2]string{{"site", demoSites[5+n].city}, {"support_group", "Messaging"}},
			[][2]string{{"ip_address", fmt.Sprintf("10.%d.7.25", 25+n)}}, rel("located_at", "SITE-"+demoSites[5+n].code), rel("relays_for", "EXO-TENANT"))
	}
	for i, l := range demoLaptops {
		add("LAPTOP-"+l.key, "laptop_model", l.vendor+" "+l.model, "End User Computing", []string{"laptop-provisioning", "software-install"},
			[][2]string{{"vendor", l.vendor}, {"model", l.model}, {"standard_image", l.image}, {"warranty", "3 years next business day"}, {"support_group", "EUC Build Team"}},
			[][2]string{{"bios_password_vault_ref", fmt.Sprintf("cyberark://corp/bios/%s", strings.ToLower(l.key))}, {"unit_price_gbp", fmt.Sprintf("%d", 1150+i*95)}})
	}
	printerModels := []string{"HP LaserJet Enterprise M611", "Ricoh IM C3000", "Canon imageRUNNER C5840i", "Xerox VersaLink C7020", "Brother HL-L6400DW"}
	for i, s := range demoSites[:6] {
		for f := 1; f <= 5; f++ {
			for n := 1; n <= 2; n++ {
				key := fmt.Sprintf("PRN-%s-F%d-%02d", s.code, f, n)
				model := printerModels[(i+f+n)%len(printerModels)]
				add(key, "printer", fmt.Sprintf("%s floor %d printer %d", s.city, f, n), "Workplace Services", []string{"printer-setup"},
					[][2]string{{"site", s.city}, {"floor", fmt.Sprint(f)}, {"model", model}, {"queue", fmt.Sprintf(`\\print-%s\%s-F%d-%02d`, strings.ToLower(s.code), s.code, f, n)}, {"support_group", "Desk-side " + s.city}},
					[][2]string{{"ip_address", fmt.Sprintf("10.%d.%d.%d", 20+i, 40+f, 100+n)}, {"snmp_community_vault_ref", "cyberark://corp/snmp/printers"}},
					rel("located_at", "SITE-"+s.code), rel("managed_by", "APP-PRINTLOGIC"))
			}
		}
	}
	// Application servers before the applications that run on them (PrinterLogic is placed
	// before the printers by the import order; Put is called in this order, so keep it first).
	var servers []cmdb.Input
	for i, a := range demoApps {
		dc := demoSites[6+i%2]
		for n := 1; n <= 3; n++ {
			key := fmt.Sprintf("SRV-%s-%02d", a.key, n)
			servers = append(servers, cmdb.Input{Key: key, Class: "server", Name: fmt.Sprintf("%s server %d", a.name, n), Status: "in_service", Environment: "production",
				Owner: "Infrastructure Operations", RequestTypes: a.rts,
				Attributes: []cmdb.Attribute{{Name: "site", Value: dc.city, Shared: true}, {Name: "os", Value: []string{"RHEL 9", "Windows Server 2022", "Ubuntu 22.04"}[n%3], Shared: true},
					{Name: "support_group", Value: "Infrastructure Operations", Shared: true},
					{Name: "ip_address", Value: fmt.Sprintf("10.%d.%d.%d", 26+i%2, 60+i, 10+n)}, {Name: "service_account", Value: fmt.Sprintf("svc_%s_%02d", strings.ToLower(strings.ReplaceAll(a.key, "-", "_")), n)}},
				Relations: []cmdb.Relation{{Type: "located_at", To: "SITE-" + dc.code}}})
		}
	}
	var apps []cmdb.Input
	for _, a := range demoApps {
		in := cmdb.Input{Key: "APP-" + a.key, Class: "business_application", Name: a.name, Status: "in_service", Environment: "production", Owner: a.owner, RequestTypes: a.rts,
			Attributes: []cmdb.Attribute{{Name: "business_owner", Value: a.owner, Shared: true}, {Name: "support_group", Value: "App Support — " + a.name, Shared: true},
				{Name: "access_group", Value: "APP_" + strings.ReplaceAll(a.key, "-", "_") + "_Users", Shared: true}, {Name: "sso", Value: "Okta SAML", Shared: true},
				{Name: "db_host", Value: fmt.Sprintf("db-%s.corp.example.com", strings.ToLower(a.key))}, {Name: "admin_service_account", Value: "svc_" + strings.ToLower(strings.ReplaceAll(a.key, "-", "_")) + "_admin"}},
			Relations: []cmdb.Relation{{Type: "depends_on", To: "DC-LDS-01"}}}
		for n := 1; n <= 3; n++ {
			in.Relations = append(in.Relations, cmdb.Relation{Type: "runs_on", To: fmt.Sprintf("SRV-%s-%02d", a.key, n)})
		}
		apps = append(apps, in)
	}
	// Sites, DCs, MFA, VPN, mail and laptops first; then servers and applications; printers
	// (managed by APP-PRINTLOGIC) last.
	var printers, rest []cmdb.Input
	for _, in := range out {
		if in.Class == "printer" {
			printers = append(printers, in)
		} else {
			rest = append(rest, in)
		}
	}
	all := append(rest, servers...)
	all = append(all, apps...)
	return append(all, printers...)
}

// seedCMDB loads the demo estate, publishes the CMDB agreement (alice, bob and gina accepted
// it; ivan has not, so a newcomer sees the gate), sets a quota, adds an article that cites
// CIs, and records a few lookups for the access log.
func seedCMDB(ctx context.Context, d Deps, org *Org) error {
	if d.CMDB == nil {
		return nil
	}
	admin := org.Users["admin"]
	for _, in := range demoEstate() {
		if _, err := d.CMDB.Put(ctx, admin, in); err != nil {
			return fmt.Errorf("CI %s: %w", in.Key, err)
		}
	}
	// A later sync changed a gateway's support group: its history has two versions.
	var gw cmdb.Input
	for _, in := range demoEstate() {
		if in.Key == "VPN-GW-LDS-01" {
			gw = in
		}
	}
	for i := range gw.Attributes {
		if gw.Attributes[i].Name == "support_group" {
			gw.Attributes[i].Value = "NetOps North"
		}
	}
	if _, err := d.CMDB.Put(ctx, admin, gw); err != nil {
		return err
	}
	v, err := d.CMDB.PublishAgreement(ctx, admin, "Look up configuration items only for the ticket you are working on, and name that ticket.\n\n"+
		"Do not copy CMDB data into other systems, documents or chats; every lookup is recorded and audited.\n\n"+
		"Restricted details (addresses, credentials, consoles) are never shown to suppliers: escalate to the named support group when you need them.")
	if err != nil {
		return err
	}
	for _, name := range []string{"alice", "bob", "gina"} {
		if err := d.CMDB.AcceptAgreement(ctx, org.Users[name], v); err != nil {
			return err
		}
	}
	if err := d.CMDB.SetQuota(ctx, admin, "globex", 100); err != nil {
		return err
	}
	if _, err := d.KB.Import(ctx, org.Users["kim"], []kb.ImportFile{{Key: "demo-cmdb/vpn-gateway-for-site.md", Title: "Find the VPN gateway and support group for a user's site",
		Body: "# Find the VPN gateway and support group for a user's site\n\n" +
			"1. Open the CMDB with the ticket number of the request.\n" +
			"2. Search for the user's office (for example *Leeds*). The gateway for Leeds is [[ci:VPN-GW-LDS-01]]; its standby is [[ci:VPN-GW-LDS-02]].\n" +
			"3. Give the user the gateway's hostname. If the user cannot authenticate, check the MFA service [[ci:MFA-SVC-PROD]].\n" +
			"4. Escalate to the support group named on the gateway's page; never ask for its addresses.\n",
		RequestTypes: []string{"vpn-access"}, Tags: []string{"vpn", "cmdb"}}}, kb.ImportOptions{Approve: true}); err != nil {
		return err
	}
	// A few lookups so that the access log and its flags have something to show.
	lookups := []struct{ user, key, ticket string }{
		{"alice", "VPN-GW-LDS-01", "INC-20417"}, {"alice", "MFA-SVC-PROD", "INC-20431"}, {"alice", "DC-LDS-01", "INC-20431"},
		{"gina", "PRN-LDS-F2-01", "INC-31877"}, {"gina", "VPN-GW-MAN-01", "INC-31902"}, {"bob", "APP-SAP-FI", "REQ-88120"},
	}
	for _, l := range lookups {
		if _, err := d.CMDB.Item(ctx, org.Users[l.user], l.key, l.ticket); err != nil && !isNotFound(err) {
			return fmt.Errorf("lookup %s by %s: %w", l.key, l.user, err)
		}
	}
	if _, err := d.CMDB.Search(ctx, org.Users["alice"], "Leeds vpn", "INC-20417", 20); err != nil {
		return err
	}
	return nil
}
