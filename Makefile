# Two commands set up and run everything on a fresh Debian/Ubuntu machine with Swift:
#   make demo   build in release mode, train the quickstart pipeline, export its filters
#   make test   build and run the whole test suite
# and three make a release:
#   make dist     a self-contained binary (Swift runtime linked in) packed with pipelines/ and docs/
#   make install  the binary and its shell completions under PREFIX (default /usr/local)
#   make check    `conveyor check` on the default device: every kernel variant against the CPU references
# and three test harder than `make test` (docs/testing.md):
#   make test-sanitize   the thread, signal and file-reader tests under ThreadSanitizer and AddressSanitizer
#   make fuzz            every libFuzzer harness for FUZZ_SECONDS (default 60) each
#   make soak            SOAK_TRIALS (default 200) kill-and-resume trials
.PHONY: deps build release demo test test-sanitize fuzz soak oclgrind dist install uninstall check clean

VERSION := $(shell sed -n 's/.*static let number = "\(.*\)".*/\1/p' Sources/conveyor/ConveyorVersion.swift)
DIST_NAME := conveyor-$(VERSION)-linux-x86_64
# A scratch folder of its own: linking the Swift runtime in needs objects built for it, and
# .build/release stays the ordinary (dynamically linked) build of `make demo`.
DIST_BUILD := .build-dist
PREFIX ?= /usr/local
# The binary `make install` copies: the release build by default, e.g. BIN=dist/$(DIST_NAME)/conveyor.
BIN ?= .build/release/conveyor

deps:
	@scripts/install-deps

build: deps
	swift build

release: deps
	swift build -c release

demo: release
	.build/release/conveyor devices
	.build/release/conveyor train pipelines/quickstart.yaml --force
	.build/release/conveyor filters runs/quickstart/last.h5 --out runs/quickstart/conv1.png --scale 8
	@echo "Filters of the first layer: runs/quickstart/conv1.png"

test: deps
	swift build --build-tests
	swift test --skip-build

test-sanitize: deps
	scripts/test-sanitize

FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz all $(FUZZ_SECONDS)

SOAK_TRIALS ?= 200
soak: deps
	swift build --build-tests
	scripts/soak-kill-resume $(SOAK_TRIALS)

# The layer kernels under oclgrind (out-of-bounds accesses, data races); slow, so not in `make test`.
oclgrind: deps
	scripts/run-oclgrind

# The release binary with the Swift standard library, Foundation and Dispatch linked in
# statically (the kernels are embedded by the build plugin), stripped and checked with ldd,
# packed with the pipelines, the docs and the README. Runs where the C libraries the README
# lists are installed, without a Swift toolchain.
dist: deps
	swift build -c release --static-swift-stdlib --scratch-path $(DIST_BUILD) --product conveyor
	rm -rf dist/$(DIST_NAME) dist/$(DIST_NAME).tar.xz
	mkdir -p dist/$(DIST_NAME)
	strip -o dist/$(DIST_NAME)/conveyor $(DIST_BUILD)/release/conveyor
	scripts/check-dist dist/$(DIST_NAME)/conveyor
	cp -R pipelines docs README.md dist/$(DIST_NAME)/
	tar -C dist -cf - $(DIST_NAME) | xz -T2 -9 > dist/$(DIST_NAME).tar.xz
	@ls -l dist/$(DIST_NAME).tar.xz

# The binary under $(PREFIX)/bin, its completions for bash, zsh and fish, and the shipped
# pipelines under $(PREFIX)/share/conveyor (where `conveyor check` finds them).
install:
	@[ -x $(BIN) ] || $(MAKE) release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d \
		$(DESTDIR)$(PREFIX)/share/conveyor/pipelines
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/conveyor
	$(BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/conveyor
	$(BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_conveyor
	$(BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/conveyor.fish
	install -m 644 pipelines/*.yaml $(DESTDIR)$(PREFIX)/share/conveyor/pipelines/
	@echo "installed $(DESTDIR)$(PREFIX)/bin/conveyor"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/conveyor $(DESTDIR)$(PREFIX)/share/bash-completion/completions/conveyor \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_conveyor $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/conveyor.fish
	rm -rf $(DESTDIR)$(PREFIX)/share/conveyor

check: release
	.build/release/conveyor check

clean:
	rm -rf .build $(DIST_BUILD) .build-tsan .build-asan .build-fuzz dist runs
