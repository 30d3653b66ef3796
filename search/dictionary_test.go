package search

import "testing"

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
