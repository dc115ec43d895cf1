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
#include "../script_regex.h"
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
	struct sonde_last_match last_match; /* for matched(n); reset each hit */
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

/* ---- kernel memory and probe registers (memory.c) -------------------- */
/*
 * Every read of kernel memory a script makes (target variables, @cast,
 * kernel_long() ...) goes through these: copy_from_kernel_nofault() turns
 * a bad address into a failed read, never an oops.  A failed read is the
 * script error "invalid kernel address 0x... (reading WHAT)" near loc, and
 * the result is then 0 or "".
 */
/* n bytes at addr into dst; false when any of them cannot be read. */
bool sonde_kread_nofault(void *dst, uint64_t addr, size_t n);
/* The string at addr into dst (MAXSTRINGLEN bytes), always NUL-terminated:
 * up to its NUL, and at most max bytes when max > 0 (a char array,
 * kernel_string_n()).  False when it cannot be read. */
bool sonde_kread_str_nofault(char *dst, uint64_t addr, int64_t max);
/* The same in the current task's user memory (user_string()). */
bool sonde_uread_str_nofault(char *dst, uint64_t addr, int64_t max);

/* The reads of target variables: a failure is a script error. */
void sonde_kread_fault(struct sonde_context *c, const char *loc, const char *what,
		       uint64_t addr);
/* An integer of size 1, 2, 4 or 8 bytes at addr, sign- or zero-extended. */
int64_t sonde_kread_int(struct sonde_context *c, const char *loc, const char *what,
			uint64_t addr, int size, bool is_signed);
/* The pointer stored at addr. */
uint64_t sonde_kread_ptr(struct sonde_context *c, const char *loc, const char *what,
			 uint64_t addr);
/* A bitfield: width bits from bit shift of the nbytes (1 to 8) at addr. */
int64_t sonde_kread_bits(struct sonde_context *c, const char *loc, const char *what,
			 uint64_t addr, int nbytes, int shift, int width, bool is_signed);
/* A char array of max bytes (0: a NUL-terminated string) as a string. */
const char *sonde_kread_string(struct sonde_context *c, const char *loc, const char *what,
			       char *dst, uint64_t addr, int64_t max);

/* Argument slot n (0: rdi ... 5: r9, then the stack) of the probed function,
 * at its entry; 0 outside a kprobe. */
static inline uint64_t sonde_arg_slot(struct sonde_context *c, unsigned int n)
{
	return c->regs ? (uint64_t)regs_get_kernel_argument(c->regs, n) : 0;
}

/* The return value register of a .return probe, untruncated. */
static inline uint64_t sonde_return_reg(struct sonde_context *c)
{
	return c->regs ? (uint64_t)regs_return_value(c->regs) : 0;
}

/* int_arg(N) and friends: why argument n (1-based) cannot be read here
 * (not at a function's entry, n out of range), or NULL when it can. */
const char *sonde_arg_error(struct sonde_context *c, int64_t n);

/* Pretty-printing ($x$, $$parms): a text and a value, in turn.  The value
 * is base itself (SONDE_PRETTY_DIRECT) or memory at base + offset. */
enum sonde_pretty_kind {
	SONDE_PRETTY_TEXT,        /* no value */
	SONDE_PRETTY_INT,         /* signed decimal */
	SONDE_PRETTY_UINT,        /* unsigned decimal */
	SONDE_PRETTY_HEX,         /* 0x... */
	SONDE_PRETTY_CHARS,       /* a char array: "quoted" */
	SONDE_PRETTY_STRPTR,      /* a char pointer: "quoted", or 0x... when unreadable */
};
#define SONDE_PRETTY_DIRECT 1

struct sonde_pretty {
	const char *text;
	unsigned char kind, flags, base, bit_offset, bit_size;
	int size;
	int64_t offset;
};

/* Fills dst (MAXSTRINGLEN bytes) from items, reading strings through
 * scratch (as big); cut short when dst is full.  A read that fails is a
 * script error (except a char pointer's string: its address is shown). */
const char *sonde_pretty(struct sonde_context *c, const char *loc, const char *what, char *dst,
			 char *scratch, const uint64_t *bases, const struct sonde_pretty *items,
			 int n);

/* ---- statistics: the core's aggregates as script operations ------- */
#include "../script_stats.h"

#endif
