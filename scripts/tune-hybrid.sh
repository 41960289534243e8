#!/usr/bin/env bash
# Evaluates hybrid fusion settings on one judgments file. Fusion settings are start-up config, so each
# setting gets a sidecar of its own (on --port), evaluated with `relevance eval --pipeline hybrid`, then
# stopped. Prints one JSON line per setting: {"setting": "...", ...eval summary}.
#
#   scripts/tune-hybrid.sh --judgments .local/hd-val.csv [--port 8091] [--min-judgments 5] [--relevant-grade 1.33] \
#     "HYBRID_BM25_WEIGHT=0.5 HYBRID_KNN_WEIGHT=0.5" "HYBRID_FUSION=rrf" ...
#
# Everything else (OPENSEARCH_URL, MODELS_DIR, PRODUCTS_ALIAS, ...) comes from the environment, as for `serve`.
# Tune on judgments the model was not trained on and that are not your final test set.
set -euo pipefail
cd "$(dirname "$0")/.."

judgments="" port=8091 min_judgments=1 relevant_grade=1
settings=()
while [ $# -gt 0 ]; do
  case "$1" in
    --judgments) judgments="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --min-judgments) min_judgments="$2"; shift 2 ;;
    --relevant-grade) relevant_grade="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) settings+=("$1"); shift ;;
  esac
done
[ -n "${judgments}" ] || { echo "tune-hybrid: --judgments FILE is required" >&2; exit 2; }
[ "${#settings[@]}" -gt 0 ] || { echo "tune-hybrid: give at least one setting, e.g. \"HYBRID_KNN_WEIGHT=0.6 HYBRID_BM25_WEIGHT=0.4\"" >&2; exit 2; }
[ -f dist/src/cli/main.js ] || npm run build >&2

server=""
trap '[ -n "${server}" ] && kill "${server}" 2>/dev/null; true' EXIT
for setting in "${settings[@]}"; do
  read -ra assignments <<< "${setting}"
  env "${assignments[@]}" PORT="${port}" LOG_LEVEL=warn node bin/relevance.js serve &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:${port}/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  summary=$(node bin/relevance.js eval --judgments "${judgments}" --pipeline hybrid --sidecar-url "http://127.0.0.1:${port}" \
    --min-judgments "${min_judgments}" --relevant-grade "${relevant_grade}" 2>/dev/null | tail -1)
  kill "${server}"; wait "${server}" 2>/dev/null || true; server=""
  printf '{"setting":"%s",%s\n' "${setting}" "${summary#\{}"
done
