package search

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct{ name, md, want string }{
		{"heading", "# Reset a *password*\n\nText.", "Reset a password\nText."},
		{"lists", "1. Open **Settings**\n2. Select _Accounts_\n\n- one\n- two", "Open Settings\nSelect Accounts\none\ntwo"},
		{"link keeps text", "See [the VPN guide](https://example.com/vpn) now.", "See the VPN guide now."},
		{"image keeps alt", "![printer label](label.png)", "printer label"},
		{"autolink", "<https://example.com>", "https://example.com"},
		{"code span", "Run `ipconfig /flushdns` first.", "Run ipconfig /flushdns first."},
		{"fence", "Before\n\n```powershell\nGet-Mailbox -Identity x\n```\n\nAfter", "Before\nGet-Mailbox -Identity x\nAfter"},
		{"table", "| Setting | Value |\n|---|---|\n| Port | 443 |", "Setting Value\nPort 443"},
		{"html dropped", "Hi <b>there</b>\n\n<script>alert(1)</script>\n\nBye", "Hi there\nBye"},
		{"entities decoded", "a &lt;tag&gt; &amp; \\*star\\*", "a <tag> & *star*"},
		{"soft break", "one\ntwo", "one two"},
		{"strikethrough", "~~old~~ new", "old new"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.md); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestWithinOneTypo(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"domain", "domian", true},
		{"domain", "domain", true},
		{"domain", "domin", true},
		{"domain", "domains", true},
		{"domain", "dimain", true},
		{"domain", "dmoian", false},
		{"domain", "remain", false},
		{"ab", "ba", true},
		{"abc", "cab", false},
	}
	for _, tt := range tests {
		if got := withinOneTypo(tt.a, tt.b); got != tt.want {
			t.Errorf("withinOneTypo(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
