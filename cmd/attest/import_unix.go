//go:build linux

package main

import (
	"os"
	"syscall"
)

// Kernel pseudo-filesystems whose files pose as regular files (statfs(2) magic numbers).
var pseudoFilesystems = map[int64]string{
	0x9fa0:     "/proc",
	0x62656572: "/sys",
	0x64626720: "debugfs",
	0x74726163: "tracefs",
	0x27e0eb:   "cgroup",
	0x63677270: "cgroup2",
	0xcafe4a11: "bpf",
	0x73636673: "securityfs",
}

// pseudoFilesystem names the kernel pseudo-filesystem p lives on, or "" for a real one.
func pseudoFilesystem(p string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(p, &st); err != nil {
		return ""
	}
	return pseudoFilesystems[int64(st.Type)]
}

// openNoFollow opens p for reading without following a link in its last element and without
// waiting on a pipe that appeared after the check.
func openNoFollow(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
