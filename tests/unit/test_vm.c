/*
 * test_vm.c - unit tests of the VM target's pure parts: the newc cpio
 * writer (archives are parsed back here, and listed with cpio(1) when it
 * is installed), module load ordering from a fake modules.dep, kernel
 * release selection over fake /boot and /lib/modules trees, and the
 * quoting of the guest's /job file (checked by letting /bin/sh read it).
 * Booting a guest is left to the integration tests.
 */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "vm.h"

/* ------------------------------------------------------------- cpio */

struct entry {
	char name[64];
	unsigned mode, nlink, rmaj, rmin;
	size_t size;
	const char *data;
};

static unsigned hex8(const char *p)
{
	char tmp[9];

	memcpy(tmp, p, 8);
	tmp[8] = '\0';
	return strtoul(tmp, NULL, 16);
}

/* Parses a newc archive into e[]; returns the count (trailer excluded)
 * or -1 if the layout is wrong. */
static int parse_newc(const char *buf, size_t len, struct entry *e, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 110 <= len && n < max) {
		const char *h = buf + off;
		size_t namesize, size;

		if (memcmp(h, "070701", 6) || off % 4)
			return -1;
		namesize = hex8(h + 94);
		size = hex8(h + 54);
		if (off + 110 + namesize > len || h[110 + namesize - 1] != '\0')
			return -1;
		if (!strcmp(h + 110, "TRAILER!!!"))
			return n;
		snprintf(e[n].name, sizeof(e[n].name), "%s", h + 110);
		e[n].mode = hex8(h + 14);
		e[n].nlink = hex8(h + 38);
		e[n].rmaj = hex8(h + 78);
		e[n].rmin = hex8(h + 86);
		e[n].size = size;
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		e[n].data = buf + off;
		off = (off + size + 3) & ~(size_t)3;
		n++;
	}
	return -1;
}

/* Writes a small archive of every entry type into a memory buffer. */
static int write_sample(char **buf, size_t *len, const char *host_file)
{
	FILE *f = open_memstream(buf, len);
	struct cpio c;

	cpio_init(&c, f);
	cpio_add_dir(&c, "/bin", 0755);
	cpio_add_file(&c, "bin/hello", 0644, "hello\n", 6);
	cpio_add_file(&c, "empty", 0600, "", 0);
	cpio_add_symlink(&c, "bin/sh", "busybox");
	cpio_add_node(&c, "dev/console", S_IFCHR | 0600, 5, 1);
	cpio_add_host_file(&c, "copy", 0, host_file);
	int rc = cpio_finish(&c);
	fclose(f);
	return rc;
}

static char *make_host_file(const char *text)
{
	char *path = strdup("/tmp/sonde-test-vm-XXXXXX");
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	fchmod(fd, 0640);
	close(fd);
	return path;
}

static void test_cpio_roundtrip(void)
{
	char *host = make_host_file("from the host\n"), *buf = NULL;
	size_t len = 0;
	struct entry e[16];

	CU_ASSERT_EQUAL_FATAL(write_sample(&buf, &len, host), 0);
	CU_ASSERT_EQUAL(len % 512, 0);
	int n = parse_newc(buf, len, e, 16);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	CU_ASSERT_STRING_EQUAL(e[0].name, "bin");
	CU_ASSERT_EQUAL(e[0].mode, S_IFDIR | 0755);
	CU_ASSERT_EQUAL(e[0].nlink, 2);
	CU_ASSERT_STRING_EQUAL(e[1].name, "bin/hello");
	CU_ASSERT_EQUAL(e[1].mode, S_IFREG | 0644);
	CU_ASSERT(e[1].size == 6 && !memcmp(e[1].data, "hello\n", 6));
	CU_ASSERT_EQUAL(e[2].size, 0);
	CU_ASSERT_EQUAL(e[3].mode, S_IFLNK | 0777);
	CU_ASSERT(e[3].size == 7 && !memcmp(e[3].data, "busybox", 7));
	CU_ASSERT_EQUAL(e[4].mode, S_IFCHR | 0600);
	CU_ASSERT(e[4].rmaj == 5 && e[4].rmin == 1);
	CU_ASSERT_EQUAL(e[5].mode, S_IFREG | 0640);	/* the host file's bits */
	CU_ASSERT(e[5].size == 14 && !memcmp(e[5].data, "from the host\n", 14));
	unlink(host);
	free(host);
	free(buf);
}

