/* SPDX-License-Identifier: MIT */
/*
 * erebus-demo: the small HTTP service the quickstart experiment runs against.
 *
 * The process started is a supervisor. It owns the listening socket and forks
 * one worker that inherits it and serves HTTP. When the worker dies, for any
 * reason, the supervisor starts a new one after the restart delay; meanwhile
 * new connections wait in the kernel backlog. A stopped worker is paused, not
 * dead, and is left alone. With --no-supervisor the worker runs on its own, so
 * an experiment can show the same fault against an unsupervised service.
 *
 * GET /metrics answers in the Prometheus text format: requests by route,
 * errors by kind, worker restarts, and erebus_demo_worker_up. The counters
 * live in memory shared by the supervisor and its workers, so they survive
 * a worker's death. With --metrics-port the supervisor itself also serves
 * /metrics on a port of its own: that one answers while no worker is alive,
 * and shows erebus_demo_worker_up 0 between a worker's death and its restart.
 *
 * Self-contained on purpose: it builds from this one file and links nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
static inline void freeaddrinfop(struct addrinfo **ai)
{
	if (*ai)
		freeaddrinfo(*ai);
}
#define _cleanup_close_ _cleanup_(closep)
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

#define DEMO_DEFAULT_PORT     8099
#define DEMO_DEFAULT_BIND     "127.0.0.1"
#define DEMO_DEFAULT_DELAY_MS 200
#define DEMO_MAX_DELAY_MS     3600000UL
#define DEMO_BACKLOG          128
#define DEMO_WORK_MAX_MS      1000

#define REQ_MAX      8192	/* request line + headers + body, bytes */
#define OUT_MAX      4096	/* per-connection response buffer */
#define RESP_MAX     2048	/* room needed before building one response */
#define METRICS_MAX  1792	/* the /metrics body */
#define MAX_EVENTS   64
#define ACCEPT_BURST 1024	/* > backlog: one wakeup empties the queue */

struct config {
	const char *bind;
	unsigned port;
	int metrics_port;	/* -1: none */
	unsigned long delay_ms;
	bool supervise;
};

/* ---- metrics ------------------------------------------------------------ */

enum route { ROUTE_ROOT, ROUTE_HEALTH, ROUTE_WORK, ROUTE_METRICS, ROUTE_OTHER, N_ROUTES };
enum error_kind { ERR_BAD_REQUEST, ERR_NOT_FOUND, ERR_METHOD, ERR_TOO_LARGE, N_ERRORS };

static const char *const route_names[N_ROUTES] = { "/", "/health", "/work", "/metrics", "other" };
static const char *const error_names[N_ERRORS] = {
	"bad_request", "not_found", "method_not_allowed", "too_large",
};

/*
 * What /metrics shows. Mapped shared before the first fork: workers count
 * requests and errors, the supervisor restarts and whether a worker is up.
 * Each field has one writer at a time; readers take relaxed atomic loads.
 */
struct stats {
	uint64_t requests[N_ROUTES];
	uint64_t errors[N_ERRORS];
	uint64_t restarts;
	uint64_t worker_up;
};
static struct stats *stats;

#define STAT_ADD(field)      __atomic_fetch_add(&(field), 1, __ATOMIC_RELAXED)
#define STAT_SET(field, v)   __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define STAT_GET(field)      __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* Map the shared counters. Returns 0 or a negative errno. */
static int stats_open(void)
{
	void *p = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	stats = p;
	return 0;
}

/* Render the counters in the Prometheus text format (0.0.4) into buf.
 * Returns the length. */
static size_t stats_render(char *buf, size_t len)
{
	size_t n = 0;

#define OUT(...) (n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))
	OUT("# HELP erebus_demo_requests_total Requests answered, by route (other: unknown paths and malformed requests).\n"
	    "# TYPE erebus_demo_requests_total counter\n");
	for (int i = 0; i < N_ROUTES; i++)
		OUT("erebus_demo_requests_total{route=\"%s\"} %llu\n", route_names[i],
		    (unsigned long long)STAT_GET(stats->requests[i]));
	OUT("# HELP erebus_demo_errors_total Error responses, by kind.\n"
	    "# TYPE erebus_demo_errors_total counter\n");
	for (int i = 0; i < N_ERRORS; i++)
		OUT("erebus_demo_errors_total{kind=\"%s\"} %llu\n", error_names[i],
		    (unsigned long long)STAT_GET(stats->errors[i]));
	OUT("# HELP erebus_demo_worker_restarts_total Workers started after the first one.\n"
	    "# TYPE erebus_demo_worker_restarts_total counter\n"
	    "erebus_demo_worker_restarts_total %llu\n",
	    (unsigned long long)STAT_GET(stats->restarts));
	OUT("# HELP erebus_demo_worker_up 1 while a worker process is alive (serving, or paused), "
	    "0 from its death until its restart.\n"
	    "# TYPE erebus_demo_worker_up gauge\n"
	    "erebus_demo_worker_up %llu\n",
	    (unsigned long long)STAT_GET(stats->worker_up));
#undef OUT
	return n < len ? n : len - 1;
}

