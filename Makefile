# hive — the front door. `make run` sets up everything on a fresh Debian
# machine (as root) and shows hive working; `make test` does the same set-up
# and runs every test.
SHELL := /bin/bash
PREFIX ?= /usr/local
HIVE_ROOT ?= /var/lib/hive
export HIVE_ROOT

# What hive needs to build and run (`make run`): the libraries it links
# statically, the base image's busybox, `file` (mkbase.sh's check).
DEB_PACKAGES := liblua5.4-dev libarchive-dev libseccomp-dev libcap-dev libsqlite3-dev libssl-dev \
	zlib1g-dev libdeflate-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev libxml2-dev libacl1-dev nettle-dev \
	busybox-static file
# What the tests and benchmarks add (`make test`, `make bench`): the peers
# measured against, bats, hyperfine, a registry, tools the tests drive.
TEST_PACKAGES := attr zstd bats hyperfine podman runc skopeo time python3 iproute2 \
	docker-registry apache2-utils openssl nftables iperf3 \
	gcc-multilib libc6-dev-i386 bsdutils \
	zsh fish groff-base man-db systemd
# A static executable: no dynamic loader, no symbol binding, no PIE
# relocations. `hive --version` takes 0.9 ms instead of 3.1 ms with only the
# Swift runtime static, and every command pays that start-up.
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -static-executable
BIN := .build/release/hive

.PHONY: run test deps test-deps build debug base unit system bench install clean stub fuzz docs

run: deps build base
	@echo "== hive images"
	$(BIN) images
	@echo "== hive run --rm busybox (a container from the base image)"
	$(BIN) run --rm busybox sh -c 'echo "hello from $$(hostname), pid $$$$, $$(grep CapEff /proc/self/status)"'
	@echo "== hive build -t hello examples/hello, then run it"
	$(BIN) build -t hello examples/hello
	$(BIN) run --rm hello

test: deps test-deps build base
	swift build --build-tests
	$(MAKE) unit system
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)

deps:
	@scripts/apt-missing.sh $(DEB_PACKAGES)

test-deps:
	@scripts/apt-missing.sh $(TEST_PACKAGES)
	@python3 -c 'import jsonschema, referencing' 2>/dev/null || pip install -q jsonschema referencing
	@# the Engine API's clients (840-api-clients.bats) and docker compose v2 (850, bench/api.sh)
	@python3 -c 'import docker, testcontainers' 2>/dev/null || pip install -q 'docker==7.1.0' 'testcontainers==4.15.0'
	@scripts/get-compose.sh >/dev/null
	@if [ ! -f /etc/containers/containers.conf ] || ! grep -q default_ulimits /etc/containers/containers.conf; then \
	  mkdir -p /etc/containers && cp Tests/fixtures/containers.conf /etc/containers/containers.conf; fi

