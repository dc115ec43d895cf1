/*
 * test_kernel_info.c - unit tests of the target kernel's facts
 * (compiler/kernel_info.c): parsing available_filter_functions, the kprobe
 * blacklist and kallsyms, reading a tree like / (tracepoints included),
 * the cache format (round trip, and every truncation of it rejected),
 * glob matching against a brute-force fnmatch, blacklist filtering,
 * did-you-mean suggestions, and wildcard elaboration with the fixture of
 * tests/lang/kernel-facts.  Collecting facts in a guest is left to the
 * integration tests.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "kernel_info.h"
#include "parse.h"
#include "session.h"
#include "util.h"

#define FIXTURE "tests/lang/kernel-facts"

/* A modifiable copy: the parsers cut lines in place. */
static char *text(const char *s)
{
	return xstrdup(s);
}

static KernelInfo *sample(void)
{
	KernelInfo *ki = kernel_info_new("6.1.0-test");

	kernel_info_parse_functions(ki, text(
		"vfs_write\n"
		"vfs_read\n"
		"do_int3\n"
		"vfs_read\n"                      /* twice: two static functions */
		"\n"
		"ext4_file_open [ext4]\n"
		"virtqueue_add_sgs [virtio_ring]\n"
		"vfs_readv\r\n"                   /* a stray \r is a blank */
		"bad [unclosed\n"
		"bad2 trailing words\n"
		"open_exec\n"
		"ext4_read [ext4]\n"));
	kernel_info_parse_blacklist(ki, text(
		"0xffffffff81c00990-0xffffffff81c009b0\tdo_int3\n"
		"0x0000000000000000-0x0000000000000000\tnotify_die\n"  /* as non-root sees it */
		"0xffffffffc0000000-0xffffffffc0000010\text4_read [ext4]\n"
		"garbage line\n"));
	kernel_info_parse_kallsyms(ki, text(
		"ffffffff81000000 T _stext\n"
		"ffffffff81000100 T vfs_read\n"
		"ffffffff81000200 t native_sched_clock\n"
		"ffffffff81000300 D jiffies\n"
		"ffffffff81000400 W weak_thing\n"
		"ffffffff81000500 t notify_die\n"
		"ffffffffc0000100 t ext4_helper\t[ext4]\n"
		"ffffffffc0000200 d ext4_fs_type\t[ext4]\n"
		"short\n"));
	kernel_info_add_tracepoint(ki, "sched", "sched_switch", "name: sched_switch\n");
	kernel_info_add_tracepoint(ki, "block", "block_rq_issue", "name: block_rq_issue\n");
	kernel_info_finish(ki);
	return ki;
}

static size_t count(KernelInfo *ki, const char *module, const char *pattern, size_t *nblack)
{
	const KernelFunction **v;
	return kernel_info_match(ki, module, pattern, &v, nblack);
}

static void test_parse_functions(void)
{
	KernelInfo *ki = sample();
	const KernelFunction *f;
	const KernelFunction **v;

	CU_ASSERT_PTR_NOT_NULL(kernel_info_function(ki, NULL, "vfs_read"));
	CU_ASSERT_PTR_NOT_NULL(kernel_info_function(ki, NULL, "vfs_readv"));
	CU_ASSERT_PTR_NULL(kernel_info_function(ki, NULL, "ext4_file_open"));   /* a module's */
	f = kernel_info_function(ki, "ext4", "ext4_file_open");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->module, "ext4");
	CU_ASSERT_PTR_NULL(kernel_info_function(ki, NULL, "bad"));
	CU_ASSERT_PTR_NULL(kernel_info_function(ki, NULL, "bad2"));
	/* sorted, each once; blacklisted ones left out of matches */
	size_t n = kernel_info_match(ki, NULL, "*", &v, NULL);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(v[0]->name, "open_exec");
	CU_ASSERT_STRING_EQUAL(v[1]->name, "vfs_read");
	CU_ASSERT_STRING_EQUAL(v[2]->name, "vfs_readv");
	CU_ASSERT_STRING_EQUAL(v[3]->name, "vfs_write");
	CU_ASSERT_STRING_EQUAL(kernel_info_release(ki), "6.1.0-test");
	CU_ASSERT_TRUE(kernel_info_has_module(ki, "ext4"));
	CU_ASSERT_TRUE(kernel_info_has_module(ki, "virtio_ring"));
	CU_ASSERT_FALSE(kernel_info_has_module(ki, "ext3"));
	CU_ASSERT_STRING_EQUAL(kernel_info_module_of(ki, "ext4_file_open"), "ext4");
	CU_ASSERT_PTR_NULL(kernel_info_module_of(ki, "vfs_read"));
}