/* ---- logging ------------------------------------------------------------ */

/*
 * One line to stderr with the program prefix, written by a single write(2)
 * so lines from the supervisor and a worker never interleave.
 */
static _printf_(1, 2) void demo_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "erebus-demo: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

static const char *signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);

	return abbrev ? abbrev : "?";
}

/* ---- option parsing ----------------------------------------------------- */

/* Parse a decimal number in [min, max] with nothing after it. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       const char **ret_end, unsigned long *ret)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (!ret_end && *end)
		return -EINVAL;
	if (ret_end)
		*ret_end = end;
	*ret = v;
	return 0;
}

/* A restart delay in milliseconds: "200", "200ms" or "2s". */
static int parse_delay_ms(const char *s, unsigned long *ret)
{
	const char *end;
	unsigned long v;
	int r;

	r = parse_ulong(s, 0, DEMO_MAX_DELAY_MS, &end, &v);
	if (r < 0)
		return r;
	if (!*end || strcmp(end, "ms") == 0) {
		*ret = v;
		return 0;
	}
	if (strcmp(end, "s") == 0 && v <= DEMO_MAX_DELAY_MS / 1000) {
		*ret = v * 1000;
		return 0;
	}
	return -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: erebus-demo [--port N] [--bind ADDR] [--restart-delay DUR_MS] [--metrics-port N]\n"
		"                   [--no-supervisor]\n"
		"\n"
		"  -p, --port N             TCP port to listen on (default %u; 0 picks one)\n"
		"  -b, --bind ADDR          numeric IPv4 or IPv6 address (default %s)\n"
		"  -r, --restart-delay MS   wait before restarting a dead worker (default %u; \"2s\" works too)\n"
		"  -m, --metrics-port N     the supervisor also serves GET /metrics on this port (0 picks one),\n"
		"                           answering while no worker is alive\n"
		"  -n, --no-supervisor      run only the worker, in the foreground, never restarted\n"
		"  -h, --help               show this help\n"
		"\n"
		"routes: GET /health, GET /, GET /work?ms=N (burns N ms of CPU, N <= %d),\n"
		"        GET /metrics (Prometheus text format: erebus_demo_requests_total{route},\n"
		"        erebus_demo_errors_total{kind}, erebus_demo_worker_restarts_total, erebus_demo_worker_up)\n",
		DEMO_DEFAULT_PORT, DEMO_DEFAULT_BIND, DEMO_DEFAULT_DELAY_MS, DEMO_WORK_MAX_MS);
}

/* A port number for option opt; says why not and returns -EINVAL. */
static int parse_port(const char *opt, const char *s, unsigned long *ret)
{
	if (parse_ulong(s, 0, 65535, NULL, ret) < 0) {
		demo_log("illegal value for \"%s\": \"%s\" (want 0..65535)", opt, s);
		return -EINVAL;
	}
	return 0;
}

