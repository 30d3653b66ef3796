package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"attest/kb"
)

// importFiles is `attest import [--approve] --as USER [--data DIR] PATH…`: Markdown files, and
// folders searched recursively for *.md and *.markdown, become articles. Each file's import
// key is its path relative to the folder given (the file name for a file given directly), so
// re-importing the same tree updates the same articles. Bad files are reported and skipped;
// the command exits non-zero when any file failed, after trying every file.
func (m *Main) importFiles(ctx context.Context, args []string) error {
	fs, data := m.flags("import")
	approve := fs.Bool("approve", false, "import as approved (USER must be a knowledge manager); journaled as import")
	as := fs.String("as", "", "the username the articles are written by")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *as == "" || fs.NArg() == 0 {
		return usageError{"import: give --as USER and at least one file or folder"}
	}
	var files []kb.ImportFile
	var bad []kb.ImportFailure
	for _, root := range fs.Args() {
		found, failed, err := readImportTree(root)
		if err != nil {
			return err
		}
		files, bad = append(files, found...), append(bad, failed...)
	}
	if len(files) == 0 && len(bad) == 0 {
		return fmt.Errorf("import: no .md or .markdown files under %s", strings.Join(fs.Args(), ", "))
	}
	a, err := m.open(ctx, *data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.accounts.UserByUsername(ctx, *as)
	if err != nil {
		return fmt.Errorf("import: --as %s: %w", *as, userFacing(err))
	}
	progress := progressPrinter(m.Stdout)
	rep, err := a.kb.Import(ctx, u, files, kb.ImportOptions{Approve: *approve, Progress: progress})
	if err != nil {
		return fmt.Errorf("import: %w", userFacing(err))
	}
	total := len(files) + len(bad)
	bad = append(bad, rep.Failed...)
	for _, f := range bad {
		fmt.Fprintf(m.Stderr, "import: %s: %s\n", f.Key, f.Reason)
	}
	state := "drafts"
	if *approve {
		state = "approved"
	}
	fmt.Fprintf(m.Stdout, "%d files, imported as %s: %d new articles, %d updated, %d unchanged, %d failed\n",
		total, state, rep.Created, rep.Updated, rep.Unchanged, len(bad))
	switch {
	case len(bad) == total:
		return fmt.Errorf("import: every file failed (listed above)")
	case len(bad) > 0:
		return fmt.Errorf("import: %d of %d files failed (listed above); the others were imported", len(bad), total)
	}
	return nil
}

// progressPrinter reports progress: one updating line on a terminal, plain lines otherwise.
func progressPrinter(out io.Writer) func(done, total int) {
	tty := false
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil {
			tty = fi.Mode()&os.ModeCharDevice != 0
		}
	}
	return func(done, total int) {
		if tty {
			fmt.Fprintf(out, "\rimported %d/%d", done, total)
			if done == total {
				fmt.Fprintln(out)
			}
			return
		}
		fmt.Fprintf(out, "imported %d/%d\n", done, total)
	}
}

// readImportTree reads a Markdown file, or every *.md and *.markdown file under a folder.
func readImportTree(root string) ([]kb.ImportFile, []kb.ImportFailure, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	var paths []string
	base := filepath.Dir(root)
	if info.IsDir() {
		base = root
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != root {
				return filepath.SkipDir
			}
			if !d.IsDir() && isMarkdown(p) {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
	} else {
		paths = []string{root}
	}
	sort.Strings(paths)
	var files []kb.ImportFile
	var bad []kb.ImportFailure
	for _, p := range paths {
		rel, err := filepath.Rel(base, p)
		if err != nil {
			rel = filepath.Base(p)
		}
		key := filepath.ToSlash(rel)
		content, err := os.ReadFile(p)
		if err != nil {
			bad = append(bad, kb.ImportFailure{Key: key, Reason: err.Error()})
			continue
		}
		f, err := kb.ParseImportFile(key, content)
		if err != nil {
			bad = append(bad, kb.ImportFailure{Key: key, Reason: userFacing(err).Error()})
			continue
		}
		files = append(files, f)
	}
	return files, bad, nil
}

func isMarkdown(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".md" || ext == ".markdown"
}
