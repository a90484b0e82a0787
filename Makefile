# MultigresOrleans: every task a developer or CI runs. `make test` does all set-up on a fresh machine.
SHELL := /bin/bash
SLN := MultigresOrleans.sln
CONFIG ?= Debug

.PHONY: all deps build test crds check-crds clean sandbox sandbox-up sandbox-down bench

all: build

## deps: install only what is missing (etcd, Chromium, Azurite, NuGet packages)
deps:
	@scripts/deps.sh

## build: compile the whole solution (warnings are errors)
build: deps
	dotnet build $(SLN) --no-restore -c $(CONFIG) --nologo -clp:ErrorsOnly

## test: deps, build, then every test project; ends with `N passed, N failed, N skipped`
test: build
	@scripts/test.sh

## sandbox: the operator end to end on this machine (KubeSim, etcd, Azurite, webhook, two silos),
## with deploy/samples/minimal.yaml applied and Healthy; prints how to use it
sandbox: deps
	@scripts/sandbox.sh up deploy/samples/minimal.yaml

## sandbox-up: the same without a sample
sandbox-up: deps
	@scripts/sandbox.sh up

## sandbox-down: stop every sandbox process by PID
sandbox-down:
	@scripts/sandbox.sh down

## bench: side by side in one run (Release build): admission latency (p50/p99) of a MultigresCluster
## CREATE directly against the webhook and through KubeSim (BENCH_ITERATIONS requests, default 500);
## grain call latency local vs silo to silo over HTTP/2 (10x as many calls) and the graceful handoff
## time on Leases. BENCH=admission or BENCH=grains runs one of them.
bench:
	dotnet run --project Tools/Bench -c Release -- "$(CURDIR)" $(or $(BENCH_ITERATIONS),500) $(or $(BENCH),all)

## crds: regenerate deploy/crds from the C# API types (commit the result)
crds:
	dotnet run --project Tools/CrdGen -c $(CONFIG) -- deploy/crds

clean:
	dotnet clean $(SLN) --nologo -v q
