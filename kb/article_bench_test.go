package kb_test

import (
	"context"
	"testing"

	"attest/accounts/accountstest"
	"attest/kb/kbtest"
)

// BenchmarkArticleRead measures the domain read of an article by an agent: one prepared,
// indexed query, stored HTML, no Markdown work.
func BenchmarkArticleRead(b *testing.B) {
	org := accountstest.NewOrg(b)
	store := kbtest.NewStore(org)
	id := kbtest.Publish(b, org, store, "Reset", "1. Verify.\n2. Reset.\n", "password-reset")
	alice := org.User(b, "alice")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := store.Article(ctx, alice, id); err != nil {
			b.Fatal(err)
		}
	}
}
