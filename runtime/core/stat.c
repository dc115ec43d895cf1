/*
 * stat.c - statistics and histograms (see stat.h; the SystemTap
 * behaviour each piece follows is in docs/runtime-core.md).
 *
 * Arithmetic.  The language's integers wrap, and so do these: every sum,
 * difference and product below goes through uint64_t (st_w_add, st_w_sub,
 * st_w_mul), never through signed overflow.  Divisions only ever divide by
 * a count (>= 1) or a bucket width (>= 1), so INT64_MIN / -1 cannot
 * happen.  No floating point, no recursion, no allocation after
 * sonde_pstat_new().
 *
 * @variance.  SystemTap documents Welford's online algorithm on the
 * samples scaled by 2^shift, computed per CPU, then combined across CPUs:
 * with n_i, mean_i and var_i = M2_i / (n_i - 1) for each CPU's part, N the
 * total count and mean = (sum << shift) / N,
 *
 *   variance = (sum_i n_i (mean_i - mean)^2 + (n_i - 1) var_i) / (N - 1)
 *
 * scaled back by >> 2*shift.  (That is what makes its documented
 * example, @variance of 1..5, print 12 without a shift and 2 with
 * shift 1: the truncating Welford means are combined with the exact one.)
 * The final mean is only known once every part is in, so an aggregate
 * keeps sum n_i mean_i^2, sum n_i mean_i and sum (n_i - 1) var_i, and
 * expands the square when read; in arithmetic modulo 2^64 the expansion
 * gives exactly the per-part sum, so the result does not depend on the
 * order or grouping of merges.
 */
#include "platform.h"
#include "stat.h"

/* The kernel's headers have S64_MIN, libc's INT64_MIN: use neither. */
#define STAT_INT64_MIN (-0x7fffffffffffffffLL - 1)

/* ---- wrapping arithmetic --------------------------------------------- */

static int64_t st_w_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t st_w_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t st_w_mul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int64_t st_w_shl(int64_t a, int k)
{
	return (int64_t)((uint64_t)a << k);
}

/* a >> k, arithmetic, for any k >= 0 (k >= 64 leaves only the sign). */
static int64_t st_asr(int64_t a, int k)
{
	if (k >= 64)
		return a < 0 ? -1 : 0;
	if (a >= 0)
		return (int64_t)((uint64_t)a >> k);
	/* floor(a / 2^k) without shifting a negative number */
	return -1 - (int64_t)(~(uint64_t)a >> k);
}

/* ---- specs ------------------------------------------------------------- */

/* Regular buckets of a linear spec: (high - low) / step + 1, without
 * overflow; 0 if the spec is unusable. */
static uint64_t st_linear_regular(const struct sonde_hist_spec *spec)
{
	if (spec->low >= spec->high || spec->step <= 0)
		return 0;
	return ((uint64_t)spec->high - (uint64_t)spec->low) / (uint64_t)spec->step + 1;
}

bool sonde_hist_spec_valid(const struct sonde_hist_spec *spec)
{
	uint64_t n;

	if (!spec || spec->variance_shift < 0 || spec->variance_shift > 62)
		return false;
	switch (spec->kind) {
	case SONDE_HIST_NONE:
	case SONDE_HIST_LOG:
		return true;
	case SONDE_HIST_LINEAR:
		n = st_linear_regular(spec);
		return n >= 1 && n <= SONDE_HIST_MAX_LINEAR;
	default:
		return false;
	}
}

int sonde_hist_nbuckets(const struct sonde_hist_spec *spec)
{
	if (!sonde_hist_spec_valid(spec))
		return -1;
	if (spec->kind == SONDE_HIST_LOG)
		return SONDE_HIST_LOG_BUCKETS;
	if (spec->kind == SONDE_HIST_LINEAR)
		return (int)st_linear_regular(spec) + 2;
	return 0;
}

size_t sonde_stat_size(const struct sonde_hist_spec *spec)
{
	int n = sonde_hist_nbuckets(spec);

	if (n < 0)
		return 0;
	return sizeof(struct sonde_stat) + (size_t)n * sizeof(int64_t);
}

