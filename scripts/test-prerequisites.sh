#!/usr/bin/env bash
# What the tests need on this machine, found or installed (run by `npm test` as its `pretest`, and by .ci/run):
#   - Java 17 and Maven, which fetch and run the tests' own OpenSearch node (unless OPENSEARCH_URL is set);
#   - a headless Chromium, which renders the eval report in the report tests;
#   - a Redis answering at REDIS_URL (default redis://127.0.0.1:6379), started here when none answers.
# Missing Debian packages are installed with apt-get when running as root; otherwise it stops with one line
# naming the package to install.
set -euo pipefail
cd "$(dirname "$0")/.."

redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
apt_updated=""

say() { echo "test-prerequisites: $*" >&2; }

# install PACKAGE WHAT: apt-get as root, else a clear one-line error.
install() {
  local package="$1" what="$2"
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "${what} is missing: install the Debian package ${package} (sudo apt-get install -y ${package})"
    exit 1
  fi
  say "${what} is missing: installing ${package} with apt-get"
  if [ -z "${apt_updated}" ]; then
    apt-get update -qq >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${package}" >/dev/null
}

have_chromium() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; }

# redis_answers: true when something speaks Redis at REDIS_URL (a NOAUTH error is an answer too).
redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    local reply
    reply=$(timeout 5 redis-cli -u "${redis_url}" ping 2>/dev/null || true)
    [ -n "${reply}" ]
    return
  fi
  local hostport="${redis_url#*://}"
  hostport="${hostport##*@}"
  hostport="${hostport%%/*}"
  local host="${hostport%:*}" port="${hostport##*:}"
  [ "${host}" != "${hostport}" ] || port=6379
  timeout 5 bash -c "exec 3<>/dev/tcp/${host}/${port} && printf 'PING\r\n' >&3 && head -c 1 <&3" >/dev/null 2>&1
}

is_local_default_redis() {
  case "${redis_url}" in
    redis://127.0.0.1:6379 | redis://127.0.0.1:6379/* | redis://localhost:6379 | redis://localhost:6379/*) return 0 ;;
    *) return 1 ;;
  esac
}

if [ -z "${OPENSEARCH_URL:-}" ]; then
  command -v java >/dev/null 2>&1 || install openjdk-17-jre-headless "Java (for the tests' OpenSearch node)"
  command -v mvn >/dev/null 2>&1 || install maven "Maven (fetches OpenSearch from Maven Central)"
fi

have_chromium || install chromium "a headless Chromium (renders the eval report in the tests)"

if ! redis_answers; then
  if ! is_local_default_redis; then
    say "no Redis answers at ${redis_url}; start it, or unset REDIS_URL to have one started on 127.0.0.1:6379"
    exit 1
  fi
  command -v redis-server >/dev/null 2>&1 || install redis-server "redis-server"
  say "starting redis-server on 127.0.0.1:6379 (nothing kept on disk)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
  redis_answers || { say "redis-server did not answer on 127.0.0.1:6379 after starting it"; exit 1; }
fi
