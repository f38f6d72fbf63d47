/* SPDX-License-Identifier: MIT */
/*
 * Sandbox hosts over rtnetlink (libnl-route-3): per host a namespace whose
 * eth0 is one end of a veth pair; the other ends are enslaved to a bridge
 * in a switch namespace. No `ip` is run, and no name is bound under
 * /run/netns: the namespaces live as long as their fds (and any process
 * launched inside).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#include "erebus/netns.h"
#include "erebus/sandbox.h"

struct sandbox {
	int switch_fd;
	int *host_fds;
	size_t n;
};

static void sock_freep(struct nl_sock **s)
{
	if (*s)
		nl_socket_free(*s);
}
static void link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}
/* A veth and its peer point at each other: only this frees both. */
static void veth_releasep(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_veth_release(*l);
}
#define _cleanup_nl_sock_ _cleanup_(sock_freep)
#define _cleanup_link_ _cleanup_(link_putp)

/* A route netlink socket inside netns_fd. */
static int route_socket(int netns_fd, struct nl_sock **ret)
{
	struct nl_sock *s = nl_socket_alloc();
	int saved, r;

	if (!s)
		return -ENOMEM;
	if ((r = netns_enter(netns_fd, &saved)) < 0) {
		nl_socket_free(s);
		return r;
	}
	r = nl_connect(s, NETLINK_ROUTE);
	netns_leave(saved);
	if (r < 0) {
		nl_socket_free(s);
		return -EIO;
	}
	*ret = s;
	return 0;
}

/* Set a link up (by name) in the namespace of sock. */
static int link_up(struct nl_sock *sock, const char *name)
{
	_cleanup_link_ struct rtnl_link *l = NULL, *change = NULL;
	int r = rtnl_link_get_kernel(sock, 0, name, &l);

	if (r < 0)
		return r;
	change = rtnl_link_alloc();
	if (!change)
		return -NLE_NOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	return rtnl_link_change(sock, l, change, 0);
}

static int add_addr(struct nl_sock *sock, const char *ifname, const char *addr, unsigned prefix)
{
	_cleanup_link_ struct rtnl_link *l = NULL;
	struct rtnl_addr *a;
	struct nl_addr *local = NULL;
	_cleanup_free_ char *text = xasprintf("%s/%u", addr, prefix);
	int r = rtnl_link_get_kernel(sock, 0, ifname, &l);

	if (r < 0)
		return r;
	if ((r = nl_addr_parse(text, AF_INET, &local)) < 0)
		return r;
	a = rtnl_addr_alloc();
	if (!a) {
		nl_addr_put(local);
		return -NLE_NOMEM;
	}
	rtnl_addr_set_ifindex(a, rtnl_link_get_ifindex(l));
	rtnl_addr_set_local(a, local);
	r = rtnl_addr_add(sock, a, 0);
	rtnl_addr_put(a);
	nl_addr_put(local);
	return r;
}

/* One host: veth "h<i>" in the switch, enslaved to br0, peer eth0 in the host. */
static int plug_host(struct nl_sock *sw, int br_ifindex, int host_fd, size_t i, const char *addr,
		     unsigned prefix, char **ret_err)
{
	_cleanup_(veth_releasep) struct rtnl_link *veth = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *port = NULL, *peer = NULL;
	_cleanup_nl_sock_ struct nl_sock *hs = NULL;
	char name[IFNAMSIZ];
	int r;

	if (!veth)
		return -ENOMEM;
	snprintf(name, sizeof(name), "h%u", (unsigned)(i % 100000));
	rtnl_link_set_name(veth, name);
	peer = rtnl_link_veth_get_peer(veth);	/* a new reference */
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_fd(peer, host_fd);
	if ((r = rtnl_link_add(sw, veth, NLM_F_CREATE | NLM_F_EXCL)) < 0)
		goto nl_fail;
	if ((r = rtnl_link_get_kernel(sw, 0, name, &port)) < 0 ||
	    (r = rtnl_link_enslave_ifindex(sw, br_ifindex, rtnl_link_get_ifindex(port))) < 0 ||
	    (r = link_up(sw, name)) < 0)
		goto nl_fail;
	if ((r = route_socket(host_fd, &hs)) < 0) {
		*ret_err = xasprintf("cannot open netlink in a sandbox host: %s", strerror(-r));
		return r;
	}
	if ((r = link_up(hs, "lo")) < 0 || (r = add_addr(hs, "eth0", addr, prefix)) < 0 ||
	    (r = link_up(hs, "eth0")) < 0)
		goto nl_fail;
	return 0;
nl_fail:
	*ret_err = xasprintf("cannot set up the sandbox link of host %zu: %s", i, nl_geterror(r));
	return -EIO;
}

