# taskpoller — see README.md. `make demo` and `make test` need nothing but Go.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         ?= bin
PROMTOOL    ?= promtool

.PHONY: demo test vet lint rules schemas asyncapi build bench bench-scale bench-scale-100k bench-discovery bench-accounts fuzz clean help

## demo: embedded NATS + ECS emulator + a worker, with a live view of the events (DEMO_ARGS=--keep keeps it running)
demo:
	$(GO) run ./cmd/taskpoller demo $(DEMO_ARGS)

## test: go vet, staticcheck, and every test with the race detector
test: vet lint
	$(GO) test -race -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

## lint: staticcheck
lint:
	$(STATICCHECK) ./...

## rules: lint the Prometheus rules and run their unit tests with promtool (Debian: apt-get install prometheus)
rules:
	$(PROMTOOL) check rules --lint-fatal deploy/monitoring/prometheus-rules.yaml
	$(PROMTOOL) test rules deploy/monitoring/tests/*_test.yaml

## schemas: a demo's events, and broken ones, through Debian's python3-jsonschema and Ajv 6 (apt-get install python3-jsonschema node-ajv); the README's Python example on them
schemas:
	bash deploy/schemacheck/run.sh

## asyncapi: write docs/asyncapi.yaml, the AsyncAPI 3.0 document of the default prefix (a test checks it is up to date)
asyncapi:
	$(GO) run ./cmd/taskpoller asyncapi --format yaml > docs/asyncapi.yaml.tmp && mv docs/asyncapi.yaml.tmp docs/asyncapi.yaml

## build: static binaries of taskpoller and ecs-emulator in ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

## bench: the benchmarks (emulator throughput, scheduler, worker)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

## bench-scale: taskpoller against a naive per-task poller on the emulator with quotas, 2,000 and 20,000 tasks (~15 min); writes docs/bench-scale.{md,svg}
bench-scale:
	$(GO) run ./cmd/bench-scale --tasks 2000,20000 --finish 10s-60s --quota 200 --svg docs/bench-scale.svg --md docs/bench-scale.md $(BENCH_SCALE_ARGS)

## bench-scale-100k: taskpoller alone with 100,000 tasks ending 60-120 s after registration, its GOMEMLIMIT at 220MiB as in a 256 MiB container (~11 min); writes docs/bench-scale-100k.{md,svg}
bench-scale-100k:
	$(GO) run ./cmd/bench-scale --tasks 100000 --finish 60s-120s --quota 200 --pollers taskpoller --worker-gomemlimit 220MiB --svg docs/bench-scale-100k.svg --md docs/bench-scale-100k.md $(BENCH_SCALE_ARGS)

## bench-discovery: 10,000 tasks nobody registers over 2 min in 3 regions, found by discovery every 30 s and 10 s, against the same tasks registered (~20 min); writes docs/bench-discovery.{md,svg}
bench-discovery:
	$(GO) run ./cmd/bench-scale discovery --tasks 10000 --span 2m --finish 20s-60s --quota 200 --discover-interval 30s,10s --svg docs/bench-discovery.svg --md docs/bench-discovery.md $(BENCH_SCALE_ARGS)

## bench-accounts: one worker serving 50 accounts (and 10), each with its own key and quota of 20 calls/s per API and region, 20,000 tasks, half in one account (~10 min); writes docs/bench-accounts.{md,svg}
bench-accounts:
	$(GO) run ./cmd/bench-scale accounts --accounts 50,10 --tasks 20000 --hot-share 0.5 --finish 30s-90s --quota 20 --svg docs/bench-accounts.svg --md docs/bench-accounts.md $(BENCH_ACCOUNTS_ARGS)

## fuzz: fuzz the emulator's parameter parsing, the registration parser, and the registration schema against it, for 30s each
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseRequest -fuzztime 30s ./cmd/ecs-emulator/ecsemu/
	$(GO) test -run '^$$' -fuzz FuzzParseRegistration -fuzztime 30s ./events/
	$(GO) test -run '^$$' -fuzz FuzzRegistrationSchema -fuzztime 30s ./events/

clean:
	rm -rf $(BIN) taskpoller-data

help:
	@grep -h '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

include deploy/compose.mk