static void test_parse_blacklist(void)
{
	KernelInfo *ki = sample();
	size_t nblack;

	CU_ASSERT_TRUE(kernel_info_blacklisted(ki, NULL, "do_int3"));
	CU_ASSERT_TRUE(kernel_info_blacklisted(ki, NULL, "notify_die"));
	CU_ASSERT_TRUE(kernel_info_blacklisted(ki, "ext4", "ext4_read"));
	CU_ASSERT_FALSE(kernel_info_blacklisted(ki, NULL, "ext4_read"));   /* module matters */
	CU_ASSERT_FALSE(kernel_info_blacklisted(ki, NULL, "garbage"));
	CU_ASSERT_FALSE(kernel_info_blacklisted(ki, NULL, "vfs_read"));
	CU_ASSERT_TRUE(kernel_info_function(ki, NULL, "do_int3")->blacklisted);
	CU_ASSERT_FALSE(kernel_info_function(ki, NULL, "vfs_read")->blacklisted);
	/* filtering: counted, not returned */
	CU_ASSERT_EQUAL(count(ki, NULL, "do_*", &nblack), 0);
	CU_ASSERT_EQUAL(nblack, 1);
	CU_ASSERT_EQUAL(count(ki, "ext4", "ext4_*", &nblack), 1);
	CU_ASSERT_EQUAL(nblack, 1);
	CU_ASSERT_EQUAL(count(ki, NULL, "vfs_*", &nblack), 3);
	CU_ASSERT_EQUAL(nblack, 0);
}

static void test_parse_kallsyms(void)
{
	KernelInfo *ki = sample();

	CU_ASSERT_TRUE(kernel_info_symbol(ki, NULL, "native_sched_clock"));
	CU_ASSERT_TRUE(kernel_info_symbol(ki, NULL, "_stext"));
	CU_ASSERT_TRUE(kernel_info_symbol(ki, "ext4", "ext4_helper"));
	CU_ASSERT_FALSE(kernel_info_symbol(ki, NULL, "ext4_helper"));
	CU_ASSERT_FALSE(kernel_info_symbol(ki, NULL, "jiffies"));       /* data */
	CU_ASSERT_FALSE(kernel_info_symbol(ki, "ext4", "ext4_fs_type"));
	CU_ASSERT_FALSE(kernel_info_symbol(ki, NULL, "weak_thing"));    /* not t/T */
	CU_ASSERT_FALSE(kernel_info_symbol(ki, NULL, "vfs_read"));      /* a function: not kept twice */
	CU_ASSERT_STRING_EQUAL(kernel_info_module_of(ki, "ext4_helper"), "ext4");
	/* symbols are no wildcard targets */
	CU_ASSERT_EQUAL(count(ki, NULL, "native_*", NULL), 0);
}

