package views

import (
	"strings"

	"attest/accounts"
)

// Names turns supplier and request type keys into the names people know them by.
type Names struct {
	Suppliers    map[string]string
	RequestTypes map[string]string
}

// NewNames indexes suppliers and request types by key.
func NewNames(sps []accounts.Supplier, rts []accounts.RequestType) Names {
	n := Names{Suppliers: map[string]string{}, RequestTypes: map[string]string{}}
	for _, s := range sps {
		n.Suppliers[s.Key] = s.Name
	}
	for _, rt := range rts {
		n.RequestTypes[rt.Key] = rt.Name
	}
	return n
}

// Supplier is a supplier's name (its key when unknown).
func (n Names) Supplier(k string) string {
	if v, ok := n.Suppliers[k]; ok {
		return v
	}
	return k
}

// RequestType is a request type's name (its key when unknown).
func (n Names) RequestType(k string) string {
	if v, ok := n.RequestTypes[k]; ok {
		return v
	}
	return k
}

// Stratum names an audit stratum ("request type" or "supplier/request type").
func (n Names) Stratum(k string) string {
	sp, rt, ok := strings.Cut(k, "/")
	if !ok {
		rt, sp = k, ""
	}
	name := "No request type"
	if rt != "" {
		name = n.RequestType(rt)
	}
	if sp != "" {
		return n.Supplier(sp) + " · " + name
	}
	return name
}

// Scope lists keys by name, "all" when none.
func (n Names) Scope(keys []string, name func(string) string) string {
	if len(keys) == 0 {
		return "all"
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = name(k)
	}
	return strings.Join(out, ", ")
}
