/*
 * test_btf.c - unit tests of the kernel's types (compiler/btf.[ch]) and of
 * target expressions planned from them (compiler/target_vars.[ch]).
 *
 * Two sources of BTF:
 *   - a small BTF built here with libbpf and handed to sonde through
 *     $SONDE_BTF, as the language tests do: always runs;
 *   - the real BTF of the installed kernel (the VM's default one, from its
 *     cached vmlinux; extracting it takes a second the first time): the
 *     parameters of vfs_read and the offsets of a member chain, which are
 *     checked against the layout of Debian's 6.1 kernels (pahole agrees).
 *     Skipped, with a note, when no kernel is installed.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <bpf/btf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf.h"
#include "parse.h"
#include "session.h"
#include "target_vars.h"
#include "vm.h"

/* ---- the fixture -------------------------------------------------------- */

static char fixture[] = "/tmp/sonde-btf-XXXXXX";

/*
 * struct inner { int a; unsigned int flag:1, mode:3; };
 * struct outer { long id; struct inner in; union { struct { short lo, hi; }; int both; };
 *                char name[8]; struct outer *next; void *opaque; int vals[4]; };
 * typedef struct outer outer_t;
 * int probe_me(struct outer *o, unsigned char c, long n);
 */
static int make_fixture(void)
{
	struct btf *b = btf__new_empty();
	int t_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int t_uint = btf__add_int(b, "unsigned int", 4, 0);
	int t_short = btf__add_int(b, "short int", 2, BTF_INT_SIGNED);
	int t_long = btf__add_int(b, "long int", 8, BTF_INT_SIGNED);
	int t_char = btf__add_int(b, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	int t_uchar = btf__add_int(b, "unsigned char", 1, 0);
	int t_name = btf__add_array(b, t_int, t_char, 8);
	int t_vals = btf__add_array(b, t_int, t_int, 4);
	int t_void_ptr = btf__add_ptr(b, 0);
	int t_outer_ptr = btf__add_ptr(b, btf__type_cnt(b) + 4);   /* struct outer, below */

	int t_inner = btf__add_struct(b, "inner", 8);
	btf__add_field(b, "a", t_int, 0, 0);
	btf__add_field(b, "flag", t_uint, 32, 1);
	btf__add_field(b, "mode", t_uint, 33, 3);
	int t_lohi = btf__add_struct(b, NULL, 4);
	btf__add_field(b, "lo", t_short, 0, 0);
	btf__add_field(b, "hi", t_short, 16, 0);
	int t_u = btf__add_union(b, NULL, 4);
	btf__add_field(b, NULL, t_lohi, 0, 0);
	btf__add_field(b, "both", t_int, 0, 0);
	int t_outer = btf__add_struct(b, "outer", 72);
	btf__add_field(b, "id", t_long, 0, 0);
	btf__add_field(b, "in", t_inner, 64, 0);
	btf__add_field(b, NULL, t_u, 128, 0);
	btf__add_field(b, "name", t_name, 160, 0);
	btf__add_field(b, "next", t_outer_ptr, 256, 0);
	btf__add_field(b, "opaque", t_void_ptr, 320, 0);
	btf__add_field(b, "vals", t_vals, 384, 0);
	btf__add_typedef(b, "outer_t", t_outer);
	int proto = btf__add_func_proto(b, t_int);
	btf__add_func_param(b, "o", t_outer_ptr);
	btf__add_func_param(b, "c", t_uchar);
	btf__add_func_param(b, "n", t_long);
	btf__add_func(b, "probe_me", BTF_FUNC_GLOBAL, proto);

	__u32 size;
	const void *raw = btf__raw_data(b, &size);
	int fd = mkstemp(fixture);
	int ok = t_outer > 0 && raw && fd >= 0 && write(fd, raw, size) == (ssize_t)size;
	if (fd >= 0)
		close(fd);
	btf__free(b);
	if (!ok)
		return -1;
	setenv("SONDE_BTF", fixture, 1);
	return 0;
}

static int drop_fixture(void)
{
	unlink(fixture);
	unsetenv("SONDE_BTF");
	return 0;
}

/* The target expression of `probe kernel.function("F") { EXPR }`. */
static Expr *parse_target(const char *fn, const char *text)
{
	char *script = NULL;
	if (asprintf(&script, "probe kernel.function(\"%s\") { x = %s }", fn, text) < 0)
		return NULL;
	Program *p = parse_program(srcfile_from_text("t.stp", script), 0, NULL);
	if (!p || !p->probes || !p->probes->body->body)
		return NULL;
	return p->probes->body->body->expr->rhs;
}

static bool plan(const char *fn, bool ret, const char *text, TvPlan *out, KError *err)
{
	TvSite site = { fn, ret, { 0 } };
	Expr *e = parse_target(fn, text);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	err->msg = NULL;
	return tv_plan(e, &site, out, err);
}

static void test_function(void)
{
	KFunc f;
	char *err = NULL;

	CU_ASSERT_FATAL(kbtf_function("probe_me", &f, &err));
	CU_ASSERT_EQUAL_FATAL(f.nparams, 3);
	CU_ASSERT_STRING_EQUAL(f.params[0].name, "o");
	CU_ASSERT_EQUAL(f.params[0].type.kind, KT_PTR);
	CU_ASSERT_EQUAL(f.params[1].type.size, 1);
	CU_ASSERT_FALSE(f.params[1].type.is_signed);
	CU_ASSERT_EQUAL(f.params[2].slot, 2);
	CU_ASSERT_EQUAL(f.ret.kind, KT_INT);
	CU_ASSERT_STRING_EQUAL(kbtf_param_list(&f), "$o, $c, $n");
	CU_ASSERT_FALSE(kbtf_function("missing", &f, &err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no function 'missing'"));
	CU_ASSERT_FALSE(kbtf_function("nomod:f", &f, &err));
}

static void test_chain(void)
{
	TvPlan p;
	KError err;

	/* through the pointer, a struct member, then a bitfield */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->in.mode", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_LOAD);
	CU_ASSERT_EQUAL(p.type, TY_LONG);
	CU_ASSERT_EQUAL(p.access.base, KB_ARG);
	CU_ASSERT_EQUAL(p.access.slot, 0);
	CU_ASSERT_EQUAL_FATAL(p.access.nsteps, 1);
	CU_ASSERT_EQUAL(p.access.steps[0].kind, KS_ADD);
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 12);
	CU_ASSERT_EQUAL(p.access.bit_offset, 1);
	CU_ASSERT_EQUAL(p.access.bit_size, 3);

	/* an anonymous struct in an anonymous union; `.` and `->` alike */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o.hi", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 18);
	CU_ASSERT_EQUAL(p.access.type.size, 2);
	CU_ASSERT(p.access.type.is_signed);

	/* a pointer stored in memory is loaded, then followed */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->next->next->id", &p, &err));
	CU_ASSERT_EQUAL_FATAL(p.access.nsteps, 4);
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 32);
	CU_ASSERT_EQUAL(p.access.steps[1].kind, KS_LOAD_PTR);
	CU_ASSERT_STRING_EQUAL(p.access.steps[1].path, "$o->next");
	CU_ASSERT_EQUAL(p.access.steps[2].offset, 32);
	CU_ASSERT_EQUAL(p.access.steps[3].kind, KS_LOAD_PTR);
	CU_ASSERT_STRING_EQUAL(p.access.path, "$o->next->next->id");

	/* arrays: a constant index is an offset, another a scaled index */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->vals[3]", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 48 + 12);
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->vals[$n]", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[1].kind, KS_INDEX);
	CU_ASSERT_EQUAL(p.access.steps[1].scale, 4);

	/* a char array is a string, a register argument a value */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->name", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_STRING);
	CU_ASSERT_EQUAL(p.type, TY_STRING);
	CU_ASSERT_EQUAL(p.max, 8);
	CU_ASSERT_FATAL(plan("probe_me", false, "$c", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_VALUE);
	CU_ASSERT_EQUAL(p.access.slot, 1);

	/* & of a member in memory */
	CU_ASSERT_FATAL(plan("probe_me", false, "&$o->in", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_ADDRESS);

	/* @cast: a typedef name, the value is the address */
	CU_ASSERT_FATAL(plan("probe_me", false, "@cast($n, \"outer_t\")->in->a", &p, &err));
	CU_ASSERT_EQUAL(p.access.base, KB_VALUE);
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 8);

	/* $return and the raw registers */
	CU_ASSERT_FATAL(plan("probe_me", true, "$return", &p, &err));
	CU_ASSERT_EQUAL(p.access.base, KB_RETURN);
	CU_ASSERT_EQUAL(p.access.type.size, 4);
	CU_ASSERT_FATAL(plan("no_btf_here", false, "$arg3", &p, &err));
	CU_ASSERT_EQUAL(p.access.slot, 2);
}

static void expect_error(const char *fn, bool ret, const char *text, const char *msg)
{
	TvPlan p;
	KError err;

	CU_ASSERT_FALSE(plan(fn, ret, text, &p, &err));
	if (!err.msg || !strstr(err.msg, msg)) {
		CU_FAIL("wrong error");
		fprintf(stderr, "\n%s: got \"%s\", wanted \"%s\"\n", text, err.msg ? err.msg : "", msg);
	}
}

static void test_errors(void)
{
	expect_error("probe_me", false, "$x", "has no parameter '$x' (its parameters: $o, $c, $n)");
	expect_error("probe_me", false, "$o->nxt", "'struct outer' has no member named 'nxt'; "
		     "did you mean 'next'?");
	expect_error("probe_me", false, "$o->lo_", "did you mean 'lo'?");   /* anonymous too */
	expect_error("probe_me", false, "$n->x", "'->x' needs a struct, a union or a pointer to "
		     "one, but '$n' is a 'long int'");
	expect_error("probe_me", false, "$n[1]", "'[' needs an array or a pointer");
	expect_error("probe_me", false, "$o->in", "'$o->in' is a 'struct inner', not a number");
	expect_error("probe_me", false, "$o->vals", "is an 'int[4]', not a number or a string");
	expect_error("probe_me", false, "$o->vals[4]", "index 4 is out of the bounds");
	expect_error("probe_me", false, "$o->opaque->x", "is a 'void *', which has no members");
	expect_error("probe_me", false, "$o->in.flag->x", "is a bitfield: it has no members");
	expect_error("probe_me", false, "&$o->in.flag", "is a bitfield, which has no address");
	expect_error("probe_me", false, "&$n", "has no address");
	expect_error("probe_me", true, "$o", "at a .return probe");
	expect_error("probe_me", false, "@cast($n, \"outr\")->id", "did you mean 'outer'?");
	expect_error("probe_me", false, "@cast($n, \"outer *\")->id", "without '*'");
	expect_error("no_btf_here", false, "$fd", "has no function 'no_btf_here'");
	expect_error("no_btf_here", false, "$arg1->x", "untyped register value");
}

/* The texts of a pretty-printing plan, its values shown as "#". */
static char *texts(const TvPlan *p)
{
	StrBuf sb = { 0 };

	for (int i = 0; i < p->pretty.n; i++) {
		sb_puts(&sb, p->pretty.items[i].text);
		if (p->pretty.items[i].kind != KP_TEXT)
			sb_putc(&sb, p->pretty.items[i].kind == KP_HEX ? 'x'
				     : p->pretty.items[i].kind == KP_CHARS ? 's' : '#');
	}
	return sb_steal(&sb);
}

static void test_pretty(void)
{
	TvPlan p;
	KError err;

	CU_ASSERT_FATAL(plan("probe_me", false, "$o$", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_PRETTY);
	CU_ASSERT_STRING_EQUAL(texts(&p), "{.id=#, .in={...}, .lo=#, .hi=#, .both=#, .name=s, "
			       ".next=x, .opaque=x, .vals=[...]}");
	CU_ASSERT_FATAL(plan("probe_me", false, "$o$$", &p, &err));
	CU_ASSERT_STRING_EQUAL(texts(&p), "{.id=#, .in={.a=#, .flag=#, .mode=#}, .lo=#, .hi=#, "
			       ".both=#, .name=s, .next=x, .opaque=x, .vals=[#, #, #, #]}");
	CU_ASSERT_FATAL(plan("probe_me", false, "$$parms", &p, &err));
	CU_ASSERT_STRING_EQUAL(texts(&p), "o=x c=x n=x");
	CU_ASSERT_EQUAL(p.nbases, 3);
	CU_ASSERT_FATAL(plan("probe_me", false, "$$parms$", &p, &err));
	CU_ASSERT_STRING_EQUAL(texts(&p), "o={.id=#, .in={...}, .lo=#, .hi=#, .both=#, .name=s, "
			       ".next=x, .opaque=x, .vals=[...]} c=# n=#");
	CU_ASSERT_FATAL(plan("probe_me", true, "$$return", &p, &err));
	CU_ASSERT_STRING_EQUAL(texts(&p), "return=x");
	CU_ASSERT_FATAL(plan("probe_me", false, "$$locals", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_EMPTY);
	/* a pointer in memory is loaded before its struct is shown */
	CU_ASSERT_FATAL(plan("probe_me", false, "$o->next$", &p, &err));
	CU_ASSERT_EQUAL(p.bases[0].steps[p.bases[0].nsteps - 1].kind, KS_LOAD_PTR);
}

static void test_type_names(void)
{
	const char *why;
	const struct btf *b = kbtf_open(NULL, &why);
	KType k;
	char *err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_FATAL(kbtf_named_type(b, "struct outer", &k, &err));
	CU_ASSERT_EQUAL(k.kind, KT_STRUCT);
	CU_ASSERT_EQUAL(k.size, 72);
	CU_ASSERT_FATAL(kbtf_named_type(b, "outer_t", &k, &err));
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(b, k.decl), "outer_t");
	CU_ASSERT_FALSE(kbtf_named_type(b, "union outer", &k, &err));
	KFunc f;
	CU_ASSERT_FATAL(kbtf_function("probe_me", &f, &err));
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(b, f.params[0].type.decl), "struct outer *");
	CU_ASSERT_PTR_NULL(kbtf_open("some_module", &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "$SONDE_BTF"));
}

/* ---- the installed kernel ------------------------------------------------ */

static const char *installed;   /* its release, or NULL: skipped */

static int open_installed(void)
{
	const char *why;

	unsetenv("SONDE_BTF");
	installed = vm_default_krelease();
	opt.krelease = installed;
	if (installed && !kbtf_open(NULL, &why)) {
		printf("\n    note: test_btf: no BTF for kernel %s (%s): skipped\n", installed, why);
		installed = NULL;
	} else if (!installed) {
		printf("\n    note: test_btf: no kernel installed under /boot: skipped\n");
	}
	return 0;
}

static int close_installed(void)
{
	opt.krelease = NULL;
	return 0;
}

static void test_vfs_read(void)
{
	KFunc f;
	char *err = NULL;
	static const char *const names[] = { "file", "buf", "count", "pos" };

	if (!installed)
		return;
	CU_ASSERT_FATAL(kbtf_function("vfs_read", &f, &err));
	CU_ASSERT_EQUAL_FATAL(f.nparams, 4);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_STRING_EQUAL(f.params[i].name, names[i]);
		CU_ASSERT_EQUAL(f.params[i].slot, i);
	}
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(f.btf, f.params[0].type.decl), "struct file *");
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(f.btf, f.params[1].type.decl), "char *");
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(f.btf, f.params[2].type.decl), "size_t");
	CU_ASSERT_EQUAL(f.params[2].type.kind, KT_INT);
	CU_ASSERT_EQUAL(f.params[2].type.size, 8);
	CU_ASSERT_FALSE(f.params[2].type.is_signed);
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(f.btf, f.params[3].type.decl), "loff_t *");
	CU_ASSERT_STRING_EQUAL(kbtf_type_name(f.btf, f.ret.decl), "ssize_t");
	CU_ASSERT(f.ret.is_signed);
}

