#!/usr/bin/env bash
# Installs what building and testing keyscope needs, and only what is missing:
# the wasm target, trunk, wasm-bindgen-cli at the version in Cargo.lock,
# npm's wasm-opt and playwright-core, Debian's nginx (the upstream of the
# gateway's path tests), with --browser Debian's Chromium, and with
# --contract Schemathesis (scripts/schemathesis/requirements.txt) in the
# project's own venv, .venv-schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=false contract=false
for option in "$@"; do
  case "$option" in
    --browser) browser=true ;;
    --contract) contract=true ;;
    *) echo "setup: unknown option $option (--browser, --contract)" >&2; exit 2 ;;
  esac
done

TRUNK_VERSION=0.21.14 # 0.22 needs a newer rustc than 1.95
say() { printf 'setup: %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# trunk would try to download wasm-bindgen otherwise; the CLI must match the
# library exactly. Not --locked: its lock names a crate release the registry lacks.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version"
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm tools (binaryen's wasm-opt, playwright-core)"
  npm ci --no-audit --no-fund
fi

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  say "installing Debian's nginx"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y nginx
fi

if $browser && ! { [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; }; then
  say "installing Debian's chromium and chromium-driver"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi

# Schemathesis (PyPI) for `make contract`, pinned with all it pulls in. The
# stamp is the requirements file as last installed; a changed file reinstalls.
venv=.venv-schemathesis
if $contract && ! cmp -s scripts/schemathesis/requirements.txt "$venv/requirements.installed"; then
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    say "installing Debian's python3-venv"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv
  fi
  say "installing Schemathesis into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r scripts/schemathesis/requirements.txt
  cp scripts/schemathesis/requirements.txt "$venv/requirements.installed"
fi
