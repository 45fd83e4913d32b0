#!/usr/bin/env bash
# Installs Debian's chromium package when no Chromium is on PATH, for the
# web view's browser tests (internal/webui, test/e2e). Prints the browser's
# path. On a machine without apt-get it installs nothing and says so; the
# browser tests then skip with the same words.
set -euo pipefail

for name in chromium chromium-browser; do
	if path=$(command -v "$name"); then
		echo "$path"
		exit 0
	fi
done

if ! command -v apt-get >/dev/null; then
	echo "chromium.sh: no chromium on PATH and no apt-get to install it; the browser tests will skip" >&2
	exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo="sudo"
fi
echo "chromium.sh: installing Debian's chromium package" >&2
# update only when the package lists do not know chromium yet
if ! apt-cache show chromium >/dev/null 2>&1; then
	$sudo apt-get update -qq >&2
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
command -v chromium
