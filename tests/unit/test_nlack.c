/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for src/net/nlack.c, without privileges: the kernel's
 * NLMSG_ERROR messages as tc and nft read them (plain acknowledgements,
 * errors with the request echoed or capped, extended-ack text and offset,
 * malformed and truncated attributes), and the words they add to a
 * message for people.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../src/net/nlack.h"

/* An NLMSG_ERROR as the kernel builds it, in a buffer of our own. */
struct answer {
	union {
		struct nlmsghdr h;
		char buf[512];
	};
	size_t len;
};

/* Header and struct nlmsgerr; echo bytes of request payload follow unless
 * capped (a request of type 36, as RTM_NEWQDISC). */
static struct answer *answer(struct answer *a, int error, bool capped, size_t echo)
{
	struct nlmsgerr *e;

	memset(a, 0, sizeof(*a));
	a->len = NLMSG_LENGTH(sizeof(*e)) + (capped ? 0 : NLMSG_ALIGN(echo));
	a->h = (struct nlmsghdr){ .nlmsg_type = NLMSG_ERROR, .nlmsg_seq = 7,
				  .nlmsg_flags = capped ? NLM_F_CAPPED : 0 };
	e = NLMSG_DATA(&a->h);
	e->error = error;
	e->msg = (struct nlmsghdr){ .nlmsg_len = (uint32_t)(NLMSG_HDRLEN + echo), .nlmsg_type = 36,
				    .nlmsg_seq = 7 };
	memset((char *)(e + 1), 0xee, capped ? 0 : echo);	/* the echoed request */
	a->h.nlmsg_len = (uint32_t)a->len;
	return a;
}

/* Append one attribute of the extended acknowledgement. */
static void tlv(struct answer *a, uint16_t type, const void *data, size_t len)
{
	struct nlattr *at = (struct nlattr *)(a->buf + a->len);

	at->nla_type = type;
	at->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)at + NLA_HDRLEN, data, len);
	a->len += NLA_ALIGN(at->nla_len);
	a->h.nlmsg_len = (uint32_t)a->len;
	a->h.nlmsg_flags |= NLM_F_ACK_TLVS;
}

static void test_plain_ack(void **state)
{
	struct answer a;
	struct nlack k;

	assert_int_equal(nlack_read(&answer(&a, 0, true, 0)->h, &k), 0);
	assert_int_equal(k.error, 0);
	assert_string_equal(k.msg, "");
	assert_int_equal(k.offset, 0);
}

static void test_error_capped_with_words(void **state)
{
	static const char text[] = "Specified qdisc kind is unknown";
	const uint32_t off = 36;
	struct answer a;
	struct nlack k;

	answer(&a, -ENOENT, true, 0);
	tlv(&a, NLMSGERR_ATTR_MSG, text, sizeof(text));
	tlv(&a, NLMSGERR_ATTR_OFFS, &off, sizeof(off));
	assert_int_equal(nlack_read(&a.h, &k), 0);
	assert_int_equal(k.error, -ENOENT);
	assert_string_equal(k.msg, text);
	assert_int_equal(k.offset, 36);
}

static void test_error_with_the_request_echoed(void **state)
{
	static const char text[] = "netem: cannot mix duplicating netems with other netems in tree";
	struct answer a;
	struct nlack k;

	/* Not capped: 42 bytes of request (aligned to 44) before the attributes. */
	answer(&a, -EINVAL, false, 42);
	tlv(&a, NLMSGERR_ATTR_MSG, text, sizeof(text));
	assert_int_equal(nlack_read(&a.h, &k), 0);
	assert_int_equal(k.error, -EINVAL);
	assert_string_equal(k.msg, text);
	assert_int_equal(k.offset, 0);
}

static void test_malformed_and_long(void **state)
{
	char long_text[300];
	struct answer a;
	struct nlack k;
	struct nlattr *bad;

	/* A text longer than the room: cut, still a string. */
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	answer(&a, -EINVAL, true, 0);
	tlv(&a, NLMSGERR_ATTR_MSG, long_text, sizeof(long_text));
	assert_int_equal(nlack_read(&a.h, &k), 0);
	assert_int_equal(strlen(k.msg), sizeof(k.msg) - 1);

	/* A text without its NUL, then an attribute claiming more than the
	 * message holds: what came before it is kept, the rest ignored. */
	answer(&a, -EINVAL, true, 0);
	tlv(&a, NLMSGERR_ATTR_MSG, "abc", 3);
	bad = (struct nlattr *)(a.buf + a.len);
	tlv(&a, NLMSGERR_ATTR_OFFS, "\1\0\0\0", 4);
	bad->nla_len = 200;
	assert_int_equal(nlack_read(&a.h, &k), 0);
	assert_string_equal(k.msg, "abc");
	assert_int_equal(k.offset, 0);

	/* An offset too short to be one. */
	answer(&a, -EINVAL, true, 0);
	tlv(&a, NLMSGERR_ATTR_OFFS, "\1\0", 2);
	assert_int_equal(nlack_read(&a.h, &k), 0);
	assert_int_equal(k.offset, 0);

	/* Not an NLMSG_ERROR, or too short for its struct nlmsgerr. */
	answer(&a, -EINVAL, true, 0);
	a.h.nlmsg_type = NLMSG_DONE;
	assert_int_equal(nlack_read(&a.h, &k), -EBADMSG);
	answer(&a, -EINVAL, true, 0);
	a.h.nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(nlack_read(&a.h, &k), -EBADMSG);
	assert_int_equal(k.error, 0);
}

static void test_describe(void **state)
{
	struct nlack k = { .error = -EINVAL };
	struct sbuf b = { 0 };

	nlack_describe(NULL, &b);
	nlack_describe(&k, &b);
	k.offset = 20;	/* an offset alone adds nothing */
	nlack_describe(&k, &b);
	assert_null(b.s);
	snprintf(k.msg, sizeof(k.msg), "Attribute failed policy validation");
	nlack_describe(&k, &b);
	assert_string_equal(b.s, " (kernel: Attribute failed policy validation; at byte 20 of the request)");
	sbuf_free(&b);
	k.offset = 0;
	nlack_describe(&k, &b);
	assert_string_equal(b.s, " (kernel: Attribute failed policy validation)");
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_ack),
		cmocka_unit_test(test_error_capped_with_words),
		cmocka_unit_test(test_error_with_the_request_echoed),
		cmocka_unit_test(test_malformed_and_long),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