/* Fill cfg from argv; returns 0, 1 when help was shown, or -EINVAL. */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "port",          required_argument, NULL, 'p' },
		{ "bind",          required_argument, NULL, 'b' },
		{ "restart-delay", required_argument, NULL, 'r' },
		{ "metrics-port",  required_argument, NULL, 'm' },
		{ "no-supervisor", no_argument,       NULL, 'n' },
		{ "help",          no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	*cfg = (struct config){
		.bind = DEMO_DEFAULT_BIND,
		.port = DEMO_DEFAULT_PORT,
		.metrics_port = -1,
		.delay_ms = DEMO_DEFAULT_DELAY_MS,
		.supervise = true,
	};

	while ((c = getopt_long(argc, argv, "p:b:r:m:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_port("--port", optarg, &v) < 0)
				return -EINVAL;
			cfg->port = (unsigned)v;
			break;
		case 'b':
			cfg->bind = optarg;
			break;
		case 'r':
			if (parse_delay_ms(optarg, &v) < 0) {
				demo_log("illegal value for \"--restart-delay\": \"%s\" (want milliseconds, 0..%lu)",
					 optarg, DEMO_MAX_DELAY_MS);
				return -EINVAL;
			}
			cfg->delay_ms = v;
			break;
		case 'm':
			if (parse_port("--metrics-port", optarg, &v) < 0)
				return -EINVAL;
			cfg->metrics_port = (int)v;
			break;
		case 'n':
			cfg->supervise = false;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		demo_log("unexpected argument \"%s\"", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->supervise && cfg->metrics_port >= 0) {
		demo_log("--metrics-port needs the supervisor: without it, GET /metrics is on --port");
		return -EINVAL;
	}
	return 0;
}

/* ---- listening socket --------------------------------------------------- */

/*
 * Open a non-blocking listening TCP socket on addr:port. Returns the fd
 * (owned by the caller) or a negative errno; on -EINVAL addr was not a
 * numeric address.
 */
static int listen_open(const char *addr, unsigned port)
{
	_cleanup_(freeaddrinfop) struct addrinfo *ai = NULL;
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	_cleanup_close_ int fd = -1;
	char service[8];
	const int one = 1;

	(void)snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(addr, service, &hints, &ai) != 0 || !ai)
		return -EINVAL;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return -errno;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		return -errno;
	if (listen(fd, DEMO_BACKLOG) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Format the bound address of fd as "addr:port" or "[addr]:port". */
static void listen_describe(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

			(void)inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
			(void)snprintf(buf, len, "[%s]:%u", host, port);
			return;
		}
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		(void)inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	}
	(void)snprintf(buf, len, "%s:%u", host, port);
}

/* ---- HTTP worker -------------------------------------------------------- */

struct conn {
	int fd;
	uint32_t events;	/* what epoll currently watches */
	bool metrics_only;	/* the supervisor's metrics port: only /metrics */
	bool closing;		/* close once out is flushed */
	bool peer_eof;
	size_t in_len;
	size_t out_len, out_off;
	char in[REQ_MAX];
	char out[OUT_MAX];
};

struct worker {
	int epfd;
	int listen_fd;
	int sig_fd;		/* -1 unless running without a supervisor */
	bool metrics_only;	/* listen_fd is the supervisor's metrics port */
	bool accept_paused;	/* out of fds: listen fd is off until one closes */
};

struct http_req {
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	bool http10;
	bool conn_close;
	bool conn_keep_alive;
	size_t content_length;
};

/* Tags for epoll_event.data.ptr that are not connections. */
static char worker_tag_listen, worker_tag_signal;

static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool span_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool span_caseeq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Note the close / keep-alive tokens of one Connection header value. */
static void http_parse_connection(const char *v, size_t n, struct http_req *req)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (span_caseeq(v + start, end - start, "close"))
			req->conn_close = true;
		else if (span_caseeq(v + start, end - start, "keep-alive"))
			req->conn_keep_alive = true;
	}
}

/*
 * Parse the head of a request: buf[0..len) ends with the blank line.
 * Pointers in ret point into buf. Returns 0, or -EINVAL when the request
 * is malformed or uses framing this server does not speak.
 */
static int http_parse(const char *buf, size_t len, struct http_req *ret)
{
	const char *p = buf, *end = buf + len, *eol;
	bool have_length = false;
	struct http_req req = {};

	eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	if (!eol)
		return -EINVAL;

	/* method SP request-target SP HTTP-version */
	req.method = p;
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	req.method_len = (size_t)(p - req.method);
	if (req.method_len == 0 || p >= eol || *p++ != ' ')
		return -EINVAL;
	req.target = p;
	while (p < eol && (unsigned char)*p > ' ' && (unsigned char)*p < 0x7f)
		p++;
	req.target_len = (size_t)(p - req.target);
	if (req.target_len == 0 || req.target[0] != '/' || p >= eol || *p++ != ' ')
		return -EINVAL;
	if (span_eq(p, (size_t)(eol - p), "HTTP/1.1"))
		req.http10 = false;
	else if (span_eq(p, (size_t)(eol - p), "HTTP/1.0"))
		req.http10 = true;
	else
		return -EINVAL;

	/* header-field lines up to the empty line */
	for (p = eol + 2; p < end; p = eol + 2) {
		const char *name = p, *v, *vend;
		size_t name_len;

		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			return -EINVAL;
		if (eol == p)
			break;
		while (p < eol && is_tchar((unsigned char)*p))
			p++;
		name_len = (size_t)(p - name);
		if (name_len == 0 || p >= eol || *p != ':')
			return -EINVAL;
		v = p + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		vend = eol;
		while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		for (const char *q = v; q < vend; q++)
			if ((unsigned char)*q < ' ' && *q != '\t')
				return -EINVAL;

		if (span_caseeq(name, name_len, "Connection")) {
			http_parse_connection(v, (size_t)(vend - v), &req);
		} else if (span_caseeq(name, name_len, "Content-Length")) {
			size_t cl = 0;

			if (v == vend)
				return -EINVAL;
			for (const char *q = v; q < vend; q++) {
				if (*q < '0' || *q > '9')
					return -EINVAL;
				cl = cl * 10 + (size_t)(*q - '0');
				if (cl > REQ_MAX)
					cl = REQ_MAX + 1;	/* saturate: too big anyway */
			}
			if (have_length && cl != req.content_length)
				return -EINVAL;
			have_length = true;
			req.content_length = cl;
		} else if (span_caseeq(name, name_len, "Transfer-Encoding")) {
			return -EINVAL;
		}
	}

	*ret = req;
	return 0;
}

