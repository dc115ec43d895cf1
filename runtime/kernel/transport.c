/*
 * transport.c - the output path from probe handlers to the loader.
 *
 * Model.  One byte ring (vmalloc'd, sonde_bufsize bytes) holds whole
 * records, each a struct sonde_msg header followed by its payload; a record
 * may wrap around the end of the ring.  Writers are probe handlers on any
 * CPU, in any context (process, softirq, hardirq, even NMI for some
 * kprobes); the one reader is read() on /proc/<module>/data.
 *
 * Locking.  ring.lock guards every ring field.  It is always taken with
 * interrupts disabled, so a timer probe cannot interrupt a holder on the
 * same CPU.  A kprobe or an NMI still can (the reader calls memcpy, which
 * a script may probe), so writers never spin on it unboundedly:
 * ring_trylock() tries SONDE_RING_TRIES times and gives up at once when
 * this very CPU holds the lock (ring.owner).  A writer that gives up, or
 * finds too little room, drops the whole record and counts it in
 * sonde_dropped / sonde_dropped_bytes - output is never lost silently.
 * The reader holds the lock only to copy at most SONDE_READ_CHUNK bytes of
 * records into a bounce buffer; copy_to_user() happens outside it.
 *
 * Order.  Records leave in exactly the order they were committed: there is
 * one ring, and a record is committed while the lock is held.
 *
 * Waking.  Probe context never wakes the reader (wake_up from a kprobe on
 * scheduler code can deadlock on the runqueue lock).  The reader polls
 * instead: it sleeps in wait_event_interruptible_timeout() for at most
 * SONDE_READ_POLL_MS and looks again.  Process context (stop) may wake it
 * early through sonde_transport_kick().
 *
 * End of stream.  After exit() was requested the reader emits one
 * SONDE_MSG_EXIT.  Once the state is DONE (no writer can run any more) and
 * the ring is empty, it emits the final text (sonde_transport_final) as a
 * STDERR record, then SONDE_MSG_DONE, then end of file forever.
 */
#include <linux/delay.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

#define SONDE_RING_TRIES 1000      /* ring_trylock attempts, ~100 ns apart */
#define SONDE_READ_POLL_MS 15      /* reader's polling period */
#define SONDE_READ_CHUNK SONDE_MSG_MAX  /* bytes copied per lock hold */
#define SONDE_FINAL_MAX 4096       /* bytes of final text */

static struct {
	spinlock_t lock;
	int owner;              /* CPU holding lock, -1 if none */
	char *buf;
	size_t size;
	size_t head;            /* next byte written */
	size_t tail;            /* next byte read */
	size_t used;            /* bytes of records in the ring */
} ring = {
	.lock = __SPIN_LOCK_UNLOCKED(ring.lock),
	.owner = -1,
};

/* Reader state: guarded by sonde_read_mutex. */
static DEFINE_MUTEX(sonde_read_mutex);
static char *sonde_bounce;
static bool sonde_exit_sent;
static bool sonde_done_sent;
static atomic_t sonde_data_opened = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(sonde_data_wq);
/* set by module exit: readers return at once */
static atomic_t sonde_dying = ATOMIC_INIT(0);

/* Final text: written under sonde_ctl_mutex before the state becomes DONE,
 * read only after the reader has seen DONE. */
static char sonde_final_text[SONDE_FINAL_MAX];
static size_t sonde_final_len;

static int sonde_transport_init(size_t bufsize)
{
	int ret = -ENOMEM;

	bufsize = clamp_t(size_t, bufsize, 4 * SONDE_MSG_MAX, 256UL << 20);
	ring.buf = vmalloc(bufsize);
	if (!ring.buf)
		goto out;
	ring.size = bufsize;
	sonde_bounce = vmalloc(SONDE_READ_CHUNK);
	if (!sonde_bounce)
		goto out_free_ring;
	return 0;

out_free_ring:
	vfree(ring.buf);
	ring.buf = NULL;
out:
	return ret;
}

static void sonde_transport_free(void)
{
	vfree(sonde_bounce);
	sonde_bounce = NULL;
	vfree(ring.buf);
	ring.buf = NULL;
}

