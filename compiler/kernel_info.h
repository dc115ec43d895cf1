/*
 * kernel_info.h - facts about the TARGET kernel (the one the module will
 * run in, not necessarily the one running sonde): the functions kprobes
 * can probe, the kprobe blacklist, the kernel's other text symbols, and
 * the tracepoints with their format files.
 *
 * Where they come from, chosen by the driver (main.c) and loaded only when
 * a probe point asks (elaborate.c):
 *   - the host kernel: /sys/kernel/tracing/available_filter_functions,
 *     /sys/kernel/debug/kprobes/blacklist, /proc/kallsyms and
 *     /sys/kernel/tracing/events/SYSTEM/EVENT/format, read directly;
 *   - a VM target: the same files, read once per kernel by a guest that
 *     runs `sonde --dump-kernel-facts`, then cached in
 *     CACHE/kernel-facts-REL-SIZE-MTIME (CACHE as for the vmlinux cache of
 *     vm.c; SIZE and MTIME of /boot/vmlinuz-REL);
 *   - --kernel-facts PATH: a directory laid out like / (test fixtures,
 *     see tests/lang/kernel-facts/) or a cache file; "none": no facts.
 * Without a source (unit tests, the fuzz harness) there are no facts and
 * nothing is ever read.
 */
#ifndef SONDE_KERNEL_INFO_H
#define SONDE_KERNEL_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct KernelFunction {
	const char *name;
	const char *module;      /* NULL: in the kernel image itself */
	bool blacklisted;        /* on the kprobe blacklist */
} KernelFunction;

typedef struct KernelTracepoint {
	const char *system;      /* "sched" */
	const char *event;       /* "sched_process_exec" */
	const char *format;      /* the text of its format file */
} KernelTracepoint;

typedef struct KernelInfo KernelInfo;

/* ---- the session's source of facts (main.c) --------------------------- */

/* The target kernel: the host's own (vm false) or a guest booting
 * /boot/vmlinuz-krelease. */
void kernel_info_use_target(const char *krelease, bool vm, int verbose);
/* --kernel-facts PATH: a tree like / or a cache file; "none": no facts. */
void kernel_info_use_path(const char *path, int verbose);

/**
 * kernel_info_get() - the session's facts, loaded on first use.
 * @collect: a guest may be booted to collect facts that are not cached
 *           (a wildcard needs them); otherwise only a fixture, the host's
 *           /sys or an existing cache are used.
 * @why: when NULL is returned, set to the reason (a sentence fragment).
 */
KernelInfo *kernel_info_get(bool collect, const char **why);

/* Loads every part now (the fuzz harness: nothing is loaded lazily later). */
void kernel_info_preload(void);

/* `sonde --dump-kernel-facts`: the running kernel's facts, in the cache
 * format, on out.  Runs in the guest.  Returns 0, or 1 after a message. */
int kernel_info_dump(FILE *out);

/* ---- queries -------------------------------------------------------------- */

/* The release the facts are about ("6.1.0-56-amd64"; a fixture's own). */
const char *kernel_info_release(const KernelInfo *ki);

/* The probe-able (ftrace-listed) function name of module (NULL: the
 * kernel image), or NULL. */
const KernelFunction *kernel_info_function(KernelInfo *ki, const char *module, const char *name);
/* Is name (of module, NULL: the kernel image) on the kprobe blacklist? */
bool kernel_info_blacklisted(KernelInfo *ki, const char *module, const char *name);
/* Is name a text symbol of module (NULL: the image) in kallsyms?  Such a
 * function is not an ftrace site but kprobes can still probe it. */
bool kernel_info_symbol(KernelInfo *ki, const char *module, const char *name);
/* A module that has name (function or text symbol), the first by name;
 * NULL if none has it. */
const char *kernel_info_module_of(KernelInfo *ki, const char *name);
/* Does the target have functions of this module (is it loaded)? */
bool kernel_info_has_module(KernelInfo *ki, const char *module);

/**
 * kernel_info_match() - the probe-able functions a glob pattern names.
 * @module: NULL for the kernel image, else a module name or glob pattern.
 * @pattern: a function name or glob pattern (`*`, `?`, `[...]`).
 * @out: set to a malloc'd array of the matches that are not blacklisted,
 *       sorted by name then module.
 * @nblacklisted: if not NULL, set to how many matches were left out
 *                because they are on the blacklist.
 * Return: the number of matches in *out.
 */
size_t kernel_info_match(KernelInfo *ki, const char *module, const char *pattern,
			 const KernelFunction ***out, size_t *nblacklisted);

/* Did-you-mean for a name or pattern that matched nothing in scope (module
 * as for kernel_info_match): a corrected pattern that matches, or the
 * closest name; NULL if nothing is close. */
char *kernel_info_suggest(KernelInfo *ki, const char *module, const char *pattern);
/* The loaded module closest to name, or NULL. */
const char *kernel_info_suggest_module(KernelInfo *ki, const char *name);

/* Every tracepoint, sorted by system then event. */
size_t kernel_info_tracepoints(KernelInfo *ki, const KernelTracepoint **out);
const KernelTracepoint *kernel_info_tracepoint(KernelInfo *ki, const char *system,
					       const char *event);

/* SystemTap's globs: fnmatch(3) without flags. */
bool kernel_glob_is_pattern(const char *s);
bool kernel_glob_match(const char *pattern, const char *name);

/* ---- building, parsing, the cache format (for the unit tests) ----------- */

KernelInfo *kernel_info_new(const char *release);
/* Each parses a file's text in place (the text must outlive ki) and skips
 * malformed lines.  available_filter_functions: "name" or "name [module]";
 * the kprobe blacklist: "0xSTART-0xEND\tname [module]"; kallsyms:
 * "ADDR TYPE name [module]", text symbols (t, T) only. */
void kernel_info_parse_functions(KernelInfo *ki, char *text);
void kernel_info_parse_blacklist(KernelInfo *ki, char *text);
void kernel_info_parse_kallsyms(KernelInfo *ki, char *text);
void kernel_info_add_tracepoint(KernelInfo *ki, const char *system, const char *event,
				const char *format);
/* Sorts, removes duplicates, indexes and marks the blacklisted functions;
 * after the parse_* calls and before any query. */
void kernel_info_finish(KernelInfo *ki);

/* A tree laid out like / (root "/" is the running kernel: tracefs and
 * debugfs are mounted when missing and possible); NULL and *why if its
 * function list cannot be read.  Kallsyms and the tracepoints are read
 * when first asked for. */
KernelInfo *kernel_info_read_tree(const char *root, char **why);

/* The cache format: a text file, see kernel_info.c. */
char *kernel_info_serialize(KernelInfo *ki, size_t *len);
/* Parses a cache file's text in place (text[len] must be '\0' and the
 * text must outlive ki); NULL and *why if it is not a complete one. */
KernelInfo *kernel_info_parse_cache(char *text, size_t len, char **why);
/* kernel_info_parse_cache() of a file. */
KernelInfo *kernel_info_load_cache(const char *path, char **why);

#endif
