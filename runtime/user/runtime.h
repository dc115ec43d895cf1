/*
 * runtime.h (user space) - the contract of runtime/kernel/runtime.h for a
 * script run as an ordinary program instead of a kernel module.
 *
 * tests/parity builds a script's generated C against this header and
 * runtime/user/host.c, runs its begin and end probes, and compares the
 * output with the same script run in the VM's kernel: one source for the
 * cases, two runtimes, byte-identical output expected.  Only what begin,
 * end and error probes use exists here (no registers, no kprobes); a
 * script that needs more does not compile against it.
 */
#ifndef SONDE_RUNTIME_H
#define SONDE_RUNTIME_H

#include <errno.h>
#include <limits.h>

#include "../core/limits.h"
#include "../core/value.h"
#include "../core/map.h"
#include "../core/format.h"
#include "../core/strings.h"
#include "../script_regex.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* One thread runs every probe, so locks are always free. */
typedef struct { int unused; } rwlock_t;
#define DEFINE_RWLOCK(name) rwlock_t name
#define read_unlock(l) ((void)(l))
#define write_unlock(l) ((void)(l))
static inline bool sonde_lock_read(rwlock_t *l) { (void)l; return true; }
static inline bool sonde_lock_write(rwlock_t *l) { (void)l; return true; }

/* The host is CPU 0 of 1. */
#define smp_processor_id() 0
#define nr_cpu_ids 1u

#define SONDE_NEXT_OVERLOAD 2

struct sonde_context {
	int nesting;
	int64_t actions;
	int abort;
	const char *error;
	const char *error_loc;
	char error_buf[256];
	const struct sonde_probe *probe;
	size_t out_len;            /* bytes staged in out[] */
	char out[SONDE_PRINTBUF];
	struct sonde_last_match last_match; /* for matched(n); reset each hit */
	struct sonde_tokenize_state tokenize; /* tokenize()'s string and position:
	                            * a hit continues what an earlier one
	                            * on this CPU started, as in SystemTap */
	void *frames;
};

enum sonde_probe_kind {
	SONDE_PROBE_BEGIN,
	SONDE_PROBE_END,
	SONDE_PROBE_ERROR,
	SONDE_PROBE_KPROBE,
	SONDE_PROBE_KRETPROBE,
	SONDE_PROBE_TIMER,
};

struct sonde_probe {
	enum sonde_probe_kind kind;
	const char *point;
	const char *location;
	const char *symbol;
	unsigned long offset;
	int64_t interval_ns;
	int64_t randomize_ns;
	int64_t sequence;
	int maxactive;
	void (*handler)(struct sonde_context *c);
};

/* ---- defined by the generated code ---------------------------------- */
extern struct sonde_probe sonde_probes[];
extern const unsigned int sonde_nprobes;
extern const size_t sonde_frames_size;
extern const char sonde_script_name[];
int sonde_globals_init(void);
void sonde_globals_free(void);

/* ---- the services of runtime/kernel/runtime.h (see host.c) ---------- */
void sonde_print(struct sonde_context *c, const char *s, size_t n);
void sonde_print_str(struct sonde_context *c, const char *s);
void sonde_print_long(struct sonde_context *c, int64_t v);
void sonde_printf(struct sonde_context *c, const char *fmt,
		  const struct sonde_arg *args, int nargs);
void sonde_warn(const char *fmt, ...) __printf(1, 2);
void sonde_error(struct sonde_context *c, const char *loc, const char *fmt, ...)
	__printf(3, 4);
void sonde_request_exit(void);

static inline bool sonde_action(struct sonde_context *c, const char *loc)
{
	if (unlikely(++c->actions > MAXACTION)) {
		sonde_error(c, loc, "MAXACTION exceeded");
		return false;
	}
	return true;
}

int64_t sonde_div(struct sonde_context *c, const char *loc, int64_t a, int64_t b);
int64_t sonde_mod(struct sonde_context *c, const char *loc, int64_t a, int64_t b);

/* No probe context here: no registers, no target process. */
static inline int64_t sonde_returnval(struct sonde_context *c) { (void)c; return 0; }
static inline int64_t sonde_target(void) { return 0; }

/* ---- statistics: the core's aggregates as script operations ------- */
#include "../script_stats.h"

#endif
