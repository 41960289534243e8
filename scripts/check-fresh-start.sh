#!/usr/bin/env bash
# The start path as a machine that never ran Maven sees it: an empty local Maven repository and no jars yet
# (a fresh scripts/opensearch/target). `relevance opensearch start` must print exactly one line, the node's
# URL, whatever Maven prints while it downloads; then the node is stopped and everything is deleted.
#   scripts/check-fresh-start.sh [PORT]   (default 9241; the runner binds ports up to 9299)
set -euo pipefail
cd "$(dirname "$0")/.."

port="${1:-9241}"
work=$(mktemp -d "${TMPDIR:-/tmp}/fresh-start-XXXXXX")
relevance() { node bin/relevance.js "$@"; }
cleanup() {
  relevance opensearch stop --port "${port}" --data "${work}/data" --wipe >/dev/null 2>&1 || true
  rm -rf "${work}"
}
trap cleanup EXIT

[ -f dist/src/cli/main.js ] || npm run build >&2
started=$(date +%s)
MAVEN_OPTS="-Dmaven.repo.local=${work}/m2" relevance opensearch start --port "${port}" --data "${work}/data" --jars "${work}/jars" --heap 512m >"${work}/stdout"
seconds=$(($(date +%s) - started))

expected="http://127.0.0.1:${port}"
if ! printf '%s\n' "${expected}" | cmp -s - "${work}/stdout"; then
  echo "fresh start: stdout of \`relevance opensearch start\` is not exactly \"${expected}\"; it was:" >&2
  od -c "${work}/stdout" | head -20 >&2
  exit 1
fi
echo "fresh start: OpenSearch fetched into an empty Maven repository and started in ${seconds} s; stdout was exactly ${expected}" >&2