/* ---- accumulators ------------------------------------------------------ */

bool sonde_stat_init(struct sonde_stat *s, const struct sonde_hist_spec *spec)
{
	int n = sonde_hist_nbuckets(spec);

	if (!s || n < 0)
		return false;
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)spec->kind;
	s->shift = (uint8_t)spec->variance_shift;
	s->nbuckets = n;
	if (spec->kind == SONDE_HIST_LINEAR) {
		s->low = spec->low;
		s->step = spec->step;
	}
	memset(s->buckets, 0, (size_t)n * sizeof(int64_t));
	return true;
}

void sonde_stat_clear(struct sonde_stat *s)
{
	if (!s)
		return;
	s->count = s->sum = s->min = s->max = 0;
	s->mean_s = s->m2_s = 0;
	s->part_nmm = s->part_nm = s->part_var = 0;
	s->merged = false;
	memset(s->buckets, 0, (size_t)s->nbuckets * sizeof(int64_t));
}

/* Index of the highest set bit of u (u != 0). */
static int st_msb(uint64_t u)
{
	return 63 - __builtin_clzll(u);
}

static int st_log_bucket(int64_t v)
{
	if (v == 0)
		return SONDE_HIST_LOG_ZERO;
	if (v > 0)
		return SONDE_HIST_LOG_ZERO + 1 + st_msb((uint64_t)v);
	/* the magnitude as unsigned: 2^63 for INT64_MIN, no negation */
	return SONDE_HIST_LOG_ZERO - 1 - st_msb(0 - (uint64_t)v);
}

static int st_linear_bucket(const struct sonde_stat *s, int64_t v)
{
	uint64_t k;

	if (v < s->low)
		return 0;
	k = ((uint64_t)v - (uint64_t)s->low) / (uint64_t)s->step;
	if (k >= (uint64_t)(s->nbuckets - 2))
		return s->nbuckets - 1;
	return (int)k + 1;
}

int sonde_stat_bucket_of(const struct sonde_stat *s, int64_t v)
{
	if (!s || s->nbuckets == 0)
		return -1;
	if (s->kind == SONDE_HIST_LOG)
		return st_log_bucket(v);
	return st_linear_bucket(s, v);
}

void sonde_stat_add(struct sonde_stat *s, int64_t v)
{
	int64_t x, delta;

	if (!s)
		return;
	s->count++;
	s->sum = st_w_add(s->sum, v);
	if (s->count == 1 || v < s->min)
		s->min = v;
	if (s->count == 1 || v > s->max)
		s->max = v;
	if (s->nbuckets) {
		int b = sonde_stat_bucket_of(s, v);
		s->buckets[b] = st_w_add(s->buckets[b], 1);
	}
	x = st_w_shl(v, s->shift);
	if (s->merged) {
		/* a sample added to an aggregate counts as a part of its own */
		s->part_nmm = st_w_add(s->part_nmm, st_w_mul(x, x));
		s->part_nm = st_w_add(s->part_nm, x);
		return;
	}
	if (s->count == 1) {
		s->mean_s = x;
		s->m2_s = 0;
		return;
	}
	/* Welford: mean += delta / n; M2 += delta * (x - new mean) */
	delta = st_w_sub(x, s->mean_s);
	s->mean_s = st_w_add(s->mean_s, delta / s->count);
	s->m2_s = st_w_add(s->m2_s, st_w_mul(delta, st_w_sub(x, s->mean_s)));
}

/* What accumulator s contributes to a combined @variance. */
struct st_var_parts {
	int64_t nmm, nm, var;
};

static void st_parts_of(const struct sonde_stat *s, struct st_var_parts *p)
{
	int64_t n = s->count;

	if (s->merged) {
		p->nmm = s->part_nmm;
		p->nm = s->part_nm;
		p->var = s->part_var;
		return;
	}
	if (n == 0) {
		p->nmm = p->nm = p->var = 0;
		return;
	}
	p->nm = st_w_mul(n, s->mean_s);
	p->nmm = st_w_mul(p->nm, s->mean_s);
	/* (n - 1) * var_i with var_i = M2 / (n - 1) truncated, as a CPU's
	 * part has it */
	p->var = n > 1 ? st_w_mul(n - 1, s->m2_s / (n - 1)) : 0;
}