/*
 * Takes ring.lock with interrupts off, trying a bounded number of times.
 * Returns false (interrupts restored) if the lock could not be had.
 */
static bool ring_trylock(unsigned long *flags)
{
	int cpu, i;

	local_irq_save(*flags);
	cpu = smp_processor_id();
	if (READ_ONCE(ring.owner) == cpu)
		goto fail;      /* we interrupted the holder: it cannot finish */
	for (i = 0; i < SONDE_RING_TRIES; i++) {
		if (spin_trylock(&ring.lock)) {
			WRITE_ONCE(ring.owner, cpu);
			return true;
		}
		ndelay(100);
	}
fail:
	local_irq_restore(*flags);
	return false;
}

static void ring_unlock(unsigned long flags)
{
	WRITE_ONCE(ring.owner, -1);
	spin_unlock_irqrestore(&ring.lock, flags);
}

/* Copies n bytes into the ring at ring.head.  Lock held, room checked. */
static void ring_put(const void *src, size_t n)
{
	size_t first = min(n, ring.size - ring.head);

	memcpy(ring.buf + ring.head, src, first);
	memcpy(ring.buf, (const char *)src + first, n - first);
	ring.head = (ring.head + n) % ring.size;
	ring.used += n;
}

/* Copies n bytes out of the ring from offset off (no consumption). */
static void ring_peek(size_t off, void *dst, size_t n)
{
	size_t first = min(n, ring.size - off);

	memcpy(dst, ring.buf + off, first);
	memcpy((char *)dst + first, ring.buf, n - first);
}

static void sonde_count_drop(size_t len)
{
	atomic64_inc(&sonde_dropped);
	atomic64_add(len, &sonde_dropped_bytes);
}

static int sonde_transport_write(u32 type, const void *data, size_t len)
{
	struct sonde_msg hdr = { .type = type, .len = len };
	size_t need = sizeof(hdr) + len;
	unsigned long flags;
	int ret = -ENOSPC;

	if (len > SONDE_MSG_MAX - sizeof(hdr))
		goto out_drop;
	if (!ring_trylock(&flags)) {
		ret = -EBUSY;
		goto out_drop;
	}
	if (need > ring.size - ring.used) {
		ring_unlock(flags);
		goto out_drop;
	}
	ring_put(&hdr, sizeof(hdr));
	ring_put(data, len);
	ring_unlock(flags);
	return 0;

out_drop:
	sonde_count_drop(len);
	return ret;
}

static void sonde_transport_final(const char *fmt, ...)
{
	va_list ap;

	lockdep_assert_held(&sonde_ctl_mutex);
	va_start(ap, fmt);
	sonde_final_len += vscnprintf(sonde_final_text + sonde_final_len,
				      sizeof(sonde_final_text) - sonde_final_len,
				      fmt, ap);
	va_end(ap);
}

static void sonde_transport_kick(void)
{
	wake_up_interruptible(&sonde_data_wq);
}

/*
 * Moves whole records from the ring into dst (capacity cap) and returns
 * the bytes moved.  Records that do not fit stay for the next read.
 */
static size_t ring_fetch(char *dst, size_t cap)
{
	struct sonde_msg hdr;
	unsigned long flags;
	size_t n = 0, rec;

	spin_lock_irqsave(&ring.lock, flags);
	WRITE_ONCE(ring.owner, smp_processor_id());
	while (ring.used >= sizeof(hdr)) {
		ring_peek(ring.tail, &hdr, sizeof(hdr));
		rec = sizeof(hdr) + hdr.len;
		if (n + rec > cap)
			break;
		ring_peek(ring.tail, dst + n, rec);
		ring.tail = (ring.tail + rec) % ring.size;
		ring.used -= rec;
		n += rec;
	}
	ring_unlock(flags);
	return n;
}

/* Appends one record to dst at *n if it fits; returns false if not. */
static bool put_record(char *dst, size_t cap, size_t *n, u32 type,
		       const void *payload, size_t len)
{
	struct sonde_msg hdr = { .type = type, .len = len };

	if (*n + sizeof(hdr) + len > cap)
		return false;
	memcpy(dst + *n, &hdr, sizeof(hdr));
	memcpy(dst + *n + sizeof(hdr), payload, len);
	*n += sizeof(hdr) + len;
	return true;
}

