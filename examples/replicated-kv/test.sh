#!/usr/bin/env bash
# The example's test, run by `dockhand env run` (see run.sh): writes through
# one replica and reads from the other.
set -euo pipefail
kv="$(dirname "$0")/kv"
: "${DOCKHAND_KV_7000_1:?run me through dockhand env run}" "${DOCKHAND_KV_7000_2:?}"
key="k$RANDOM"
value="written-to-1-at-$(date +%s%N)"
echo "set $key on replica 1 ($DOCKHAND_KV_7000_1): $("$kv" set "$DOCKHAND_KV_7000_1" "$key" "$value")"
got=$("$kv" get "$DOCKHAND_KV_7000_2" "$key")
echo "get $key on replica 2 ($DOCKHAND_KV_7000_2): $got"
[ "$got" = "$value" ] || { echo "FAIL: replica 2 has '$got', expected '$value'"; exit 1; }
# And the other way round.
"$kv" set "$DOCKHAND_KV_7000_2" back "from-2" >/dev/null
[ "$("$kv" get "$DOCKHAND_KV_7000_1" back)" = "from-2" ] || { echo "FAIL: replica 1 did not get the write to replica 2"; exit 1; }
echo "1 passed, 0 failed"
