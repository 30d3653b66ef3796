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
	from := map[string]string{} // import key → the path it was read from
	for _, root := range fs.Args() {
		found, failed, err := readImportTree(root)
		if err != nil {
			return err
		}
		bad = append(bad, failed...)
		// Keys are relative to each folder given: two folders (or two files given directly)
		// may name the same key, which would merge two files into one article.
		for _, f := range found {
			p := filepath.Join(filepath.Dir(root), filepath.FromSlash(f.Key))
			if info, err := os.Stat(root); err == nil && info.IsDir() {
				p = filepath.Join(root, filepath.FromSlash(f.Key))
			}
			if first, ok := from[f.Key]; ok {
				bad = append(bad, kb.ImportFailure{Key: p, Reason: fmt.Sprintf("its import key %q is also that of %s; import them separately", f.Key, first)})
				continue
			}
			from[f.Key] = p
			files = append(files, f)
		}
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
		content, err := readImportFile(p)
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

// maxImportFile bounds what is read of one file: a body of at most kb.MaxBody plus room for
// front matter. A larger file is reported, never read whole into memory.
const maxImportFile = kb.MaxBody + 64<<10

// readImportFile reads one regular file of at most maxImportFile bytes.
func readImportFile(p string) ([]byte, error) {
	// Stat before opening: opening a named pipe would wait for a writer.
	info, err := os.Stat(p)
	switch {
	case err != nil:
		return nil, err
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("not a regular file")
	case info.Size() > maxImportFile:
		return nil, fmt.Errorf("too large (%d bytes): an article body holds at most 1 MiB", info.Size())
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, err
	}
	if len(content) > maxImportFile {
		return nil, fmt.Errorf("too large: an article body holds at most 1 MiB")
	}
	return content, nil
}

func isMarkdown(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".md" || ext == ".markdown"
}