static void write_file(const char *dir, const char *rel, const char *content)
{
	char *path = xasprintf("%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(content, f);
	fclose(f);
}

static char *make_tree(void)
{
	char *dir = xstrdup("/tmp/sonde-ki-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	write_file(dir, "sys/kernel/tracing/available_filter_functions",
		   "vfs_read\nvfs_write\nkprobe_int3_handler\nv9fs_create [9p]\n");
	write_file(dir, "sys/kernel/debug/kprobes/blacklist",
		   "0xffffffff81000000-0xffffffff81000010\tkprobe_int3_handler\n");
	write_file(dir, "proc/kallsyms", "ffffffff81000000 T vfs_read\nffffffff81000100 t secret_notrace\n");
	write_file(dir, "proc/sys/kernel/osrelease", "6.1.0-tree\n");
	write_file(dir, "sys/kernel/tracing/events/enable", "0\n");
	write_file(dir, "sys/kernel/tracing/events/header_page", "field: u64 timestamp;\n");
	write_file(dir, "sys/kernel/tracing/events/sched/enable", "0\n");
	write_file(dir, "sys/kernel/tracing/events/sched/sched_switch/format", "name: sched_switch\nID: 2\n");
	write_file(dir, "sys/kernel/tracing/events/sched/sched_switch/enable", "0\n");
	write_file(dir, "sys/kernel/tracing/events/irq/irq_handler_entry/format", "name: irq_handler_entry\n");
	write_file(dir, "sys/kernel/tracing/events/ftrace/function/format", "name: function\n");
	return dir;
}

static void remove_tree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_read_tree(void)
{
	char *dir = make_tree(), *why = NULL;
	KernelInfo *ki = kernel_info_read_tree(dir, &why);
	const KernelTracepoint *tps;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ki);
	CU_ASSERT_STRING_EQUAL(kernel_info_release(ki), "6.1.0-tree");
	CU_ASSERT_PTR_NOT_NULL(kernel_info_function(ki, "9p", "v9fs_create"));
	CU_ASSERT_TRUE(kernel_info_blacklisted(ki, NULL, "kprobe_int3_handler"));
	CU_ASSERT_TRUE(kernel_info_symbol(ki, NULL, "secret_notrace"));    /* read when asked */
	/* tracepoints: sorted; ftrace/ and the plain files skipped */
	size_t n = kernel_info_tracepoints(ki, &tps);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(tps[0].system, "irq");
	CU_ASSERT_STRING_EQUAL(tps[1].event, "sched_switch");
	CU_ASSERT_STRING_EQUAL(tps[1].format, "name: sched_switch\nID: 2\n");
	CU_ASSERT_PTR_NOT_NULL(kernel_info_tracepoint(ki, "irq", "irq_handler_entry"));
	CU_ASSERT_PTR_NULL(kernel_info_tracepoint(ki, "ftrace", "function"));
	CU_ASSERT_PTR_NULL(kernel_info_tracepoint(ki, "sched", "enable"));

	/* without its function list a tree is no use: say which file */
	char *afl = xasprintf("%s/sys/kernel/tracing/available_filter_functions", dir);
	unlink(afl);
	CU_ASSERT_PTR_NULL(kernel_info_read_tree(dir, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, afl));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file"));
	remove_tree(dir);
}

