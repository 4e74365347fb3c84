/*
 * http: read-only file serving for kiln's repositories and logs over
 * libmicrohttpd (see http.h).  Calls: util.
 */
#include "http.h"

#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HTTP_THREADS 4
#define HTTP_TIMEOUT_S 60
#define HTTP_BODY_MAX (64 * 1024)

struct smount {
	char *prefix;
	char *real;		/* the directory, symlinks resolved */
};

struct http_server {
	struct MHD_Daemon *d;
	int fd;			/* the listening socket (MHD closes it) */
	unsigned port;
	struct smount *m;
	size_t n;
	http_log_fn log;
	void *log_arg;
	const struct http_api *api;
};

/* An API request's body, collected across calls (MHD's con_cls). */
struct body {
	struct strbuf sb;
	bool too_large;
};

/* ---- listening ---------------------------------------------------------- */

/* "ADDR:PORT", "[ADDR6]:PORT" or "PORT" into ss.  0 or -1. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    struct kerr *e)
{
	char host[INET6_ADDRSTRLEN + 1] = "127.0.0.1";
	const char *port = s, *colon;
	unsigned long p;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			return kerr_set(e, "listen address %s: want [ADDR6]:PORT", s);
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if ((size_t)(colon - s) >= sizeof(host))
			return kerr_set(e, "listen address %s: address too long", s);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno || p > 65535)
		return kerr_set(e, "listen address %s: bad port %s", s, port);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
	} else {
		return kerr_set(e, "listen address %s: %s is not an IPv4 or IPv6 address",
		    s, host);
	}
	return 0;
}

/* A bound, listening socket: its errors say more than MHD's NULL. */
static int
listen_socket(const char *s, unsigned *port, struct kerr *e)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (parse_listen(s, &ss, &len, e) < 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return kerr_errno(e, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		kerr_errno(e, "listen on %s", s);
		close(fd);
		return -1;
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* ---- answers ------------------------------------------------------------ */

static enum MHD_Result
answer(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url, unsigned status, struct MHD_Response *r, unsigned long long bytes)
{
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	if (s->log)
		s->log(s->log_arg, method, url, status, bytes);
	return ret;
}

static enum MHD_Result
answer_text(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url, unsigned status, const char *type, const char *body)
{
	size_t len = strlen(body);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);

	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	return answer(s, c, method, url, status, r, len);
}

static enum MHD_Result
answer_error(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url, unsigned status, const char *what)
{
	char body[128];

	snprintf(body, sizeof(body), "%u %s\n", status, what);
	return answer_text(s, c, method, url, status, "text/plain; charset=utf-8", body);
}

static const char *
content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".log", "text/plain; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".conf", "text/plain; charset=utf-8" },
		{ ".css", "text/css" },
		{ ".js", "text/javascript" },
	};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i].ext);
		if (n > k && strcmp(path + n - k, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static void
http_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
}

/* The request's If-Modified-Since, or -1. */
static time_t
if_modified_since(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (v == NULL || (end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) == NULL ||
	    *end != '\0')
		return -1;
	return timegm(&tm);
}

static enum MHD_Result
serve_file(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url, const char *path)
{
	struct MHD_Response *r;
	struct stat st;
	char date[64];
	time_t ims;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return answer_error(s, c, method, url, MHD_HTTP_NOT_FOUND, "not found");
	}
	http_date(st.st_mtime, date, sizeof(date));
	if ((ims = if_modified_since(c)) >= 0 && st.st_mtime <= ims) {
		close(fd);
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
		return answer(s, c, method, url, MHD_HTTP_NOT_MODIFIED, r, 0);
	}
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);	/* owns fd */
	if (r == NULL) {
		close(fd);
		return answer_error(s, c, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot read the file");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(path));
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	return answer(s, c, method, url, MHD_HTTP_OK, r,
	    strcmp(method, "HEAD") == 0 ? 0 : (unsigned long long)st.st_size);
}

static void
add_html(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}

/* A name as one URL path segment: unreserved characters kept, the rest %XX. */
static void
add_segment(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			strbuf_addch(sb, (char)ch);
		else
			strbuf_addf(sb, "%%%02X", ch);
	}
}