static bool st_same_spec(const struct sonde_stat *a, const struct sonde_stat *b)
{
	return a->kind == b->kind && a->nbuckets == b->nbuckets &&
	       a->shift == b->shift && a->low == b->low && a->step == b->step;
}

int sonde_stat_merge(struct sonde_stat *dst, const struct sonde_stat *src)
{
	struct st_var_parts d, p;
	int i;

	if (!dst || !src || !st_same_spec(dst, src))
		return SONDE_STAT_MISMATCH;
	if (src->count == 0)
		return SONDE_STAT_OK;
	st_parts_of(dst, &d);
	st_parts_of(src, &p);
	dst->part_nmm = st_w_add(d.nmm, p.nmm);
	dst->part_nm = st_w_add(d.nm, p.nm);
	dst->part_var = st_w_add(d.var, p.var);
	dst->merged = true;
	dst->mean_s = dst->m2_s = 0;
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->count == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum = st_w_add(dst->sum, src->sum);
	for (i = 0; i < dst->nbuckets; i++)
		dst->buckets[i] = st_w_add(dst->buckets[i], src->buckets[i]);
	return SONDE_STAT_OK;
}

int64_t sonde_stat_count(const struct sonde_stat *s)
{
	return s ? s->count : 0;
}

static int64_t st_variance(const struct sonde_stat *s)
{
	struct st_var_parts p;
	int64_t n = s->count, mean, total;

	if (n < 2)
		return 0;
	st_parts_of(s, &p);
	mean = st_w_shl(s->sum, s->shift) / n;
	/* sum_i n_i (mean_i - mean)^2 = nmm - 2 mean nm + N mean^2 */
	total = st_w_sub(p.nmm, st_w_mul(st_w_mul(2, mean), p.nm));
	total = st_w_add(total, st_w_mul(st_w_mul(n, mean), mean));
	total = st_w_add(total, p.var);
	return st_asr(total / (n - 1), 2 * s->shift);
}

int sonde_stat_get(const struct sonde_stat *s, int op, int64_t *out)
{
	int64_t v = 0;

	if (op < SONDE_STAT_COUNT || op > SONDE_STAT_VARIANCE) {
		if (out)
			*out = 0;
		return SONDE_STAT_BADOP;
	}
	if (op != SONDE_STAT_COUNT && (!s || s->count == 0)) {
		if (out)
			*out = 0;
		return SONDE_STAT_EMPTY;
	}
	switch (op) {
	case SONDE_STAT_COUNT:
		v = sonde_stat_count(s);
		break;
	case SONDE_STAT_SUM:
		v = s->sum;
		break;
	case SONDE_STAT_MIN:
		v = s->min;
		break;
	case SONDE_STAT_MAX:
		v = s->max;
		break;
	case SONDE_STAT_AVG:
		v = s->sum / s->count;    /* count >= 1 */
		break;
	case SONDE_STAT_VARIANCE:
		v = st_variance(s);
		break;
	}
	if (out)
		*out = v;
	return SONDE_STAT_OK;
}

/* ---- buckets ------------------------------------------------------------ */

int sonde_stat_nbuckets(const struct sonde_stat *s)
{
	return s ? s->nbuckets : 0;
}

int sonde_stat_bucket(const struct sonde_stat *s, int64_t i, int64_t *out)
{
	int rc = SONDE_STAT_OK;
	int64_t v = 0;

	if (!s || s->nbuckets == 0)
		rc = SONDE_STAT_NOHIST;
	else if (i < 0 || i >= s->nbuckets)
		rc = SONDE_STAT_RANGE;
	else
		v = s->buckets[i];
	if (out)
		*out = v;
	return rc;
}

static int64_t st_log_label(int b)
{
	if (b == SONDE_HIST_LOG_ZERO)
		return 0;
	if (b > SONDE_HIST_LOG_ZERO)
		return (int64_t)1 << (b - SONDE_HIST_LOG_ZERO - 1);
	if (b == 0)
		return STAT_INT64_MIN;
	return -((int64_t)1 << (SONDE_HIST_LOG_ZERO - 1 - b));
}

