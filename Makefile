# taskpoller — see README.md. `make demo` and `make test` need nothing but Go.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         ?= bin

.PHONY: demo test vet lint build bench fuzz clean help

## demo: embedded NATS + ECS emulator + a worker, with a live view of the events
demo:
	$(GO) run ./cmd/taskpoller demo

## test: go vet, staticcheck, and every test with the race detector
test: vet lint
	$(GO) test -race -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

## lint: staticcheck
lint:
	$(STATICCHECK) ./...

## build: static binaries of taskpoller and ecs-emulator in ./bin
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/...

## bench: the benchmarks (emulator throughput, scheduler, worker)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

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
