/* SPDX-License-Identifier: MIT */
/* The kernel's netlink acknowledgements, read once for tc and nft; see
 * nlack.h. Plain struct nlattr walking: neither libnl nor libmnl. */
#include "nlack.h"

int nlack_read(const struct nlmsghdr *nlh, struct nlack *ret)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = sizeof(*e), end;

	*ret = (struct nlack){ 0 };
	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EBADMSG;
	ret->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	/* Without NLM_F_CAPPED the request follows its header in full. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	end = nlh->nlmsg_len - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const void *)((const char *)e + off);
		size_t len = a->nla_len;

		if (len < NLA_HDRLEN || off + len > end)
			break;	/* malformed: keep what was read */
		len -= NLA_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG: {
			const char *text = (const char *)a + NLA_HDRLEN;
			size_t n = strnlen(text, len);

			if (n >= sizeof(ret->msg))
				n = sizeof(ret->msg) - 1;
			memcpy(ret->msg, text, n);
			ret->msg[n] = '\0';
			break;
		}
		case NLMSGERR_ATTR_OFFS:
			if (len >= sizeof(ret->offset))
				memcpy(&ret->offset, (const char *)a + NLA_HDRLEN, sizeof(ret->offset));
			break;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

void nlack_describe(const struct nlack *a, struct sbuf *out)
{
	if (!a || !a->msg[0])
		return;
	sbuf_addf(out, " (kernel: %s", a->msg);
	if (a->offset)
		sbuf_addf(out, "; at byte %u of the request", a->offset);
	sbuf_add(out, ")");
}
