/*
 * hand_module.c - a hand-written stand-in for the code the compiler
 * generates: it defines everything runtime/kernel/runtime.h asks of a
 * script, so the kernel runtime and the loader can be tested without the
 * compiler.  Kept as a regression test (tests/runtime/run.sh).
 *
 * One source, several scripts, picked with -DHAND_VARIANT=N:
 *
 *   HAND_BASIC     probe begin { print("hello\n") }
 *                  probe kernel.function("vfs_read") { reads++ }
 *                  probe timer.ms(100) { ticks++; if (ticks == EXIT) exit() }
 *                  probe end { printf("reads>0=%d ticks=%d\n", reads>0, ticks) }
 *                  (HAND_EXIT_TICKS 0: never calls exit())
 *   HAND_BADPROBE  a kprobe on a function that does not exist
 *   HAND_KRETPROBE probe kernel.function("vfs_read").return { last = $return }
 *                  probe end { print count, max return value, target() }
 *   HAND_FLOOD     probe begin { print 4 MiB }
 *                  probe timer.us(100) { print 4 KiB }: both overflow the
 *                  ring (built with a 256 KiB one)
 *   HAND_ERROR     probe begin { x = 1 / zero }  probe end / probe error
 *   HAND_BLACKLIST a kprobe that registers, then a kretprobe on a function
 *                  kprobes refuse (rolled back; a clear error)
 *   HAND_MISSED    HAND_KRETPROBE with maxactive 1: missed instances
 */
#include "kernel/runtime.h"

#define HAND_BASIC 1
#define HAND_BADPROBE 2
#define HAND_KRETPROBE 3
#define HAND_FLOOD 4
#define HAND_ERROR 5
#define HAND_BLACKLIST 6
#define HAND_MISSED 7

#ifndef HAND_VARIANT
#define HAND_VARIANT HAND_BASIC
#endif
#ifndef HAND_EXIT_TICKS
#define HAND_EXIT_TICKS 0
#endif

const char sonde_script_name[] = "hand_module.c";
const size_t sonde_frames_size = 64;

/* global reads, ticks, maxret, nret - one lock for all of them */
static DEFINE_RWLOCK(hand_lock);
static int64_t hand_reads, hand_ticks, hand_maxret, hand_nret;

int sonde_globals_init(void)
{
	return 0;
}

void sonde_globals_free(void)
{
}

static __maybe_unused void hand_begin(struct sonde_context *c)
{
	sonde_print_str(c, "hello\n");
}

static __maybe_unused void hand_count_read(struct sonde_context *c)
{
	if (!sonde_lock_write(&hand_lock))
		return;
	if (sonde_action(c, "hand_module.c:2:35"))
		hand_reads++;
	write_unlock(&hand_lock);
}

static __maybe_unused void hand_tick(struct sonde_context *c)
{
	if (!sonde_lock_write(&hand_lock))
		return;
	hand_ticks++;
	if (HAND_EXIT_TICKS && hand_ticks == HAND_EXIT_TICKS) {
		sonde_print_str(c, "exiting\n");
		sonde_request_exit();
	}
	write_unlock(&hand_lock);
}

static __maybe_unused void hand_end(struct sonde_context *c)
{
	struct sonde_arg args[2];

	if (!sonde_lock_read(&hand_lock))
		return;
	args[0] = SONDE_ARG_LONG(hand_reads > 0);
	args[1] = SONDE_ARG_LONG(hand_ticks);
	sonde_printf(c, "reads>0=%d ticks=%d\n", args, 2);
	read_unlock(&hand_lock);
}

static __maybe_unused void hand_read_return(struct sonde_context *c)
{
	int64_t r = sonde_returnval(c);

	if (!sonde_lock_write(&hand_lock))
		return;
	hand_nret++;
	if (r > hand_maxret)
		hand_maxret = r;
	write_unlock(&hand_lock);
}

static __maybe_unused void hand_kret_end(struct sonde_context *c)
{
	struct sonde_arg args[3];

	if (!sonde_lock_read(&hand_lock))
		return;
	args[0] = SONDE_ARG_LONG(hand_nret > 0);
	args[1] = SONDE_ARG_LONG(hand_maxret > 0);
	args[2] = SONDE_ARG_LONG(sonde_target() > 0);
	sonde_printf(c, "returns>0=%d maxret>0=%d target>0=%d\n", args, 3);
	read_unlock(&hand_lock);
}

static __maybe_unused void hand_flood(struct sonde_context *c)
{
	static const char line[] =
		"flood flood flood flood flood flood flood flood flood flood\n";
	int i;

	for (i = 0; i < 64; i++)
		sonde_print(c, line, sizeof(line) - 1);
}

static __maybe_unused void hand_flood_big(struct sonde_context *c)
{
	int i;

	for (i = 0; i < 1024; i++)
		hand_flood(c);
}

