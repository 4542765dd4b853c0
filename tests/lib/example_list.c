// SPDX-License-Identifier: GPL-2.0
/*
 * example_list.c - two processes share a linked list through offsets: the
 * example of user/lib/README.md, built and run by `make check`.
 *
 * The parent builds a list in a memfd heap and publishes its head in root
 * slot 1.  The child maps the same heap on its own (at another address),
 * follows the offsets, sums the values and frees every node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"

struct node {
	mymap_off_t next; /* offset of the next node, 0 at the end */
	long value;
};

#define LIST_ROOT 1 /* root slot 0 belongs to the channel layer */

static int build_list(struct mymap_heap *heap, int count)
{
	mymap_off_t head = 0, expected = 0;

	for (int i = 1; i <= count; i++) {
		struct node *n = mymap_malloc(heap, sizeof(*n));

		if (!n) {
			fprintf(stderr, "mymap_malloc: %s\n", mymap_last_message());
			return -1;
		}
		n->value = i;
		n->next = head;
		head = mymap_offset(heap, n);
	}
	/* Publish the head: other processes find the list through the root slot. */
	if (mymap_root_cas(heap, LIST_ROOT, &expected, head) != 0) {
		fprintf(stderr, "root slot %d already in use\n", LIST_ROOT);
		return -1;
	}
	return 0;
}

/* In another process: map the heap anew, walk the list, free it. */
static int consume_list(int fd)
{
	struct mymap_heap *heap = mymap_open_fd(fd, 0);
	long sum = 0;

	if (!heap) {
		fprintf(stderr, "mymap_open_fd: %s\n", mymap_last_message());
		return 1;
	}
	mymap_off_t off = mymap_root_get(heap, LIST_ROOT);

	while (off) {
		/* mymap_ptr checks that the node lies inside the region. */
		struct node *n = mymap_ptr(heap, off, sizeof(*n));

		if (!n) {
			fprintf(stderr, "bad offset: %s\n", mymap_last_message());
			return 1;
		}
		sum += n->value;
		off = n->next;
		if (mymap_free(heap, n) != 0) {
			fprintf(stderr, "mymap_free: %s\n", mymap_last_message());
			return 1;
		}
	}
	printf("child: sum %ld\n", sum);
	fflush(stdout); /* _exit() below does not flush */
	mymap_close(heap);
	return sum == 100 * 101 / 2 ? 0 : 1;
}

int main(void)
{
	struct mymap_heap *heap = mymap_open_memfd(1 << 20, 0);
	struct mymap_stats st;
	int status;

	if (!heap) {
		fprintf(stderr, "mymap_open_memfd: %s\n", mymap_last_message());
		return 1;
	}
	if (build_list(heap, 100) != 0)
		return 1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(consume_list(mymap_heap_fd(heap)));
	waitpid(pid, &status, 0);
	mymap_heap_stats(heap, &st);
	printf("parent: child exited %d, %llu bytes still in use\n", WEXITSTATUS(status),
	       (unsigned long long)st.in_use);
	mymap_close(heap);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && st.in_use == 0 ? 0 : 1;
}