/* cpio(1), if installed, must list what we wrote. */
static void test_cpio_tool(void)
{
	char *host = make_host_file("x"), *buf = NULL, arch[] = "/tmp/sonde-test-cpio-XXXXXX";
	size_t len = 0;
	char cmd[128], listing[4096] = "";

	if (system("cpio --version >/dev/null 2>&1") != 0) {
		unlink(host);
		free(host);
		return;		/* not installed: the round trip above suffices */
	}
	CU_ASSERT_EQUAL_FATAL(write_sample(&buf, &len, host), 0);
	int fd = mkstemp(arch);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cpio -itv --quiet < %s 2>&1", arch);
	FILE *p = popen(cmd, "r");
	size_t got = fread(listing, 1, sizeof(listing) - 1, p);
	listing[got] = '\0';
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, "drwxr-xr-x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, " bin/hello\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, "bin/sh -> busybox"));
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, "crw-------"));
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, "5,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(listing, " copy\n"));
	unlink(arch);
	unlink(host);
	free(host);
	free(buf);
}

/* Errors stick: a missing host file fails the whole archive. */
static void test_cpio_errors(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct cpio c;

	cpio_init(&c, f);
	CU_ASSERT_EQUAL(cpio_add_host_file(&c, "x", 0, "/nonexistent/sonde"), -1);
	CU_ASSERT_EQUAL(cpio_add_dir(&c, "d", 0755), -1);
	CU_ASSERT_EQUAL(cpio_add_node(&c, "n", S_IFREG | 0644, 0, 0), -1);
	CU_ASSERT_EQUAL(cpio_finish(&c), -1);
	CU_ASSERT_EQUAL(errno, ENOENT);
	fclose(f);
	free(buf);

	f = open_memstream(&buf, &len);
	cpio_init(&c, f);
	CU_ASSERT_EQUAL(cpio_add_node(&c, "n", S_IFREG | 0644, 0, 0), -1);
	CU_ASSERT_EQUAL(cpio_finish(&c), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	fclose(f);
	free(buf);
}

/* --------------------------------------------------------- modules */

static const char fake_dep[] =
	"kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/fscache/fscache.ko.xz kernel/fs/netfs/netfs.ko.xz\n"
	"kernel/fs/fscache/fscache.ko.xz: kernel/fs/netfs/netfs.ko.xz\n"
	"kernel/fs/netfs/netfs.ko.xz:\n"
	"kernel/net/9p/9pnet.ko.xz:\n"
	"kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz\n"
	"kernel/drivers/virtio/virtio_ring.ko.xz:\n"
	"kernel/drivers/virtio/virtio.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz\n"
	"kernel/drivers/char/snd-dummy.ko.xz:\n";

static int index_of(char **v, const char *path)
{
	for (int i = 0; v[i]; i++)
		if (!strcmp(v[i], path))
			return i;
	return -1;
}

static void test_module_order(void)
{
	const char *names[] = { "9p", "9pnet_virtio", "9p", NULL }, *missing = NULL;
	char **v = vm_module_order(fake_dep, NULL, names, &missing);
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	while (v[n])
		n++;
	CU_ASSERT_EQUAL(n, 7);		/* each module once */
	int p9 = index_of(v, "kernel/fs/9p/9p.ko.xz");
	int fsc = index_of(v, "kernel/fs/fscache/fscache.ko.xz");
	int netfs = index_of(v, "kernel/fs/netfs/netfs.ko.xz");
	int net = index_of(v, "kernel/net/9p/9pnet.ko.xz");
	int vio = index_of(v, "kernel/net/9p/9pnet_virtio.ko.xz");
	int ring = index_of(v, "kernel/drivers/virtio/virtio_ring.ko.xz");
	int virtio = index_of(v, "kernel/drivers/virtio/virtio.ko.xz");
	CU_ASSERT(netfs >= 0 && netfs < fsc && fsc < p9 && net < p9);
	CU_ASSERT(ring >= 0 && ring < virtio && virtio < vio && net < vio);
	vm_free_strv(v);
}

static void test_module_names(void)
{
	const char *dash[] = { "snd_dummy", NULL }, *builtin[] = { "virtio-pci", "9p", NULL };
	const char *unknown[] = { "9p", "nosuch", NULL }, *missing = NULL;
	char **v = vm_module_order(fake_dep, NULL, dash, &missing);

	CU_ASSERT(v && v[0] && !strcmp(v[0], "kernel/drivers/char/snd-dummy.ko.xz") && !v[1]);
	vm_free_strv(v);
	v = vm_module_order(fake_dep, "kernel/drivers/virtio/virtio_pci.ko\n", builtin, &missing);
	CU_ASSERT(v && index_of(v, "kernel/fs/9p/9p.ko.xz") == 3 && !v[4]);
	vm_free_strv(v);
	CU_ASSERT_PTR_NULL(vm_module_order(fake_dep, NULL, unknown, &missing));
	CU_ASSERT(missing && !strcmp(missing, "nosuch"));
}

/* --------------------------------------------------------- krelease */

static void touch(const char *dir, const char *rel)
{
	char *p;

	CU_ASSERT(asprintf(&p, "%s/%s", dir, rel) > 0);
	if (rel[strlen(rel) - 1] == '/') {
		CU_ASSERT(mkdir(p, 0755) == 0);
	} else {
		close(open(p, O_CREAT | O_WRONLY, 0644));
	}
	free(p);
}

static void test_krelease(void)
{
	char root[] = "/tmp/sonde-test-krel-XXXXXX", boot[64], mods[64], cmd[128];

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(boot, sizeof(boot), "%s/boot", root);
	snprintf(mods, sizeof(mods), "%s/modules", root);
	CU_ASSERT_PTR_NULL(vm_pick_krelease(boot, mods));	/* no dirs */
	touch(root, "boot/");
	touch(root, "modules/");
	touch(root, "boot/vmlinuz-6.1.0-9-amd64");
	touch(root, "modules/6.1.0-9-amd64/");
	CU_ASSERT_PTR_NULL(vm_pick_krelease(boot, mods));	/* no build/ */
	touch(root, "modules/6.1.0-9-amd64/build/");
	touch(root, "boot/vmlinuz-6.1.0-10-amd64");
	touch(root, "modules/6.1.0-10-amd64/");
	touch(root, "modules/6.1.0-10-amd64/build/");
	touch(root, "modules/6.12.1-amd64/");		/* no build/ yet */
	touch(root, "boot/vmlinuz-6.12.1-amd64");
	touch(root, "modules/6.13.0-amd64/");		/* no vmlinuz */
	touch(root, "modules/6.13.0-amd64/build/");
	char *r = vm_pick_krelease(boot, mods);
	CU_ASSERT(r && !strcmp(r, "6.1.0-10-amd64"));
	free(r);
	touch(root, "modules/6.12.1-amd64/build/");
	r = vm_pick_krelease(boot, mods);
	CU_ASSERT(r && !strcmp(r, "6.12.1-amd64"));
	free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT(system(cmd) == 0);
}

/* ------------------------------------------------------------- job */

static void test_shell_quote(void)
{
	char *s = NULL;

	vm_shell_quote(&s, "it's");
	CU_ASSERT_STRING_EQUAL(s, "'it'\\''s'");
	vm_shell_quote(&s, "");
	CU_ASSERT_STRING_EQUAL(s, "'it'\\''s'''");
	free(s);
}

/* /bin/sh reads the job file and prints its words NUL-separated. */
static void test_job_script(void)
{
	char *const argv[] = { "/bin/echo", "a b", "it's", "$HOME `x` \\", "line\nbreak", "", NULL };
	char *job = vm_job_script(argv, "/tmp/my dir", "/usr/bin:/bin");
	char *path = make_host_file(job), cmd[256], out[512], want[512];
	const char *words[] = { "/tmp/my dir", "/usr/bin:/bin" };
	size_t want_len = 0;

	for (int i = 0; i < 2; i++)
		want_len += sprintf(want + want_len, "%s", words[i]) + 1;
	for (int i = 0; argv[i]; i++)
		want_len += sprintf(want + want_len, "%s", argv[i]) + 1;

	snprintf(cmd, sizeof(cmd), "/bin/sh -c '. %s; printf \"%%s\\0\" "
		 "\"$SONDE_CWD\" \"$SONDE_PATH\" \"$@\"'", path);
	FILE *p = popen(cmd, "r");
	size_t got = fread(out, 1, sizeof(out), p);
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT_EQUAL(got, want_len);
	CU_ASSERT(got == want_len && !memcmp(out, want, want_len));
	unlink(path);
	free(path);
	free(job);
}

void register_vm_tests(void)
{
	CU_pSuite s = CU_add_suite("vm: cpio, modules, kernels, job", NULL, NULL);

	CU_add_test(s, "cpio round trip", test_cpio_roundtrip);
	CU_add_test(s, "cpio listed by cpio(1)", test_cpio_tool);
	CU_add_test(s, "cpio errors stick", test_cpio_errors);
	CU_add_test(s, "module load order", test_module_order);
	CU_add_test(s, "module names, built-ins, missing", test_module_names);
	CU_add_test(s, "kernel release choice", test_krelease);
	CU_add_test(s, "shell quoting", test_shell_quote);
	CU_add_test(s, "job file", test_job_script);
}
