#!/usr/bin/env bash
# Best Buy clicks protocol (issue 9, ../shared/datasets/README.md): does `personal` beat `hybrid` and
# `rerank` on real users' last searches? Trains only from the events; judgments-dev.csv is evaluation only.
#
#   scripts/protocol-bestbuy.sh --data ../shared/datasets/bestbuy-clicks [--work DIR] [--port 18310] \
#     [--fraction 0.25] [--max-seconds 600] [--keep]
#
# 1. embeddings: catalog + the clicks of the events the training sidecar loads (rest.ndjson);
# 2. split: a seeded share (--fraction) of the users' last click + its search → last-clicks.ndjson
#    (the re-ranker's training examples); every other event → rest.ndjson (scripts/split-last-click.ts);
# 3. a sidecar with the products and rest.ndjson only: `relevance train reranker --events last-clicks.ndjson
#    --pipeline personal --promote` (as of each search, the clicked item out of the history);
# 4. the same sidecar gets the held-out events too (= ALL events) and reloads the models (SIGHUP);
#    `relevance eval --judgments judgments-dev.csv --pipeline personal --compare hybrid` and `--compare rerank`.
# Throw-away aliases (prefix rrbb-<pid>), Redis db 5 (FLUSHDB of db 5 only), a private MODELS_DIR under --work;
# aliases deleted and db 5 flushed at the end unless --keep. Needs OpenSearch (OPENSEARCH_URL, default
# http://127.0.0.1:9250) and Redis on 127.0.0.1:6379. Every summary line is printed as the commands print it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="" work="" port=18310 fraction=0.25 max_seconds=600 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --fraction) fraction="$2"; shift 2 ;;
    --max-seconds) max_seconds="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "protocol-bestbuy: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${data}" ] || { echo "protocol-bestbuy: --data DIR (the bestbuy-clicks folder) is required" >&2; exit 2; }
work="${work:-$(mktemp -d /tmp/protocol-bestbuy-XXXXXX)}"
mkdir -p "${work}"
# Always build: a dist/ left from an older checkout would run old code (it once evaluated without the rerank stage).
npm run build >&2

prefix="rrbb-$$"
export OPENSEARCH_URL="${OPENSEARCH_URL:-http://127.0.0.1:9250}"
export REDIS_URL="redis://127.0.0.1:6379/5"
export MODELS_DIR="${work}/models"
export PRODUCTS_ALIAS="${prefix}-products" EVENTS_ALIAS="${prefix}-events" PROFILES_ALIAS="${prefix}-profiles"
key="protocol-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export API_KEYS="${key}:admin" SIDECAR_API_KEY="${key}"
export PSEUDONYM_KEY="protocol-pseudonym-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export EVENT_RETENTION_DAYS=7500
export SIDECAR_URL="http://127.0.0.1:${port}"
relevance() { node bin/relevance.js "$@"; }
say() { echo "== $*" >&2; }

server=""
cleanup() {
  [ -n "${server}" ] && kill "${server}" 2>/dev/null && wait "${server}" 2>/dev/null
  if [ "${keep}" = 0 ]; then
    for alias in "${PRODUCTS_ALIAS}" "${EVENTS_ALIAS}" "${PROFILES_ALIAS}"; do
      for index in $(curl -fs "${OPENSEARCH_URL}/_alias/${alias}" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(Object.keys(JSON.parse(s)).join(" "))}catch{}})'); do
        case "${index}" in "${prefix}"-*) curl -fs -X DELETE "${OPENSEARCH_URL}/${index}" >/dev/null || true ;; esac
      done
    done
    redis-cli -n 5 FLUSHDB >/dev/null 2>&1 || true
  fi
  true
}
trap cleanup EXIT

start_serve() {
  LOG_LEVEL=warn PORT="${port}" node bin/relevance.js serve >"${work}/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -fs "${SIDECAR_URL}/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "protocol-bestbuy: the sidecar did not become ready (see ${work}/serve.log)" >&2; exit 1
}

redis-cli -n 5 FLUSHDB >/dev/null
say "split (fraction ${fraction})"
npx tsx scripts/split-last-click.ts --in "${data}/events.ndjson.gz" --heldout-out "${work}/last-clicks.ndjson" \
  --rest-out "${work}/rest.ndjson" --clicks-out "${work}/rest-clicks.csv" --fraction "${fraction}" --seed 42 | tail -1

say "train embeddings (catalog + clicks of rest.ndjson)"
relevance train embeddings --catalog "${data}/products.csv" --map id=id,title=title,category=category \
  --clicks "${work}/rest-clicks.csv" --promote --max-seconds 300 | tail -1

say "setup, serve, load products and rest.ndjson"
relevance setup >/dev/null
start_serve
relevance load --catalog "${data}/products.csv" --map id=id,title=title,category=category | tail -1
relevance events load --file "${work}/rest.ndjson" | tail -1

say "train reranker (events: last-clicks.ndjson, pipeline personal)"
relevance train reranker --events "${work}/last-clicks.ndjson" --pipeline personal --max-seconds "${max_seconds}" --promote | tail -1

say "load the held-out events too (= all events), reload the models"
relevance events load --file "${work}/last-clicks.ndjson" | tail -1
kill -HUP "${server}"
sleep 3
curl -fs "${SIDECAR_URL}/readyz" >&2 || true; echo >&2

say "eval personal vs hybrid"
relevance eval --judgments "${data}/judgments-dev.csv" --pipeline personal --compare hybrid --out "${work}/eval-personal-hybrid" | tail -1
say "eval personal vs rerank"
relevance eval --judgments "${data}/judgments-dev.csv" --pipeline personal --compare rerank --out "${work}/eval-personal-rerank" | tail -1
