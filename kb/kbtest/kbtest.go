// Package kbtest holds the knowledge fixtures store and handler tests share: articles written,
// reviewed and approved through the same domain methods people use.
package kbtest

import (
	"context"
	"testing"

	"attest/accounts"
	"attest/accounts/accountstest"
	"attest/kb"
)

// NewStore returns a kb.Store over the organisation's database.
func NewStore(org *accountstest.Org) *kb.Store {
	return kb.NewStore(org.DB, org.Accounts)
}

// Publish creates an article by km1 covering the request types (which must need one approval),
// has km2 approve it and returns its id: its version 1 is current.
func Publish(t testing.TB, org *accountstest.Org, store *kb.Store, title, body string, requestTypes ...string) int64 {
	t.Helper()
	ctx := context.Background()
	km1, km2 := org.User(t, "km1"), org.User(t, "km2")
	v, err := store.CreateArticle(ctx, km1, kb.NewArticle{Title: title, Body: body, RequestTypes: requestTypes})
	if err != nil {
		t.Fatalf("publish %q: create: %v", title, err)
	}
	if _, err := store.Submit(ctx, km1, v.ArticleID, v.Number); err != nil {
		t.Fatalf("publish %q: submit: %v", title, err)
	}
	res, err := store.Approve(ctx, km2, v.ArticleID, v.Number, kb.Decision{Comment: "ok"})
	if err != nil {
		t.Fatalf("publish %q: approve: %v", title, err)
	}
	if res.Status != kb.StatusApproved {
		t.Fatalf("publish %q: status %s after one approval (a type needing two approvers?)", title, res.Status)
	}
	return v.ArticleID
}

// Edit saves a new version of article id by username on base and submits it; it returns the
// version number.
func Edit(t testing.TB, org *accountstest.Org, store *kb.Store, username string, id int64, base int, body string) int {
	t.Helper()
	ctx := context.Background()
	u := org.User(t, username)
	v, err := store.SaveVersion(ctx, u, id, kb.NewVersion{Base: base, Title: "Edited", Body: body, Note: "edit"})
	if err != nil {
		t.Fatalf("edit %d: %v", id, err)
	}
	if _, err := store.Submit(ctx, u, id, v.Number); err != nil {
		t.Fatalf("submit %d/%d: %v", id, v.Number, err)
	}
	return v.Number
}

// AddUser adds a user to the organisation and returns them as a request would see them.
func AddUser(t testing.TB, org *accountstest.Org, username string, supplier string, roles ...accounts.Role) *accounts.User {
	t.Helper()
	_, err := org.Accounts.CreateUser(context.Background(), accounts.System("test"), accounts.NewUser{
		Username: username, Password: accountstest.Password, Roles: roles, Supplier: supplier})
	if err != nil {
		t.Fatalf("add user %s: %v", username, err)
	}
	return org.User(t, username)
}

// AddRequestType adds a request type needing approvals approvers, fulfilled by suppliers.
func AddRequestType(t testing.TB, org *accountstest.Org, key string, approvals int, suppliers ...string) {
	t.Helper()
	ctx := context.Background()
	sys := accounts.System("test")
	if _, err := org.Accounts.CreateRequestType(ctx, sys, accounts.RequestType{Key: key, Name: key, Risk: accounts.RiskHigh,
		ApprovalsRequired: approvals}); err != nil {
		t.Fatalf("add request type %s: %v", key, err)
	}
	for _, sp := range suppliers {
		cur, err := org.Accounts.Suppliers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range cur {
			if s.Key == sp {
				if _, err := org.Accounts.SetSupplierRequestTypes(ctx, sys, sp, append(s.RequestTypes, key)); err != nil {
					t.Fatalf("supplier %s fulfils %s: %v", sp, key, err)
				}
			}
		}
	}
}
