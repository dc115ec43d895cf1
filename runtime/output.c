/*
 * output.c - a hit's output, staged in its context (both runtimes).
 *
 * Text goes to c->out; sonde_flush(c), which each runtime defines before
 * including this file, hands c->out[0..out_len) on (the kernel: one
 * STDOUT record of the transport; user space: stdout) and empties it.
 * The staging buffer fills up only on long output; then it is flushed
 * early, so the output of one hit is never interleaved with another's.
 */

void sonde_print(struct sonde_context *c, const char *s, size_t n)
{
	while (n) {
		size_t room, chunk;

		if (c->out_len == sizeof(c->out))
			sonde_flush(c);
		room = sizeof(c->out) - c->out_len;
		chunk = n < room ? n : room;
		memcpy(c->out + c->out_len, s, chunk);
		c->out_len += chunk;
		s += chunk;
		n -= chunk;
	}
}

void sonde_print_str(struct sonde_context *c, const char *s)
{
	sonde_print(c, s, strlen(s));
}

void sonde_print_long(struct sonde_context *c, int64_t v)
{
	char buf[24];

	sonde_print(c, buf, sonde_format_long(buf, sizeof(buf), v));
}

/*
 * Formats straight into the staging buffer.  When the result may have been
 * cut short by the room left, the staged text is flushed and the format
 * redone into the empty buffer; one printf thus yields at most
 * SONDE_PRINTBUF - 1 bytes.
 */
void sonde_printf(struct sonde_context *c, const char *fmt,
		  const struct sonde_arg *args, int nargs)
{
	size_t room = sizeof(c->out) - c->out_len;
	size_t n;

	if (room < 2) {
		sonde_flush(c);
		room = sizeof(c->out);
	}
	n = sonde_format(c->out + c->out_len, room, fmt, args, nargs);
	if (n + 1 >= room && c->out_len) {
		sonde_flush(c);
		room = sizeof(c->out);
		n = sonde_format(c->out, room, fmt, args, nargs);
	}
	c->out_len += n;
}
