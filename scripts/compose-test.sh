#!/usr/bin/env bash
# The compose file, as its comments tell a user to run it, with
# podman-compose (Debian bookworm's podman has no `compose` verb): an image
# already built (`scripts/image-test.sh` passes its name), a tls folder and
# a .env, then `up -d`; it must answer HTTPS on port 443 with the key from
# .env, and `down` must stop it within its grace. Needs root and port 443.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf '\033[1m[compose-test]\033[0m %s\n' "$*"; }
fail() { echo "[compose-test] $*" >&2; exit 1; }

IMAGE=${1:?usage: compose-test.sh IMAGE}
project=dispatch-compose-test
dir=$(mktemp -d)
key=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')

# podman as this machine runs it (runc; explicit limits), for podman-compose too.
cat >"$dir/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$dir/containers.conf"

cleanup() {
  (cd "$dir" && podman-compose -p "$project" down -v >/dev/null 2>&1) || true
  rm -rf "$dir"
}
trap cleanup EXIT

# The steps the compose file's comments give.
cp compose.yaml "$dir/"
mkdir "$dir/tls"
cp tests/fixtures/tls/cert.pem "$dir/tls/fullchain.pem"
cp tests/fixtures/tls/key.pem "$dir/tls/privkey.pem"
chown 10001 "$dir/tls/privkey.pem"
echo "DISPATCH_KEY=$key" >"$dir/.env"
# The image is there already: compose uses it rather than building again.
podman tag "$IMAGE" localhost/dispatch:latest

say "podman-compose up -d"
(cd "$dir" && podman-compose -p "$project" up -d) >"$dir/up.log" 2>&1 \
  || { cat "$dir/up.log"; fail "podman-compose up failed"; }

answered=""
for _ in $(seq 1 60); do
  if answered=$(curl -sS --max-time 2 --cacert tests/fixtures/tls/cert.pem \
       -H "Authorization: Bearer $key" https://localhost:443/api/claude/auth 2>/dev/null); then
    break
  fi
  answered=""
  sleep 0.5
done
[ -n "$answered" ] || { podman logs "${project}_dispatch_1" 2>&1 | tail -20; fail "no HTTPS answer on port 443"; }
case "$answered" in
  *'"authenticated":'*) say "HTTPS on 443 with the key from .env: $answered" ;;
  *) fail "unexpected answer: $answered" ;;
esac

began=$(date +%s)
(cd "$dir" && podman-compose -p "$project" down -v) >"$dir/down.log" 2>&1 \
  || { cat "$dir/down.log"; fail "podman-compose down failed"; }
took=$(( $(date +%s) - began ))
[ "$took" -le 10 ] || fail "down took ${took} s (grace: 10 s)"
say "down in ${took} s"
