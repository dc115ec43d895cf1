/*
 * fuzz_frontend.c - libFuzzer target for the translator's front end.
 *
 * Each input is a script.  It goes through what `sonde -p3` does before
 * kbuild: parse (with the tapsets of the source tree), print it back (-p1),
 * elaborate, resolve, type, check, list (-p2) and generate C (-p3).  Every
 * diagnostic goes to /dev/null; only crashes, sanitizer reports, leaks,
 * hangs and memory blow-ups count (FUZZ_DIAG=1 in the environment shows
 * the diagnostics when reproducing a finding).  An input with a NUL byte
 * is cut there, as `sonde -e` would see it.  An input that starts with
 * "#-g" runs in guru mode, like `sonde -g` (embedded C, writing target
 * variables).  Kernel function names (wildcards, checks) are resolved
 * against the fixture of tests/lang/kernel-facts, loaded once up front:
 * no input ever boots a VM or reads /sys.
 *
 * Memory.  The translator never frees (it is a short-lived process), so a
 * fuzzer running it millions of times would exhaust memory.  The harness
 * frees for it: the Makefile links the compiler's objects with
 * -Wl,--wrap=malloc,--wrap=calloc,... so every allocation the compiler
 * (and its flex scanner and bison parser) makes goes through the __wrap_
 * functions below.  While an input runs they remember each live block in
 * a hash set (a free() forgets it); when the input is done, whatever is
 * still live is freed.  RSS stays flat over millions of runs, and
 * LeakSanitizer stays useful: it still sees what the wrappers cannot (C
 * library functions that allocate for their caller, file handles), and
 * a pointer the compiler kept in a static from one run to the next is a
 * use-after-free that AddressSanitizer reports.
 *
 * Build and run: `make fuzz` (until interrupted), `make fuzz-check` (the
 * bounded run of `make test`); see tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "kernel_info.h"
#include "parse.h"
#include "session.h"

/* ---- allocation tracking ----------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static bool tracking;        /* inside LLVMFuzzerTestOneInput */
static void **live;          /* open addressing, linear probing; NULL = empty */
static size_t live_cap, live_n;

static size_t slot_of(const void *p)
{
	uintptr_t h = (uintptr_t)p >> 4;
	h *= (uintptr_t)0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 7) & (live_cap - 1);
}

static void live_insert(void *p);

static void live_grow(void)
{
	void **old = live;
	size_t old_cap = live_cap;

	live_cap = old_cap ? 2 * old_cap : 1 << 16;
	live = __real_calloc(live_cap, sizeof *live);
	if (!live) {
		fprintf(stderr, "fuzz_frontend: out of memory for the allocation table\n");
		abort();
	}
	live_n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			live_insert(old[i]);
	__real_free(old);
}

static void live_insert(void *p)
{
	if (2 * (live_n + 1) > live_cap)
		live_grow();
	size_t i = slot_of(p);
	while (live[i])
		i = (i + 1) & (live_cap - 1);
	live[i] = p;
	live_n++;
}

/* Removes p if present; backward-shift deletion keeps probe chains whole. */
static bool live_remove(void *p)
{
	if (!live_cap)
		return false;
	size_t i = slot_of(p);
	while (live[i] != p) {
		if (!live[i])
			return false;
		i = (i + 1) & (live_cap - 1);
	}
	live[i] = NULL;
	live_n--;
	for (size_t j = (i + 1) & (live_cap - 1); live[j]; j = (j + 1) & (live_cap - 1)) {
		size_t home = slot_of(live[j]);
		/* move live[j] into the hole at i unless its home lies in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			live[i] = live[j];
			live[j] = NULL;
			i = j;
		}
	}
	return true;
}

static void *track(void *p)
{
	if (p && tracking)
		live_insert(p);
	return p;
}

void *__wrap_malloc(size_t n)
{
	return track(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
	return track(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n)
{
	bool was = p && live_remove(p);
	void *q = __real_realloc(p, n);
	if (!q && was && n)
		live_insert(p);          /* failed: p is still live */
	else if (q && (was || tracking))
		live_insert(q);
	return q;
}

void __wrap_free(void *p)
{
	if (p)
		live_remove(p);
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = __wrap_malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

char *__wrap_strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	char *p = __wrap_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Frees everything the compiler allocated during this input. */
static void free_all(void)
{
	for (size_t i = 0; i < live_cap; i++) {
		if (live[i]) {
			__real_free(live[i]);
			live[i] = NULL;
		}
	}
	live_n = 0;
}

/* ---- the target ---------------------------------------------------------- */

#ifndef FUZZ_DATADIR
#define FUZZ_DATADIR NULL
#endif

/* $1 $2 $3 for scripts that use command-line arguments */
static char *script_args[] = { "100", "x + 1", "begin", NULL };
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	opt.datadir = getenv("SONDE_DATADIR") ? getenv("SONDE_DATADIR") : FUZZ_DATADIR;
	opt.last_pass = 3;
	opt.script_argc = 3;
	opt.script_argv = script_args;
	/* (before tracking starts: the facts outlive every input) */
	if (opt.datadir) {
		static char facts[4096];
		snprintf(facts, sizeof(facts), "%s/tests/lang/kernel-facts", opt.datadir);
		kernel_info_use_path(facts, 0);
		kernel_info_preload();
	}
	devnull = fopen("/dev/null", "w");
	if (!devnull) {
		perror("fuzz_frontend: /dev/null");
		exit(1);
	}
	/* FUZZ_DIAG=1 shows the diagnostics (and ICE messages) when
	 * reproducing a finding; fuzzing itself keeps them out of the way. */
	diag_set_stream(getenv("FUZZ_DIAG") ? stderr : devnull);
	live_grow();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Script s = { 0 };

	tracking = true;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	opt.guru = size >= 3 && memcmp(data, "#-g", 3) == 0;
	diag_reset();
	SrcFile *file = srcfile_from_text("fuzz.stp", text);
	if (pipeline_parse(&s, file) == 0) {
		ast_print_program(devnull, s.user);
		if (pipeline_analyze(&s) == 0) {
			script_print_elaborated(devnull, &s);
			(void)codegen(&s);
		}
	}
	free(text);
	tracking = false;
	free_all();
	return 0;
}