/* Burn ms milliseconds of this thread's CPU time, so CPU faults show as latency. */
static void burn_cpu_ms(unsigned ms)
{
	struct timespec now, until;

	if (ms == 0 || clock_gettime(CLOCK_THREAD_CPUTIME_ID, &until) < 0)
		return;
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	do {
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) < 0)
			return;
	} while (now.tv_sec < until.tv_sec ||
		 (now.tv_sec == until.tv_sec && now.tv_nsec < until.tv_nsec));
}

/*
 * Parse the ms parameter of a /work query string. Missing means 0; values
 * above the cap are clamped. Returns 0 or -EINVAL.
 */
static int work_parse_ms(const char *q, size_t n, unsigned *ret)
{
	const char *end = q + n;
	unsigned ms = 0;

	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pend = amp ? amp : end;

		if (pend - q >= 3 && memcmp(q, "ms=", 3) == 0) {
			const char *d = q + 3;

			if (d == pend)
				return -EINVAL;
			ms = 0;
			for (; d < pend; d++) {
				if (*d < '0' || *d > '9')
					return -EINVAL;
				ms = ms * 10 + (unsigned)(*d - '0');
				if (ms > DEMO_WORK_MAX_MS)
					ms = DEMO_WORK_MAX_MS + 1;
			}
		}
		q = amp ? amp + 1 : end;
	}
	*ret = ms > DEMO_WORK_MAX_MS ? DEMO_WORK_MAX_MS : ms;
	return 0;
}

/*
 * Append one response to c->out. The caller made sure RESP_MAX bytes are
 * free. Sets c->closing when the connection ends after this response.
 * ctype is the Content-Type (NULL: plain text). Error statuses are counted.
 */
static void conn_respond_as(struct conn *c, const struct http_req *req, int status, const char *ctype,
			    const char *body, size_t body_len, const char *extra)
{
	const char *reason, *connection = "";
	bool head = req && span_eq(req->method, req->method_len, "HEAD");
	size_t room = sizeof(c->out) - c->out_len;
	int n;

	switch (status) {
	case 200: reason = "OK"; break;
	case 400: reason = "Bad Request"; STAT_ADD(stats->errors[ERR_BAD_REQUEST]); break;
	case 404: reason = "Not Found"; STAT_ADD(stats->errors[ERR_NOT_FOUND]); break;
	case 405: reason = "Method Not Allowed"; STAT_ADD(stats->errors[ERR_METHOD]); break;
	case 413: reason = "Content Too Large"; STAT_ADD(stats->errors[ERR_TOO_LARGE]); break;
	default: reason = "Error"; break;
	}

	if (!req || req->conn_close || (req->http10 && !req->conn_keep_alive) || c->peer_eof)
		c->closing = true;
	if (c->closing)
		connection = "Connection: close\r\n";
	else if (req->http10)
		connection = "Connection: keep-alive\r\n";

	n = snprintf(c->out + c->out_len, room,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s%s\r\n"
		     "%.*s",
		     status, reason, ctype ? ctype : "text/plain; charset=utf-8", body_len, connection, extra ? extra : "",
		     head ? 0 : (int)body_len, body);
	if (n < 0 || (size_t)n >= room) {
		/* cannot happen with RESP_MAX free; refuse rather than truncate */
		c->closing = true;
		return;
	}
	c->out_len += (size_t)n;
}

static void conn_respond(struct conn *c, const struct http_req *req, int status,
			 const char *body, size_t body_len, const char *extra)
{
	conn_respond_as(c, req, status, NULL, body, body_len, extra);
}

