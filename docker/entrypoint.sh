#!/bin/sh
# Container entrypoint: refuses unsafe starts, then runs one role of the portal (web, worker, migrate, doctor).
set -eu

fail() {
  echo "[entrypoint] $1" >&2
  exit "${2:-78}"
}

# Files, policy and migrations are resolved from the app folder, whatever the caller's working directory.
cd "$(dirname "$0")/.."

if [ "$(id -u)" = "0" ]; then
  fail "refusing to run as root: run the image as its non-root user (the Dockerfile's USER, or runAsNonRoot / user: in your orchestrator)."
fi

if [ "${NODE_ENV:-}" = "production" ]; then
  if [ -z "${AUTH_SECRET:-}" ]; then
    fail "AUTH_SECRET is not set: generate one with 'openssl rand -base64 32' and pass it from your secret store."
  fi
  if [ "${#AUTH_SECRET}" -lt 32 ]; then
    fail "AUTH_SECRET is shorter than 32 characters: generate one with 'openssl rand -base64 32'."
  fi
fi

role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web) exec node server.js "$@" ;;
  worker) exec node worker.mjs "$@" ;;
  migrate) exec node migrate.mjs "$@" ;;
  doctor) exec node doctor.mjs "$@" ;;
  *) fail "unknown command '$role': expected web, worker, migrate or doctor." 64 ;;
esac
