#!/bin/sh
# images.sh builds the demo's container images without any registry: the Go toolchain compiles
# static binaries (CGO_ENABLED=0) here, then `docker build` packs each into a FROM scratch image
# together with the host's CA bundle and a passwd file with the non-root user 65532.
#
# Environment: IMAGE_TAG (default local), IMAGE_PREFIX (default taskpoller), BUILD_DIR
# (default deploy/.build), CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt),
# GOARCH (default: the host's).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
deploy=$root/deploy
out=${BUILD_DIR:-$deploy/.build}
tag=${IMAGE_TAG:-local}
prefix=${IMAGE_PREFIX:-taskpoller}
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [ ! -r "$ca" ]; then
	echo "images: CA bundle $ca not readable (install ca-certificates or set CA_BUNDLE)" >&2
	exit 1
fi

bin=$out/bin
mkdir -p "$bin"
echo "images: compiling static binaries into $bin"
(
	cd "$root"
	CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o "$bin/" \
		./cmd/taskpoller ./cmd/ecs-emulator \
		./cmd/task-producer ./cmd/export-consumer ./cmd/ops-alerts \
		github.com/nats-io/nats-server/v2
)

# image NAME BINARY... builds $prefix/NAME:$tag from deploy/docker/NAME.Dockerfile with a
# context holding just those binaries and the shared files.
image() {
	name=$1
	shift
	ctx=$out/ctx/$name
	rm -rf "$ctx"
	mkdir -p "$ctx/data"
	touch "$ctx/data/.keep"
	cp "$deploy/docker/passwd" "$deploy/docker/group" "$ctx/"
	cp "$ca" "$ctx/ca-certificates.crt"
	for b in "$@"; do
		cp "$bin/$b" "$ctx/$b"
	done
	echo "images: building $prefix/$name:$tag"
	docker build --quiet --tag "$prefix/$name:$tag" --file "$deploy/docker/$name.Dockerfile" "$ctx" >/dev/null
}

image taskpoller taskpoller
image ecs-emulator ecs-emulator
image nats-server nats-server
image demo-clients task-producer export-consumer ops-alerts

docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep "^$prefix/" | grep ":$tag" | sort
