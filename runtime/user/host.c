/*
 * host.c - runs a script's begin, end and error probes as a user-space
 * program, with the services of runtime/user/runtime.h.
 *
 * It follows runtime/kernel/{context,probes}.c where output can tell:
 * probes of a kind run in sequence order (ties in table order); exit()
 * stops the begin probes that follow; the end probes run afterwards, or
 * the error probes when more than MAXERRORS script errors happened; a
 * hit's error prints "ERROR: <msg> near <location>" on stderr; the
 * closing "WARNING: Number of errors" line is the loader's.  Output goes
 * to stdout as each hit ends, as the kernel's transport delivers it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "runtime.h"
#include "../core/arith.h"

static bool exit_requested;
static int64_t errors;

static struct sonde_context *the_context;   /* the only CPU's */

/* Hands a hit's staged output to stdout (see ../output.c). */
static void sonde_flush(struct sonde_context *c)
{
	fwrite(c->out, 1, c->out_len, stdout);
	c->out_len = 0;
}

#include "../output.c"

void sonde_warn(const char *fmt, ...)
{
	va_list ap;

	if (the_context)
		sonde_flush(the_context);
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void sonde_error(struct sonde_context *c, const char *loc, const char *fmt, ...)
{
	va_list ap;

	if (!c->error) {
		va_start(ap, fmt);
		vsnprintf(c->error_buf, sizeof(c->error_buf), fmt, ap);
		va_end(ap);
		c->error = c->error_buf;
		c->error_loc = loc;
	}
	c->abort = 1;
}

void sonde_request_exit(void)
{
	exit_requested = true;
}

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

static void run(struct sonde_context *c, struct sonde_probe *p)
{
	c->nesting = 0;
	c->actions = 0;
	c->abort = 0;
	c->error = NULL;
	c->error_loc = NULL;
	c->last_match.valid = false;
	c->probe = p;
	c->out_len = 0;
	p->handler(c);
	sonde_flush(c);
	if (c->error) {
		fflush(stdout);
		if (c->error_loc)
			fprintf(stderr, "ERROR: %s near %s\n", c->error, c->error_loc);
		else
			fprintf(stderr, "ERROR: %s\n", c->error);
		if (++errors > MAXERRORS)
			exit_requested = true;
	}
}

/* Probes of one kind in sequence order, ties in table order. */
static void run_sequence(struct sonde_context *c, enum sonde_probe_kind kind, bool stop_on_exit)
{
	int64_t last_seq = INT64_MIN;
	int last = -1;

	for (;;) {
		struct sonde_probe *next = NULL;
		for (unsigned i = 0; i < sonde_nprobes; i++) {
			struct sonde_probe *p = &sonde_probes[i];
			if (p->kind != kind || p->sequence < last_seq ||
			    (p->sequence == last_seq && (int)i <= last))
				continue;
			if (!next || p->sequence < next->sequence)
				next = p;
		}
		if (!next || (stop_on_exit && exit_requested))
			return;
		last_seq = next->sequence;
		last = next - sonde_probes;
		run(c, next);
	}
}

int main(void)
{
	static struct sonde_context c;

	for (unsigned i = 0; i < sonde_nprobes; i++) {
		enum sonde_probe_kind k = sonde_probes[i].kind;
		if (k != SONDE_PROBE_BEGIN && k != SONDE_PROBE_END && k != SONDE_PROBE_ERROR) {
			fprintf(stderr, "%s: the user-space host runs begin, end and error "
				"probes only, not %s\n", sonde_script_name, sonde_probes[i].point);
			return 2;
		}
	}
	the_context = &c;
	c.frames = calloc(1, sonde_frames_size ? sonde_frames_size : 1);
	if (!c.frames || sonde_globals_init() != 0) {
		fprintf(stderr, "%s: out of memory\n", sonde_script_name);
		return 2;
	}
	run_sequence(&c, SONDE_PROBE_BEGIN, true);
	run_sequence(&c, errors > MAXERRORS ? SONDE_PROBE_ERROR : SONDE_PROBE_END, false);
	fflush(stdout);
	if (errors)
		fprintf(stderr, "WARNING: Number of errors: %lld, skipped probes: 0\n",
			(long long)errors);
	sonde_globals_free();
	free(c.frames);
	return errors ? 1 : 0;
}