static void
page_start(struct strbuf *sb, const char *title)
{
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	add_html(sb, title);
	strbuf_addstr(sb, "</title></head>\n<body><h1>");
	add_html(sb, title);
	strbuf_addstr(sb, "</h1>\n<ul>\n");
}

static enum MHD_Result
serve_listing(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url, const char *dir)
{
	struct dirent **names = NULL;
	struct strbuf sb = STRBUF_INIT;
	int n = scandir(dir, &names, NULL, alphasort);
	enum MHD_Result ret;

	if (n < 0)
		return answer_error(s, c, method, url, MHD_HTTP_NOT_FOUND, "not found");
	page_start(&sb, url);
	strbuf_addstr(&sb, "<li><a href=\"../\">../</a></li>\n");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct stat st;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			char *p = path_join(dir, name);
			bool isdir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
			strbuf_addstr(&sb, "<li><a href=\"");
			add_segment(&sb, name);
			strbuf_addstr(&sb, isdir ? "/\">" : "\">");
			add_html(&sb, name);
			strbuf_addstr(&sb, isdir ? "/</a></li>\n" : "</a></li>\n");
			free(p);
		}
		free(names[i]);
	}
	free(names);
	strbuf_addstr(&sb, "</ul></body></html>\n");
	ret = answer_text(s, c, method, url, MHD_HTTP_OK, "text/html; charset=utf-8", sb.buf);
	strbuf_release(&sb);
	return ret;
}

static enum MHD_Result
serve_mounts(struct http_server *s, struct MHD_Connection *c, const char *method,
    const char *url)
{
	struct strbuf sb = STRBUF_INIT;
	enum MHD_Result ret;

	page_start(&sb, "kiln");
	for (size_t i = 0; i < s->n; i++) {
		strbuf_addstr(&sb, "<li><a href=\"");
		add_html(&sb, s->m[i].prefix);
		strbuf_addstr(&sb, "/\">");
		add_html(&sb, s->m[i].prefix);
		strbuf_addstr(&sb, "/</a></li>\n");
	}
	strbuf_addstr(&sb, "</ul></body></html>\n");
	ret = answer_text(s, c, method, url, MHD_HTTP_OK, "text/html; charset=utf-8", sb.buf);
	strbuf_release(&sb);
	return ret;
}

