/*
 * module.c - the module's life: parameters, init/exit, and the control
 * file that drives the session state machine (see internal.h).
 *
 * /proc/<module>/ctl   write "start" or "stop"; closing it while the
 *                      script runs stops the run (the loader died), after
 *                      which the module just waits to be unloaded.
 * /proc/<module>/data  the output records (transport.c).
 * Both are mode 0600 and can be open by one process at a time; an open
 * file holds a reference on the module, so the module cannot be unloaded
 * under a connected loader.
 *
 * "start" when not LOADED fails with -EBUSY.  "stop" before "start" ends
 * the session without running anything (state DONE, the reader gets
 * SONDE_MSG_DONE); "stop" after the end is a no-op.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static int sonde_owner_pid;
module_param(sonde_owner_pid, int, 0444);
MODULE_PARM_DESC(sonde_owner_pid, "pid of the loader that owns this module");

static int sonde_target_pid;
module_param(sonde_target_pid, int, 0444);
MODULE_PARM_DESC(sonde_target_pid, "pid returned by target()");

/* default ring size; sonde -D SONDE_BUFSIZE=N changes it at build time */
#ifndef SONDE_BUFSIZE
#define SONDE_BUFSIZE (1 << 20)
#endif
static unsigned int sonde_bufsize = SONDE_BUFSIZE;
module_param(sonde_bufsize, uint, 0444);
MODULE_PARM_DESC(sonde_bufsize, "output ring buffer size in bytes");

int64_t sonde_target(void)
{
	return sonde_target_pid;
}

static struct proc_dir_entry *sonde_proc_dir;
static atomic_t sonde_ctl_open = ATOMIC_INIT(0);

/* "start": state LOADED -> ... -> RUNNING (or DONE on failure). */
static int sonde_ctl_start(void)
{
	if (sonde_get_state() != SONDE_LOADED)
		return -EBUSY;
	/* A failure is reported through the data stream (failed = 1). */
	sonde_probes_start();
	return 0;
}

/* "stop", or ctl closed: end the run whatever state it is in. */
static void sonde_ctl_stop(void)
{
	switch (sonde_get_state()) {
	case SONDE_LOADED:
		sonde_set_state(SONDE_DONE);
		sonde_transport_kick();
		break;
	case SONDE_RUNNING:
		sonde_probes_stop();
		break;
	default:        /* STARTING/STOPPING are never seen under the mutex */
		break;
	}
}

static int sonde_ctl_open_fn(struct inode *inode, struct file *file)
{
	return sonde_open_exclusive(&sonde_ctl_open, inode, file);
}

static ssize_t sonde_ctl_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char cmd[16];
	size_t n = min(count, sizeof(cmd) - 1);
	int ret;

	if (copy_from_user(cmd, ubuf, n))
		return -EFAULT;
	cmd[n] = '\0';
	strim(cmd);

	mutex_lock(&sonde_ctl_mutex);
	if (!strcmp(cmd, "start")) {
		ret = sonde_ctl_start();
	} else if (!strcmp(cmd, "stop")) {
		sonde_ctl_stop();
		ret = 0;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&sonde_ctl_mutex);
	return ret ? ret : count;
}

static int sonde_ctl_release(struct inode *inode, struct file *file)
{
	mutex_lock(&sonde_ctl_mutex);
	if (sonde_get_state() == SONDE_RUNNING)
		sonde_probes_stop();
	mutex_unlock(&sonde_ctl_mutex);
	atomic_set(&sonde_ctl_open, 0);
	module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops sonde_ctl_ops = {
	.proc_open = sonde_ctl_open_fn,
	.proc_write = sonde_ctl_write,
	.proc_release = sonde_ctl_release,
	.proc_lseek = no_llseek,
};

static int __init sonde_module_init(void)
{
	int ret;

	sonde_format_read_memory = sonde_kread_nofault;   /* %m, %M */
	ret = sonde_globals_init();
	if (ret)
		goto out;
	ret = sonde_contexts_init();
	if (ret)
		goto out_globals;
	ret = sonde_transport_init(sonde_bufsize);
	if (ret)
		goto out_contexts;

	ret = -EEXIST;
	sonde_proc_dir = proc_mkdir(KBUILD_MODNAME, NULL);
	if (!sonde_proc_dir) {
		pr_err("%s: cannot create /proc/%s\n", KBUILD_MODNAME, KBUILD_MODNAME);
		goto out_transport;
	}
	ret = -ENOMEM;
	if (!proc_create("ctl", 0600, sonde_proc_dir, &sonde_ctl_ops) ||
	    !proc_create("data", 0600, sonde_proc_dir, &sonde_data_ops))
		goto out_proc;
	return 0;

out_proc:
	proc_remove(sonde_proc_dir);
out_transport:
	sonde_transport_free();
out_contexts:
	sonde_contexts_free();
out_globals:
	sonde_globals_free();
out:
	return ret;
}

static void __exit sonde_module_exit(void)
{
	/* Open files hold a module reference, so normally this is DONE. */
	mutex_lock(&sonde_ctl_mutex);
	if (sonde_get_state() == SONDE_RUNNING)
		sonde_probes_stop();
	mutex_unlock(&sonde_ctl_mutex);
	atomic_set(&sonde_dying, 1);
	sonde_transport_kick();
	proc_remove(sonde_proc_dir);
	sonde_transport_free();
	sonde_contexts_free();
	sonde_globals_free();
}

module_init(sonde_module_init);
module_exit(sonde_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sonde probe script");