/* Label of linear bucket b: low + (b-1)*step, or low for the underflow,
 * or the last regular bucket's label for the overflow.  Never overflows:
 * the last regular label is at most high. */
static int64_t st_linear_label(const struct sonde_stat *s, int b)
{
	if (b <= 0)
		return s->low;
	if (b > s->nbuckets - 2)
		b = s->nbuckets - 2;
	return (int64_t)((uint64_t)s->low + (uint64_t)(b - 1) * (uint64_t)s->step);
}

int64_t sonde_stat_bucket_value(const struct sonde_stat *s, int64_t i)
{
	if (!s || s->nbuckets == 0 || i < 0 || i >= s->nbuckets)
		return 0;
	if (s->kind == SONDE_HIST_LOG)
		return st_log_label((int)i);
	return st_linear_label(s, (int)i);
}

/* ---- the sink ------------------------------------------------------------ */

void sonde_sink_init(struct sonde_sink *out, char *buf, size_t cap)
{
	out->buf = buf;
	out->cap = buf ? cap : 0;
	out->len = 0;
	out->truncated = false;
	out->drain = NULL;
	out->arg = NULL;
	if (out->cap)
		buf[0] = '\0';
}

void sonde_sink_init_drain(struct sonde_sink *out, char *buf, size_t cap,
			   void (*drain)(struct sonde_sink *out, void *arg), void *arg)
{
	sonde_sink_init(out, buf, cap);
	if (out->cap >= 2) {
		out->drain = drain;
		out->arg = arg;
	}
}

void sonde_sink_flush(struct sonde_sink *out)
{
	if (!out || !out->drain || !out->len)
		return;
	out->drain(out, out->arg);
	out->len = 0;
	out->buf[0] = '\0';
}

void sonde_sink_write(struct sonde_sink *out, const char *p, size_t n)
{
	size_t room, k;

	if (!out)
		return;
	while (n) {
		room = out->cap && out->len < out->cap - 1 ? out->cap - 1 - out->len : 0;
		if (!room) {
			if (out->drain) {
				sonde_sink_flush(out);
				continue;
			}
			out->truncated = true;
			break;
		}
		k = n < room ? n : room;
		memcpy(out->buf + out->len, p, k);
		out->len += k;
		p += k;
		n -= k;
	}
	if (out->cap)
		out->buf[out->len] = '\0';
}

static void st_sink_repeat(struct sonde_sink *out, char c, int64_t n)
{
	char chunk[32];

	memset(chunk, c, sizeof(chunk));
	while (n > 0 && !out->truncated) {
		size_t k = n < (int64_t)sizeof(chunk) ? (size_t)n : sizeof(chunk);
		sonde_sink_write(out, chunk, k);
		n -= (int64_t)k;
	}
}

/* Decimal text of v into buf (>= 21 bytes); returns its length. */
static int st_dec(char *buf, int64_t v)
{
	char tmp[20];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[len++] = '-';
	while (n)
		buf[len++] = tmp[--n];
	buf[len] = '\0';
	return len;
}

static int st_dec_len(int64_t v)
{
	char buf[24];

	return st_dec(buf, v);
}

/* prefix (may be "") and v, right-aligned in width, then " |". */
static void st_put_label(struct sonde_sink *out, int width, const char *prefix, int64_t v)
{
	char num[24];
	int n = st_dec(num, v), p = (int)strlen(prefix);

	st_sink_repeat(out, ' ', width - n - p);
	sonde_sink_write(out, prefix, (size_t)p);
	sonde_sink_write(out, num, (size_t)n);
	sonde_sink_write(out, " |", 2);
}

/* ---- printing ------------------------------------------------------------ */

/* The rows to print, [lo, hi], and how the label column is laid out. */
struct st_hist_layout {
	int lo, hi;
	int64_t maxcount;
	int64_t scale;          /* counts per '@' */
	int val_width;          /* label column, at least strlen("value") */
	int cnt_width;          /* count column: digits of the largest count */
	bool under, over;       /* linear: the underflow / overflow rows show */
};

