#!/bin/sh
# Extracts the descriptive-query evaluation corpus (descriptive_test.go) from
# the manual pages installed on a Debian 12 machine: sections 1, 5, 7 and 8,
# without the families that are hundreds of near-identical pages (gcloud,
# llvm, git-*, perl modules, versioned compiler pages…). Each page becomes one
# line of pages.tsv: its name (with section), its NAME line as title, and its
# rendered text (whitespace collapsed) cut to 4,000 bytes.
#
#   sh search/testdata/manpages/extract.sh > pages.tsv && gzip -9 pages.tsv
set -e
page() {
	f=$1
	name=$(basename "$f" .gz)
	text=$(MANWIDTH=200 man -P cat -l "$f" 2>/dev/null | col -b 2>/dev/null | tr -s ' \t\n' '   ') || return 0
	title=$(printf '%s' "$text" | sed -n 's/.* NAME \(.*\) SYNOPSIS .*/\1/p' | cut -c1-200)
	[ -n "$title" ] || title=$(printf '%s' "$text" | sed -n 's/.* NAME \(.\{1,160\}\).*/\1/p')
	[ -n "$title" ] || return 0
	body=$(printf '%s' "$text" | sed 's/^.* NAME //' | cut -c1-4000)
	printf '%s\t%s\t%s\n' "$name" "$title" "$body"
}
if [ -n "$1" ]; then
	page "$1"
	exit 0
fi
cd /usr/share/man
for s in 1 5 7 8; do
	ls man$s | grep -v -E '^(gcloud|llvm|x86_64|perl|git-|clang|FileCheck|systemd\.|ocaml|lto-|gcc-|g\+\+-|cpp-|gcov|pg_|dcb|devlink|open|tc-|ip-|avahi|dpkg-|deb-|gtk|xdg|perf-|debconf|lintian|dh_|sd_|pam_)' |
		grep -v -E '\-[0-9]+\.[0-9]' | sed "s|^|man$s/|"
done | xargs -n 1 -P 3 sh "$0" | LC_ALL=C sort