build:
	swift build $(RELEASE_FLAGS)
	@# The monitor stays resident beside every detached container: build it as
	@# plain C, linked statically (0.9 MB RSS; 1.5 MB against the shared libc;
	@# SwiftPM's link would add the Swift runtime), unused code dropped and
	@# without the deflate code (log_gzip.c: it execs `hive __gzip-log`).
	cc -O2 -Wall -static -D_GNU_SOURCE -ffunction-sections -fdata-sections -Wl,--gc-sections \
	  -I Sources/CHiveLaunch/include -I Sources/CHiveLaunch -o .build/release/hive-monitor.tmp \
	  Sources/hive-monitor/*.c $(filter-out Sources/CHiveLaunch/log_gzip.c,$(wildcard Sources/CHiveLaunch/*.c))
	mv .build/release/hive-monitor.tmp $$(readlink -f .build/release)/hive-monitor
	@# `run --init` bind-mounts this into the container: static, so any image can run it.
	@# (SwiftPM builds both too, so a plain `swift build` runs; these are the small static ones.)
	cc -O2 -Wall -static -o .build/release/hive-init.tmp Sources/hive-init/main.c
	mv .build/release/hive-init.tmp $$(readlink -f .build/release)/hive-init

debug:
	swift build

# The exec stub every container process execs last, from a sealed memfd
# (CVE-2019-5736; Sources/hive-exec-stub/stub.c). Its bytes are committed as
# a header, so a plain `swift build` needs no extra step; after editing the
# source, run `make stub` (a system test checks header and source agree).
stub:
	Sources/hive-exec-stub/mkheader.sh > Sources/CHiveLaunch/exec_stub.h.tmp
	mv Sources/CHiveLaunch/exec_stub.h.tmp Sources/CHiveLaunch/exec_stub.h

# The base image busybox:latest, from Debian's busybox-static.
base: build
	@if ! $(BIN) image inspect busybox:latest >/dev/null 2>&1; then \
	  echo "== creating busybox:latest from $$(readlink -f /bin/busybox)"; \
	  scripts/mkbase.sh | $(BIN) import \
	    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	    --change 'CMD ["sh"]' - busybox:latest; fi

# Tests run in network namespaces of their own (scripts/in-netns.sh): a
# container's default network is a bridge, and tests never touch the host's.
unit:
	scripts/in-netns.sh unit swift test --skip-build --parallel

system:
	HIVE=$(CURDIR)/$(BIN) scripts/in-netns.sh system bats --print-output-on-failure Tests/system

# Fuzz targets (Fuzz/: libFuzzer + AddressSanitizer, a separate package and
# build directory, .build-fuzz): each runs FUZZ_SECONDS; fails if any crashed,
# hung or broke an invariant. `make test` runs each for FUZZ_CI_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_TARGETS ?=
fuzz: deps test-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh $(FUZZ_TARGETS)

bench: test-deps build base
	bench/run.sh

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/hive
	install -D -m 0755 .build/release/hive-monitor $(DESTDIR)$(PREFIX)/bin/hive-monitor
	install -D -m 0755 .build/release/hive-init $(DESTDIR)$(PREFIX)/bin/hive-init
	@# plugins and example hooks: root-owned, not group/world-writable (hive refuses others)
	mkdir -p $(DESTDIR)$(PREFIX)/lib/hive/plugins $(DESTDIR)$(PREFIX)/share/hive/hooks
	cd plugins && find . -name '*.lua' -exec install -D -m 0644 {} $(DESTDIR)$(PREFIX)/lib/hive/plugins/{} \;
	install -m 0644 hooks/*.lua $(DESTDIR)$(PREFIX)/share/hive/hooks/
	install -D -m 0644 contrib/hive.toml $(DESTDIR)$(PREFIX)/share/hive/hive.toml.example
	install -D -m 0644 docs/hooks.md $(DESTDIR)$(PREFIX)/share/doc/hive/hooks.md
	test -e $(DESTDIR)/etc/hive/hive.toml || install -D -m 0644 contrib/hive.toml $(DESTDIR)/etc/hive/hive.toml
	mkdir -p -m 0755 $(DESTDIR)/etc/hive/hooks.d
	install -D -m 0644 contrib/systemd/hive-gc.service $(DESTDIR)/etc/systemd/system/hive-gc.service
	install -D -m 0644 contrib/systemd/hive-gc.timer $(DESTDIR)/etc/systemd/system/hive-gc.timer
	sed 's|/usr/local/bin/hive|$(PREFIX)/bin/hive|' contrib/systemd/hive-restart.service > $(DESTDIR)/etc/systemd/system/hive-restart.service
	@# man pages and shell completion, written from the command tables
	mkdir -p $(DESTDIR)$(PREFIX)/share/man/man1
	$(BIN) __man $(DESTDIR)$(PREFIX)/share/man/man1
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hive
	$(BIN) completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_hive
	$(BIN) completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/hive.fish

# docs/docker-compat.md from the command tables and docker CLI 28's help
# (Tests/fixtures/docker-cli-28, scripts/capture-docker-help.sh): run after
# adding or changing a verb or flag; a unit test fails while it is stale.
docs: build
	$(BIN) __docs compat Tests/fixtures/docker-cli-28 > docs/docker-compat.md.tmp
	mv docs/docker-compat.md.tmp docs/docker-compat.md

clean:
	rm -rf .build
