/*
 * context.c - running one probe hit, and the services a handler calls.
 *
 * Every CPU has one struct sonde_context (and one block of generated
 * locals, its "frames"), allocated at load.  A hit runs on the context of
 * the CPU it fired on, with preemption disabled for the whole hit, so the
 * context cannot change under it.  The atomic busy flag makes the context
 * exclusive: a probe that fires while another handler runs on the same
 * CPU (a kprobe hit inside a handler, a timer interrupting a kprobe
 * handler, an NMI) is skipped and counted instead of corrupting it.
 *
 * Output of a hit is staged in c->out and committed to the transport as
 * one STDOUT record when the handler returns (or earlier, whenever the
 * staging buffer fills up), so the output of one hit is never interleaved
 * with another CPU's.
 *
 * A script error (sonde_error) records the first message, sets c->abort so
 * the generated code unwinds, and is reported when the handler returns:
 * "ERROR: <msg> near <location>" on the user's stderr.  More than
 * MAXERRORS errors stop the run as exit() does.
 */
#include <linux/delay.h>
#include "../core/arith.h"

/* Wait between two attempts at a global's lock (MAXTRYLOCK attempts). */
#ifndef SONDE_TRYLOCK_NDELAY
#define SONDE_TRYLOCK_NDELAY 200
#endif

static struct sonde_context *sonde_contexts;   /* nr_cpu_ids of them */
static char *sonde_frames_mem;

static int sonde_contexts_init(void)
{
	size_t fsize = ALIGN(sonde_frames_size, SMP_CACHE_BYTES);
	unsigned int cpu;
	int ret = -ENOMEM;

	sonde_contexts = vzalloc(array_size(nr_cpu_ids, sizeof(*sonde_contexts)));
	if (!sonde_contexts)
		goto out;
	if (fsize) {
		sonde_frames_mem = vzalloc(array_size(nr_cpu_ids, fsize));
		if (!sonde_frames_mem)
			goto out_free_contexts;
	}
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		atomic_set(&sonde_contexts[cpu].busy, 0);
		sonde_contexts[cpu].frames =
			fsize ? sonde_frames_mem + cpu * fsize : NULL;
	}
	return 0;

out_free_contexts:
	vfree(sonde_contexts);
	sonde_contexts = NULL;
out:
	return ret;
}

static void sonde_contexts_free(void)
{
	vfree(sonde_frames_mem);
	sonde_frames_mem = NULL;
	vfree(sonde_contexts);
	sonde_contexts = NULL;
}

/* May a handler of this kind run now?  See the states in internal.h. */
static bool sonde_gate_open(enum sonde_probe_kind kind)
{
	int state = sonde_get_state();

	switch (kind) {
	case SONDE_PROBE_BEGIN:
		return state == SONDE_STARTING &&
		       !atomic_read(&sonde_exit_requested);
	case SONDE_PROBE_END:
	case SONDE_PROBE_ERROR:
		return state == SONDE_STOPPING;
	default:
		return state == SONDE_RUNNING &&
		       !atomic_read(&sonde_exit_requested);
	}
}

/* Commits the staged output of this hit as one STDOUT record. */
static void sonde_flush(struct sonde_context *c)
{
	if (c->out_len) {
		sonde_transport_write(SONDE_MSG_STDOUT, c->out, c->out_len);
		c->out_len = 0;
	}
}

/* Reports the hit's script error (c->out is free after the flush). */
static void sonde_report_error(struct sonde_context *c)
{
	int n;

	if (c->error_loc)
		n = scnprintf(c->out, sizeof(c->out), "ERROR: %s near %s\n",
			      c->error, c->error_loc);
	else
		n = scnprintf(c->out, sizeof(c->out), "ERROR: %s\n", c->error);
	sonde_transport_write(SONDE_MSG_STDERR, c->out, n);
	if (atomic64_inc_return(&sonde_errors) > MAXERRORS) {
		atomic_set(&sonde_error_exit, 1);
		sonde_request_exit();
	}
}

/*
 * Runs p->handler for one hit.  Any context; the caller has preemption
 * disabled (kprobe, hrtimer and the BEGIN/END loop all do).
 */
static void sonde_probe_run(struct sonde_probe *p, struct pt_regs *regs,
			    struct kretprobe_instance *ri)
{
	struct sonde_context *c;

	if (!sonde_gate_open(p->kind))
		return;
	c = &sonde_contexts[smp_processor_id()];
	if (atomic_cmpxchg(&c->busy, 0, 1) != 0) {
		atomic64_inc(&sonde_skipped);
		return;
	}
	c->nesting = 0;
	c->actions = 0;
	c->abort = 0;
	c->error = NULL;
	c->error_loc = NULL;
	c->last_match.valid = false;
	c->out_len = 0;
	c->regs = regs;
	c->ri = ri;
	c->probe = p;

	p->handler(c);

	sonde_flush(c);
	if (c->error)
		sonde_report_error(c);
	c->regs = NULL;
	c->ri = NULL;
	atomic_set_release(&c->busy, 0);
}
NOKPROBE_SYMBOL(sonde_probe_run);

/* ---- output: sonde_print*, sonde_printf ------------------------------- */

#include "../output.c"

void sonde_warn(const char *fmt, ...)
{
	struct sonde_context *c;
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Inside a handler: keep this hit's earlier output ahead of it. */
	if (!preemptible() && sonde_contexts) {
		c = &sonde_contexts[smp_processor_id()];
		if (atomic_read(&c->busy))
			sonde_flush(c);
	}
	sonde_transport_write(SONDE_MSG_STDERR, buf, n);
}

/* ---- errors and control ------------------------------------------------- */

void sonde_error(struct sonde_context *c, const char *loc, const char *fmt, ...)
{
	va_list ap;

	if (!c->error) {
		va_start(ap, fmt);
		vscnprintf(c->error_buf, sizeof(c->error_buf), fmt, ap);
		va_end(ap);
		c->error = c->error_buf;
		c->error_loc = loc;
	}
	c->abort = 1;
}

void sonde_request_exit(void)
{
	atomic_set(&sonde_exit_requested, 1);
}

/* Division by zero is a script error (result 0); see core/arith.h. */
int64_t sonde_div(struct sonde_context *c, const char *loc, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		sonde_error(c, loc, "division by zero");
		return 0;
	}
	return sonde_div_nonzero(a, b);
}

int64_t sonde_mod(struct sonde_context *c, const char *loc, int64_t a, int64_t b)
{
	if (unlikely(b == 0)) {
		sonde_error(c, loc, "division by zero");
		return 0;
	}
	return sonde_mod_nonzero(a, b);
}

/* ---- global variable locks ------------------------------------------------ */

bool sonde_lock_read(rwlock_t *l)
{
	int i;

	for (i = 0; i < MAXTRYLOCK; i++) {
		if (read_trylock(l))
			return true;
		ndelay(SONDE_TRYLOCK_NDELAY);
	}
	atomic64_inc(&sonde_skipped);
	return false;
}

bool sonde_lock_write(rwlock_t *l)
{
	int i;

	for (i = 0; i < MAXTRYLOCK; i++) {
		if (write_trylock(l))
			return true;
		ndelay(SONDE_TRYLOCK_NDELAY);
	}
	atomic64_inc(&sonde_skipped);
	return false;
}

/* ---- probe context ---------------------------------------------------- */

int64_t sonde_returnval(struct sonde_context *c)
{
	return c->regs ? (int64_t)regs_return_value(c->regs) : 0;
}