/* Route one parsed request and append its response. */
static void conn_handle(struct conn *c, const struct http_req *req)
{
	static const char page[] =
		"erebus-demo: a small service for chaos experiments\n"
		"\n"
		"  GET /health      liveness, answers ok\n"
		"  GET /work?ms=N   burns N ms of CPU (N <= 1000)\n"
		"  GET /metrics     counters in the Prometheus text format\n";
	const char *path = req->target, *query = NULL, *qmark;
	size_t path_len = req->target_len, query_len = 0;
	bool get = span_eq(req->method, req->method_len, "GET") ||
		   span_eq(req->method, req->method_len, "HEAD");
	char body[METRICS_MAX];
	enum route route = ROUTE_OTHER;
	unsigned ms;
	int n;

	qmark = memchr(path, '?', path_len);
	if (qmark) {
		query = qmark + 1;
		query_len = path_len - (size_t)(query - path);
		path_len = (size_t)(qmark - path);
	}
	for (int i = 0; i < ROUTE_OTHER; i++)
		if (span_eq(path, path_len, route_names[i]))
			route = (enum route)i;
	if (c->metrics_only && route != ROUTE_METRICS)
		route = ROUTE_OTHER;
	STAT_ADD(stats->requests[route]);

	if (route == ROUTE_METRICS) {
		if (!get)
			goto not_allowed;
		n = (int)stats_render(body, sizeof(body));
		conn_respond_as(c, req, 200, "text/plain; version=0.0.4; charset=utf-8", body, (size_t)n, NULL);
	} else if (route == ROUTE_OTHER) {
		conn_respond(c, req, 404, "not found\n", 10, NULL);
	} else if (span_eq(path, path_len, "/health")) {
		if (!get)
			goto not_allowed;
		conn_respond(c, req, 200, "ok\n", 3, NULL);
	} else if (span_eq(path, path_len, "/")) {
		if (!get)
			goto not_allowed;
		conn_respond(c, req, 200, page, sizeof(page) - 1, NULL);
	} else if (span_eq(path, path_len, "/work")) {
		if (!get)
			goto not_allowed;
		if (work_parse_ms(query ? query : "", query_len, &ms) < 0) {
			static const char bad[] = "ms must be a whole number of milliseconds\n";

			conn_respond(c, req, 400, bad, sizeof(bad) - 1, NULL);
			return;
		}
		burn_cpu_ms(ms);
		n = snprintf(body, sizeof(body), "worked %u ms\n", ms);
		conn_respond(c, req, 200, body, (size_t)n, NULL);
	}
	return;

not_allowed:
	conn_respond(c, req, 405, "method not allowed\n", 19, "Allow: GET, HEAD\r\n");
}

/*
 * Answer every complete request in c->in while there is room in c->out.
 * Returns how many responses were produced.
 */
static unsigned conn_process(struct conn *c)
{
	unsigned done = 0;

	while (!c->closing && sizeof(c->out) - c->out_len >= RESP_MAX) {
		static const char garbage[] = "bad request\n";
		struct http_req req;
		const char *hend;
		size_t head_len, total;

		hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (!hend) {
			if (c->in_len == sizeof(c->in)) {
				STAT_ADD(stats->requests[ROUTE_OTHER]);
				conn_respond(c, NULL, 400, garbage, sizeof(garbage) - 1, NULL);
				done++;
			}
			break;
		}
		head_len = (size_t)(hend - c->in) + 4;
		if (http_parse(c->in, head_len, &req) < 0) {
			STAT_ADD(stats->requests[ROUTE_OTHER]);
			conn_respond(c, NULL, 400, garbage, sizeof(garbage) - 1, NULL);
			done++;
			break;
		}
		total = head_len + req.content_length;
		if (total > sizeof(c->in)) {
			static const char big[] = "request too large\n";

			req.conn_close = true;
			STAT_ADD(stats->requests[ROUTE_OTHER]);
			conn_respond(c, &req, 413, big, sizeof(big) - 1, NULL);
			done++;
			break;
		}
		if (c->in_len < total)
			break;	/* body still on its way */

		conn_handle(c, &req);
		done++;
		c->in_len -= total;
		if (c->in_len)
			memmove(c->in, c->in + total, c->in_len);
	}
	return done;
}

/* Send what is queued. Returns 0 (maybe partially sent) or a negative errno. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return 0;
}

/* Read what is available into c->in. Returns 0 or a negative errno. */
static int conn_fill(struct conn *c)
{
	while (!c->peer_eof && c->in_len < sizeof(c->in)) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		if (n == 0)
			c->peer_eof = true;
		c->in_len += (size_t)n;
		if (n > 0 && c->in_len < sizeof(c->in))
			break;	/* short read: drained; epoll is level-triggered */
	}
	return 0;
}

static void worker_resume_accept(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &worker_tag_listen };

	if (w->accept_paused && epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->listen_fd, &ev) == 0)
		w->accept_paused = false;
}

