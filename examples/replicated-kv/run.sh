#!/usr/bin/env bash
# Builds kv, then runs the test through `dockhand env run`: the environment
# is built, brought up, tested and removed. DOCKHAND names the binary to use
# (default: the workspace's, through cargo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/build.sh"
if [ -n "${DOCKHAND:-}" ]; then
  exec "$DOCKHAND" env run -f "$here/compose.yaml" -- "$here/test.sh"
fi
cd "$here/../.."
exec cargo run -q -p dockhand -- env run -f "$here/compose.yaml" -- "$here/test.sh"
