package search

import "github.com/blevesearch/bleve/v2/analysis/lang/en"

// synonymGroups are words and abbreviations service desk staff use for the
// same thing. A query term that is one of them also matches the others.
var synonymGroups = [][]string{
	{"password", "pw", "pwd", "passwd", "passphrase"},
	{"mfa", "2fa", "multi-factor", "multifactor"}, // not "two-factor": "two factors" is common prose
	{"laptop", "notebook"},
	{"email", "e-mail", "mail"},
	{"wifi", "wi-fi", "wireless", "wlan"},
	{"phone", "mobile", "smartphone", "cellphone", "handset"},
	{"pc", "computer"},
	{"win11", "windows 11"},
	{"win10", "windows 10"},
	{"macos", "mac", "osx", "macbook"},
	{"ios", "iphone", "ipad"},
	{"chromeos", "chromebook"},
	{"m365", "o365", "microsoft 365", "office 365"},
	{"onedrive", "one drive"},
	{"ad", "active directory"},
	{"acct", "account"},
	{"perms", "permission", "permissions"},
	{"login", "logon", "signin", "sign-in"},
	{"unlock", "locked", "lockout"},
	{"uninstall", "remove"},
	{"reinstall", "re-install"},
	{"msg", "message"},
	{"cert", "certificate"},
	{"creds", "credentials"},
	{"dl", "distribution list"},
	{"vm", "virtual machine"},
	// Everyday words of people asking for help, next to the words help
	// pages use for the same thing.
	{"forgot", "forgotten", "forget"},
	{"mic", "microphone"},
	{"webcam", "camera"},
	{"headphones", "headset", "earphones", "earbuds"},
	{"app", "application", "program"},
	{"spam", "junk"},
	{"scam", "phishing"},
	{"monitor", "display"},
	{"screenshot", "screen shot", "screen capture"},
	{"timezone", "time zone"},
	{"setup", "set up"},
}

// synonyms maps an analysed term to the analysed alternatives it stands for.
var synonyms = buildSynonyms()

func buildSynonyms() map[string][][]string {
	a := newMapping().AnalyzerNamed(en.AnalyzerName)
	out := map[string][][]string{}
	for _, g := range synonymGroups {
		analysed := make([][]string, 0, len(g))
		for _, w := range g {
			if ts := analyze(a, w); len(ts) > 0 {
				analysed = append(analysed, ts)
			}
		}
		for i, from := range analysed {
			if len(from) != 1 {
				continue
			}
			for j, to := range analysed {
				if i == j || (len(to) == 1 && to[0] == from[0]) || contains(out[from[0]], to) {
					continue
				}
				out[from[0]] = append(out[from[0]], to)
			}
		}
	}
	return out
}

func contains(list [][]string, terms []string) bool {
	for _, l := range list {
		if len(l) != len(terms) {
			continue
		}
		same := true
		for i := range l {
			if l[i] != terms[i] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}
