package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request its client abandoned fails with the context's error: that is logged as an
// abandoned request, not as an internal error someone must look into.
func TestAbandonedRequestIsNotAnInternalError(t *testing.T) {
	var logged bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/articles", nil).WithContext(ctx)
	s.fail(httptest.NewRecorder(), r, fmt.Errorf("kb: create article: %w", ctx.Err()))
	if strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "abandoned") {
		t.Errorf("logged %q, want an abandoned request at info level", logged.String())
	}
}
