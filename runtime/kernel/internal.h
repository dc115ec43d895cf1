/*
 * internal.h - what the kernel runtime's own files share with each other
 * (not with generated code: that is runtime.h).
 *
 * All of runtime/kernel/ (*.c) is compiled as one translation unit through
 * runtime/sonde_runtime.c, so everything here is static.
 *
 * Session state.  One atomic word, sonde_state, says what may run:
 *
 *   LOADED   --start-->  STARTING  (probes registered but gated; BEGIN runs)
 *   STARTING ----------> RUNNING   (kprobes, kretprobes and timers run)
 *   RUNNING  --stop----> STOPPING  (probes unregistered; END/ERROR run)
 *   STOPPING ----------> DONE      (nothing runs; output drains, then DONE)
 *   LOADED   --stop----> DONE      (nothing ever ran)
 *   STARTING --failure-> DONE      (a probe could not be registered)
 *
 * Transitions happen only in process context with sonde_ctl_mutex held
 * (module.c, probes.c).  Probe context only reads the state, through
 * sonde_probe_gate_open(), and sets sonde_exit_requested.
 */
#ifndef SONDE_KERNEL_INTERNAL_H
#define SONDE_KERNEL_INTERNAL_H

#include <linux/mutex.h>
#include <linux/wait.h>

enum sonde_state {
	SONDE_LOADED,
	SONDE_STARTING,
	SONDE_RUNNING,
	SONDE_STOPPING,
	SONDE_DONE,
};

static atomic_t sonde_state = ATOMIC_INIT(SONDE_LOADED);
/* exit() or MAXERRORS: gates probes, makes the reader send SONDE_MSG_EXIT */
static atomic_t sonde_exit_requested = ATOMIC_INIT(0);
/* MAXERRORS exceeded: ERROR probes run instead of END probes */
static atomic_t sonde_error_exit = ATOMIC_INIT(0);
/* set once when the registration at "start" failed */
static int sonde_failed;

/* Serializes every state transition (ctl writes, ctl close, module exit). */
static DEFINE_MUTEX(sonde_ctl_mutex);

/* Counters reported in struct sonde_done. */
static atomic64_t sonde_errors = ATOMIC64_INIT(0);
static atomic64_t sonde_skipped = ATOMIC64_INIT(0);
static atomic64_t sonde_dropped = ATOMIC64_INIT(0);
static atomic64_t sonde_dropped_bytes = ATOMIC64_INIT(0);

static inline int sonde_get_state(void)
{
	return atomic_read_acquire(&sonde_state);
}

/* Process context, sonde_ctl_mutex held. */
static inline void sonde_set_state(int s)
{
	lockdep_assert_held(&sonde_ctl_mutex);
	atomic_set_release(&sonde_state, s);
}

/* ---- transport.c ------------------------------------------------------ */
static int sonde_transport_init(size_t bufsize);
static void sonde_transport_free(void);
/* Any context.  0, or -ENOSPC/-EBUSY when the record was dropped (counted). */
static int sonde_transport_write(u32 type, const void *data, size_t len);
/* Process context, sonde_ctl_mutex held: text delivered after all other
 * output, just before SONDE_MSG_DONE (never dropped while it fits). */
static void sonde_transport_final(const char *fmt, ...) __printf(1, 2);
/* Process context: wake a reader sleeping in data read(). */
static void sonde_transport_kick(void);
static const struct proc_ops sonde_data_ops;

/* Opens a control or data file for its single reader. */
static int sonde_open_exclusive(atomic_t *opened, struct inode *inode, struct file *file);

/* ---- context.c -------------------------------------------------------- */
static int sonde_contexts_init(void);
static void sonde_contexts_free(void);
static void sonde_probe_run(struct sonde_probe *p, struct pt_regs *regs,
			    struct kretprobe_instance *ri);

/* ---- probes.c --------------------------------------------------------- */
/* Process context, sonde_ctl_mutex held, state LOADED. */
static int sonde_probes_start(void);
/* Process context, sonde_ctl_mutex held, state STARTING or RUNNING. */
static void sonde_probes_stop(void);

#endif
