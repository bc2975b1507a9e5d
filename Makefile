# The two commands a user needs (see README.md):
#   make demo   install the system libraries, build, render the sample drawing
#   make test   install the system libraries, build in release mode, run every test
# Both are idempotent and non-interactive. For contributors:
#   make fixtures  regenerate every committed test fixture from the PyTorch references
#   make lint      check the Swift sources against .swift-format

SYSTEM_PACKAGES := libcairo2-dev libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev libgif-dev pkg-config librsvg2-bin python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build demo test bench fixtures lint clean

deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release

demo: build
	mkdir -p out
	.build/release/clipcanvas render Samples/scenes/wave.json -o out/wave.svg -o out/wave.png --size 1024
	@echo "wrote out/wave.svg and out/wave.png"

test: deps
	swift build -c release --build-tests
	# XCTest only: no test uses Swift Testing, whose empty run would print "0 tests" last.
	swift test -c release --skip-build --disable-swift-testing

bench: build
	.build/release/clipcanvas bench

# Every script in Tools/fixtures writes its fixtures under Tests/; in name order, which puts
# make_clip_fixtures before make_saliency_fixtures (it reads the CLIP fixture). Needs a Python
# with torch, torchvision, open_clip_torch, pillow, pypng, scipy, scikit-image, safetensors, ftfy.
PYTHON ?= python3
FIXTURE_SCRIPTS := $(sort $(wildcard Tools/fixtures/make_*.py))

fixtures: deps
	# The step-parity scripts first run our own steps (a record test) and then the reference's.
	swift build -c release --build-tests
	@for script in $(FIXTURE_SCRIPTS); do echo "$(PYTHON) $$script"; $(PYTHON) $$script || exit 1; done

# Formatting: .swift-format holds the project's settings (line length 140: the code's 99th
# percentile is 135 columns; prose comments wrap at 100 by hand). `make lint` checks; the same
# tool applies them: swift format format --in-place --recursive Sources Tests Package.swift Presets
SWIFT_SOURCES := Sources Tests Package.swift Presets

lint:
	swift format lint --strict --recursive $(SWIFT_SOURCES)

clean:
	rm -rf .build out
