/*
 * loader.h - the pure logic of sonde-run (loader/util.c), apart from the
 * system calls so that tests/unit/test_loader.c can test it: module names,
 * the record stream, finding stale modules in /proc/modules text, and the
 * messages the loader prints.
 */
#ifndef SONDE_LOADER_H
#define SONDE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport_proto.h"

#define LOADER_NAME_MAX 56      /* MODULE_NAME_LEN - 8, as the kernel has it */

/*
 * The module name of a .ko path: its basename without ".ko", with '-'
 * turned into '_' as kbuild does.  Returns 0, or -1 if the path does not
 * end in ".ko" or the name is empty or too long.
 */
int loader_module_name(const char *path, char *name, size_t cap);

/*
 * Calls fn for each whole record in buf[0..n).  Returns the bytes consumed
 * (a trailing partial record is left), or -1 if a record is malformed
 * (payload longer than SONDE_MSG_MAX allows).  fn returning nonzero stops
 * the walk after that record.
 */
typedef int (*loader_record_fn)(uint32_t type, const char *payload,
				uint32_t len, void *arg);
long loader_parse_records(const char *buf, size_t n, loader_record_fn fn,
			  void *arg);

/* How the loader looks at the system; faked by the unit tests. */
struct loader_sys {
	/* the module's sonde_owner_pid parameter, or -1: not a sonde module */
	int (*owner_pid)(const char *module, void *arg);
	/* does that loader still run? */
	bool (*pid_alive)(int pid, void *arg);
	void *arg;
};

enum loader_mod_state {
	LOADER_MOD_LIVE,        /* a sonde module whose loader still runs */
	LOADER_MOD_STALE,       /* a sonde module whose loader is gone */
};

/*
 * Walks /proc/modules text and calls fn for every sonde module (one with a
 * sonde_owner_pid parameter) with its state and owner pid.  An owner pid
 * of 0 or less (loaded by hand, not by sonde-run) counts as stale.
 * Returns the number of sonde modules seen.
 */
typedef void (*loader_module_fn)(const char *name, enum loader_mod_state st,
				 int pid, void *arg);
int loader_scan_modules(const char *proc_modules, const struct loader_sys *sys,
			loader_module_fn fn, void *arg);

/* The user's explanation of a finit_module() errno. */
const char *loader_load_error(int err);

/*
 * The end-of-run warnings for a struct sonde_done, SystemTap style:
 *   WARNING: Number of errors: N, skipped probes: M
 *   WARNING: N output records (B bytes) were dropped: the output buffer was full
 * Written into buf (always NUL-terminated); returns its length.
 */
size_t loader_done_summary(const struct sonde_done *d, char *buf, size_t cap);

#endif
