# Shared by the protocol scripts (scripts/protocol-*.sh), sourced after their argument parsing, from the
# repository root, with `work`, `port` and `keep` set (and optionally `redis_db`, default 5):
#
#   protocol_sidecar NAME PREFIX
#
# builds (always: a dist/ left from an older checkout would run old code — it once evaluated without the
# rerank stage), creates ${work}, and exports the settings of a throw-away sidecar: aliases ${PREFIX}-<pid>-*,
# Redis db ${redis_db}, MODELS_DIR under ${work}, a fresh admin key and pseudonym key, SIDECAR_URL on ${port}.
# It defines `relevance`, `say`, `start_serve` (serve in the background as ${server}, waits for /readyz),
# `reload_models [SECONDS]` (SIGHUP to the server, waits SECONDS, default 3, prints /readyz to stderr)
# and an EXIT trap that stops the server and, unless --keep, deletes the aliases' indexes and flushes that db.

protocol_sidecar() {
  protocol_name="$1"
  redis_db="${redis_db-5}"
  case "${redis_db}" in ''|*[!0-9]*) echo "${protocol_name}: --redis-db takes a database number" >&2; exit 2 ;; esac
  work="${work:-$(mktemp -d "/tmp/${protocol_name}-XXXXXX")}"
  mkdir -p "${work}"
  npm run build >&2

  prefix="$2-$$"
  export OPENSEARCH_URL="${OPENSEARCH_URL:-http://127.0.0.1:9250}"
  export REDIS_URL="redis://127.0.0.1:6379/${redis_db}"
  export MODELS_DIR="${work}/models"
  export PRODUCTS_ALIAS="${prefix}-products" EVENTS_ALIAS="${prefix}-events" PROFILES_ALIAS="${prefix}-profiles"
  local key
  key="protocol-admin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  export API_KEYS="${key}:admin" SIDECAR_API_KEY="${key}"
  PSEUDONYM_KEY="protocol-pseudonym-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  export PSEUDONYM_KEY
  export SIDECAR_URL="http://127.0.0.1:${port}"
  server=""
  trap cleanup EXIT
}

relevance() { node bin/relevance.js "$@"; }
say() { echo "== $*" >&2; }

cleanup() {
  [ -n "${server}" ] && kill "${server}" 2>/dev/null && wait "${server}" 2>/dev/null
  if [ "${keep}" = 0 ]; then
    for alias in "${PRODUCTS_ALIAS}" "${EVENTS_ALIAS}" "${PROFILES_ALIAS}"; do
      for index in $(curl -fs "${OPENSEARCH_URL}/_alias/${alias}" 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(Object.keys(JSON.parse(s)).join(" "))}catch{}})'); do
        case "${index}" in "${prefix}"-*) curl -fs -X DELETE "${OPENSEARCH_URL}/${index}" >/dev/null || true ;; esac
      done
    done
    redis-cli -n "${redis_db}" FLUSHDB >/dev/null 2>&1 || true
  fi
  true
}

start_serve() {
  LOG_LEVEL=warn PORT="${port}" node bin/relevance.js serve >"${work}/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -fs "${SIDECAR_URL}/readyz" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "${protocol_name}: the sidecar did not become ready (see ${work}/serve.log)" >&2; exit 1
}

reload_models() {
  kill -HUP "${server}"
  sleep "${1:-3}"
  curl -fs "${SIDECAR_URL}/readyz" >&2 || true; echo >&2
}
