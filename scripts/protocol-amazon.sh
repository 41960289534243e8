#!/usr/bin/env bash
# Amazon user histories protocol (issue 9, ../shared/datasets/README.md): does the user's profile help
# (`personal` vs `hybrid`, MRR) when the query is only the words of the user's category?
#
#   scripts/protocol-amazon.sh --data ../shared/datasets/amazon-user-histories [--work DIR] [--port 18330] \
#     [--redis-db 5] [--max-seconds 300] [--keep]
#
# 1. convert users-dev.jsonl (scripts/amazon-histories-to-events.ts): catalog = every item of every user;
#    history items 1-3 → rest.ndjson (purchases); each user's last history item → last.ndjson, a purchase
#    with the category words as its query (the re-ranker's training examples); judgments.csv =
#    query,doc_id,grade,user_id with the category words and the held-out item (grade 1). The held-out items
#    are never events, clicks or training positives;
# 2. embeddings: catalog + rest-clicks.csv (category words → items 1-3), promoted;
# 3. a sidecar with the catalog and rest.ndjson only: `relevance train reranker --events last.ndjson
#    --pipeline personal --promote` (as of each purchase, the item itself out of the history);
# 4. the same sidecar gets the last items too (as plain purchases: all history, no made-up query signals),
#    reloads the models (SIGHUP); `relevance eval --judgments judgments.csv --pipeline personal --compare
#    hybrid` and `--compare rerank`.
# Throw-away aliases (prefix rram-<pid>), Redis db --redis-db (FLUSHDB of that db only), a private MODELS_DIR
# under --work; aliases deleted and the db flushed at the end unless --keep. OPENSEARCH_URL defaults to
# http://127.0.0.1:9250. Every summary line is printed as the commands print it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="" work="" port=18330 redis_db=5 max_seconds=300 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --redis-db) redis_db="$2"; shift 2 ;;
    --max-seconds) max_seconds="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "protocol-amazon: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${data}" ] || { echo "protocol-amazon: --data DIR (the amazon-user-histories folder) is required" >&2; exit 2; }
. scripts/lib/protocol-sidecar.sh
protocol_sidecar protocol-amazon rram
# the histories go back to 2006
export EVENT_RETENTION_DAYS=10000

redis-cli -n "${redis_db}" FLUSHDB >/dev/null
say "convert users-dev.jsonl"
npx tsx scripts/amazon-histories-to-events.ts --in "${data}/users-dev.jsonl" --out "${work}/rest.ndjson" \
  --catalog-out "${work}/catalog.jsonl" --last-out "${work}/last.ndjson" --last-events-out "${work}/last-events.ndjson" \
  --clicks-out "${work}/rest-clicks.csv" --judgments-out "${work}/judgments.csv" | tail -1

say "train embeddings (catalog + clicks of rest.ndjson)"
relevance train embeddings --catalog "${work}/catalog.jsonl" --clicks "${work}/rest-clicks.csv" --promote --max-seconds 300 | tail -1

say "setup, serve, load the catalog and rest.ndjson"
relevance setup >/dev/null
start_serve
relevance load --catalog "${work}/catalog.jsonl" | tail -1
relevance events load --file "${work}/rest.ndjson" | tail -1

say "train reranker (events: last.ndjson, pipeline personal)"
relevance train reranker --events "${work}/last.ndjson" --pipeline personal --max-seconds "${max_seconds}" --promote | tail -1

say "load the last history items too (= all history), reload the models"
relevance events load --file "${work}/last-events.ndjson" | tail -1
reload_models

say "eval personal vs hybrid"
relevance eval --judgments "${work}/judgments.csv" --pipeline personal --compare hybrid --concurrency 4 --out "${work}/eval-personal-hybrid" | tail -1
say "eval personal vs rerank"
relevance eval --judgments "${work}/judgments.csv" --pipeline personal --compare rerank --concurrency 4 --out "${work}/eval-personal-rerank" | tail -1