static void test_cache_round_trip(void)
{
	KernelInfo *ki = sample();
	/* any bytes may be in a format file: newlines, a line "end" */
	kernel_info_add_tracepoint(ki, "odd", "ev", "end\ntracepoints 7\n\n");
	kernel_info_finish(ki);   /* (again: it sorts the tracepoints) */
	size_t len, len2;
	char *first = kernel_info_serialize(ki, &len), *why = NULL;

	CU_ASSERT_PTR_NOT_NULL(strstr(first, "sonde-kernel-facts 1\nrelease 6.1.0-test\nfunctions 8\n"));
	KernelInfo *back = kernel_info_parse_cache(xstrdup(first), len, &why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_STRING_EQUAL(kernel_info_release(back), "6.1.0-test");
	CU_ASSERT_PTR_NOT_NULL(kernel_info_function(back, "ext4", "ext4_file_open"));
	CU_ASSERT_TRUE(kernel_info_function(back, NULL, "do_int3")->blacklisted);
	CU_ASSERT_TRUE(kernel_info_blacklisted(back, NULL, "notify_die"));
	CU_ASSERT_TRUE(kernel_info_symbol(back, NULL, "native_sched_clock"));
	CU_ASSERT_TRUE(kernel_info_symbol(back, "ext4", "ext4_helper"));
	const KernelTracepoint *t = kernel_info_tracepoint(back, "odd", "ev");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL(t->format, "end\ntracepoints 7\n\n");
	CU_ASSERT_PTR_NOT_NULL(kernel_info_tracepoint(back, "block", "block_rq_issue"));
	/* what is read back writes out the same */
	char *second = kernel_info_serialize(back, &len2);
	CU_ASSERT_EQUAL(len, len2);
	CU_ASSERT_STRING_EQUAL(first, second);

	/* through a file */
	char path[] = "/tmp/sonde-ki-cache-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, first, len), (ssize_t)len);
	close(fd);
	back = kernel_info_load_cache(path, &why);
	CU_ASSERT_PTR_NOT_NULL(back);
	unlink(path);
	CU_ASSERT_PTR_NULL(kernel_info_load_cache(path, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
}

/* A cache cut anywhere, or with a count that lies, is refused. */
static void test_cache_corrupt(void)
{
	KernelInfo *ki = sample();
	size_t len;
	char *good = kernel_info_serialize(ki, &len), *why;

	/* (all but the last newline: a file may end without one) */
	for (size_t cut = 0; cut < len - 1; cut++) {
		char *t = xstrndup(good, cut);
		if (kernel_info_parse_cache(t, cut, &why)) {
			CU_FAIL("a truncated cache was accepted");
			printf("\n    accepted %zu of %zu bytes\n", cut, len);
			break;
		}
	}
	static const char *const bad[] = {
		"",
		"sonde-kernel-facts 2\nrelease x\n",
		"sonde-kernel-facts 1\nrelease \n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 99999999999999999999\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions -1\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 1\nf\nblacklist 0\nsymbols 0\ntracepoints 1\na b 999\nx\nend\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 1\nf\nblacklist 0\nsymbols 0\ntracepoints 1\na b 1\nxy\nend\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 1\nf\nblacklist 0\nsymbols 0\ntracepoints 1\na b -1\nx\nend\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 1\n\nblacklist 0\nsymbols 0\ntracepoints 0\nend\n",
		"sonde-kernel-facts 1\nrelease x\nfunctions 0\nblacklist 0\nsymbols 0\ntracepoints 0\nend?\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		why = NULL;
		CU_ASSERT_PTR_NULL(kernel_info_parse_cache(xstrdup(bad[i]), strlen(bad[i]), &why));
		CU_ASSERT_PTR_NOT_NULL(why);
	}
	const char *least = "sonde-kernel-facts 1\nrelease x\nfunctions 0\nblacklist 0\nsymbols 0\n"
			    "tracepoints 0\nend";   /* (no final newline: fine) */
	CU_ASSERT_PTR_NOT_NULL(kernel_info_parse_cache(xstrdup(least), strlen(least), &why));
}

static void test_glob(void)
{
	CU_ASSERT_FALSE(kernel_glob_is_pattern("vfs_read"));
	CU_ASSERT_FALSE(kernel_glob_is_pattern("vfs_read.isra.0"));
	CU_ASSERT_TRUE(kernel_glob_is_pattern("vfs_*"));
	CU_ASSERT_TRUE(kernel_glob_is_pattern("vfs_rea?"));
	CU_ASSERT_TRUE(kernel_glob_is_pattern("tcp_v[46]"));

	CU_ASSERT_TRUE(kernel_glob_match("vfs_*", "vfs_"));           /* * may be empty */
	CU_ASSERT_TRUE(kernel_glob_match("*", "x"));
	CU_ASSERT_TRUE(kernel_glob_match("**", "x"));
	CU_ASSERT_TRUE(kernel_glob_match("*read*", "vfs_readv"));
	CU_ASSERT_FALSE(kernel_glob_match("vfs_rea?", "vfs_rea"));    /* ? is exactly one */
	CU_ASSERT_FALSE(kernel_glob_match("vfs_rea?", "vfs_readv"));
	CU_ASSERT_TRUE(kernel_glob_match("tcp_v[46]_rcv", "tcp_v6_rcv"));
	CU_ASSERT_FALSE(kernel_glob_match("tcp_v[46]_rcv", "tcp_v5_rcv"));
	CU_ASSERT_TRUE(kernel_glob_match("tcp_v[!6]_rcv", "tcp_v4_rcv"));
	CU_ASSERT_FALSE(kernel_glob_match("tcp_v[!6]_rcv", "tcp_v6_rcv"));
	CU_ASSERT_TRUE(kernel_glob_match("x[a-c]", "xb"));
	CU_ASSERT_TRUE(kernel_glob_match("x[]a]", "x]"));             /* ] first is a member */
	CU_ASSERT_TRUE(kernel_glob_match("x[", "x["));                /* unclosed: literal */
	CU_ASSERT_TRUE(kernel_glob_match("a\\*", "a*"));              /* escaped: literal */
	CU_ASSERT_FALSE(kernel_glob_match("a\\*", "ab"));
	CU_ASSERT_TRUE(kernel_glob_match("foo.isra.*", "foo.isra.0"));
	CU_ASSERT_FALSE(kernel_glob_match("vfs_read", "vfs_readv"));  /* whole names */
}

/* The binary search on the literal prefix finds what a scan of every
 * function with fnmatch() finds, for patterns that stress it. */
static void test_match_against_scan(void)
{
	char *why;
	KernelInfo *ki = kernel_info_read_tree(FIXTURE, &why);
	static const char *const patterns[] = {
		"*", "vfs_*", "vfs_read", "vfs_read*", "vfs_rea?", "v*", "*_open", "*sys_*open*",
		"__x64_sys_*", "_*", "tcp_v[46]_*", "[a-c]*", "[!v]fs*", "zzz*", "", "vfs_\\*",
		"ext4_*", "do_*", "kprobe_*", "v9fs_*", "?", "[", "vfs_[",
	};
	static const char *const modules[] = { NULL, "*", "ext4", "e*", "9p", "none" };

	CU_ASSERT_PTR_NOT_NULL_FATAL(ki);
	const KernelFunction **all;
	size_t nall = kernel_info_match(ki, "*", "*", &all, NULL);
	const KernelFunction **image;
	size_t nimage = kernel_info_match(ki, NULL, "*", &image, NULL);
	CU_ASSERT(nall > 60 && nimage > 180);
	for (size_t p = 0; p < sizeof(patterns) / sizeof(*patterns); p++) {
		for (size_t m = 0; m < sizeof(modules) / sizeof(*modules); m++) {
			const KernelFunction **v;
			size_t n = kernel_info_match(ki, modules[m], patterns[p], &v, NULL), want = 0;
			const KernelFunction **pool = modules[m] ? all : image;
			size_t npool = modules[m] ? nall : nimage;
			for (size_t i = 0; i < npool; i++)
				if (fnmatch(patterns[p], pool[i]->name, 0) == 0 &&
				    (!modules[m] || fnmatch(modules[m], pool[i]->module, 0) == 0))
					if (want++ < n)     /* same order too */
						CU_ASSERT_PTR_EQUAL(v[want - 1], pool[i]);
			CU_ASSERT_EQUAL(n, want);
		}
	}
}

static void test_suggest(void)
{
	char *why;
	KernelInfo *ki = kernel_info_read_tree(FIXTURE, &why);

	CU_ASSERT_PTR_NOT_NULL_FATAL(ki);
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, NULL, "vfs_raed"), "vfs_read");
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, NULL, "vfs_raed*"), "vfs_read*");
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, NULL, "*sys_opnat*"), "*sys_openat*");
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, NULL, "tcp_v[46]_conect"), "tcp_v[46]_connect");
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, NULL, "ksys_rea?_x*"), "ksys_rea?*");
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest(ki, "ext4", "ext4_fiel_*"), "ext4_file_*");
	CU_ASSERT_PTR_NULL(kernel_info_suggest(ki, NULL, "sonde_no_such_fn_*"));
	CU_ASSERT_PTR_NULL(kernel_info_suggest(ki, NULL, "ext4_file_open"));     /* not in scope */
	CU_ASSERT_PTR_NULL(kernel_info_suggest(ki, NULL, "kprobe_emulate_jm*")); /* blacklisted */
	/* a corrected pattern always matches something */
	static const char *const typos[] = { "vfs_wirte*", "*opne*", "__x64_sys_reed*", "vfs_[rw]aed" };
	for (size_t i = 0; i < sizeof(typos) / sizeof(*typos); i++) {
		char *fix = kernel_info_suggest(ki, NULL, typos[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fix);
		CU_ASSERT(count(ki, NULL, fix, NULL) > 0);
	}
	CU_ASSERT_STRING_EQUAL(kernel_info_suggest_module(ki, "ext5"), "ext4");
	CU_ASSERT_PTR_NULL(kernel_info_suggest_module(ki, "xfs"));
}