/*
 * Fills the bounce buffer with what is ready: ring records, then the
 * synthesized EXIT, and at the very end the final text and DONE.
 * sonde_read_mutex held.
 */
static size_t sonde_transport_fetch(size_t cap)
{
	int state = sonde_get_state();  /* before the ring: see below */
	struct sonde_done done;
	size_t n;

	n = ring_fetch(sonde_bounce, cap);
	if (atomic_read(&sonde_exit_requested) && !sonde_exit_sent &&
	    state <= SONDE_RUNNING &&
	    put_record(sonde_bounce, cap, &n, SONDE_MSG_EXIT, NULL, 0))
		sonde_exit_sent = true;
	/*
	 * DONE was seen before the ring was emptied, and no record can be
	 * written once the state is DONE, so an empty ring now is final.
	 */
	if (n || state != SONDE_DONE)
		return n;
	if (sonde_final_len)
		put_record(sonde_bounce, cap, &n, SONDE_MSG_STDERR,
			   sonde_final_text, sonde_final_len);
	done = (struct sonde_done){
		.errors = atomic64_read(&sonde_errors),
		.skipped = atomic64_read(&sonde_skipped),
		.dropped = atomic64_read(&sonde_dropped),
		.dropped_bytes = atomic64_read(&sonde_dropped_bytes),
		.failed = sonde_failed,
	};
	put_record(sonde_bounce, cap, &n, SONDE_MSG_DONE, &done, sizeof(done));
	sonde_done_sent = true;
	return n;
}

/* Wait condition of the reader: something to return, or time to quit. */
static bool sonde_transport_ready(void)
{
	return READ_ONCE(ring.used) ||
	       (atomic_read(&sonde_exit_requested) && !sonde_exit_sent) ||
	       sonde_get_state() == SONDE_DONE ||
	       atomic_read(&sonde_dying);
}

/*
 * Opens a control or data file for its one reader: -EBUSY if *opened is
 * already set, else sets it and pins the module until release (which
 * clears *opened and drops the reference).
 */
static int sonde_open_exclusive(atomic_t *opened, struct inode *inode, struct file *file)
{
	int ret = -EBUSY;

	if (atomic_cmpxchg(opened, 0, 1))
		goto out;
	if (!try_module_get(THIS_MODULE)) {
		ret = -ENODEV;
		goto out_clear;
	}
	return nonseekable_open(inode, file);

out_clear:
	atomic_set(opened, 0);
out:
	return ret;
}

static int sonde_data_open(struct inode *inode, struct file *file)
{
	return sonde_open_exclusive(&sonde_data_opened, inode, file);
}

static int sonde_data_release(struct inode *inode, struct file *file)
{
	atomic_set(&sonde_data_opened, 0);
	module_put(THIS_MODULE);
	return 0;
}

static ssize_t sonde_data_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	size_t n = 0;
	ssize_t ret;

	if (count < SONDE_MSG_MAX)
		return -EINVAL;
	if (mutex_lock_interruptible(&sonde_read_mutex))
		return -ERESTARTSYS;
	for (;;) {
		ret = 0;
		if (sonde_done_sent || atomic_read(&sonde_dying))
			goto out_unlock;
		n = sonde_transport_fetch(min_t(size_t, count, SONDE_READ_CHUNK));
		if (n)
			break;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			goto out_unlock;
		ret = wait_event_interruptible_timeout(sonde_data_wq,
				sonde_transport_ready(),
				msecs_to_jiffies(SONDE_READ_POLL_MS));
		if (ret < 0)
			goto out_unlock;
	}
	ret = n;
	if (copy_to_user(buf, sonde_bounce, n))
		ret = -EFAULT;
out_unlock:
	mutex_unlock(&sonde_read_mutex);
	return ret;
}

static const struct proc_ops sonde_data_ops = {
	.proc_open = sonde_data_open,
	.proc_read = sonde_data_read,
	.proc_release = sonde_data_release,
	.proc_lseek = no_llseek,
};
