#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's three base images, for machines that
# cannot pull from a registry but can reach Debian's packages:
#
#   debian:bookworm-slim   a minbase bookworm root made by debootstrap
#   node:20-bookworm-slim  that, plus this machine's node and npm
#   rust:1.95-bookworm     that, plus Debian's build tools and this machine's
#                          Rust toolchain (with its wasm32 target)
#
# They carry the official images' names, so the Dockerfile builds unchanged.
# On a machine that can pull images this script is not needed: podman or
# docker fetch the real ones. Idempotent: an image that exists is kept
# (`--rebuild` makes them again). Needs root, podman and debootstrap.
set -euo pipefail

cd "$(dirname "$0")/.."
say() { printf '\033[1m[base-images]\033[0m %s\n' "$*"; }
die() { printf '[base-images] %s\n' "$*" >&2; exit 1; }

rebuild=false
[ "${1:-}" = "--rebuild" ] && rebuild=true

for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || die "$tool is missing: apt-get install podman runc debootstrap"
done
[ "$(id -u)" = 0 ] || die "debootstrap and podman's root storage need root"

# The versions the Dockerfile asks for, and what this machine has.
dockerfile_arg() { sed -n "s/^ARG $1=//p" Dockerfile; }
RUST_VERSION=$(dockerfile_arg RUST_VERSION)
NODE_VERSION=$(dockerfile_arg NODE_VERSION)
node_major=$(node --version | sed 's/^v\([0-9]*\).*/\1/')
[ "$node_major" = "$NODE_VERSION" ] \
  || die "the Dockerfile wants node $NODE_VERSION, this machine has $(node --version)"
export PATH="$HOME/.cargo/bin:$PATH"
rustc_version=$(rustc --version | cut -d' ' -f2)
case "$rustc_version" in
  "$RUST_VERSION" | "$RUST_VERSION".*) ;;
  *) die "the Dockerfile wants Rust $RUST_VERSION, this machine has $rustc_version" ;;
esac

DEBIAN=docker.io/library/debian:bookworm-slim
NODE=docker.io/library/node:${NODE_VERSION}-bookworm-slim
RUST=docker.io/library/rust:${RUST_VERSION}-bookworm
WORK=target/base-images
mkdir -p "$WORK"

needed() { $rebuild || ! podman image exists "$1"; }
# The mirror apt already uses here (a stand-in reaches nothing else).
mirror=$({ sed -n 's|^URIs: *\(https\?://[^ ]*/debian\)/\?$|\1|p' /etc/apt/sources.list.d/*.sources
           sed -n 's|^deb  *\(https\?://[^ ]*/debian\)/\? .*|\1|p' /etc/apt/sources.list; } 2>/dev/null \
  | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

if needed "$DEBIAN"; then
  say "debian:bookworm-slim: debootstrap from $mirror (about a minute)"
  root="$WORK/bookworm"
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || die "debootstrap failed: see $WORK/debootstrap.log"
  # As the official slim image: no apt lists, caches or downloaded
  # packages (and apt told to keep none: docker-clean), no docs, no
  # translations, the security suite.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/apt/archives/*.deb "$root"/usr/share/doc/* "$root"/usr/share/man/*
  clean='rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true'
  printf 'DPkg::Post-Invoke { "%s"; };\nAPT::Update::Post-Invoke { "%s"; };\nDir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n' \
    "$clean" "$clean" >"$root/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
    "$mirror" "$mirror" "${mirror%/debian*}/debian" >"$root/etc/apt/sources.list"
  # This machine may reach the registries through a proxy that signs with
  # a local CA: the stand-ins trust what the machine trusts, nothing more.
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  tar -C "$root" -c . | podman import \
    --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --message "stand-in for debian:bookworm-slim (debootstrap minbase)" \
    - "$DEBIAN" >/dev/null 2>&1
  rm -rf "$root"
fi

# Node reads no system store: it is given the machine's own CAs, if any.
local_cas_for_node() {
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    echo 'RUN cat /usr/local/share/ca-certificates/*.crt >/usr/local/share/local-cas.pem'
    echo 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/local-cas.pem'
  fi
}

if needed "$NODE"; then
  say "node:${NODE_VERSION}-bookworm-slim: with this machine's node $(node --version)"
  ctx="$WORK/node"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$(command -v node)" "$ctx/node"
  npm_root=$(npm root -g)/npm
  cp -a "$npm_root" "$ctx/npm"
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=$(node --version | cut -c2-)
$(local_cas_for_node)
CMD ["node"]
EOF
  podman build --isolation chroot --network host --format docker -t "$NODE" "$ctx" >"$WORK/node.log" 2>&1 \
    || die "the node image failed: see $WORK/node.log"
  rm -rf "$ctx"
fi

if needed "$RUST"; then
  say "rust:${RUST_VERSION}-bookworm: Debian's build tools and Rust $rustc_version"
  ctx="$WORK/rust"
  rm -rf "$ctx" && mkdir -p "$ctx/rustup/toolchains" "$ctx/cargo/bin"
  toolchain="$rustc_version-x86_64-unknown-linux-gnu"
  source_dir=$(rustc --print sysroot)
  # Hard links when the folders share a disk (1.5 GB otherwise); the
  # toolchain's HTML docs are left out, as in the official image.
  cp -al "$source_dir/." "$ctx/rustup/toolchains/$toolchain" 2>/dev/null \
    || cp -a "$source_dir/." "$ctx/rustup/toolchains/$toolchain"
  rm -rf "$ctx/rustup/toolchains/$toolchain/share/doc"
  [ -d "$ctx/rustup/toolchains/$toolchain/lib/rustlib/wasm32-unknown-unknown" ] \
    || die "this machine's Rust has no wasm32-unknown-unknown target: rustup target add wasm32-unknown-unknown"
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\nauto_self_update = "disable"\n\n[overrides]\n' \
    "$toolchain" >"$ctx/rustup/settings.toml"
  cp "$(command -v rustup)" "$ctx/cargo/bin/rustup"
  cat >"$ctx/Containerfile" <<EOF
FROM $DEBIAN
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      ca-certificates curl git gcc g++ libc6-dev make pkg-config libssl-dev xz-utils \\
 && rm -rf /var/lib/apt/lists/*
ENV RUSTUP_HOME=/usr/local/rustup \\
    CARGO_HOME=/usr/local/cargo \\
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    RUST_VERSION=$rustc_version
COPY rustup /usr/local/rustup
COPY cargo /usr/local/cargo
RUN cd /usr/local/cargo/bin \\
 && for proxy in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver rust-gdb rust-lldb; do \\
      ln -f rustup "\$proxy"; \\
    done \\
 && chmod -R a+w /usr/local/rustup /usr/local/cargo \\
 && rustc --version && cargo --version
EOF
  podman build --isolation chroot --network host --format docker -t "$RUST" "$ctx" >"$WORK/rust.log" 2>&1 \
    || die "the rust image failed: see $WORK/rust.log"
  rm -rf "$ctx"
fi

podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' \
  | grep -E "^($DEBIAN|$NODE|$RUST) " | sed 's/^/[base-images] /'
