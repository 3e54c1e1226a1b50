#!/bin/sh
# images.sh builds the demo's container images without any registry: the Go toolchain compiles
# static binaries (CGO_ENABLED=0) here, then `docker build` packs each into a FROM scratch image
# together with the host's CA bundle and a passwd file with the non-root user 65532.
#
# Environment: IMAGE_TAG (default local), IMAGE_PREFIX (default taskpoller), BUILD_DIR
# (default deploy/.build), CA_BUNDLE (default /etc/ssl/certs/ca-certificates.crt),
# GOARCH (default: the host's).
#
# Usage: deploy/images.sh [IMAGE...]   (default: taskpoller ecs-emulator nats-server demo-clients)
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

images=${*:-taskpoller ecs-emulator nats-server demo-clients}

# binaries IMAGE lists the programs an image holds.
binaries() {
	case $1 in
	taskpoller) echo taskpoller ;;
	ecs-emulator) echo ecs-emulator ;;
	nats-server) echo nats-server ;;
	demo-clients) echo task-producer export-consumer ops-alerts ;;
	*)
		echo "images: unknown image $1" >&2
		exit 2
		;;
	esac
}

# pkg BINARY is the Go package that builds it.
pkg() {
	case $1 in
	nats-server) echo github.com/nats-io/nats-server/v2 ;;
	*) echo "./cmd/$1" ;;
	esac
}

pkgs=
for i in $images; do
	for b in $(binaries "$i"); do
		pkgs="$pkgs $(pkg "$b")"
	done
done

bin=$out/bin
mkdir -p "$bin"
echo "images: compiling static binaries into $bin"
(
	cd "$root"
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o "$bin/" $pkgs
)

# image NAME builds $prefix/NAME:$tag from deploy/docker/NAME.Dockerfile with a context
# holding just its binaries and the shared files.
image() {
	name=$1
	ctx=$out/ctx/$name
	rm -rf "$ctx"
	mkdir -p "$ctx/data"
	touch "$ctx/data/.keep"
	cp "$deploy/docker/passwd" "$deploy/docker/group" "$ctx/"
	cp "$ca" "$ctx/ca-certificates.crt"
	for b in $(binaries "$name"); do
		cp "$bin/$b" "$ctx/$b"
	done
	echo "images: building $prefix/$name:$tag"
	docker build --quiet --tag "$prefix/$name:$tag" --file "$deploy/docker/$name.Dockerfile" "$ctx" >/dev/null
}

for i in $images; do
	image "$i"
done

docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep "^$prefix/" | grep ":$tag" | sort
