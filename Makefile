# sonde - top-level build.
#   make            build/sonde (driver) and build/sonde-run (loader)
#   make test       unit tests (CUnit), diagnostics tests, integration tests in one VM boot
#   make unit       unit tests only
#   make check      the language tests (tests/lang: sonde -p2 on every case, no VM)
#   make robustness hostile inputs (binary, deep, 1 MB, unterminated) end cleanly
#   make fuzz       fuzz the front end (clang, libFuzzer, ASan+UBSan) until ^C
#   make fuzz-check the bounded fuzz run of `make test` (tests/fuzz/README.md)
#   make bench      benchmarks (docs/benchmarks.md)
#   make deps       install the Debian packages sonde needs (root)
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wshadow
CPPFLAGS += -Icompiler -Ibuild/gen -Iruntime
B = build

COMPILER_SRC = $(filter-out compiler/main.c,$(wildcard compiler/*.c))
COMPILER_OBJ = $(COMPILER_SRC:compiler/%.c=$(B)/compiler/%.o) $(B)/gen/lexer.o $(B)/gen/parser.o
RUNTIME_CORE_SRC = $(wildcard runtime/core/*.c)
# Runtime-core files the compiler uses itself (regexes are compiled, and
# so checked, at translation time).
COMPILER_CORE_SRC = $(wildcard runtime/core/regex.c)
COMPILER_OBJ += $(COMPILER_CORE_SRC:runtime/core/%.c=$(B)/runtime/%.o)
# libbpf reads the target kernel's BTF (types of probed functions).
LDLIBS += -lbpf
RUNTIME_CORE_OBJ = $(RUNTIME_CORE_SRC:runtime/core/%.c=$(B)/runtime/%.o)
LOADER_SRC = $(wildcard loader/*.c)
UNIT_SRC = $(wildcard tests/unit/*.c)

all: $(B)/sonde $(B)/sonde-run

$(B)/gen/parser.c $(B)/gen/parser.h: compiler/parser.y
	@mkdir -p $(B)/gen
	bison -Wall -Wno-other -o $(B)/gen/parser.c --defines=$(B)/gen/parser.h $<

$(B)/gen/lexer.c: compiler/lexer.l $(B)/gen/parser.h
	@mkdir -p $(B)/gen
	flex -o $@ $<

$(B)/gen/%.o: $(B)/gen/%.c $(wildcard compiler/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -c -o $@ $<

$(B)/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/gen/parser.h
	@mkdir -p $(B)/compiler
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/runtime/%.o: runtime/core/%.c $(wildcard runtime/core/*.h)
	@mkdir -p $(B)/runtime
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/sonde: $(B)/compiler/main.o $(COMPILER_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/sonde-run: $(LOADER_SRC) runtime/transport_proto.h
	@mkdir -p $(B)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $(LOADER_SRC)

$(B)/unit-tests: $(UNIT_SRC) $(COMPILER_OBJ) $(RUNTIME_CORE_OBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $^ -lcunit $(LDLIBS)

unit: $(B)/unit-tests
	$(B)/unit-tests

errors: all
	tests/errors/run.sh

check: all
	tests/lang/run.sh

integration: all
	tests/integration/run.sh

install-check: all
	tests/install-check.sh

runtime-test: all
	tests/runtime/run.sh

test: unit errors check robustness fuzz-check install-check runtime-test integration

robustness: all
	tests/robustness/run.sh

# ---- fuzzing: the front end under libFuzzer, ASan and UBSan --------------
# The compiler is built again with clang and sanitizers into build/fuzz/;
# --wrap routes its allocations through the harness, which frees them after
# each input (see tests/fuzz/fuzz_frontend.c).
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fsanitize=fuzzer-no-link
FUZZ_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free \
	-Wl,--wrap=strdup,--wrap=strndup
FUZZ_OBJ = $(COMPILER_SRC:compiler/%.c=$(B)/fuzz/%.o) $(B)/fuzz/lexer.o $(B)/fuzz/parser.o \
	$(COMPILER_CORE_SRC:runtime/core/%.c=$(B)/fuzz/core-%.o)

$(B)/fuzz/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/gen/parser.h
	@mkdir -p $(B)/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c -o $@ $<

$(B)/fuzz/lexer.o $(B)/fuzz/parser.o: $(B)/fuzz/%.o: $(B)/gen/%.c $(wildcard compiler/*.h)
	@mkdir -p $(B)/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -Wno-unused-function -c -o $@ $<

$(B)/fuzz/core-%.o: runtime/core/%.c $(wildcard runtime/core/*.h)
	@mkdir -p $(B)/fuzz
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -c -o $@ $<

$(B)/fuzz-frontend: tests/fuzz/fuzz_frontend.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(WARN) -DFUZZ_DATADIR='"$(CURDIR)"' \
		-fsanitize=fuzzer $(FUZZ_WRAP) -o $@ $^ $(LDLIBS)

fuzz: $(B)/fuzz-frontend
	tests/fuzz/run.sh fuzz

fuzz-check: $(B)/fuzz-frontend
	tests/fuzz/run.sh check

fuzz-corpus: $(B)/fuzz-frontend
	tests/fuzz/run.sh corpus

# The runtime core's throughput in user space, optimised as in a module.
$(B)/core-bench: tests/bench/core_bench.c $(RUNTIME_CORE_SRC) $(wildcard runtime/core/*.h)
	$(CC) $(CPPFLAGS) -O2 $(WARN) -o $@ tests/bench/core_bench.c $(RUNTIME_CORE_SRC)

bench: all $(B)/core-bench
	tests/bench/run.sh

deps:
	scripts/install-deps.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/sonde $(DESTDIR)$(PREFIX)/share/sonde
	install -m 755 $(B)/sonde $(DESTDIR)$(PREFIX)/bin/sonde
	install -m 755 $(B)/sonde-run $(DESTDIR)$(PREFIX)/libexec/sonde/sonde-run
	cp -r runtime tapsets templates $(DESTDIR)$(PREFIX)/share/sonde/

clean:
	rm -rf $(B)

.PHONY: bench all unit errors check robustness install-check runtime-test integration test deps install clean \
	fuzz fuzz-check fuzz-corpus
