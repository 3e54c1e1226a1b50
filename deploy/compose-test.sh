#!/bin/sh
# compose-test.sh builds the images and runs a test of the compose stack: deploy/composetest
# (the end-to-end test, the default) or, with the argument "chaos", the chaos soak
# deploy/chaos (its settings are CHAOS_* variables, see deploy/chaos/doc.go). It skips, saying
# why and exiting 0, when no Docker engine answers or no compose is found, so CI without
# Docker stays green. COMPOSE may name the compose command ("docker compose" or
# "docker-compose"); otherwise the v2 plugin is preferred. SKIP_IMAGES=1 uses the images
# already built (CI builds them for the compose test just before the soak).
#
# Usage: deploy/compose-test.sh [compose|chaos]
set -eu
cd "$(dirname "$0")/.."

suite=${1:-compose}
case $suite in
compose)
	# The project names match the tests' (deploy/composetest, deploy/chaos).
	name=compose-test project=taskpoller-ci pkg=./deploy/composetest/ timeout=15m run=.
	;;
chaos)
	# The soak bounds its own time (CHAOS_DURATION plus the drain and ten minutes); its pure
	# tests run in make test.
	name=chaos project=taskpoller-chaos pkg=./deploy/chaos/ timeout=0 run='^TestChaos$'
	;;
*)
	echo "usage: $0 [compose|chaos]" >&2
	exit 2
	;;
esac

if ! command -v docker >/dev/null 2>&1; then
	echo "$name: SKIPPED: no docker CLI on PATH"
	exit 0
fi
if ! docker info >/dev/null 2>&1; then
	echo "$name: SKIPPED: no Docker engine answers ('docker info' failed)"
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
	echo "$name: SKIPPED: Docker answers but neither 'docker compose' nor 'docker-compose' is installed"
	exit 0
fi

# The test tears the stack down itself (t.Cleanup); this catches what it cannot: a test binary
# killed by -timeout, or an interrupt. A worker the test froze (docker pause, or SIGSTOP in the
# soak) is thawed first, so that it stops like the others.
teardown() {
	docker ps -q --filter label=com.docker.compose.project=$project --filter status=paused |
		xargs -r docker unpause >/dev/null 2>&1 || true
	docker ps -q --filter label=com.docker.compose.project=$project |
		xargs -r docker kill --signal CONT >/dev/null 2>&1 || true
	# shellcheck disable=SC2086 # COMPOSE may be two words
	$COMPOSE -p $project -f deploy/docker-compose.yml down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || true
}
trap teardown EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
if [ "${SKIP_IMAGES:-}" = 1 ]; then
	echo "$name: SKIP_IMAGES=1: using the images built before"
else
	deploy/images.sh
fi
COMPOSE="$COMPOSE" go test -tags "$suite" -count=1 -timeout "$timeout" -run "$run" -v "$pkg"
echo "$name: passed in $(($(date +%s) - start))s (images included)"