static __maybe_unused void hand_flood_end(struct sonde_context *c)
{
	sonde_print_str(c, "flood end\n");
}

static __maybe_unused void hand_divide(struct sonde_context *c)
{
	int64_t zero = 0, x;

	x = sonde_div(c, "operator '/' at hand.stp:1:20", 1, zero);
	if (c->abort)
		return;
	sonde_print_long(c, x);
}

static __maybe_unused void hand_say_end(struct sonde_context *c)
{
	sonde_print_str(c, "end probe ran\n");
}

static __maybe_unused void hand_say_error(struct sonde_context *c)
{
	sonde_print_str(c, "error probe ran\n");
}

struct sonde_probe sonde_probes[] = {
#if HAND_VARIANT == HAND_BASIC
	{
		.kind = SONDE_PROBE_END,
		.point = "end",
		.location = "hand.stp:4:1",
		.handler = hand_end,
	},
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin",
		.location = "hand.stp:1:1",
		.handler = hand_begin,
	},
	{
		.kind = SONDE_PROBE_KPROBE,
		.point = "kernel.function(\"vfs_read\")",
		.location = "hand.stp:2:1",
		.symbol = "vfs_read",
		.handler = hand_count_read,
	},
	{
		.kind = SONDE_PROBE_TIMER,
		.point = "timer.ms(100)",
		.location = "hand.stp:3:1",
		.interval_ns = 100 * NSEC_PER_MSEC,
		.handler = hand_tick,
	},
#elif HAND_VARIANT == HAND_BADPROBE
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin",
		.location = "bad.stp:1:1",
		.handler = hand_begin,
	},
	{
		.kind = SONDE_PROBE_KPROBE,
		.point = "kernel.function(\"vfs_read\")",
		.location = "bad.stp:2:1",
		.symbol = "vfs_read",
		.handler = hand_count_read,
	},
	{
		.kind = SONDE_PROBE_KPROBE,
		.point = "kernel.function(\"sonde_no_such_function\")",
		.location = "bad.stp:3:1",
		.symbol = "sonde_no_such_function",
		.handler = hand_count_read,
	},
	{
		.kind = SONDE_PROBE_END,
		.point = "end",
		.location = "bad.stp:4:1",
		.handler = hand_say_end,
	},
#elif HAND_VARIANT == HAND_KRETPROBE || HAND_VARIANT == HAND_MISSED
	{
		.kind = SONDE_PROBE_KRETPROBE,
		.point = "kernel.function(\"vfs_read\").return",
		.location = "kret.stp:1:1",
		.symbol = "vfs_read",
		.maxactive = HAND_VARIANT == HAND_MISSED ? 1 : 0,
		.handler = hand_read_return,
	},
	{
		.kind = SONDE_PROBE_END,
		.point = "end",
		.location = "kret.stp:2:1",
		.handler = hand_kret_end,
	},
#elif HAND_VARIANT == HAND_FLOOD
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin",
		.location = "flood.stp:0:1",
		.handler = hand_flood_big,
	},
	{
		.kind = SONDE_PROBE_TIMER,
		.point = "timer.us(100)",
		.location = "flood.stp:1:1",
		.interval_ns = 100 * NSEC_PER_USEC,
		.handler = hand_flood,
	},
	{
		.kind = SONDE_PROBE_END,
		.point = "end",
		.location = "flood.stp:2:1",
		.handler = hand_flood_end,
	},
#elif HAND_VARIANT == HAND_ERROR
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin",
		.location = "err.stp:1:1",
		.handler = hand_divide,
	},
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin(1)",
		.location = "err.stp:2:1",
		.sequence = 1,
		.handler = hand_begin,   /* not reached: the error stopped the run */
	},
	{
		.kind = SONDE_PROBE_END,
		.point = "end",
		.location = "err.stp:3:1",
		.handler = hand_say_end,
	},
	{
		.kind = SONDE_PROBE_ERROR,
		.point = "error",
		.location = "err.stp:4:1",
		.handler = hand_say_error,
	},
#elif HAND_VARIANT == HAND_BLACKLIST
	{
		.kind = SONDE_PROBE_BEGIN,
		.point = "begin",
		.location = "black.stp:1:1",
		.handler = hand_begin,
	},
	{
		.kind = SONDE_PROBE_KPROBE,
		.point = "kernel.function(\"vfs_read\")",
		.location = "black.stp:2:1",
		.symbol = "vfs_read",
		.handler = hand_count_read,
	},
	{
		.kind = SONDE_PROBE_KRETPROBE,
		.point = "kernel.function(\"kprobe_int3_handler\").return",
		.location = "black.stp:3:1",
		.symbol = "kprobe_int3_handler",
		.handler = hand_read_return,
	},
#else
#error "unknown HAND_VARIANT"
#endif
};

const unsigned int sonde_nprobes = ARRAY_SIZE(sonde_probes);
