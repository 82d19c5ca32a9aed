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
  rm -rf "$TRUNK_STAGING_DIR/wasm-split"
  cp -r "$split_dir" "$TRUNK_STAGING_DIR/wasm-split"
fi
