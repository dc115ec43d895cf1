/*
 * runtime.h - what generated module code may use from the kernel runtime,
 * and what the generated code must define for it.
 *
 * Life of a module (runtime/kernel/module.c):
 *   init: sonde_globals_init(), allocate per-CPU contexts, create
 *         /proc/<module>/{ctl,data}.  Nothing runs yet.
 *   ctl "start": register KPROBE, KRETPROBE and TIMER probes in bulk (their
 *         handlers stay idle), then run BEGIN probes in sequence order.  A
 *         probe that cannot be registered is an error naming its probe
 *         point: everything is unregistered, no script code runs, and the
 *         run ends with sonde_done.failed = 1.
 *   ctl "stop" (or ctl closed): unregister everything (waiting for running
 *         handlers), run END probes (ERROR probes instead, when the run
 *         stopped on script errors), report counters, mark output done.
 *   exit: free contexts, sonde_globals_free(), remove proc files.
 *
 * Every handler runs through sonde_probe_run(): it takes this CPU's
 * context, skips (and counts) the hit if a handler is already running on
 * this CPU, resets the per-hit state, calls probe->handler, flushes the
 * print buffer to the transport and reports a script error if one was set.
 */
#ifndef SONDE_RUNTIME_H
#define SONDE_RUNTIME_H

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>

#include "../core/limits.h"
#include "../core/value.h"
#include "../core/map.h"
#include "../core/format.h"
#include "../core/strings.h"
#include "../transport_proto.h"

struct sonde_probe;

#define SONDE_NEXT_OVERLOAD 2

struct sonde_context {
	atomic_t busy;             /* a handler is running on this CPU */
	int nesting;               /* user-function call depth */
	int64_t actions;           /* statements executed in this hit */
	int abort;                 /* nonzero: unwind to the end of the handler;
	                            * SONDE_NEXT_OVERLOAD: `next` in an overloaded
	                            * function (its dispatcher tries the next one) */
	const char *error;         /* first script error of this hit, or NULL */
	const char *error_loc;     /* "file:line:col" where it happened */
	char error_buf[256];
	struct pt_regs *regs;      /* KPROBE/KRETPROBE: registers at the hit */
	struct kretprobe_instance *ri;
	const struct sonde_probe *probe;
	struct sonde_tokenize_state tokenize; /* tokenize()'s string and position:
	                            * a hit continues what an earlier one
	                            * on this CPU started, as in SystemTap */
	size_t out_len;            /* bytes staged in out[] */
	char out[SONDE_PRINTBUF];
	void *frames;              /* sonde_frames_size bytes of generated locals */
};

enum sonde_probe_kind {
	SONDE_PROBE_BEGIN,
	SONDE_PROBE_END,
	SONDE_PROBE_ERROR,
	SONDE_PROBE_KPROBE,        /* entry of `symbol` (+offset) */
	SONDE_PROBE_KRETPROBE,     /* return of `symbol` */
	SONDE_PROBE_TIMER,         /* every interval_ns (hrtimer), on one CPU */
};

struct sonde_probe {
	enum sonde_probe_kind kind;
	const char *point;         /* probe point for messages: kernel.function("x") */
	const char *location;      /* "file:line:col" of the probe in the script */
	const char *symbol;        /* KPROBE, KRETPROBE */
	unsigned long offset;      /* KPROBE */
	int64_t interval_ns;       /* TIMER */
	int64_t randomize_ns;      /* TIMER: +/- random jitter, 0 = none */
	int64_t sequence;          /* BEGIN/END/ERROR: order, lowest first */
	int maxactive;             /* KRETPROBE: 0 = runtime default */
	void (*handler)(struct sonde_context *c);
	/* runtime state, zero in the generated table */
	bool registered;
	union {
		struct kprobe kp;
		struct kretprobe krp;
		struct hrtimer timer;
	} u;
};

/* ---- defined by the generated code ---------------------------------- */
extern struct sonde_probe sonde_probes[];
extern const unsigned int sonde_nprobes;
extern const size_t sonde_frames_size;     /* bytes of locals per CPU */
extern const char sonde_script_name[];     /* e.g. "hello.stp" */
int sonde_globals_init(void);              /* 0 or -ENOMEM */
void sonde_globals_free(void);

/* ---- output (staged per CPU, flushed at the end of each hit) -------- */
void sonde_print(struct sonde_context *c, const char *s, size_t n);
void sonde_print_str(struct sonde_context *c, const char *s);
void sonde_print_long(struct sonde_context *c, int64_t v);
void sonde_printf(struct sonde_context *c, const char *fmt,
		  const struct sonde_arg *args, int nargs);
/* Queues text for the user's stderr (warnings; not script output).  The
 * text goes out as given: the caller supplies "WARNING: " and the "\n". */
void sonde_warn(const char *fmt, ...) __printf(1, 2);

/* ---- errors and control --------------------------------------------- */
/* Records a script error (first one wins) and unwinds the handler. */
void sonde_error(struct sonde_context *c, const char *loc, const char *fmt, ...)
	__printf(3, 4);
/* exit(): ask the loader to stop the run (end probes still run). */
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

/* ---- global variable locks: held for a whole handler ----------------- */
/* Try for MAXTRYLOCK spins; on failure count a skipped hit and return false. */
bool sonde_lock_read(rwlock_t *l);
bool sonde_lock_write(rwlock_t *l);

/* ---- probe context ---------------------------------------------------- */
/* Registers at the hit for .return probes: the function's return value. */
int64_t sonde_returnval(struct sonde_context *c);
/* target(): the pid given to the loader with -c/-x (0 if none). */
int64_t sonde_target(void);

/* ---- statistics: the core's aggregates as script operations ------- */
#include "../script_stats.h"

#endif
