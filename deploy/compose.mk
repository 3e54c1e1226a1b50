# deploy/compose.mk - container images and the docker-compose demo. The Makefile includes it:
#
#   include deploy/compose.mk
#
# Targets: images, compose-up, compose-down, compose-logs, compose-test, chaos.
# COMPOSE is `docker compose` (v2 plugin) when it exists, else `docker-compose` (v1); override
# with COMPOSE=... . Nothing here pulls from a registry unless NATS_IMAGE names one.

ifeq ($(origin COMPOSE),undefined)
COMPOSE := $(shell if docker compose version >/dev/null 2>&1; then echo "docker compose"; \
	elif command -v docker-compose >/dev/null 2>&1; then echo docker-compose; fi)
endif
DEMO_PROJECT ?= taskpoller
DEMO_COMPOSE = $(COMPOSE) -p $(DEMO_PROJECT) -f deploy/docker-compose.yml

.PHONY: images compose-up compose-down compose-logs compose-test chaos

## images: build taskpoller, ecs-emulator, nats-server and demo-clients images (FROM scratch)
images:
	deploy/images.sh

## compose-up: build the images and start the demo stack in the background
compose-up: images
	@test -n "$(COMPOSE)" || { echo "compose-up: neither 'docker compose' nor 'docker-compose' found" >&2; exit 1; }
	$(DEMO_COMPOSE) up -d
	@echo "follow it with: $(DEMO_COMPOSE) logs -f"

## compose-down: stop the demo stack and delete its volumes
compose-down:
	@test -n "$(COMPOSE)" || { echo "compose-down: neither 'docker compose' nor 'docker-compose' found" >&2; exit 1; }
	$(DEMO_COMPOSE) down -v --remove-orphans

## compose-logs: follow the logs of every service
compose-logs:
	$(DEMO_COMPOSE) logs -f

## compose-test: images, then the end-to-end test of the stack with faults; skips (exit 0, saying why) without Docker
compose-test:
	COMPOSE="$(COMPOSE)" deploy/compose-test.sh

## chaos: images, then the chaos soak of the stack (CHAOS_DURATION=20m, CHAOS_SEED=<random>, CHAOS_RATE=3 tasks/s, CHAOS_DRAIN=5m); skips (exit 0, saying why) without Docker
chaos:
	COMPOSE="$(COMPOSE)" deploy/compose-test.sh chaos
