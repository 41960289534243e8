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
. scripts/lib/protocol-sidecar.sh
protocol_sidecar protocol-bestbuy rrbb
export EVENT_RETENTION_DAYS=7500

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
reload_models

say "eval personal vs hybrid"
relevance eval --judgments "${data}/judgments-dev.csv" --pipeline personal --compare hybrid --out "${work}/eval-personal-hybrid" | tail -1
say "eval personal vs rerank"
relevance eval --judgments "${data}/judgments-dev.csv" --pipeline personal --compare rerank --out "${work}/eval-personal-rerank" | tail -1
