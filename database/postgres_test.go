package database

import (
	"reflect"
	"testing"
)

func TestRewritePlaceholders(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		keep     []int
	}{
		{"SELECT 1", "SELECT 1", nil},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2", nil},
		{"SELECT ?2, ?1, ?2", "SELECT $2, $1, $2", nil},
		{"SELECT ?1, ?", "SELECT $1, $2", nil},
		{"SELECT '?', \"a?\", ? -- what?\n, ? /* ? */", "SELECT '?', \"a?\", $1 -- what?\n, $2 /* ? */", nil},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", nil},
		{"SELECT a || char(31) || b, charge(x), xchar(1)", "SELECT a || chr(31) || b, charge(x), xchar(1)", nil},
		// Numbered placeholders that skip arguments: the unused ones are dropped.
		{"WHERE s = ?1 AND c < ?5 AND r >= ?5", "WHERE s = $1 AND c < $2 AND r >= $2", []int{0, 4}},
		{"WHERE x = ?3", "WHERE x = $1", []int{2}},
	} {
		got := rewritePlaceholders(tc.in)
		if got.query != tc.want || !reflect.DeepEqual(got.keep, tc.keep) {
			t.Errorf("rewrite %q = %q keep %v, want %q keep %v", tc.in, got.query, got.keep, tc.want, tc.keep)
		}
	}
}
