package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// JournalPart is one labelled side ("Before", "After", …) of a journal entry's detail, as
// readable "field: value" lines.
type JournalPart struct {
	Label string
	Lines []string
}

// journalDetail turns a journal entry's stored JSON detail into readable parts, so that the
// journal page shows "Before: status: draft" rather than raw JSON. Detail that is not a JSON
// object is shown as one line of text.
func journalDetail(detail []byte) []JournalPart {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(detail, &top); err != nil || len(top) == 0 {
		s := strings.TrimSpace(string(detail))
		if s == "" || s == "null" || s == "{}" {
			return nil
		}
		return []JournalPart{{Label: "Detail", Lines: []string{s}}}
	}
	order := []string{"before", "after"}
	var keys []string
	for k := range top {
		if k != "before" && k != "after" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	order = append(order, keys...)
	var parts []JournalPart
	for _, k := range order {
		raw, ok := top[k]
		if !ok {
			continue
		}
		parts = append(parts, JournalPart{Label: journalLabel(k), Lines: journalLines(raw)})
	}
	return parts
}

func journalLabel(k string) string {
	k = strings.ReplaceAll(k, "_", " ")
	if k == "" {
		return k
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// journalLines renders an object as one "field: value" line per field, anything else as one line.
func journalLines(raw json.RawMessage) []string {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err == nil {
		if len(obj) == 0 {
			return []string{"(nothing)"}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		lines := make([]string, 0, len(keys))
		for _, k := range keys {
			lines = append(lines, strings.ReplaceAll(k, "_", " ")+": "+journalValue(obj[k]))
		}
		return lines
	}
	return []string{journalValue(raw)}
}

// journalValue renders a JSON value as plain text: strings unquoted, lists comma-separated,
// null as "none"; nested objects as "field: value" pairs.
func journalValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return plainValue(v)
}

func plainValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "none"
	case string:
		if x == "" {
			return "(empty)"
		}
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return fmt.Sprint(x)
	case []any:
		if len(x) == 0 {
			return "(none)"
		}
		s := make([]string, len(x))
		for i, e := range x {
			s[i] = plainValue(e)
		}
		return strings.Join(s, ", ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := make([]string, len(keys))
		for i, k := range keys {
			s[i] = strings.ReplaceAll(k, "_", " ") + " " + plainValue(x[k])
		}
		return "(" + strings.Join(s, "; ") + ")"
	}
	return fmt.Sprint(v)
}