/* Close and free c, after telling the peer we are done writing. */
static void conn_close(struct worker *w, struct conn *c)
{
	char drain[512];

	if (c->closing) {
		(void)shutdown(c->fd, SHUT_WR);
		/* take what already arrived so close() sends FIN, not RST */
		while (recv(c->fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;
	}
	(void)close(c->fd);	/* also drops it from the epoll set */
	free(c);
	worker_resume_accept(w);
}

/* Handle readiness on one connection; may free c. */
static void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	uint32_t want;

	if (events & EPOLLERR)
		goto close;
	if ((events & (EPOLLIN | EPOLLHUP)) && conn_fill(c) < 0)
		goto close;

	for (;;) {
		unsigned n = conn_process(c);

		if (conn_flush(c) < 0)
			goto close;
		if (c->out_len)
			break;			/* socket full: wait for EPOLLOUT */
		if (c->closing)
			goto close;
		if (n == 0)
			break;
	}
	if (c->peer_eof && !c->out_len)
		goto close;			/* half a request and then EOF */

	want = c->out_len ? EPOLLOUT : EPOLLIN;
	if (want != c->events) {
		struct epoll_event ev = { .events = want, .data.ptr = c };

		if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			goto close;
		c->events = want;
	}
	return;

close:
	conn_close(w, c);
}

/* Accept a burst of pending connections. */
static void worker_accept(struct worker *w)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		struct epoll_event ev = { .events = EPOLLIN };
		const int one = 1;
		struct conn *c;
		int fd;

		fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* level-triggered: stop watching until a connection closes */
				ev.events = 0;
				ev.data.ptr = &worker_tag_listen;
				if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->listen_fd, &ev) == 0)
					w->accept_paused = true;
			}
			return;	/* EAGAIN, or an aborted connection: try again later */
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

		c = malloc(sizeof(*c));
		if (!c) {
			(void)close(fd);
			return;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		c->metrics_only = w->metrics_only;
		c->closing = c->peer_eof = false;
		c->in_len = c->out_len = c->out_off = 0;
		ev.data.ptr = c;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			(void)close(fd);
			free(c);
		}
	}
}

/*
 * Serve HTTP on listen_fd until killed. sig_fd, when >= 0, is a signalfd for
 * SIGTERM/SIGINT/SIGHUP; a signal on it ends the worker with status 0.
 */
static _noreturn_ void worker_run(int listen_fd, int sig_fd)
{
	struct epoll_event ev, events[MAX_EVENTS];
	struct worker w = { .listen_fd = listen_fd, .sig_fd = sig_fd };

	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w.epfd < 0) {
		demo_log("worker %d: epoll_create1: %m", (int)getpid());
		_exit(1);
	}
	ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &worker_tag_listen };
	if (epoll_ctl(w.epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		demo_log("worker %d: watching the listening socket: %m", (int)getpid());
		_exit(1);
	}
	if (sig_fd >= 0) {
		ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &worker_tag_signal };
		if (epoll_ctl(w.epfd, EPOLL_CTL_ADD, sig_fd, &ev) < 0) {
			demo_log("worker %d: watching signals: %m", (int)getpid());
			_exit(1);
		}
	}

	for (;;) {
		int n = epoll_wait(w.epfd, events, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;	/* e.g. after SIGSTOP + SIGCONT */
			demo_log("worker %d: epoll_wait: %m", (int)getpid());
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			void *tag = events[i].data.ptr;

			if (tag == &worker_tag_listen) {
				worker_accept(&w);
			} else if (tag == &worker_tag_signal) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					demo_log("worker %d: SIG%s, shutting down", (int)getpid(),
						 signal_name((int)si.ssi_signo));
					exit(0);
				}
			} else {
				conn_event(&w, tag, events[i].events);
			}
		}
	}
}

/* ---- supervisor --------------------------------------------------------- */

struct supervisor {
	const struct config *cfg;
	int listen_fd;
	int sig_fd;
	int timer_fd;
	struct worker metrics;	/* the metrics port, served here (epfd: the supervisor's) */
	pid_t pid;		/* the supervisor itself */
	pid_t worker;		/* 0 when none is running */
	unsigned starts;
};

static void log_exit_status(pid_t pid, int status)
{
	if (WIFSIGNALED(status))
		demo_log("worker %d killed by signal %d (SIG%s)%s", (int)pid, WTERMSIG(status),
			 signal_name(WTERMSIG(status)), WCOREDUMP(status) ? ", core dumped" : "");
	else
		demo_log("worker %d exited with status %d", (int)pid, WEXITSTATUS(status));
}

/*
 * Fork a worker on the listening socket. In the child this never returns.
 * Returns 0 or a negative errno when fork failed.
 */
