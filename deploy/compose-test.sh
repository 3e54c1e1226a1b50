#!/bin/sh
# compose-test.sh builds the images and runs deploy/composetest against the compose stack.
# It skips, saying why and exiting 0, when no Docker engine answers or no compose is found, so
# CI without Docker stays green. COMPOSE may name the compose command ("docker compose" or
# "docker-compose"); otherwise the v2 plugin is preferred.
set -eu
cd "$(dirname "$0")/.."

if ! command -v docker >/dev/null 2>&1; then
	echo "compose-test: SKIPPED: no docker CLI on PATH"
	exit 0
fi
if ! docker info >/dev/null 2>&1; then
	echo "compose-test: SKIPPED: no Docker engine answers ('docker info' failed)"
	exit 0
fi
if [ -z "${COMPOSE:-}" ]; then
	if docker compose version >/dev/null 2>&1; then
		COMPOSE="docker compose"
	elif command -v docker-compose >/dev/null 2>&1; then
		COMPOSE=docker-compose
	fi
fi
if [ -z "${COMPOSE:-}" ]; then
	echo "compose-test: SKIPPED: Docker answers but neither 'docker compose' nor 'docker-compose' is installed"
	exit 0
fi

# The test tears the stack down itself (t.Cleanup); this catches what it cannot: a test binary
# killed by -timeout, or an interrupt. The project name matches deploy/composetest. A worker the
# test froze (docker pause) is thawed first, so that it stops like the others.
teardown() {
	docker ps -q --filter label=com.docker.compose.project=taskpoller-ci --filter status=paused |
		xargs -r docker unpause >/dev/null 2>&1 || true
	# shellcheck disable=SC2086 # COMPOSE may be two words
	$COMPOSE -p taskpoller-ci -f deploy/docker-compose.yml down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || true
}
trap teardown EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
deploy/images.sh
COMPOSE="$COMPOSE" go test -tags compose -count=1 -timeout 15m -v ./deploy/composetest/
echo "compose-test: passed in $(($(date +%s) - start))s (images included)"
