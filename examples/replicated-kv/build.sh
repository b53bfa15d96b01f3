#!/usr/bin/env bash
# Builds the kv program as a static, stripped executable (std only, like
# dockhand's probe), into ./kv, where the Dockerfile copies it from.
set -euo pipefail
cd "$(dirname "$0")"
rustc --edition 2021 -C opt-level=2 -C target-feature=+crt-static -C strip=symbols \
  -o kv src/main.rs
