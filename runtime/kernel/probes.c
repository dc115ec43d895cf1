/*
 * probes.c - registering the generated probe table with the kernel, and
 * running BEGIN / END / ERROR probes.
 *
 * Start (ctl "start", state LOADED):
 *   1. state STARTING: every KPROBE and KRETPROBE is registered and every
 *      TIMER's hrtimer initialized.  Their handlers are gated (see
 *      sonde_gate_open) and return at once while the state is STARTING.
 *      If one registration fails, the error names its probe point, all
 *      earlier ones are unregistered and the run ends right there:
 *      state DONE, sonde_done.failed = 1.  No script code has run at that
 *      point - neither BEGIN nor END probes run for a run that never
 *      started, so the user sees only the error.
 *   2. BEGIN probes run, in `sequence` order (ties keep table order).
 *   3. state RUNNING, timers started: the other probes now run.
 * Registering before BEGIN means that a failure is found before any script
 * code ran, and that BEGIN still runs before any other probe's handler.
 *
 * Stop (ctl "stop" or ctl closed, state RUNNING):
 *   state STOPPING closes the gate; unregister_kprobes()/_kretprobes()
 *   wait for running handlers; hrtimer_cancel() waits for a running timer
 *   callback.  Then END probes run in sequence order - or, when the run
 *   stopped because of too many errors (MAXERRORS), the ERROR probes
 *   instead, as in SystemTap.  Missed kretprobe instances are reported as
 *   a final warning; state DONE.
 */
#include <linux/random.h>
#include <linux/slab.h>

/* Shortest timer period accepted; shorter ones are raised to it. */
#define SONDE_TIMER_MIN_NS 100000

/* Registered kprobes/kretprobes, for the batch unregistration at stop.
 * Guarded by sonde_ctl_mutex. */
static struct kprobe **sonde_kps;
static int sonde_nkps;
static struct kretprobe **sonde_krps;
static int sonde_nkrps;

static int sonde_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	sonde_probe_run(container_of(kp, struct sonde_probe, u.kp), regs, NULL);
	return 0;
}
NOKPROBE_SYMBOL(sonde_kprobe_pre);

static int sonde_kretprobe_ret(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);

	if (rp)
		sonde_probe_run(container_of(rp, struct sonde_probe, u.krp),
				regs, ri);
	return 0;
}
NOKPROBE_SYMBOL(sonde_kretprobe_ret);

/* Next period of a timer probe: interval_ns +/- randomize_ns. */
static ktime_t sonde_timer_period(const struct sonde_probe *p)
{
	s64 ns = p->interval_ns;
	u64 span, r;

	if (p->randomize_ns > 0) {
		span = 2 * (u64)p->randomize_ns + 1;
		div64_u64_rem(((u64)get_random_u32() << 32) | get_random_u32(),
			      span, &r);
		ns += (s64)r - p->randomize_ns;
	}
	return ns_to_ktime(max_t(s64, ns, SONDE_TIMER_MIN_NS));
}

static enum hrtimer_restart sonde_timer_fn(struct hrtimer *t)
{
	struct sonde_probe *p = container_of(t, struct sonde_probe, u.timer);

	if (sonde_get_state() != SONDE_RUNNING ||
	    atomic_read(&sonde_exit_requested))
		return HRTIMER_NORESTART;
	sonde_probe_run(p, NULL, NULL);
	hrtimer_forward_now(t, sonde_timer_period(p));
	return HRTIMER_RESTART;
}
NOKPROBE_SYMBOL(sonde_timer_fn);

static bool sonde_is_timer(const struct sonde_probe *p)
{
	return p->kind == SONDE_PROBE_TIMER;
}

/*
 * Runs every probe of one kind (BEGIN, END or ERROR) in sequence order,
 * ties in table order, each hit with preemption disabled as in probe
 * context.  O(n^2) selection: such probes are few.
 */
static void sonde_run_sequence(enum sonde_probe_kind kind)
{
	struct sonde_probe *p, *next;
	s64 last_seq = S64_MIN;
	int last = -1;
	unsigned int i;

	for (;;) {
		next = NULL;
		for (i = 0; i < sonde_nprobes; i++) {
			p = &sonde_probes[i];
			if (p->kind != kind)
				continue;
			if (p->sequence < last_seq ||
			    (p->sequence == last_seq && (int)i <= last))
				continue;
			if (!next || p->sequence < next->sequence)
				next = p;
		}
		if (!next)
			break;
		last_seq = next->sequence;
		last = next - sonde_probes;
		preempt_disable();
		sonde_probe_run(next, NULL, NULL);
		preempt_enable();
		cond_resched();
	}
}

static const char *sonde_register_reason(int err, char *buf, size_t len)
{
	switch (err) {
	case -ENOENT:
		return "no such function";
	case -EINVAL:
		return "function cannot be probed (blacklisted, inlined or notrace)";
	case -EILSEQ:
		return "offset is not at an instruction boundary";
	case -ENOMEM:
		return "out of memory";
	default:
		snprintf(buf, len, "error %d", err);
		return buf;
	}
}

