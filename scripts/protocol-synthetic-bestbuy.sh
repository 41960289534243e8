#!/usr/bin/env bash
# Synthetic-data protocol on Best Buy clicks (issue 11, TSTR): can a re-ranker trained on synthetic sessions
# fitted to the click log stand in for one trained on the real log? Judgments-dev.csv is evaluation only.
#
#   scripts/protocol-synthetic-bestbuy.sh --data ../shared/datasets/bestbuy-clicks [--work DIR] [--port 18340] \
#     [--redis-db 12] [--fraction 0.05] [--users 40000] [--syn-fraction 0.15] [--max-lists 1500] \
#     [--max-seconds 300] [--epsilon 1] [--mixed-synthetic 600] [--keep]
#
# 1. real split as scripts/protocol-bestbuy.sh (seeded --fraction of the users' last click + its search →
#    last-clicks.ndjson, the real training examples; the rest → rest.ndjson); embeddings from the catalog + the
#    rest's clicks (shared by every arm: only the re-ranker's training data differs between arms);
# 2. REAL sidecar (Redis db N, events alias …-real-events): products + rest.ndjson. `synthesize sessions --fit
#    events.ndjson.gz` (the whole training log; its searches replayed through this sidecar's hybrid ranking to
#    fit the click model, and it ranks the synthetic searches) → syn.ndjson, and with --epsilon → syn-private.ndjson;
#    each split like the real log (--syn-fraction of the synthetic users' last click → syn-*-last.ndjson);
#    synthetic users get taste vectors from the products' served embeddings (PRODUCTS_ALIAS; κ fitted to the
#    log's co-clicks, 8 for the ε run: README "Session simulator");
# 3. (a) TRTR: `train reranker --events last-clicks.ndjson` on the REAL sidecar;
#    (b) TSTR: a SYNTHETIC sidecar (Redis db N+1, its own events alias) holding the products and syn-rest only —
#        so the behaviour features (popularity, query clicks, co-interactions, profiles) of its training lists
#        come from synthetic events alone — `train reranker --events syn-last.ndjson --synthetic only`;
#    (d) the same with the ε-private sessions (db N+1 flushed, another events alias);
#    (c) MIXED: on the REAL sidecar (rest.ndjson only: the signals the model will be served with), `train
#        reranker` on every real example (last-clicks, no --max-lists) + the first --mixed-synthetic (600)
#        synthetic ones of syn-last (a minority: ≈ 1 in 4 lists), labeled by the simulator, their features
#        from the real serving state (a synthetic user has no profile there);
#    --users defaults to 40,000 so the synthetic sidecar holds about as many events as the real one (~77,000):
#    the behaviour features (popularity, query clicks) scale with the events loaded, and a model trained on
#    another scale than it is served with loses (run 4, 20,000 users: TSTR ≈ hybrid, and mixing synthetic
#    events into the real state made real+synthetic worse than real);
# 4. evaluation on the REAL sidecar with ALL real events (rest + last-clicks, as protocol-bestbuy.sh): for each
#    model `models promote reranker V`, SIGHUP, `eval --judgments judgments-dev.csv --pipeline personal` (MRR);
#    plus `hybrid` once; the eval summary lines go to eval-*.json;
# 5. `relevance synthesize report --real events.ndjson.gz --synthetic syn.ndjson --tstr … --trtr … --mixed …
#    --private … --out report/` (TSTR/TRTR ratios, distribution distances, two-sample AUC).
# Throw-away aliases (prefix rrsyn-<pid>), Redis dbs N and N+1 (FLUSHDB of those only), a private MODELS_DIR under
# --work; indexes deleted and dbs flushed at the end unless --keep. OPENSEARCH_URL defaults to
# http://127.0.0.1:9250. Every summary line is printed as the commands print it.
set -euo pipefail
cd "$(dirname "$0")/.."