static int st_imax(int a, int b)
{
	return a > b ? a : b;
}

/* Fills l; false when every bucket is empty. */
static bool st_layout(const struct sonde_stat *s, struct st_hist_layout *l)
{
	int i, first = -1, last = -1, k;

	l->maxcount = 0;
	for (i = 0; i < s->nbuckets; i++) {
		if (s->buckets[i] == 0)
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (s->buckets[i] > l->maxcount)
			l->maxcount = s->buckets[i];
	}
	if (first < 0)
		return false;
	/* up to two empty buckets on either side of the data; a log
	 * histogram does not go below its 0 bucket into the negative ones
	 * unless it has negative data */
	l->lo = first;
	l->hi = last;
	for (k = 0; k < 2; k++) {
		if (l->lo > 0 && !(s->kind == SONDE_HIST_LOG && l->lo == SONDE_HIST_LOG_ZERO))
			l->lo--;
		if (l->hi < s->nbuckets - 1)
			l->hi++;
	}
	l->under = l->over = false;
	if (s->kind == SONDE_HIST_LINEAR) {
		/* the underflow and overflow rows show only when not empty */
		if (l->lo == 0 && s->buckets[0] == 0)
			l->lo = 1;
		if (l->hi == s->nbuckets - 1 && s->buckets[l->hi] == 0)
			l->hi--;
		l->under = l->lo == 0;
		l->over = l->hi == s->nbuckets - 1;
		/* the label column fits the whole range, plus '<' / '>' */
		l->val_width = st_imax(st_dec_len(s->low) + l->under,
				    st_dec_len(st_linear_label(s, s->nbuckets - 2)) + l->over);
	} else {
		l->val_width = st_imax(st_dec_len(st_log_label(l->lo)), st_dec_len(st_log_label(l->hi)));
	}
	l->val_width = st_imax(l->val_width, 5);
	l->cnt_width = st_dec_len(l->maxcount);
	l->scale = l->maxcount <= HIST_WIDTH ? 1
		 : l->maxcount / HIST_WIDTH + (l->maxcount % HIST_WIDTH != 0);
	return true;
}

/* Whether row i is one of a run of empty buckets that "~" replaces: it
 * and every bucket within HIST_ELISION of it (inside [lo, hi]) is empty. */
static bool st_elided(const struct sonde_stat *s, const struct st_hist_layout *l, int i)
{
	int from, to, k;

	if (HIST_ELISION < 0 || s->buckets[i] != 0)
		return false;
	from = i - HIST_ELISION > l->lo ? i - HIST_ELISION : l->lo;
	to = i + HIST_ELISION < l->hi ? i + HIST_ELISION : l->hi;
	for (k = from; k <= to; k++)
		if (s->buckets[k] != 0)
			return false;
	return true;
}

static void st_put_header(struct sonde_sink *out, int val_width)
{
	st_sink_repeat(out, ' ', val_width - 5);
	sonde_sink_write(out, "value |", 7);
	st_sink_repeat(out, '-', HIST_WIDTH);
	sonde_sink_write(out, " count\n", 7);
}

static void st_put_row(const struct sonde_stat *s, const struct st_hist_layout *l,
		    struct sonde_sink *out, int i)
{
	const char *prefix = "";
	int64_t bar = s->buckets[i] / l->scale;
	char num[24];
	int n;

	if (s->kind == SONDE_HIST_LINEAR && i == 0)
		prefix = "<";
	else if (s->kind == SONDE_HIST_LINEAR && i == s->nbuckets - 1)
		prefix = ">";
	st_put_label(out, l->val_width, prefix, sonde_stat_bucket_value(s, i));
	st_sink_repeat(out, '@', bar);
	st_sink_repeat(out, ' ', HIST_WIDTH - bar);
	sonde_sink_write(out, " ", 1);
	n = st_dec(num, s->buckets[i]);
	st_sink_repeat(out, ' ', l->cnt_width - n);
	sonde_sink_write(out, num, (size_t)n);
	sonde_sink_write(out, "\n", 1);
}

