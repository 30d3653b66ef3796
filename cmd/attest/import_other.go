//go:build !linux

package main

import "os"

// pseudoFilesystem is Linux-only; elsewhere the size check in readImportFile stands alone.
func pseudoFilesystem(string) string { return "" }

func openNoFollow(p string) (*os.File, error) { return os.Open(p) }