data="" work="" port=18340 redis_db=12 fraction=0.05 users=40000 syn_fraction=0.15 max_lists=1500 max_seconds=300 epsilon=1 mixed_synthetic=600 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --redis-db) redis_db="$2"; shift 2 ;;
    --fraction) fraction="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --syn-fraction) syn_fraction="$2"; shift 2 ;;
    --max-lists) max_lists="$2"; shift 2 ;;
    --max-seconds) max_seconds="$2"; shift 2 ;;
    --epsilon) epsilon="$2"; shift 2 ;;
    --mixed-synthetic) mixed_synthetic="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) awk 'NR > 1 && /^set -euo/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "protocol-synthetic-bestbuy: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "${data}" ] || { echo "protocol-synthetic-bestbuy: --data DIR (the bestbuy-clicks folder) is required" >&2; exit 2; }
. scripts/lib/protocol-sidecar.sh
protocol_sidecar protocol-synthetic-bestbuy rrsyn
db_real="${redis_db}" db_syn=$((redis_db + 1))
export EVENT_RETENTION_DAYS=7500
catalog_map="id=id,title=title,category=category"

# Several sidecar states (aliases and Redis dbs) in turn: the lib's clean-up knows one; this one knows them all.
cleanup() {
  [ -n "${server}" ] && kill "${server}" 2>/dev/null && wait "${server}" 2>/dev/null
  if [ "${keep}" = 0 ]; then
    for index in $(curl -fs "${OPENSEARCH_URL}/_cat/indices/${prefix}-*?h=index" 2>/dev/null); do
      case "${index}" in "${prefix}"-*) curl -fs -X DELETE "${OPENSEARCH_URL}/${index}" >/dev/null || true ;; esac
    done
    for db in "${db_real}" "${db_syn}"; do redis-cli -n "${db}" FLUSHDB >/dev/null 2>&1 || true; done
  fi
  true
}

# use_state NAME DB: the sidecar's events/profiles aliases and Redis db for one state (products are shared).
use_state() {
  export EVENTS_ALIAS="${prefix}-$1-events" PROFILES_ALIAS="${prefix}-$1-profiles" REDIS_URL="redis://127.0.0.1:6379/$2"
}
stop_serve() { [ -n "${server}" ] && kill "${server}" && wait "${server}" 2>/dev/null; server=""; true; }
# train_arm NAME ARGS…: trains a re-ranker on the running sidecar, records its version in ${work}/version-NAME
train_arm() {
  local name="$1"; shift
  relevance train reranker --pipeline personal --max-seconds "${max_seconds}" "$@" | tail -1 | tee "${work}/train-${name}.json"
  node -e 'const s=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(s.version)' "${work}/train-${name}.json" >"${work}/version-${name}"
}
# synthetic_arm NAME STATE REST LAST: a sidecar state STATE (Redis db ${db_syn}) with the products and the synthetic
# REST events only; trains the re-ranker NAME on the synthetic LAST examples, then stops the server
synthetic_arm() {
  use_state "$2" "${db_syn}"
  relevance setup >/dev/null
  start_serve
  relevance events load --file "$3" --batch-size 1000 | tail -1
  train_arm "$1" --events "$4" --synthetic only --max-lists "${max_lists}"
  stop_serve
}
# split FILE OUT_PREFIX FRACTION: last click (+ its search) of a seeded share of the users → OUT_PREFIX-last.ndjson
split_log() {
  npx tsx scripts/split-last-click.ts --in "$1" --heldout-out "$2-last.ndjson" --rest-out "$2-rest.ndjson" --fraction "$3" --seed 42 | tail -1
}

for db in "${db_real}" "${db_syn}"; do redis-cli -n "${db}" FLUSHDB >/dev/null; done
say "split the real log (fraction ${fraction})"
npx tsx scripts/split-last-click.ts --in "${data}/events.ndjson.gz" --heldout-out "${work}/last-clicks.ndjson" \
  --rest-out "${work}/rest.ndjson" --clicks-out "${work}/rest-clicks.csv" --fraction "${fraction}" --seed 42 | tail -1

