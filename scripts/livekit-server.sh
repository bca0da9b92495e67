#!/usr/bin/env bash
# Builds LiveKit's open-source server (the Go module github.com/livekit/livekit-server) at the
# pinned version into a cache outside the clone, once, and prints the binary's path. The voice
# end-to-end test and bench:voice run it in --dev mode. Needs Go (1.26) and the Go module proxy.
#   bash scripts/livekit-server.sh            # build if missing, print the path
#   bash scripts/livekit-server.sh --path     # print the path only, build nothing
#   LIVEKIT_SERVER_CACHE=/somewhere bash scripts/livekit-server.sh
# v1.13.5 is the newest release whose go.mod has no replace directives: later ones replace pion
# modules with LiveKit forks the module proxy does not serve, and `go install` refuses replaces.
set -euo pipefail
VERSION=v1.13.5
CACHE="${LIVEKIT_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mockflow}"
DIR="$CACHE/livekit-server-$VERSION"
BIN="$DIR/server"
if [ "${1:-}" = --path ]; then
  echo "$BIN"
  exit 0
fi
if [ ! -x "$BIN" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "livekit-server.sh: Go is not installed; it is needed once to build livekit-server $VERSION" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  echo "livekit-server.sh: building github.com/livekit/livekit-server $VERSION into $DIR (a few minutes, once)" >&2
  CGO_ENABLED=0 GOBIN="$DIR" GOFLAGS=-trimpath go install "github.com/livekit/livekit-server/cmd/server@$VERSION" >&2
fi
echo "$BIN"
