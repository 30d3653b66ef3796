package audit

import (
	"context"
	"slices"

	"attest/accounts"
)

// NextToAssess returns the sampled item an auditor should assess after the item afterItemID:
// the first one after it in sample order (wrapping to the start) that is not assessed yet and
// that the auditor may assess (they neither wrote nor approved its version). nil when none is
// left. Errors: those of Get.
func (s *Store) NextToAssess(ctx context.Context, actor *accounts.User, auditID, afterItemID int64) (*Item, error) {
	a, err := s.Get(ctx, actor, auditID)
	if err != nil {
		return nil, err
	}
	start := slices.IndexFunc(a.Items, func(it Item) bool { return it.ID == afterItemID }) + 1
	for k := range len(a.Items) {
		it := a.Items[(start+k)%len(a.Items)]
		if it.Score != nil || it.ID == afterItemID {
			continue
		}
		people, err := s.kb.AuditVersionPeople(ctx, it.ArticleID, it.Version)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(people, actor.ID) {
			return &it, nil
		}
	}
	return nil, nil
}
