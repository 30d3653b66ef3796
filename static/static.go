// Package static holds the CSS, the vendored htmx and the icons, embedded into the binary.
package static

import "embed"

// Files are the static assets, served under /static/.
//
//go:embed *.css *.js *.svg
var Files embed.FS
