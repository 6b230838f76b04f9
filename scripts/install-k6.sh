#!/usr/bin/env bash
# Installs the pinned k6 with Go (k6 is on neither npm nor Debian). Idempotent: a k6 of the pinned
# version already on PATH, K6_BIN or in the Go bin directory is kept. Prints the binary's path.
# A cold build takes about 3 minutes on 2 cores (module downloads + compile); warm, a few seconds.
set -euo pipefail
K6_MODULE=go.k6.io/k6
K6_VERSION=v1.8.1   # keep in step with src/load/k6.ts

GO=$(command -v go || true)
[ -z "$GO" ] && [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go
if [ -z "$GO" ]; then
  echo "install-k6: Go is not installed; k6 is built from source with: go install ${K6_MODULE}@${K6_VERSION}" >&2
  exit 2
fi
BIN_DIR="$("$GO" env GOPATH | cut -d: -f1)/bin"

for candidate in "${K6_BIN:-}" "$(command -v k6 || true)" "$BIN_DIR/k6"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" version 2>/dev/null | grep -q "k6 ${K6_VERSION} "; then
    echo "$candidate"
    exit 0
  fi
done

echo "install-k6: building k6 ${K6_VERSION} with $("$GO" version | cut -d' ' -f3)…" >&2
start=$(date +%s)
"$GO" install "${K6_MODULE}@${K6_VERSION}"
echo "install-k6: done in $(( $(date +%s) - start )) s" >&2
"$BIN_DIR/k6" version >&2
echo "$BIN_DIR/k6"
