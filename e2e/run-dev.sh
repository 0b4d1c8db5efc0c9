#!/usr/bin/env bash
# Starts Gatehouse for development (`make run` calls this after building):
# the dev OpenID provider (skipped when OKTA_OAUTH2_ISSUER is set, to use a
# real Okta org), the demo API and the BFF. Ctrl-C stops all three, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

pids=()
stop() {
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# wait_for URL NAME PID: wait until URL answers 200, or fail if PID died.
wait_for() {
  node -e '
    const [url, name, pid] = process.argv.slice(1);
    const deadline = Date.now() + 60000;
    (async function poll() {
      try { process.kill(Number(pid), 0); } catch { console.error(`${name} exited; see its output above`); process.exit(1); }
      try { if ((await fetch(url)).ok) process.exit(0); } catch {}
      if (Date.now() > deadline) { console.error(`${name} did not answer ${url} within 60 s`); process.exit(1); }
      setTimeout(poll, 200);
    })();' "$1" "$2" "$3"
}

dev_idp=""
if [ -z "${OKTA_OAUTH2_ISSUER:-}" ]; then
  dev_idp=yes
  export OKTA_OAUTH2_ISSUER="${IDP_ISSUER:-http://127.0.0.1:9000/oauth2/default}"
  export OKTA_OAUTH2_CLIENT_ID="${IDP_CLIENT_ID:-gatehouse-dev}"
  export OKTA_OAUTH2_CLIENT_SECRET="${IDP_CLIENT_SECRET:-gatehouse-dev-secret}"
  IDP_ISSUER="$OKTA_OAUTH2_ISSUER" IDP_CLIENT_ID="$OKTA_OAUTH2_CLIENT_ID" IDP_CLIENT_SECRET="$OKTA_OAUTH2_CLIENT_SECRET" \
    node e2e/idp/server.mjs &
  pids+=($!)
  wait_for "$OKTA_OAUTH2_ISSUER/.well-known/openid-configuration" "the dev OpenID provider" "${pids[-1]}"
fi

demo_addr="${DEMO_API_ADDR:-127.0.0.1:9001}"
DEMO_API_ADDR="$demo_addr" bin/demo-api &
pids+=($!)

export GATEHOUSE_ROUTES="${GATEHOUSE_ROUTES:-orders=http://$demo_addr}"
bin/gatehouse &
pids+=($!)
bff_addr="${GATEHOUSE_ADDR:-127.0.0.1:8080}"
public_url="${GATEHOUSE_PUBLIC_URL:-http://localhost:${bff_addr##*:}}"
bff_host="${bff_addr%:*}"
case "$bff_host" in ""|0.0.0.0|"[::]") bff_host=127.0.0.1 ;; esac
wait_for "http://$bff_host:${bff_addr##*:}/healthz" "the BFF" "${pids[-1]}"

cat <<EOF

  Gatehouse is running: open $public_url
  OpenID provider: $OKTA_OAUTH2_ISSUER
EOF
if [ -n "$dev_idp" ]; then
  cat <<EOF
  Test users (dev provider):  alice / wonderland   (Alice Anderson, groups Everyone, Admins)
                              bob   / builder      (Bob Brown, group Everyone)
EOF
fi
cat <<EOF
  Press Ctrl-C to stop.

EOF

# Stop everything when any one of them exits.
wait -n "${pids[@]}"
echo "a process exited; stopping the others" >&2
exit 1
