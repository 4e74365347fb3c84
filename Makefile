# kiln's user-facing targets.  The real build is CMake; this file wires
# dependency installation, the two builds (normal and ASan+UBSan) and the
# test runners together.
#
#   make            build ./build/kiln
#   make demo       install what is missing, build, run the demo
#   make check      install what is missing, build, run every test in both builds
#   make bench      run the benchmarks in bench/
#   make install    PREFIX=/usr/local DESTDIR=
#   make format     clang-format the sources

PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD = build
ASAN = build-asan
FUZZ = build-fuzz
PROVE = prove --timer -f
# Iterations of each libFuzzer target in `make check`; raise by hand.
FUZZ_RUNS ?= 20000

.PHONY: all deps build demo check check-build check-asan check-fuzz bench \
	install format clean

all: build

deps:
	@scripts/install-deps

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DKILN_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	scripts/demo $(BUILD)/kiln

# Every test, in the normal build and again under ASan+UBSan.
check: deps
	$(MAKE) check-build
	$(MAKE) check-asan
	$(MAKE) check-fuzz
	@echo "make check: all test suites passed"

check-build: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	KILN_BIN=$(CURDIR)/$(BUILD)/kiln KILN_BUILD=$(CURDIR)/$(BUILD) $(PROVE) t/t[0-9]*.sh

check-asan:
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DKILN_SANITIZE=ON \
	    -DKILN_WERROR=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 KILN_BIN=$(CURDIR)/$(ASAN)/kiln \
	    KILN_BUILD=$(CURDIR)/$(ASAN) KILN_SANITIZED=1 $(PROVE) t/t[0-9]*.sh

# libFuzzer targets over their seed corpora for a fixed number of runs.
check-fuzz:
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DKILN_FUZZ=ON \
	    -DKILN_SANITIZE=ON -DKILN_WERROR=ON >/dev/null
	cmake --build $(FUZZ) -j $(JOBS)
	tests/fuzz/run $(FUZZ) $(FUZZ_RUNS)

bench: build
	@for b in bench/*/run; do echo "== $$b"; KILN_BIN=$(CURDIR)/$(BUILD)/kiln $$b || exit 1; done

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

format:
	clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