static int supervisor_spawn(struct supervisor *s)
{
	sigset_t none;
	pid_t pid;

	STAT_SET(stats->worker_up, 1);	/* before it can answer /metrics */
	pid = fork();
	if (pid < 0) {
		STAT_SET(stats->worker_up, 0);
		return -errno;
	}
	if (pid == 0) {
		/* Only the listening socket: not the supervisor's signalfd,
		 * timerfd, epoll set, metrics port or metrics connections. */
		if (s->listen_fd > 3)
			(void)close_range(3, (unsigned)s->listen_fd - 1, 0);
		(void)close_range((unsigned)s->listen_fd + 1, ~0U, 0);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)prctl(PR_SET_NAME, "demo-worker", 0, 0, 0);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != s->pid)
			_exit(1);	/* the supervisor is already gone */
		worker_run(s->listen_fd, -1);
	}
	s->worker = pid;
	s->starts++;
	STAT_SET(stats->restarts, s->starts - 1);
	if (s->starts == 1)
		demo_log("worker %d started", (int)pid);
	else
		demo_log("worker %d started (restart %u)", (int)pid, s->starts - 1);
	return 0;
}

/* Start a worker after the restart delay (now, when the delay is 0). */
static void supervisor_schedule(struct supervisor *s)
{
	const struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(s->cfg->delay_ms / 1000),
			.tv_nsec = (long)(s->cfg->delay_ms % 1000) * 1000000L,
		},
	};

	if (s->cfg->delay_ms > 0 && timerfd_settime(s->timer_fd, 0, &its, NULL) == 0)
		return;
	if (supervisor_spawn(s) < 0) {
		demo_log("cannot fork a worker: %m");
		/* with no delay to wait on, retry one second later */
		const struct itimerspec retry = { .it_value = { .tv_sec = 1 } };

		(void)timerfd_settime(s->timer_fd, 0, &retry, NULL);
	}
}

/* Reap exited children; stopped ones are not reported and stay. */
static void supervisor_reap(struct supervisor *s, bool restart)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != s->worker)
			continue;
		STAT_SET(stats->worker_up, 0);	/* before the log line a reader may wait for */
		log_exit_status(pid, status);
		s->worker = 0;
		if (restart)
			supervisor_schedule(s);
	}
}

/* Kill the worker, wait for it, and return the exit status for main. */
static int supervisor_shutdown(struct supervisor *s, int sig)
{
	int status;

	demo_log("supervisor %d: SIG%s, shutting down", (int)s->pid, signal_name(sig));
	supervisor_reap(s, false);
	if (s->worker > 0) {
		(void)kill(s->worker, SIGKILL);	/* also ends a stopped worker */
		while (waitpid(s->worker, &status, 0) < 0 && errno == EINTR)
			;
		log_exit_status(s->worker, status);
		s->worker = 0;
	}
	demo_log("supervisor %d: stopped", (int)s->pid);
	return 0;
}

/* Tags for epoll_event.data.ptr in the supervisor's set. */
static char sup_tag_signal, sup_tag_timer;

/* Read the signals queued on the signalfd, reaping on SIGCHLD. Returns a
 * terminating signal that arrived, or 0. */
static int supervisor_signals(struct supervisor *s)
{
	struct signalfd_siginfo si[8];
	bool child = false;
	int term = 0;
	ssize_t n;

	n = read(s->sig_fd, si, sizeof(si));
	for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(si[0]); i++) {
		if (si[i].ssi_signo == SIGCHLD)
			child = true;
		else
			term = (int)si[i].ssi_signo;
	}
	if (child && !term)
		supervisor_reap(s, true);
	return term;
}

/* The restart delay is over: start a worker if none runs. */
static void supervisor_timer(struct supervisor *s)
{
	uint64_t expirations;

	if (read(s->timer_fd, &expirations, sizeof(expirations)) > 0 && s->worker == 0 &&
	    supervisor_spawn(s) < 0) {
		demo_log("cannot fork a worker: %m");
		supervisor_schedule(s);
	}
}

