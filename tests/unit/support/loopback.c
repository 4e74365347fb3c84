/*
 * loopback: forked loopback test servers (see loopback.h).
 */
#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int
loopback_start(struct loopback *lb, void (*serve)(int listen_fd))
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int ls;

	lb->pid = -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		return -1;
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 16) < 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &len) < 0) {
		close(ls);
		return -1;
	}
	lb->port = ntohs(sa.sin_port);
	lb->pid = fork();
	if (lb->pid == 0) {
		serve(ls);
		_exit(0);
	}
	close(ls);
	return lb->pid > 0 ? 0 : -1;
}

void
loopback_stop(struct loopback *lb)
{
	if (lb->pid > 0) {
		kill(lb->pid, SIGKILL);
		waitpid(lb->pid, NULL, 0);
	}
	lb->pid = -1;
}
