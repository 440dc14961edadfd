#!/usr/bin/env bash
# make cli-matrix: every CLI version in scripts/cli-versions.txt signs in
# through Dispatch, in a network namespace with a stand-in for Anthropic's
# token endpoint (tests/real_signin.rs, matrix_row): link, a refused code,
# another code through the same flow, the token stored, the CLI reaped.
# Versions are installed from npm once, into target/cli-matrix/<version>.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=target/cli-matrix
mkdir -p "$cache"
# Asking a CLI its version writes its state under HOME (2.0.14: ~/.claude.json,
# ~/.claude/debug, ~/.claude/statsig): give it a scratch one, never the
# machine's own.
scratch_home=$(mktemp -d)
trap 'rm -rf "$scratch_home"' EXIT
rows=()
failed=0
# The row the test printed (after cargo's "test matrix_row ... ").
row_of() { grep -o -m1 'MATRIX .*' <<<"$1" | sed 's/^MATRIX //' || true; }
while read -r version; do
  case "$version" in ''|'#'*) continue ;; esac
  dir="$cache/$version"
  cli="$PWD/$dir/node_modules/.bin/claude"
  if ! HOME="$scratch_home" "$cli" --version 2>/dev/null | grep -q "^$version"; then
    echo "[cli-matrix] installing @anthropic-ai/claude-code@$version"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
      "@anthropic-ai/claude-code@$version" >/dev/null
  fi
  echo "[cli-matrix] $version"
  if out=$(DISPATCH_MATRIX_CLI="$cli" cargo test --quiet --features ssr \
      --test real_signin -- --ignored --exact matrix_row --nocapture 2>&1); then
    rows+=("$(row_of "$out")")
  else
    failed=1
    row=$(row_of "$out")
    rows+=("$version | FAILED ${row:-(no row: see below)}")
    tail -30 <<<"$out" >&2
  fi
done < scripts/cli-versions.txt

echo
echo "| CLI | link | outcome | codes | reaped |"
echo "|---|---|---|---|---|"
for row in "${rows[@]}"; do
  echo "| $row |"
done
exit "$failed"
