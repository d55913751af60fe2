# Thank-you calls — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
GO    ?= go
FUNCTIONS := order-webhook dispatcher twilio-webhook
STATICCHECK_VERSION ?= v0.8.2
GOVULNCHECK_VERSION ?= v1.9.0
export STATICCHECK_VERSION GOVULNCHECK_VERSION

.PHONY: demo local test unit lint fuzz bench burst build deps clean events dynamodb $(addprefix build-,$(FUNCTIONS))

## demo: start the local stack (dynalite, local Twilio, the functions) and play the demo story
demo: deps
	$(GO) run ./infra/local -demo

## local: start the local stack and keep serving on 127.0.0.1:3000 with the real clock
local: deps
	$(GO) run ./infra/local

## test: everything CI runs: vet, staticcheck, race tests against dynalite and Prism, short fuzzing
test: deps
	infra/test.sh

## bench: print the benchmark figures (never asserted)
bench: deps
	infra/bench.sh

## effect-demo: a generated shop with a known lift per channel through the store on dynalite; writes docs/effect-demo.svg
.PHONY: effect-demo
effect-demo: deps
	$(GO) run ./infra/effectdemo -plot docs/effect-demo.svg

## burst: the Black Friday burst: 10,000 signed orders from 64 clients through the local HTTP API, then drained at SEND_RATE
BURST_ORDERS  ?= 10000
BURST_CLIENTS ?= 64
BURST_RATE    ?= 0
burst: deps
	$(GO) run ./infra/burst -orders $(BURST_ORDERS) -clients $(BURST_CLIENTS) -rate $(BURST_RATE)

## deps: the local stand-ins from npm (dynalite, Prism), pinned by infra/package-lock.json
deps: infra/node_modules/.package-lock.json

infra/node_modules/.package-lock.json: infra/package.json infra/package-lock.json
	npm ci --prefix infra --no-audit --no-fund --loglevel=error

## events: rewrite events/ for the current time (order times, timestamps, signatures), for sam local invoke
EVENTS ?= events
events:
	$(GO) run ./infra/fixtures -out $(EVENTS)

## dynamodb: for sam local invoke: dynalite on 127.0.0.1:8000 with the table, and the local Twilio on 127.0.0.1:8001
dynamodb: deps
	$(GO) run ./infra/local -services

## build: the Lambda binaries as sam build makes them (linux, the template's architecture, stripped) into bin/
build: $(addprefix build-,$(FUNCTIONS))

$(addprefix build-,$(FUNCTIONS)): build-%:
	$(MAKE) --no-print-directory build-$(LAMBDA_$*) ARTIFACTS_DIR=$(CURDIR)/bin/$*

# sam build (template.yaml: BuildMethod makefile, CodeUri .) runs
# build-<LogicalId> with ARTIFACTS_DIR set. LAMBDA_ARCH is the template's
# Architectures (a test checks they agree); the sam local test builds the
# same recipe for its own machine's architecture family.
LAMBDA_ARCH ?= arm64
LAMBDA_order-webhook  := OrderWebhookFunction
LAMBDA_dispatcher     := DispatcherFunction
LAMBDA_twilio-webhook := TwilioWebhookFunction
LAMBDAS := $(foreach f,$(FUNCTIONS),$(LAMBDA_$(f)))
.PHONY: $(addprefix build-,$(LAMBDAS))
GO_LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_ARCH) $(GO) build -trimpath -ldflags='-s -w' -tags lambda.norpc

build-OrderWebhookFunction:
	$(GO_LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/order-webhook
build-DispatcherFunction:
	$(GO_LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/dispatcher
build-TwilioWebhookFunction:
	$(GO_LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/twilio-webhook

clean:
	rm -rf bin .aws-sam

## faults: the fault and load suite at full size (1,000 tasks; THANKYOU_FAULT_SCALE=2 doubles it), with its summary tables
.PHONY: faults
faults: deps
	THANKYOU_FAULT_SCALE=$${THANKYOU_FAULT_SCALE:-1} $(GO) test -race -count=1 -timeout 60m -v -run . ./internal/dev/faults/...
