/*
 * test_loader.c - unit tests of sonde-run's pure logic (loader/util.c):
 * module names, the record stream, stale-module detection over a fake
 * /proc/modules, and the end-of-run messages.
 *
 * loader/util.c is not part of the unit-test link (the Makefile builds it
 * only into sonde-run), so it is compiled into this file.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <string.h>

#include "../../loader/util.c"

/* ---- module names ------------------------------------------------------ */

static void test_module_name(void)
{
	char name[LOADER_NAME_MAX + 8];

	CU_ASSERT_EQUAL(loader_module_name("/tmp/x/hello.ko", name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "hello");
	CU_ASSERT_EQUAL(loader_module_name("my-script.ko", name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "my_script");
	CU_ASSERT_EQUAL(loader_module_name("/tmp/.ko", name, sizeof(name)), -1);
	CU_ASSERT_EQUAL(loader_module_name("hello.o", name, sizeof(name)), -1);
	CU_ASSERT_EQUAL(loader_module_name("dir.ko/hello", name, sizeof(name)), -1);
	CU_ASSERT_EQUAL(loader_module_name(
		"a_name_that_is_far_too_long_for_the_kernel_to_accept_it_at_all.ko",
		name, sizeof(name)), -1);
}

/* ---- records ------------------------------------------------------------- */

struct seen {
	int n;
	uint32_t type[8];
	char text[8][32];
	int stop_after;         /* return nonzero after this many records */
};

static int collect(uint32_t type, const char *payload, uint32_t len, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->type[s->n] = type;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)len, payload);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static size_t put(char *buf, size_t off, uint32_t type, const char *text)
{
	struct sonde_msg h = { .type = type, .len = (uint32_t)strlen(text) };

	memcpy(buf + off, &h, sizeof(h));
	memcpy(buf + off + sizeof(h), text, h.len);
	return off + sizeof(h) + h.len;
}

static void test_parse_records(void)
{
	char buf[256];
	struct seen s = { 0 };
	size_t n = 0;

	n = put(buf, n, SONDE_MSG_STDOUT, "hello\n");
	n = put(buf, n, SONDE_MSG_STDERR, "ERROR: x\n");
	n = put(buf, n, SONDE_MSG_EXIT, "");
	CU_ASSERT_EQUAL(loader_parse_records(buf, n, collect, &s), (long)n);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(s.type[0], SONDE_MSG_STDOUT);
	CU_ASSERT_STRING_EQUAL(s.text[0], "hello\n");
	CU_ASSERT_EQUAL(s.type[1], SONDE_MSG_STDERR);
	CU_ASSERT_STRING_EQUAL(s.text[1], "ERROR: x\n");
	CU_ASSERT_EQUAL(s.type[2], SONDE_MSG_EXIT);
	CU_ASSERT_STRING_EQUAL(s.text[2], "");
}

static void test_parse_partial(void)
{
	char buf[256];
	struct seen s = { 0 };
	size_t first, n;

	first = put(buf, 0, SONDE_MSG_STDOUT, "one");
	n = put(buf, first, SONDE_MSG_STDOUT, "two");
	/* a cut record is left for later, header or payload */
	CU_ASSERT_EQUAL(loader_parse_records(buf, n - 1, collect, &s), (long)first);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_EQUAL(loader_parse_records(buf, first + 3, collect, &s), (long)first);
	CU_ASSERT_EQUAL(loader_parse_records(buf, 0, collect, &s), 0);
}

static void test_parse_stop_and_malformed(void)
{
	char buf[256];
	struct seen s = { .stop_after = 1 };
	struct sonde_msg bad = { .type = SONDE_MSG_STDOUT, .len = SONDE_MSG_MAX };
	size_t first, n;

	first = put(buf, 0, SONDE_MSG_DONE, "12345678");
	n = put(buf, first, SONDE_MSG_STDOUT, "after");
	CU_ASSERT_EQUAL(loader_parse_records(buf, n, collect, &s), (long)first);
	CU_ASSERT_EQUAL(s.n, 1);

	memcpy(buf, &bad, sizeof(bad));
	CU_ASSERT_EQUAL(loader_parse_records(buf, sizeof(bad), collect, &s), -1);
}

/* ---- stale modules ------------------------------------------------------- */

static const char fake_modules[] =
	"sonde_old 45056 0 - Live 0x0000000000000000 (OE)\n"
	"ext4 999424 1 - Live 0x0000000000000000\n"
	"sonde_live 45056 2 - Live 0x0000000000000000 (OE)\n"
	"sonde_hand 45056 0 - Live 0x0000000000000000 (OE)\n"
	"crc16 16384 1 ext4, Live 0x0000000000000000";

static int fake_owner(const char *module, void *arg)
{
	if (!strcmp(module, "sonde_old"))
		return 4242;    /* gone */
	if (!strcmp(module, "sonde_live"))
		return 77;      /* alive */
	if (!strcmp(module, "sonde_hand"))
		return 0;       /* loaded by hand */
	return -1;              /* not a sonde module */
}

static bool fake_alive(int pid, void *arg)
{
	return pid == 77;
}

struct found {
	int n;
	char names[4][32];
	enum loader_mod_state st[4];
	int pid[4];
};

static void on_found(const char *name, enum loader_mod_state st, int pid, void *arg)
{
	struct found *f = arg;

	if (f->n < 4) {
		snprintf(f->names[f->n], sizeof(f->names[0]), "%s", name);
		f->st[f->n] = st;
		f->pid[f->n] = pid;
	}
	f->n++;
}

static void test_scan_modules(void)
{
	struct loader_sys sys = { .owner_pid = fake_owner, .pid_alive = fake_alive };
	struct found f = { 0 };

	CU_ASSERT_EQUAL(loader_scan_modules(fake_modules, &sys, on_found, &f), 3);
	CU_ASSERT_EQUAL(f.n, 3);
	CU_ASSERT_STRING_EQUAL(f.names[0], "sonde_old");
	CU_ASSERT_EQUAL(f.st[0], LOADER_MOD_STALE);
	CU_ASSERT_EQUAL(f.pid[0], 4242);
	CU_ASSERT_STRING_EQUAL(f.names[1], "sonde_live");
	CU_ASSERT_EQUAL(f.st[1], LOADER_MOD_LIVE);
	CU_ASSERT_STRING_EQUAL(f.names[2], "sonde_hand");
	CU_ASSERT_EQUAL(f.st[2], LOADER_MOD_STALE);

	f.n = 0;
	CU_ASSERT_EQUAL(loader_scan_modules("", &sys, on_found, &f), 0);
	CU_ASSERT_EQUAL(f.n, 0);
}

/* ---- messages ---------------------------------------------------------- */

static void test_done_summary(void)
{
	struct sonde_done d = { 0 };
	char buf[512];

	CU_ASSERT_EQUAL(loader_done_summary(&d, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");

	d.errors = 2;
	d.skipped = 5;
	loader_done_summary(&d, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "WARNING: Number of errors: 2, skipped probes: 5\n");

	d.errors = 0;
	d.skipped = 0;
	d.dropped = 3;
	d.dropped_bytes = 1200;
	loader_done_summary(&d, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "WARNING: 3 output records (1200 bytes) were "
			       "dropped: the output buffer was full\n");

	d.skipped = 1;
	CU_ASSERT_EQUAL(loader_done_summary(&d, buf, sizeof(buf)), strlen(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "skipped probes: 1\nWARNING: 3 output"));

	/* a small buffer truncates, still terminated */
	CU_ASSERT_EQUAL(loader_done_summary(&d, buf, 10), 9);
	CU_ASSERT_EQUAL(strlen(buf), 9);
}

static void test_load_error(void)
{
	CU_ASSERT_PTR_NOT_NULL(strstr(loader_load_error(EPERM), "CAP_SYS_MODULE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(loader_load_error(ENOEXEC), "different kernel"));
	CU_ASSERT_PTR_NOT_NULL(loader_load_error(12345));
}

void register_loader_tests(void)
{
	CU_pSuite s = CU_add_suite("loader", NULL, NULL);

	CU_add_test(s, "module name", test_module_name);
	CU_add_test(s, "parse records", test_parse_records);
	CU_add_test(s, "parse partial", test_parse_partial);
	CU_add_test(s, "parse stop / malformed", test_parse_stop_and_malformed);
	CU_add_test(s, "scan modules", test_scan_modules);
	CU_add_test(s, "done summary", test_done_summary);
	CU_add_test(s, "load error", test_load_error);
}
