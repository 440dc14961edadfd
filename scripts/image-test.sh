#!/usr/bin/env bash
# `make image-test`: builds the Dockerfile with podman, prints the image's
# size and how it splits, then runs tests/image.rs against real containers
# (HTTPS, uid, health, the real CLI's link, the credential across
# containers, SIGTERM). By hand, not in `make test`: the build takes about
# half an hour on 2 cores. Needs root; installs podman, runc and debootstrap
# from Debian's packages when they are missing, and makes the base images
# with scripts/base-images.sh when they cannot be pulled.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf '\033[1m[image-test]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

IMAGE=${DISPATCH_IMAGE:-localhost/dispatch:test}
[ "$(id -u)" = 0 ] || { echo "[image-test] needs root (podman's root storage, network namespaces)" >&2; exit 1; }

missing=()
for tool in podman runc debootstrap podman-compose; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian's packages"
  apt-get install -y --no-install-recommends podman runc debootstrap podman-compose >/dev/null
fi

scripts/base-images.sh

say "building $IMAGE (podman build; the first build takes about half an hour)"
mkdir -p target/image
began=$(date +%s)
if ! podman build --isolation chroot --network host --format docker -t "$IMAGE" . \
     >target/image/build.log 2>&1; then
  tail -n 30 target/image/build.log
  echo "[image-test] the build failed: see target/image/build.log" >&2
  exit 1
fi
say "built in $(( $(date +%s) - began )) s"

# What the image weighs, and where: the base, the CLI, the site, the binary.
size() { podman run --rm --runtime runc --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
  --entrypoint /usr/bin/du "$IMAGE" -s --block-size=1M "$@" | awk '{print $1}'; }
total=$(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 ))
say "image size: ${total} MB in all"
say "  the Claude CLI  (/app/node_modules)  $(size /app/node_modules) MiB"
say "  the site        (/app/site)          $(size /app/site) MiB"
say "  the binary      (/app/dispatch)      $(size /app/dispatch) MiB"
say "  the base and ca-certificates: the rest"

say "running tests/image.rs against containers of $IMAGE"
DISPATCH_IMAGE="$IMAGE" cargo test --features ssr --test image -- --ignored --test-threads=1

scripts/compose-test.sh "$IMAGE"
say "passed"