int sandbox_create(const struct experiment *x, struct sandbox **ret, char **ret_err)
{
	const struct sandbox_spec *sp = &x->sandbox;
	_cleanup_nl_sock_ struct nl_sock *sw = NULL;
	_cleanup_link_ struct rtnl_link *br = NULL, *br_k = NULL;
	struct sandbox *sb;
	int r;

	*ret = NULL;
	if (!sp->n_hosts)
		return 0;
	sb = xcalloc(1, sizeof(*sb));
	sb->switch_fd = -1;
	sb->host_fds = xcalloc(sp->n_hosts, sizeof(int));
	for (size_t i = 0; i < sp->n_hosts; i++)
		sb->host_fds[i] = -1;
	sb->n = sp->n_hosts;

	if ((r = netns_new()) < 0) {
		*ret_err = xasprintf("cannot create a network namespace: %s%s", strerror(-r),
				     r == -EPERM ? " (sandboxes need root or CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	sb->switch_fd = r;
	for (size_t i = 0; i < sp->n_hosts; i++) {
		if ((r = netns_new()) < 0) {
			*ret_err = xasprintf("cannot create a network namespace: %s", strerror(-r));
			goto fail;
		}
		sb->host_fds[i] = r;
	}
	if ((r = route_socket(sb->switch_fd, &sw)) < 0) {
		*ret_err = xasprintf("cannot open netlink in the sandbox: %s", strerror(-r));
		goto fail;
	}
	br = rtnl_link_bridge_alloc();
	if (!br) {
		*ret_err = xstrdup("cannot create the sandbox bridge: out of memory");
		r = -ENOMEM;
		goto fail;
	}
	rtnl_link_set_name(br, "br0");
	if ((r = rtnl_link_add(sw, br, NLM_F_CREATE | NLM_F_EXCL)) < 0 ||
	    (r = rtnl_link_get_kernel(sw, 0, "br0", &br_k)) < 0 || (r = link_up(sw, "br0")) < 0) {
		*ret_err = xasprintf("cannot create the sandbox bridge: %s", nl_geterror(r));
		r = -EIO;
		goto fail;
	}
	for (size_t i = 0; i < sp->n_hosts; i++)
		if ((r = plug_host(sw, rtnl_link_get_ifindex(br_k), sb->host_fds[i], i, sp->addrs[i],
				   sp->subnet.prefix, ret_err)) < 0)
			goto fail;
	*ret = sb;
	return 0;
fail:
	sandbox_destroy(sb);
	return r;
}

int sandbox_host_fd(const struct sandbox *sb, size_t i)
{
	return sb && i < sb->n ? sb->host_fds[i] : -1;
}

void sandbox_destroy(struct sandbox *sb)
{
	if (!sb)
		return;
	for (size_t i = 0; i < sb->n; i++)
		if (sb->host_fds[i] >= 0)
			close(sb->host_fds[i]);
	if (sb->switch_fd >= 0)
		close(sb->switch_fd);
	free(sb->host_fds);
	free(sb);
}