/* ---- elaboration against the fixture -------------------------------------- */

static char *diags;

static int analyze(const char *src, Script *s)
{
	size_t len;
	FILE *f = open_memstream(&diags, &len);

	memset(s, 0, sizeof(*s));
	diag_set_stream(f);
	diag_reset();
	int rc = pipeline_parse(s, srcfile_from_text("t.stp", src));
	if (rc == 0)
		rc = pipeline_analyze(s);
	fclose(f);
	diag_set_stream(NULL);
	diag_reset();
	return rc;
}

static void test_elaborate_wildcards(void)
{
	Script s;

	/* no source of facts: nothing is read, wildcards cannot expand */
	kernel_info_use_path("none", 0);
	CU_ASSERT_NOT_EQUAL(analyze("probe kernel.function(\"vfs_*\") { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "cannot expand the wildcard"));
	CU_ASSERT_EQUAL(analyze("probe kernel.function(\"sonde_made_up\") { }", &s), 0);

	kernel_info_use_path(FIXTURE, 0);
	CU_ASSERT_EQUAL_FATAL(analyze("probe kernel.function(\"vfs_rea*\").return, "
				      "module(\"ext4\").function(\"ext4_file_op*\") { }", &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.npoints, 4);
	ConcretePoint *p = s.points;
	CU_ASSERT_EQUAL(p->kind, PK_KRETPROBE);
	CU_ASSERT_STRING_EQUAL(p->symbol, "vfs_read");
	CU_ASSERT_STRING_EQUAL(p->text, "kernel.function(\"vfs_read\").return");
	CU_ASSERT_STRING_EQUAL(p->next->symbol, "vfs_readlink");
	CU_ASSERT_STRING_EQUAL(p->next->next->symbol, "vfs_readv");
	ConcretePoint *m = p->next->next->next;
	CU_ASSERT_EQUAL(m->kind, PK_KPROBE);
	CU_ASSERT_STRING_EQUAL(m->symbol, "ext4:ext4_file_open");
	CU_ASSERT_STRING_EQUAL(m->text, "module(\"ext4\").function(\"ext4_file_open\")");
	for (ConcretePoint *c = s.points; c; c = c->next)
		CU_ASSERT_PTR_EQUAL(c->handler, s.handlers);   /* one handler for all */

	/* the blacklist filters wildcards and refuses names */
	CU_ASSERT_EQUAL(analyze("probe kernel.function(\"do_*\") { }", &s), 0);
	for (ConcretePoint *c = s.points; c; c = c->next)
		CU_ASSERT_STRING_NOT_EQUAL(c->symbol, "do_int3");
	CU_ASSERT_EQUAL(s.npoints, 5);
	CU_ASSERT_NOT_EQUAL(analyze("probe kernel.function(\"do_int3\") { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "kprobe blacklist"));
	CU_ASSERT_EQUAL(analyze("probe kernel.function(\"do_int3\") ?, begin { }", &s), 0);
	CU_ASSERT_EQUAL(s.npoints, 1);

	/* the cap, and -D MAXPROBES */
	opt.defines = (const char *[]){ "MAXPROBES=3" };
	opt.ndefines = 1;
	CU_ASSERT_EQUAL(analyze("probe kernel.function(\"vfs_rea*\") { }", &s), 0);
	CU_ASSERT_NOT_EQUAL(analyze("probe kernel.function(\"vfs_rea*\"), kernel.function(\"vfs_write\") { }", &s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(diags, "too many function probes"));
	opt.defines = NULL;
	opt.ndefines = 0;
	kernel_info_use_path("none", 0);
}

void register_kernel_info_tests(void)
{
	CU_pSuite s = CU_add_suite("kernel_info: target kernel facts, globs, cache", NULL, NULL);

	CU_add_test(s, "available_filter_functions", test_parse_functions);
	CU_add_test(s, "kprobe blacklist", test_parse_blacklist);
	CU_add_test(s, "kallsyms", test_parse_kallsyms);
	CU_add_test(s, "a tree like /, tracepoints", test_read_tree);
	CU_add_test(s, "cache round trip", test_cache_round_trip);
	CU_add_test(s, "corrupt caches refused", test_cache_corrupt);
	CU_add_test(s, "glob edge cases", test_glob);
	CU_add_test(s, "matching = scanning with fnmatch", test_match_against_scan);
	CU_add_test(s, "did you mean", test_suggest);
	CU_add_test(s, "wildcard elaboration", test_elaborate_wildcards);
}