/* Watch fd in the supervisor's epoll set under tag. Returns 0 or -errno. */
static int supervisor_watch(int epfd, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/*
 * Run the supervisor: keep one worker alive on listen_fd until SIGTERM,
 * SIGINT or SIGHUP, and serve /metrics on metrics_fd (-1: none) meanwhile.
 * Returns the process exit status.
 */
static int supervisor_run(const struct config *cfg, int listen_fd, const char *where,
			  int metrics_fd, const char *metrics_where)
{
	_cleanup_close_ int sig_fd = -1, timer_fd = -1, epfd = -1;
	struct supervisor s = { .cfg = cfg, .listen_fd = listen_fd, .pid = getpid() };
	struct epoll_event events[MAX_EVENTS];
	const pid_t parent = getppid();
	sigset_t mask;

	(void)signal(SIGCHLD, SIG_DFL);	/* SIG_IGN would auto-reap the worker */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return 1;
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sig_fd < 0 || timer_fd < 0 || epfd < 0 || supervisor_watch(epfd, sig_fd, &sup_tag_signal) < 0 ||
	    supervisor_watch(epfd, timer_fd, &sup_tag_timer) < 0 ||
	    (metrics_fd >= 0 && supervisor_watch(epfd, metrics_fd, &worker_tag_listen) < 0)) {
		demo_log("supervisor: setting up its event loop: %m");
		return 1;
	}
	s.sig_fd = sig_fd;
	s.timer_fd = timer_fd;
	s.metrics = (struct worker){ .epfd = epfd, .listen_fd = metrics_fd, .sig_fd = -1, .metrics_only = true };

	(void)prctl(PR_SET_NAME, "demo-super", 0, 0, 0);
	/* SIGTERM is blocked, so a parent's death arrives on sig_fd like any other */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 || getppid() != parent) {
		demo_log("supervisor: parent is gone, not starting");
		return 1;
	}

	if (metrics_fd >= 0)
		demo_log("supervisor %d listening on %s (restart delay %lu ms), metrics on %s", (int)s.pid,
			 where, cfg->delay_ms, metrics_where);
	else
		demo_log("supervisor %d listening on %s (restart delay %lu ms)", (int)s.pid, where,
			 cfg->delay_ms);
	if (supervisor_spawn(&s) < 0) {
		demo_log("cannot fork a worker: %m");
		supervisor_schedule(&s);
	}

	for (;;) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			demo_log("supervisor: epoll_wait: %m");
			return supervisor_shutdown(&s, SIGTERM) + 1;
		}
		for (int i = 0; i < n; i++) {
			void *tag = events[i].data.ptr;
			int term;

			if (tag == &sup_tag_signal) {
				if ((term = supervisor_signals(&s)))
					return supervisor_shutdown(&s, term);
			} else if (tag == &sup_tag_timer) {
				supervisor_timer(&s);
			} else if (tag == &worker_tag_listen) {
				worker_accept(&s.metrics);
			} else {
				conn_event(&s.metrics, tag, events[i].events);
			}
		}
	}
}

/* Run only the worker in the foreground: no restarts. */
static int unsupervised_run(int listen_fd, const char *where)
{
	const pid_t parent = getppid();
	sigset_t mask;
	int sig_fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return 1;
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0) {
		demo_log("signalfd: %m");
		return 1;
	}
	(void)prctl(PR_SET_NAME, "demo-worker", 0, 0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) < 0 || getppid() != parent)
		return 1;
	demo_log("worker %d listening on %s (no supervisor)", (int)getpid(), where);
	worker_run(listen_fd, sig_fd);
}

int main(int argc, char **argv)
{
	_cleanup_close_ int listen_fd = -1, metrics_fd = -1;
	struct config cfg;
	struct rlimit rl;
	char where[INET6_ADDRSTRLEN + 16], metrics_where[INET6_ADDRSTRLEN + 16] = "";
	int r;

	r = parse_args(argc, argv, &cfg);
	if (r != 0)
		return r > 0 ? 0 : 2;

	(void)signal(SIGPIPE, SIG_IGN);
	/* many concurrent connections: take the hard fd limit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	listen_fd = listen_open(cfg.bind, cfg.port);
	if (listen_fd == -EINVAL) {
		demo_log("illegal value for \"--bind\": \"%s\" (want a numeric IPv4 or IPv6 address)",
			 cfg.bind);
		return 2;
	}
	if (listen_fd < 0) {
		demo_log("cannot listen on %s port %u: %s", cfg.bind, cfg.port, strerror(-listen_fd));
		return 1;
	}
	listen_describe(listen_fd, where, sizeof(where));
	if (cfg.metrics_port >= 0) {
		metrics_fd = listen_open(cfg.bind, (unsigned)cfg.metrics_port);
		if (metrics_fd < 0) {
			demo_log("cannot listen on %s port %d: %s", cfg.bind, cfg.metrics_port,
				 strerror(-metrics_fd));
			return 1;
		}
		listen_describe(metrics_fd, metrics_where, sizeof(metrics_where));
	}
	r = stats_open();
	if (r < 0) {
		demo_log("cannot map the counters: %s", strerror(-r));
		return 1;
	}

	if (!cfg.supervise) {
		STAT_SET(stats->worker_up, 1);
		return unsupervised_run(listen_fd, where);
	}
	return supervisor_run(&cfg, listen_fd, where, metrics_fd, metrics_where);
}
