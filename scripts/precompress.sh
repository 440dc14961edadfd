#!/usr/bin/env bash
# Rewrites the .gz copies of the built site with zopfli, the smallest gzip
# there is (about 5% under `gzip -9`; libflate's, which `cargo leptos build
# --precompress` writes, are 18% over it). The server sends a .gz or .br copy
# instead of the file when the browser takes that encoding (leptos_axum's
# static files, ServeDir's precompressed_gzip/_br). cargo-leptos empties the
# site before every front-end build, so no copy outlives its file.
#
# Usage: scripts/precompress.sh [site-root]   (default target/site)
set -euo pipefail

site="${1:-target/site}"
if [ ! -d "$site" ]; then
  echo "[precompress] $site is not a folder: build the site first (make build)" >&2
  exit 1
fi

if command -v zopfli >/dev/null; then
  gz() { zopfli -c "$1"; }
else
  echo "[precompress] zopfli is missing (scripts/setup.sh installs it); using gzip -9" >&2
  gz() { gzip -9 -n -c "$1"; }
fi

count=0
while IFS= read -r -d '' file; do
  gz "$file" > "$file.gz.part"
  mv "$file.gz.part" "$file.gz"
  count=$((count + 1))
done < <(find "$site" -type f ! -name '*.gz' ! -name '*.br' ! -name '*.part' -print0)
echo "[precompress] $count files in $site"