say "train embeddings (catalog + clicks of rest.ndjson; shared by every arm)"
relevance train embeddings --catalog "${data}/products.csv" --map "${catalog_map}" \
  --clicks "${work}/rest-clicks.csv" --promote --max-seconds 240 | tail -1

say "REAL sidecar: setup, products, rest.ndjson"
use_state real "${db_real}"
relevance setup >/dev/null
start_serve
relevance load --catalog "${data}/products.csv" --map "${catalog_map}" | tail -1
relevance events load --file "${work}/rest.ndjson" --batch-size 1000 | tail -1

say "synthesize sessions fitted to the training log (ranked by the REAL sidecar's hybrid)"
relevance synthesize sessions --fit "${data}/events.ndjson.gz" --catalog "${data}/products.csv" --map "${catalog_map}" \
  --users "${users}" --seed 42 --max-events-per-user 4 --results-cache "${work}/results-cache.json" --out "${work}/syn.ndjson" | tail -1
relevance synthesize sessions --fit "${data}/events.ndjson.gz" --catalog "${data}/products.csv" --map "${catalog_map}" \
  --users "${users}" --seed 42 --max-events-per-user 4 --epsilon "${epsilon}" --results-cache "${work}/results-cache.json" --out "${work}/syn-private.ndjson" | tail -1
split_log "${work}/syn.ndjson" "${work}/syn" "${syn_fraction}"
split_log "${work}/syn-private.ndjson" "${work}/syn-private" "${syn_fraction}"

say "(a) TRTR: train on real examples (REAL sidecar)"
train_arm trtr --events "${work}/last-clicks.ndjson" --max-lists "${max_lists}"
say "(c) MIXED: every real example + ${mixed_synthetic} synthetic ones on the REAL sidecar"
# syn-last holds a search and its click per held-out synthetic user: 2 lines per example
head -n $((2 * mixed_synthetic)) "${work}/syn-last.ndjson" | cat "${work}/last-clicks.ndjson" - >"${work}/mixed-last.ndjson"
train_arm mixed --events "${work}/mixed-last.ndjson" --synthetic include
stop_serve

say "(b) TSTR: SYNTHETIC sidecar (products + synthetic rest only)"
synthetic_arm tstr syn "${work}/syn-rest.ndjson" "${work}/syn-last.ndjson"

say "(d) TSTR with epsilon ${epsilon}: PRIVATE sidecar (products + private synthetic rest only)"
redis-cli -n "${db_syn}" FLUSHDB >/dev/null
synthetic_arm private private "${work}/syn-private-rest.ndjson" "${work}/syn-private-last.ndjson"

say "evaluate on the REAL sidecar with all real events"
use_state real "${db_real}"
start_serve
relevance events load --file "${work}/last-clicks.ndjson" --batch-size 1000 | tail -1
relevance eval --judgments "${data}/judgments-dev.csv" --pipeline hybrid --out "${work}/eval-hybrid" | tail -1 | tee "${work}/eval-hybrid.json"
for arm in trtr tstr private mixed; do
  relevance models promote reranker "$(cat "${work}/version-${arm}")" >/dev/null
  reload_models 5
  say "eval personal with the ${arm} re-ranker ($(cat "${work}/version-${arm}"))"
  relevance eval --judgments "${data}/judgments-dev.csv" --pipeline personal --out "${work}/eval-${arm}" | tail -1 | tee "${work}/eval-${arm}.json"
done

say "quality report"
relevance synthesize report --real "${data}/events.ndjson.gz" --synthetic "${work}/syn.ndjson" \
  --catalog "${data}/products.csv" --map "${catalog_map}" \
  --tstr "${work}/eval-tstr.json" --trtr "${work}/eval-trtr.json" --mixed "${work}/eval-mixed.json" --private "${work}/eval-private.json" \
  --out "${work}/report" | tail -1