static void test_vfs_read_chain(void)
{
	TvPlan p;
	KError err;

	if (!installed)
		return;
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_name.name", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_LOAD);
	CU_ASSERT_EQUAL(p.access.type.kind, KT_PTR);
	CU_ASSERT_EQUAL_FATAL(p.access.nsteps, 3);
	CU_ASSERT_EQUAL(p.access.steps[1].kind, KS_LOAD_PTR);
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_name->len", &p, &err));
	CU_ASSERT_EQUAL(p.access.type.size, 4);   /* u32, in qstr's anonymous union */
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_iname", &p, &err));
	CU_ASSERT_EQUAL(p.final, TF_STRING);
	if (strncmp(installed, "6.1.", 4) != 0) {
		printf("\n    note: test_btf: offsets are known for 6.1 kernels, not %s: "
		       "not checked\n", installed);
		return;
	}
	/* struct file: a 16-byte union, then f_path; path.dentry at 8;
	 * dentry.d_name at 32, qstr.name at 8, qstr.len at 4, d_iname[32]
	 * at 56; file.f_pos at 104 (pahole of 6.1.0-56-amd64) */
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_name.name", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 24);
	CU_ASSERT_EQUAL(p.access.steps[2].offset, 40);
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_name->len", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[2].offset, 36);
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_path.dentry->d_iname", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[2].offset, 56);
	CU_ASSERT_EQUAL(p.max, 32);
	CU_ASSERT_FATAL(plan("vfs_read", false, "$file->f_pos", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 104);
	CU_ASSERT(p.access.type.is_signed);
	/* task_struct.in_execve:1 is bit 18754 (byte 2344, bit 2) */
	CU_ASSERT_FATAL(plan("vfs_read", false, "@cast(0, \"task_struct\")->in_execve", &p, &err));
	CU_ASSERT_EQUAL(p.access.steps[0].offset, 2344);
	CU_ASSERT_EQUAL(p.access.bit_offset, 2);
	CU_ASSERT_EQUAL(p.access.bit_size, 1);
}

void register_btf_tests(void)
{
	CU_pSuite s = CU_add_suite("btf: a fixture's types and target expressions", make_fixture,
				   drop_fixture);
	CU_add_test(s, "function parameters", test_function);
	CU_add_test(s, "access chains", test_chain);
	CU_add_test(s, "errors", test_errors);
	CU_add_test(s, "pretty-printing plans", test_pretty);
	CU_add_test(s, "type names", test_type_names);
	s = CU_add_suite("btf: the installed kernel", open_installed, close_installed);
	CU_add_test(s, "vfs_read's parameters", test_vfs_read);
	CU_add_test(s, "a member chain of vfs_read", test_vfs_read_chain);
}
