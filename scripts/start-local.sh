#!/usr/bin/env bash
# Brings up everything the sidecar needs on this machine and runs it in the foreground:
# local OpenSearch (unless OPENSEARCH_URL is set), Redis (unless one answers at REDIS_URL),
# a generated synthetic sample catalog, a sample embedding model when none is promoted, index setup,
# the catalog loaded through enrichment, then the sidecar.
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT="${PORT:-8080}"
export SIDECAR_URL="${SIDECAR_URL:-http://127.0.0.1:${PORT}}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
relevance() { node bin/relevance.js "$@"; }

# Always build: a dist/ from an older checkout would run old code.
npm run build >&2

if [ -z "${OPENSEARCH_URL:-}" ]; then
  export OPENSEARCH_URL="$(relevance opensearch start)"
fi
echo "OpenSearch: ${OPENSEARCH_URL}" >&2

if ! redis-cli -u "${REDIS_URL}" ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "starting redis-server on 127.0.0.1:6379" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  else
    echo "Redis does not answer at ${REDIS_URL} and redis-server is not installed (apt-get install redis-server)" >&2
    exit 1
  fi
fi

mkdir -p .local
# A secret generated once into .local/FILE (BYTES random bytes, hex), readable by this user only, and
# reused on later starts; prints it.
local_secret() {
  if [ ! -s ".local/$1" ]; then
    (umask 077 && node -e "process.stdout.write(require('crypto').randomBytes($2).toString('hex'))" > ".local/$1")
  fi
  chmod 600 ".local/$1"
  cat ".local/$1"
}
# serve needs PSEUDONYM_KEY (user ids are HMAC-ed with it before anything is stored): a local one,
# kept so pseudonyms stay stable across restarts.
if [ -z "${PSEUDONYM_KEY:-}" ]; then
  PSEUDONYM_KEY="$(local_secret pseudonym-key 32)"
  export PSEUDONYM_KEY
fi
[ -f .local/sample-catalog.jsonl ] || relevance synthesize catalog --out .local/sample-catalog.jsonl --count 2000 >/dev/null
# Without a promoted embedding model hybrid search would fall back to BM25: train a small one on the
# sample catalog alone (pseudo-queries from its titles; about 15 s), promoted so `serve` loads it.
# `models list` and `train` use MODELS_DIR (default rerankers), the folder `serve` loads from.
embeddings_active() {
  relevance models list 2>/dev/null | tail -1 |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.exit(JSON.parse(s || "[]").some((m) => m.name === "embeddings" && m.active) ? 0 : 1))'
}
if ! embeddings_active; then
  echo "training a sample embedding model on the sample catalog" >&2
  relevance train embeddings --catalog .local/sample-catalog.jsonl --buckets 65536 --epochs 10 --promote >/dev/null
fi
# Anonymous callers only get the search scope, and `relevance load` below writes: generate a local
# admin key once (readable by this user only), give it to serve (API_KEYS) and to the CLI (SIDECAR_API_KEY).
# Admin requests by hand: curl -H "x-api-key: $(cat .local/api-key)" ...
if [ -z "${SIDECAR_API_KEY:-}" ]; then
  SIDECAR_API_KEY="$(local_secret api-key 24)"
  export SIDECAR_API_KEY
  case ",${API_KEYS:-}," in
    *",${SIDECAR_API_KEY}:"*) ;;
    *) export API_KEYS="${API_KEYS:+${API_KEYS},}${SIDECAR_API_KEY}:admin" ;;
  esac
fi
relevance setup >/dev/null

# Not through the `relevance` function: a backgrounded function is a subshell, and $! would be that
# subshell, so the trap below would leave the server running.
node bin/relevance.js serve &
server=$!
trap 'kill "${server}" 2>/dev/null; wait "${server}" 2>/dev/null' INT TERM EXIT
for _ in $(seq 1 50); do curl -fs "${SIDECAR_URL}/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
relevance load --catalog .local/sample-catalog.jsonl >&2
echo "sidecar ready at ${SIDECAR_URL} — try: curl -s ${SIDECAR_URL}/v1/search -H 'content-type: application/json' -d '{\"q\":\"cordless drill\"}'" >&2
wait "${server}"
