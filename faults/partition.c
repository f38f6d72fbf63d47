/* SPDX-License-Identifier: MIT */
/*
 * partition: drop the traffic exchanged with chosen peers, in the target's
 * network namespace, for the duration. One nftables table with the owner
 * flag (src/net/nft): the socket that created it stays open in ctx->state
 * while the partition lasts, so if Erebus dies the kernel drops the table
 * with it. stop() deletes the table through that socket; the undo record
 * then finds it gone.
 *
 * No tc fallback: dropping with tc needs the gact or police action, which
 * this project's test kernel lacks, so it could not be tested for real.
 */
#include <linux/netfilter.h>
#include <net/if.h>

#include "erebus/fault.h"
#include "erebus/netfault.h"
#include "erebus/netns.h"
#include "erebus/nft.h"

static const struct opt_def partition_options[] = {
	NET_MATCH_OPTIONS(net_direction_choices),
	OPT_END
};

struct partition {
	struct nft_sock *sock;
	char table[NFT_NAME_MAX];
	bool created;		/* the table may exist: delete it at the end */
};

/* The table f makes when Erebus runs as pid (0: a pattern, for plans). */
static void drop_of(const struct fault_spec *f, pid_t pid, char table[static NFT_NAME_MAX],
		    struct nft_drop *ret)
{
	struct net_match m;

	net_match_get(f->sec, &m);
	*ret = (struct nft_drop){
		.table = nft_table_name(pid, f->name, table),
		.ifname = m.interface,
		.egress = m.direction != NET_INGRESS,
		.ingress = m.direction != NET_EGRESS,
		.peers = m.destinations,
		.n_peers = m.n_destinations,
		.port = (uint16_t)m.port,
		.protocol = m.protocol,
	};
}

/* ifname must exist where the partition acts, or it would drop nothing. */
static int check_interface(int netns_fd, const char *ifname, char **ret_err)
{
	unsigned idx;
	int saved, r, e;

	r = netns_enter(netns_fd, &saved);
	if (r < 0) {
		*ret_err = xasprintf("cannot enter the target's network namespace: %s", strerror(-r));
		return r;
	}
	idx = if_nametoindex(ifname);
	e = errno;
	netns_leave(saved);
	if (!idx) {
		*ret_err = xasprintf("no interface %s in the %s network namespace (%s)", ifname,
				     netns_fd >= 0 ? "target's" : "current", strerror(e));
		return -ENODEV;
	}
	return 0;
}

static int partition_apply(struct fault_ctx *ctx, char **ret_err)
{
	struct partition *p = xcalloc(1, sizeof(*p));
	struct undo_rec u = { .kind = UNDO_NFT_TABLE };
	_cleanup_free_ struct nft_rule *rules = NULL;
	struct nft_drop d;
	size_t n_rules;
	int64_t usec = 0;
	char a[32];
	int r;

	ctx->state = p;
	drop_of(ctx->spec, getpid(), p->table, &d);
	r = check_interface(ctx->netns_fd, d.ifname, ret_err);
	if (r < 0)
		return r;
	r = nft_open(ctx->netns_fd, &p->sock, ret_err);
	if (r < 0)
		return r;
	u.net = (struct undo_net){ .netns_fd = ctx->netns_fd, .family = NFPROTO_INET };
	snprintf(u.net.name, sizeof(u.net.name), "%s", p->table);
	r = undo_push(&ctx->undo, &u);
	if (r < 0) {
		*ret_err = xasprintf("cannot write the undo record to the ledger, so nothing was created: %s",
				     strerror(-r));
		return r;
	}
	r = nft_drop_create(p->sock, &d, &p->created, &usec, ret_err);
	if (!p->created)	/* refused as a whole: nothing to undo */
		undo_disown(&ctx->undo);
	if (r < 0)
		return r;
	n_rules = nft_drop_rules(&d, &rules);
	ctx->log(ctx, "nftables table inet %s: %d chain%s, %zu rule%s, one transaction acknowledged in %s",
		 p->table, d.egress + d.ingress, d.egress + d.ingress > 1 ? "s" : "", n_rules,
		 n_rules == 1 ? "" : "s", format_duration(usec, a, sizeof(a)));
	return 0;
}

static void partition_stop(struct fault_ctx *ctx)
{
	struct partition *p = ctx->state;
	_cleanup_free_ char *err = NULL;
	int64_t usec = 0;
	char a[32];

	if (!p)
		return;
	if (p->sock && p->created) {
		if (nft_table_delete(p->sock, p->table, &usec, &err) < 0)
			ctx->log(ctx, "%s; closing the socket that owns it lets the kernel remove it", err);
		else
			ctx->log(ctx, "nftables table inet %s deleted, one transaction acknowledged in %s",
				 p->table, format_duration(usec, a, sizeof(a)));
	}
	nft_close(p->sock);
	free(p);
	ctx->state = NULL;
}

static void partition_check(const struct fault_spec *f, struct diag *d)
{
	net_match_check(f->sec, d);
}

static void partition_describe(const struct fault_spec *f, struct sbuf *out)
{
	char table[NFT_NAME_MAX], a[32];
	struct net_match m;
	struct nft_drop d;

	net_match_get(f->sec, &m);
	drop_of(f, 0, table, &d);
	sbuf_add(out, "drop traffic");
	net_match_describe(&m, out);
	sbuf_addf(out, " for %s, in nftables:\n", format_duration(f->duration_us, a, sizeof(a)));
	nft_drop_describe(&d, "            ", out);
}

const struct fault_type fault_partition = {
	.name = "partition",
	.summary = "Drop traffic to and/or from peers (nftables table with the owner flag)",
	.options = partition_options,
	.flags = FAULT_NETWORK | FAULT_NEEDS_DURATION,
	.supported = nft_supported,
	.check = partition_check,
	.apply = partition_apply,
	.stop = partition_stop,
	.describe = partition_describe,
};
