# Two commands set up and run everything on a fresh Debian/Ubuntu machine with Swift:
#   make demo   build in release mode, train the quickstart pipeline, export its filters
#   make test   build and run the whole test suite
.PHONY: deps build release demo test oclgrind clean

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

# The layer kernels under oclgrind (out-of-bounds accesses, data races); slow, so not in `make test`.
oclgrind: deps
	scripts/run-oclgrind

clean:
	rm -rf .build runs
