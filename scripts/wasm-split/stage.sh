#!/usr/bin/env bash
# trunk's post-build hook: copies the lazily loaded chunks and their loader,
# which keyscope-wasm-split left beside wasm-bindgen's output, into the site
# as wasm-split/. A build without split points (plain `trunk serve`) has none.
set -euo pipefail
target_dir=${CARGO_TARGET_DIR:-$TRUNK_SOURCE_DIR/target}
split_dir="$target_dir/wasm-bindgen/$TRUNK_PROFILE/wasm-split"
# Only when this build's main module imports the loader: a stale directory
# from an earlier split build must not be shipped.
if [ -d "$split_dir" ] && grep -qs 'wasm-split/loader.js' "$TRUNK_STAGING_DIR"/*.js; then
  # The loader imports the main module by the name keyscope-wasm-split
  # expected trunk to give it (trunk 0.21's file hash); a different name
  # would only fail in the browser, so fail the build here instead.
  main_module=$(sed -n 's|^import { initSync } from "\.\./\(.*\)";$|\1|p' "$split_dir/loader.js")
  if [ -z "$main_module" ] || [ ! -f "$TRUNK_STAGING_DIR/$main_module" ]; then
    echo "wasm-split: the loader imports '../$main_module', which trunk did not write" >&2
    exit 1
  fi
  rm -rf "$TRUNK_STAGING_DIR/wasm-split"
  cp -r "$split_dir" "$TRUNK_STAGING_DIR/wasm-split"
fi
