# Thin wrapper over meson/ninja. `make test` is what CI runs (see .ci/run).
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON_OPTS ?=

# Exactly the Debian packages the build, the tests and the benchmarks use.
BUILD_PACKAGES := g++ meson ninja-build pkg-config clang-format \
  nlohmann-json3-dev libspdlog-dev libcli11-dev libssl-dev libyaml-cpp-dev libboost-dev \
  libboost-system-dev libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libmnl-dev libnftnl-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libprotobuf-dev protobuf-compiler \
  libgrpc++-dev protobuf-compiler-grpc \
  libseccomp-dev libarchive-dev libcap-dev busybox-static libnetfilter-conntrack-dev
TEST_PACKAGES := iproute2 procps iptables nftables kubectl containernetworking-plugins etcd-server \
  containerd runc docker-registry curl
DEB_PACKAGES := $(BUILD_PACKAGES) $(TEST_PACKAGES)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SOURCES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)

.PHONY: all deps build test test-unit test-integration test-asan bench format format-check clean

all: build

# Idempotent: apt-get runs (with an update first) only when a package is missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

# Line tables only, compressed (-g1 -gz): enough for backtraces, gdb's `bt` and the
# sanitizers' reports, at a tenth of full -g's disk (the two build trees took 15 GB and
# filled CI's disk) and a third less compile time. For full debug info: DEBUG_INFO=-g.
DEBUG_INFO ?= -g1 -gz

# meson picks up ccache by itself when it is installed.
$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true "-Dcpp_args=$(DEBUG_INFO)" "-Dcpp_link_args=$(DEBUG_INFO)" $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: deps format-check build
	meson test -C $(BUILD) --print-errorlogs --no-suite e2e
	meson test -C $(BUILD) --print-errorlogs --suite e2e --num-processes 1
	$(MAKE) test-asan

test-unit: build
	meson test -C $(BUILD) --print-errorlogs --suite unit

test-integration: build
	meson test -C $(BUILD) --print-errorlogs --suite integration

# The unit suite once more under AddressSanitizer + UndefinedBehaviorSanitizer.
# GCC 12 reports false maybe-uninitialized warnings in Boost.Beast's headers when
# sanitizing; that one warning is off in this build only. -O0 keeps its compile time low;
# -no-pie spares each test program ~90 MB of dynamic relocations of the sanitizers' data.
$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dintegration=false \
	  "-Dcpp_args=-fno-sanitize-recover=all -Wno-maybe-uninitialized $(DEBUG_INFO)" \
	  "-Dcpp_link_args=$(DEBUG_INFO) -no-pie" $(MESON_OPTS)

# Only the unit test programs are built here (no daemons, plugins or benchmarks): the
# sanitized build is the slowest part of CI.
test-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) $$(python3 tests/suite_targets.py $(ASAN_BUILD) unit)
	meson test -C $(ASAN_BUILD) --no-rebuild --print-errorlogs --suite unit

bench: deps build
	meson test -C $(BUILD) --benchmark --verbose

format:
	clang-format -i $(SOURCES)

format-check:
	clang-format --dry-run --Werror $(SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
