# Empirie: one binary, `empirie`, and its tests.
#
#   make            the release binary build/rel/empirie
#   make test       install missing packages, check the sources (scripts/checksrc),
#                   build with ASan+UBSan, run every test against a private
#                   throwaway PostgreSQL cluster
#   make demo       install, build, start the private cluster under var/, run the demo
#   make bench      benchmarks (not part of make test)
#   make test-faults  the daemon under faults: crash test (>= 100,000 responses,
#                   daemon SIGKILLs, PostgreSQL restarts), frozen database, a crowd
#                   of 2,000 idle and 200 slowloris connections (tests/faults/run);
#                   a short form of each is part of make test; installs nginx for
#                   the reverse-proxy test (make test skips that test without nginx)
#   make fuzz       libFuzzer run of the response parser, FUZZ_SECONDS (default 300);
#                   not part of make test
#   make install    PREFIX=/usr/local DESTDIR=: the binary, share/empirie/surveys, the man
#                   page empirie(1) and lib/systemd/system/empirie.service
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libpq gsl xlsxwriter jansson libmicrohttpd

# Evaluated lazily: `make test` and `make demo` run scripts/deps first and then a
# sub-make, so pkg-config sees packages installed a moment ago.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wstrict-prototypes -Wno-format-truncation
DEFS    := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# The stages of engine/ (engine/README.md): every header is found by its name.
ENGINE_DIRS := $(patsubst %/,%,$(wildcard engine/*/))
INCS    := $(addprefix -I,$(ENGINE_DIRS)) -Ireports -Ibuild/gen
REL_CF  := -O2 -g
# Asserts (preconditions, docs/development.md) are on in both builds: the
# release build does not define NDEBUG, and the tests' build makes sure.
SAN_CF  := -O1 -g -UNDEBUG -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LD  := -fsanitize=address,undefined

# Every .c in engine/*/ and reports/ is part of the program; main.c is the only
# file the tests do not link.
LIB_SRC := $(filter-out engine/cmd/main.c,$(wildcard engine/*/*.c reports/*.c))
SQL     := $(sort $(wildcard queries/*.sql queries/migrations/*.sql))
GEN_SRC := build/gen/queries_gen.c
TEST_SRC:= $(wildcard tests/unit/*.c tests/integration/*.c tests/support/*.c)
BENCH_SRC := $(wildcard bench/*.c)

REL_OBJ := $(patsubst %.c,build/rel/%.o,$(LIB_SRC) $(GEN_SRC))
SAN_OBJ := $(patsubst %.c,build/san/%.o,$(LIB_SRC) $(GEN_SRC))
TEST_OBJ:= $(patsubst %.c,build/san/%.o,$(TEST_SRC))

.PHONY: all san test test-run checksrc test-faults demo bench bench-bin install clean deps fuzz \
        check-office check-office-csv regenerate-r-refs
.DEFAULT_GOAL := all

all: build/rel/empirie

build/rel/empirie: build/rel/engine/cmd/main.o $(REL_OBJ)
	$(CC) $(REL_CF) -o $@ $^ $(PKG_LIBS)

build/san/empirie: build/san/engine/cmd/main.o $(SAN_OBJ)
	$(CC) $(SAN_CF) -o $@ $^ $(PKG_LIBS) $(SAN_LD)

build/san/empirie-tests: $(TEST_OBJ) $(SAN_OBJ)
	$(CC) $(SAN_CF) -o $@ $^ $(PKG_LIBS) -lcriterion $(SAN_LD)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) $(REL_CF) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(DEFS) $(INCS) -Itests/support $(SAN_CF) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

# SQL is built into the binary: the engine never reads queries/ at run time.
$(GEN_SRC): scripts/embed-sql $(SQL)
	@mkdir -p $(dir $@)
	scripts/embed-sql $(SQL) > $@.tmp && mv $@.tmp $@

# Objects that include the generated header must wait for it.
$(REL_OBJ) $(SAN_OBJ) $(TEST_OBJ) build/rel/engine/cmd/main.o build/san/engine/cmd/main.o: | $(GEN_SRC)

san: build/san/empirie build/san/empirie-tests build/san/empirie-gen

# The generator under the sanitizers too: the golden test (tests/integration/
# test_golden.c) makes the demo's data with it.
build/san/empirie-gen: build/san/bench/gen.o $(SAN_OBJ)
	$(CC) $(SAN_CF) -o $@ $^ $(PKG_LIBS) -lm $(SAN_LD)

deps:
	@scripts/deps

test: deps
	@scripts/checksrc
	@$(MAKE) --no-print-directory san
	@$(MAKE) --no-print-directory test-run

test-run:
	@scripts/test-run build/san/empirie-tests

checksrc:
	@scripts/checksrc

test-faults: deps
	@scripts/deps nginx
	@$(MAKE) --no-print-directory all san
	@tests/faults/run

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@if [ -x bench/run ]; then bench/run; else echo "bench: no benchmarks yet"; exit 1; fi

# The fuzzer: clang with libFuzzer and ASan+UBSan, the engine's modules without
# main.c, and tests/fuzz/fuzz_response.c. New inputs it finds go to
# build/fuzz/corpus; the committed seeds in tests/fuzz/corpus are only read.
FUZZ_SECONDS ?= 300
FUZZ_CC      ?= clang
FUZZ_CF      := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ     := $(patsubst %.c,build/fuzz/%.o,$(LIB_SRC) $(GEN_SRC))
# gcc's flags minus one clang lacks; warnings stay warnings here, since gcc
# (make, make test) is the build that enforces -Werror.
FUZZ_WARN    := $(filter-out -Wno-format-truncation -Werror,$(WARN))

build/fuzz/%.o: %.c | $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_WARN) $(DEFS) $(INCS) -g -O1 -fsanitize=fuzzer-no-link,address,undefined $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/fuzz_response: tests/fuzz/fuzz_response.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_WARN) $(DEFS) $(INCS) $(FUZZ_CF) $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory build/fuzz/fuzz_response
	@mkdir -p build/fuzz/corpus
	EMPIRIE_ROOT=$(CURDIR) build/fuzz/fuzz_response -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -timeout=10 -print_final_stats=1 build/fuzz/corpus tests/fuzz/corpus

# Benchmark tools (bench/): they link the engine's objects through an archive,
# so each takes only the modules it uses (empirie-gen: survey, jsonv, err).
BENCH_BIN := build/rel/empirie-gen build/rel/empirie-load

build/rel/libempirie.a: $(REL_OBJ)
	rm -f $@ && ar rcs $@ $^

build/rel/empirie-gen: build/rel/bench/gen.o build/rel/libempirie.a
	$(CC) $(REL_CF) -o $@ $^ $(PKG_LIBS) -lm

build/rel/empirie-load: build/rel/bench/load.o
	$(CC) $(REL_CF) -o $@ $^ -lpthread

bench-bin: $(BENCH_BIN)

# The installed binary finds share/empirie beside its bin/ (engine/base/config.h,
# config_data_dir), so a tree staged under DESTDIR works where it is too.
# INSTALL_BIN: the binary to install (the tests install the sanitized one).
INSTALL_BIN ?= build/rel/empirie
install: $(INSTALL_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/empirie \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/empirie
	rm -rf $(DESTDIR)$(PREFIX)/share/empirie/surveys
	cp -R surveys $(DESTDIR)$(PREFIX)/share/empirie/
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/share/empirie/surveys
	install -m 0644 man/empirie.1 $(DESTDIR)$(PREFIX)/share/man/man1/empirie.1
	sed 's|/usr/local/bin/empirie|$(PREFIX)/bin/empirie|' contrib/empirie.service \
	    > $(DESTDIR)$(PREFIX)/lib/systemd/system/empirie.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/empirie.service

# A report must open in Excel and LibreOffice without a repair prompt: convert
# every workbook in OFFICE_DIR (default out/) to PDF with LibreOffice, headless,
# and fail on any error. Installs LibreOffice Calc when missing. Not part of
# `make test` (LibreOffice is large); run it after `empirie report`.
OFFICE_DIR ?= out
check-office:
	@scripts/deps libreoffice-calc
	@books=$$(find $(OFFICE_DIR) -name '*.xlsx' ! -name '.*' 2>/dev/null | sort); \
	if [ -z "$$books" ]; then \
	    echo "check-office: no workbooks in $(OFFICE_DIR)/ (run empirie report first)" >&2; exit 1; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; failed=0; n=0; \
	for b in $$books; do \
	    n=$$((n + 1)); pdf="$$tmp/$$(basename "$${b%.xlsx}").pdf"; \
	    if soffice --headless -env:UserInstallation=file://$$tmp/profile --convert-to pdf \
	           --outdir "$$tmp" "$$b" > "$$tmp/log" 2>&1 && [ -s "$$pdf" ] && \
	       ! grep -qi 'error' "$$tmp/log"; then echo "ok    $$b"; \
	    else echo "FAIL  $$b"; cat "$$tmp/log"; failed=$$((failed + 1)); fi; \
	done; \
	echo "check-office: $$n workbooks, $$failed failed"; [ $$failed -eq 0 ]

# The ministry's excel-pl CSV opened as a Polish office does (LibreOffice Calc,
# the CSV filter with the pl-PL options): every *-excel-pl.csv in OFFICE_DIR
# is converted to xlsx and compared with the RFC 4180 CSV beside it
# (tests/reports/check_excel_pl.py). Installs LibreOffice Calc when missing.
# Not part of `make test`; the reports test runs the same check when soffice
# is installed.
check-office-csv:
	@scripts/deps libreoffice-calc
	@files=$$(find $(OFFICE_DIR) -name '*-excel-pl.csv' ! -name '.*' 2>/dev/null | sort); \
	if [ -z "$$files" ]; then \
	    echo "check-office-csv: no *-excel-pl.csv in $(OFFICE_DIR)/ (run empirie report --ministry --csv-dialect excel-pl)" >&2; exit 1; fi; \
	/usr/bin/python3 tests/reports/check_excel_pl.py $$files

# The R survey references of tests/integration/test_calibration.c
# (tests/data/stats/calibration_ref.h, committed). Only this target needs R,
# which scripts/deps installs for it; `make test` does not.
regenerate-r-refs:
	@scripts/deps r-base-core r-cran-survey r-cran-mass
	cd tests/data/stats && Rscript calibration.R > calibration_ref.h.tmp && \
	    mv calibration_ref.h.tmp calibration_ref.h

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