static bool
has_dotdot(const char *rel)
{
	for (const char *p = rel; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* Is url the prefix itself or below it? */
static bool
is_under_prefix(const char *url, const char *prefix)
{
	size_t k = strlen(prefix);

	return strncmp(url, prefix, k) == 0 && (url[k] == '\0' || url[k] == '/');
}

/* Collect the body, then let the API function answer. */
static enum MHD_Result
handle_api(struct http_server *s, struct MHD_Connection *c, const char *url,
    const char *method, const char *upload, size_t *upload_len, void **con_cls)
{
	struct body *b = *con_cls;
	struct strbuf out = STRBUF_INIT;
	unsigned status;
	enum MHD_Result ret;

	if (b == NULL) {
		b = xcalloc(1, sizeof(*b));
		strbuf_init(&b->sb, 0);
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (b->sb.len + *upload_len > HTTP_BODY_MAX)
			b->too_large = true;
		else
			strbuf_add(&b->sb, upload, *upload_len);
		*upload_len = 0;
		return MHD_YES;
	}
	if (b->too_large) {
		status = MHD_HTTP_CONTENT_TOO_LARGE;
		strbuf_addf(&out, "{\"error\": \"request body over %d bytes\"}\n",
		    HTTP_BODY_MAX);
	} else {
		status = s->api->fn(s->api->arg, method, url, b->sb.buf, b->sb.len, &out);
	}
	ret = answer_text(s, c, method, url, status, "application/json", out.buf);
	strbuf_release(&out);
	return ret;
}

/* MHD_OPTION_NOTIFY_COMPLETED: free an API request's body. */
static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode why)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)c;
	(void)why;
	if (b) {
		strbuf_release(&b->sb);
		free(b);
		*con_cls = NULL;
	}
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct http_server *s = cls;
	const struct smount *m = NULL;
	char *full = NULL, *real = NULL;
	const char *rel;
	enum MHD_Result ret;
	struct stat st;

	(void)version;
	if (s->api && is_under_prefix(url, s->api->prefix))
		return handle_api(s, c, url, method, upload, upload_len, con_cls);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		return answer(s, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, r, 0);
	}
	if (strcmp(url, "/") == 0)
		return serve_mounts(s, c, method, url);
	for (size_t i = 0; i < s->n && m == NULL; i++)
		if (is_under_prefix(url, s->m[i].prefix))
			m = &s->m[i];
	if (m == NULL)
		return answer_error(s, c, method, url, MHD_HTTP_NOT_FOUND, "not found");
	rel = url + strlen(m->prefix);
	if (has_dotdot(rel))
		return answer_error(s, c, method, url, MHD_HTTP_FORBIDDEN, "forbidden");
	full = xasprintf("%s%s", m->real, rel);
	/* Symlinks may point anywhere inside the mount, never out of it. */
	if ((real = realpath(full, NULL)) == NULL || !path_is_under(real, m->real) ||
	    stat(real, &st) < 0) {
		ret = answer_error(s, c, method, url, MHD_HTTP_NOT_FOUND, "not found");
	} else if (S_ISDIR(st.st_mode) && url[strlen(url) - 1] != '/') {
		char *to = xasprintf("%s/", url);
		struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, to);
		ret = answer(s, c, method, url, MHD_HTTP_MOVED_PERMANENTLY, r, 0);
		free(to);
	} else if (S_ISDIR(st.st_mode)) {
		char *index = path_join(real, "index.html");
		ret = path_exists(index) ? serve_file(s, c, method, url, index) :
		    serve_listing(s, c, method, url, real);
		free(index);
	} else {
		ret = serve_file(s, c, method, url, real);
	}
	free(full);
	free(real);
	return ret;
}

/* ---- the server --------------------------------------------------------- */

int
http_start(const char *listen, const struct http_mount *mounts, size_t n,
    const struct http_api *api, http_log_fn log, void *log_arg,
    struct http_server **out, struct kerr *e)
{
	struct http_server *s = xcalloc(1, sizeof(*s));

	*out = NULL;
	s->fd = -1;
	s->log = log;
	s->log_arg = log_arg;
	s->api = api;
	s->m = xcalloc(n ? n : 1, sizeof(*s->m));
	for (size_t i = 0; i < n; i++, s->n++) {
		if (mounts[i].prefix[0] != '/' || strchr(mounts[i].prefix + 1, '/') ||
		    mounts[i].prefix[1] == '\0') {
			kerr_set(e, "http: mount %s: want /NAME", mounts[i].prefix);
			goto fail;
		}
		s->m[i].prefix = xstrdup(mounts[i].prefix);
		if ((s->m[i].real = realpath(mounts[i].dir, NULL)) == NULL) {
			kerr_errno(e, "http: %s", mounts[i].dir);
			goto fail;
		}
	}
	if ((s->fd = listen_socket(listen, &s->port, e)) < 0)
		goto fail;
	s->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, handle, s,
	    MHD_OPTION_LISTEN_SOCKET, s->fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		kerr_set(e, "http: cannot start the server on %s", listen);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	http_stop(s);
	return -1;
}

unsigned
http_port(const struct http_server *s)
{
	return s->port;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);	/* closes the listening socket */
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].prefix);
		free(s->m[i].real);
	}
	free(s->m);
	free(s);
}
