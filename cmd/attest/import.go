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
	a, err := m.open(ctx, data, slog.Default())
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
// Only regular files inside the tree are read: a link whose target leaves the tree (the folder
// given, or the folder of a file given directly), a device, pipe or socket, and a file of a
// kernel pseudo-filesystem such as /proc are refused, each with its reason, and the rest
// continue. A folder given may itself be a link: the tree is where it points.
func readImportTree(root string) ([]kb.ImportFile, []kb.ImportFailure, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	base := filepath.Dir(root)
	if info.IsDir() {
		base = root
	}
	// The tree is where the folder given (or the folder of the file given) really is, links
	// resolved: what is read must lie inside it.
	tree, err := filepath.EvalSymlinks(base)
	if err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	if tree, err = filepath.Abs(tree); err != nil {
		return nil, nil, fmt.Errorf("import: %w", err)
	}
	var paths []string
	if info.IsDir() {
		// Walk the resolved folder (WalkDir would not enter a root that is a link) and name
		// each file by its place under the folder given.
		err := filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != tree {
				return filepath.SkipDir
			}
			// WalkDir never descends into a linked folder; a link named *.md is checked below.
			if !d.IsDir() && isMarkdown(p) {
				rel, err := filepath.Rel(tree, p)
				if err != nil {
					return err
				}
				paths = append(paths, filepath.Join(root, rel))
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
		content, err := readImportFile(tree, p)
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

// readImportFile reads p, a regular file of at most maxImportFile bytes that lies inside tree
// (an absolute path with no links in it) once every link on the way is resolved.
func readImportFile(tree, p string) ([]byte, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, fmt.Errorf("refused: a link that leads nowhere (%v)", err)
	}
	if real, err = filepath.Abs(real); err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(tree, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("refused: a link to %s, outside the folder imported", real)
	}
	// Lstat before opening: opening a named pipe would wait for a writer.
	info, err := os.Lstat(real)
	switch {
	case err != nil:
		return nil, err
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("refused: not a regular file (%s)", fileKind(info.Mode()))
	case info.Size() > maxImportFile:
		return nil, fmt.Errorf("too large (%d bytes): an article body holds at most 1 MiB", info.Size())
	}
	if fsName := pseudoFilesystem(real); fsName != "" {
		return nil, fmt.Errorf("refused: not a regular file (a %s file)", fsName)
	}
	f, err := openNoFollow(real)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// What was opened must be what was checked: a swap between the check and the open shows here.
	if opened, err := f.Stat(); err != nil || !os.SameFile(info, opened) {
		return nil, fmt.Errorf("refused: the file changed while it was being checked")
	}
	content, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return nil, err
	}
	if len(content) > maxImportFile {
		return nil, fmt.Errorf("too large: an article body holds at most 1 MiB")
	}
	// A regular file holds what its size says; generated files (kernel pseudo-files) do not.
	if int64(len(content)) != info.Size() {
		return nil, fmt.Errorf("refused: not a regular file (it holds %d bytes but its size is %d)", len(content), info.Size())
	}
	return content, nil
}

// fileKind names a non-regular file type for the refusal message.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a link"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file"
	}
}

func isMarkdown(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".md" || ext == ".markdown"
}