static int sonde_register_one(struct sonde_probe *p)
{
	int ret = 0;

	switch (p->kind) {
	case SONDE_PROBE_KPROBE:
		p->u.kp = (struct kprobe){
			.symbol_name = p->symbol,
			.offset = p->offset,
			.pre_handler = sonde_kprobe_pre,
		};
		ret = register_kprobe(&p->u.kp);
		if (!ret)
			sonde_kps[sonde_nkps++] = &p->u.kp;
		break;
	case SONDE_PROBE_KRETPROBE:
		p->u.krp = (struct kretprobe){
			.kp.symbol_name = p->symbol,
			.handler = sonde_kretprobe_ret,
			.maxactive = p->maxactive > 0 ? p->maxactive :
				max_t(int, 10, 2 * num_possible_cpus()),
		};
		ret = register_kretprobe(&p->u.krp);
		if (!ret)
			sonde_krps[sonde_nkrps++] = &p->u.krp;
		break;
	case SONDE_PROBE_TIMER:
		hrtimer_init(&p->u.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		p->u.timer.function = sonde_timer_fn;
		break;
	default:
		return 0;
	}
	if (!ret)
		p->registered = true;
	return ret;
}

/* Undoes sonde_register_one for all of them; waits for running handlers. */
static void sonde_unregister_all(void)
{
	unsigned int i;

	if (sonde_nkps)
		unregister_kprobes(sonde_kps, sonde_nkps);
	if (sonde_nkrps)
		unregister_kretprobes(sonde_krps, sonde_nkrps);
	for (i = 0; i < sonde_nprobes; i++) {
		if (sonde_is_timer(&sonde_probes[i]) && sonde_probes[i].registered)
			hrtimer_cancel(&sonde_probes[i].u.timer);
	}
}

/* Frees the bookkeeping and reports what the kernel counted as missed. */
static void sonde_release_all(void)
{
	struct sonde_probe *p;
	unsigned int i;

	for (i = 0; i < sonde_nprobes; i++) {
		p = &sonde_probes[i];
		if (!p->registered)
			continue;
		p->registered = false;
		if (p->kind == SONDE_PROBE_KPROBE) {
			atomic64_add(p->u.kp.nmissed, &sonde_skipped);
		} else if (p->kind == SONDE_PROBE_KRETPROBE) {
			atomic64_add(p->u.krp.kp.nmissed, &sonde_skipped);
			if (p->u.krp.nmissed)
				sonde_transport_final("WARNING: %d missed kretprobe instances of %s\n",
						      p->u.krp.nmissed, p->point);
		}
	}
	kfree(sonde_kps);
	sonde_kps = NULL;
	sonde_nkps = 0;
	kfree(sonde_krps);
	sonde_krps = NULL;
	sonde_nkrps = 0;
}

static int sonde_probes_start(void)
{
	char reason[32];
	struct sonde_probe *p;
	unsigned int i;
	int ret = -ENOMEM;

	lockdep_assert_held(&sonde_ctl_mutex);
	sonde_kps = kcalloc(sonde_nprobes + 1, sizeof(*sonde_kps), GFP_KERNEL);
	sonde_krps = kcalloc(sonde_nprobes + 1, sizeof(*sonde_krps), GFP_KERNEL);
	if (!sonde_kps || !sonde_krps) {
		sonde_transport_final("ERROR: cannot start: out of memory\n");
		goto out_fail;
	}

	sonde_set_state(SONDE_STARTING);
	for (i = 0; i < sonde_nprobes; i++) {
		p = &sonde_probes[i];
		ret = sonde_register_one(p);
		if (ret) {
			sonde_transport_final("ERROR: cannot probe %s (%s): %s\n",
					      p->point, p->location,
					      sonde_register_reason(ret, reason,
								    sizeof(reason)));
			goto out_unregister;
		}
	}

	sonde_run_sequence(SONDE_PROBE_BEGIN);

	sonde_set_state(SONDE_RUNNING);
	for (i = 0; i < sonde_nprobes; i++) {
		p = &sonde_probes[i];
		if (sonde_is_timer(p))
			hrtimer_start(&p->u.timer, sonde_timer_period(p),
				      HRTIMER_MODE_REL);
	}
	return 0;

out_unregister:
	sonde_unregister_all();
out_fail:
	sonde_release_all();
	sonde_failed = 1;
	sonde_set_state(SONDE_DONE);
	sonde_transport_kick();
	return ret;
}

static void sonde_probes_stop(void)
{
	lockdep_assert_held(&sonde_ctl_mutex);
	sonde_set_state(SONDE_STOPPING);
	sonde_unregister_all();
	sonde_release_all();
	if (atomic_read(&sonde_error_exit))
		sonde_run_sequence(SONDE_PROBE_ERROR);
	else
		sonde_run_sequence(SONDE_PROBE_END);
	sonde_set_state(SONDE_DONE);
	sonde_transport_kick();
}