int sonde_stat_print_hist(const struct sonde_stat *s, struct sonde_sink *out)
{
	struct st_hist_layout l;
	bool eliding = false;
	int i;

	if (!s || s->nbuckets == 0)
		return SONDE_STAT_NOHIST;
	if (!out)
		return SONDE_STAT_OK;
	if (!st_layout(s, &l)) {
		st_put_header(out, 5);
		sonde_sink_write(out, "\n", 1);
		return SONDE_STAT_OK;
	}
	st_put_header(out, l.val_width);
	for (i = l.lo; i <= l.hi && !out->truncated; i++) {
		if (st_elided(s, &l, i)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			/* the mark sits in the '|' column */
			st_sink_repeat(out, ' ', l.val_width + 1);
			sonde_sink_write(out, "~\n", 2);
			eliding = false;
		}
		st_put_row(s, &l, out, i);
	}
	sonde_sink_write(out, "\n", 1);
	return SONDE_STAT_OK;
}

/* ---- per-CPU scalar statistics ------------------------------------------ */

struct sonde_pstat {
	int ncpus;
	size_t stride;          /* bytes between CPUs' accumulators */
	char *percpu;
	struct sonde_stat *agg;
};

#define STAT_CACHELINE 64
#define STAT_ALIGN_UP(x, a) (((x) + (a) - 1) & ~(size_t)((a) - 1))

static struct sonde_stat *st_cpu_stat(const struct sonde_pstat *ps, int cpu)
{
	return (struct sonde_stat *)(ps->percpu + (size_t)cpu * ps->stride);
}

struct sonde_pstat *sonde_pstat_new(const struct sonde_hist_spec *spec, int ncpus)
{
	size_t size = sonde_stat_size(spec), head, stride;
	struct sonde_pstat *ps;
	char *mem;
	int c;

	if (!size || ncpus < 1 || ncpus > SONDE_MAXCPUS)
		return NULL;
	stride = STAT_ALIGN_UP(size, STAT_CACHELINE);
	head = STAT_ALIGN_UP(sizeof(struct sonde_pstat), STAT_CACHELINE);
	/* one block: header, aggregate, then one line-aligned slot per CPU
	 * (+ STAT_CACHELINE so the slots can start on a line boundary) */
	mem = sonde_zalloc(head + stride * ((size_t)ncpus + 1) + STAT_CACHELINE);
	if (!mem)
		return NULL;
	ps = (struct sonde_pstat *)mem;
	ps->ncpus = ncpus;
	ps->stride = stride;
	ps->agg = (struct sonde_stat *)(mem + head);
	ps->percpu = (char *)STAT_ALIGN_UP((uintptr_t)(mem + head + stride), STAT_CACHELINE);
	sonde_stat_init(ps->agg, spec);
	for (c = 0; c < ncpus; c++)
		sonde_stat_init(st_cpu_stat(ps, c), spec);
	return ps;
}

void sonde_pstat_free(struct sonde_pstat *ps)
{
	sonde_free(ps);
}

int sonde_pstat_add(struct sonde_pstat *ps, int cpu, int64_t v)
{
	if (SONDE_UNLIKELY(!ps || cpu < 0 || cpu >= ps->ncpus))
		return SONDE_STAT_BADCPU;
	sonde_stat_add(st_cpu_stat(ps, cpu), v);
	return SONDE_STAT_OK;
}

const struct sonde_stat *sonde_pstat_aggregate(struct sonde_pstat *ps)
{
	int c;

	if (!ps)
		return NULL;
	sonde_stat_clear(ps->agg);
	for (c = 0; c < ps->ncpus; c++)
		sonde_stat_merge(ps->agg, st_cpu_stat(ps, c));
	return ps->agg;
}

void sonde_pstat_clear(struct sonde_pstat *ps)
{
	int c;

	if (!ps)
		return;
	sonde_stat_clear(ps->agg);
	for (c = 0; c < ps->ncpus; c++)
		sonde_stat_clear(st_cpu_stat(ps, c));
}
