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
trap 'exit 0' INT TERM

# wait_for_status URL STATUS NAME PID: wait until URL answers STATUS, or fail if PID died.
wait_for_status() {
  node -e '
    const [url, status, name, pid] = process.argv.slice(1);
    const deadline = Date.now() + 60000;
    (async function poll() {
      try { process.kill(Number(pid), 0); } catch { console.error(`${name} exited; see its output above`); process.exit(1); }
      try { if ((await fetch(url)).status === Number(status)) process.exit(0); } catch {}
      if (Date.now() > deadline) { console.error(`${name} did not answer ${url} within 60 s`); process.exit(1); }
      setTimeout(poll, 200);
    })();' "$1" "$2" "$3" "$4"
}

# free HOST:PORT NAME: fail unless nothing listens there yet.
free() {
  if node -e '
    const i = process.argv[1].lastIndexOf(":");
    const s = require("net").connect(Number(process.argv[1].slice(i + 1)), process.argv[1].slice(0, i) || "127.0.0.1");
    s.on("connect", () => { s.destroy(); process.exit(0); });
    s.on("error", () => process.exit(1));' "$1"; then
    echo "$1 ($2) is already in use: stop what runs there (another make run?), or set its address variable" >&2
    exit 1
  fi
}

bff_addr="${GATEHOUSE_ADDR:-127.0.0.1:8080}"
bff_host="${bff_addr%:*}"
case "$bff_host" in ""|0.0.0.0|"[::]") bff_host=127.0.0.1 ;; esac
bff_local="$bff_host:${bff_addr##*:}"
public_url="${GATEHOUSE_PUBLIC_URL:-http://localhost:${bff_addr##*:}}"
public_url="${public_url%/}"
demo_addr="${DEMO_API_ADDR:-127.0.0.1:9001}"

free "$bff_local" "the BFF, GATEHOUSE_ADDR"
free "$demo_addr" "the demo API, DEMO_API_ADDR"

dev_idp=""
if [ -z "${OKTA_OAUTH2_ISSUER:-}" ]; then
  dev_idp=yes
  export OKTA_OAUTH2_ISSUER="${IDP_ISSUER:-http://127.0.0.1:9000/oauth2/default}"
  export OKTA_OAUTH2_CLIENT_ID="${IDP_CLIENT_ID:-gatehouse-dev}"
  export OKTA_OAUTH2_CLIENT_SECRET="${IDP_CLIENT_SECRET:-gatehouse-dev-secret}"
  idp_hostport="${OKTA_OAUTH2_ISSUER#*://}"
  free "${idp_hostport%%/*}" "the dev OpenID provider, IDP_ISSUER"
  # The dev provider signs with a key kept in data/, so that the access tokens it issued stay valid
  # across a restart of make run (its grants and sign-in sessions live in its memory, and go).
  mkdir -p data && chmod 700 data
  if [ ! -s data/idp-jwks.json ]; then
    (umask 077 && node -e '
      const { generateKeyPairSync, createHash } = require("crypto");
      const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
      jwk.kid = createHash("sha256").update(jwk.n).digest("base64url").slice(0, 16);
      Object.assign(jwk, { alg: "RS256", use: "sig" });
      process.stdout.write(JSON.stringify({ keys: [jwk] }));' > data/idp-jwks.json)
  fi
  IDP_JWKS_FILE="${IDP_JWKS_FILE:-data/idp-jwks.json}" \
  IDP_ISSUER="$OKTA_OAUTH2_ISSUER" IDP_CLIENT_ID="$OKTA_OAUTH2_CLIENT_ID" IDP_CLIENT_SECRET="$OKTA_OAUTH2_CLIENT_SECRET" \
    IDP_REDIRECT_URIS="${IDP_REDIRECT_URIS:-$public_url/auth/callback}" \
    IDP_POST_LOGOUT_REDIRECT_URIS="${IDP_POST_LOGOUT_REDIRECT_URIS:-$public_url/auth/logged-out}" \
    IDP_BACKCHANNEL_LOGOUT_URI="${IDP_BACKCHANNEL_LOGOUT_URI:-$public_url/auth/backchannel-logout}" \
    node e2e/idp/server.mjs &
  pids+=($!)
  wait_for_status "$OKTA_OAUTH2_ISSUER/.well-known/openid-configuration" 200 "the dev OpenID provider" "${pids[-1]}"
fi

DEMO_API_ADDR="$demo_addr" bin/demo-api &
pids+=($!)
# Up when it answers a request without a token with 401.
wait_for_status "http://$demo_addr/orders" 401 "the demo API" "${pids[-1]}"

# The demo's route table: one route per token kind, all to the demo API (README: Routes).
export DEMO_API_ADDR="$demo_addr"
if [ -z "${GATEHOUSE_ROUTES:-}" ]; then
  export GATEHOUSE_ROUTES_FILE="${GATEHOUSE_ROUTES_FILE:-e2e/demo-routes.yaml}"
fi
# orders:read for the orders route; with a real Okta org, add the scope to its authorization
# server (README: Point it at your Okta org) or set GATEHOUSE_SCOPES.
export GATEHOUSE_SCOPES="${GATEHOUSE_SCOPES:-openid profile email offline_access orders:read}"
# Sessions live in data/ (a bbolt file), sealed with a key made on first use
# and kept in data/session-keys, so that they survive a restart of make run.
data_dir=data
export GATEHOUSE_SESSION_STORE="${GATEHOUSE_SESSION_STORE:-file:$data_dir/sessions.db}"
if [ -z "${GATEHOUSE_SESSION_KEYS:-}" ] && [ -z "${GATEHOUSE_SESSION_KEYS_FILE:-}" ]; then
  if [ ! -s "$data_dir/session-keys" ]; then
    mkdir -p "$data_dir" && chmod 700 "$data_dir"
    (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64") + "\n")' > "$data_dir/session-keys")
    echo "made a development session key in $data_dir/session-keys" >&2
  fi
  export GATEHOUSE_SESSION_KEYS_FILE="$data_dir/session-keys"
fi
bin/gatehouse &
pids+=($!)
wait_for_status "http://$bff_local/healthz" 200 "the BFF" "${pids[-1]}"

open_url="$public_url"
if [ -n "${GATEHOUSE_SPA_URL:-}" ] && [ "${GATEHOUSE_SPA_URL%/}" != "$public_url" ]; then
  # A static host serves the app (README: On a static host); the BFF serves no pages.
  open_url="${GATEHOUSE_SPA_URL%/} (the app on its static host; the BFF is $public_url)"
fi
cat <<EOF

  Gatehouse is running: open $open_url
  (use exactly this address: the session cookie belongs to it)
  OpenID provider: $OKTA_OAUTH2_ISSUER
  Sessions: $GATEHOUSE_SESSION_STORE (they survive a restart of the BFF)
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
# Each exits 0 only when told to stop (Ctrl-C reaches the whole process group).
status=0
wait -n "${pids[@]}" || status=$?
[ "$status" -ne 0 ] || exit 0
echo "a process exited (status $status); stopping the others" >&2
exit 1
