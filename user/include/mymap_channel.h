/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymap_channel.h - channels: processes exchanging messages or bytes
 * through shared memory, with no copy through the kernel.
 *
 * Errors, unlike mymap.h: the mymap_channel_* functions return a negative
 * errno and leave errno alone; the mymap_* heap functions set errno and
 * return NULL or -1 (see "Errors" below and mymap.h's guarantee 8).
 *
 * A channel is one block of shared memory holding a ring and the
 * identity of the processes attached to it.  It lives either in a libmymap
 * heap, found by name in a small directory (the heap's root slot 0), or
 * at an offset the caller chooses in any shared mapping (the *_at
 * functions).  Everything in the memory is an offset, so each process may
 * map it at a different address.
 *
 * Kinds:
 *   MYMAP_CHANNEL_MESSAGES  one sender, one receiver; messages of up to
 *                           msg_size bytes, delivered whole, in order.
 *   MYMAP_CHANNEL_STREAM    one writer, one reader; bytes with no
 *                           boundaries, like a pipe.
 *   MYMAP_CHANNEL_MPMC      up to MYMAP_CHANNEL_MAX_ENDPOINTS senders and
 *                           as many receivers; each message is delivered
 *                           to exactly one receiver.  Order: messages from
 *                           one sender leave in the order they were sent
 *                           relative to each other only with one receiver.
 *   MYMAP_CHANNEL_PUBSUB    one publisher (SENDER), up to
 *                           MYMAP_CHANNEL_MAX_ENDPOINTS subscribers
 *                           (RECEIVER), joining and leaving at any time;
 *                           every subscriber gets every message published
 *                           after it opened, in order, read in place from
 *                           the same slots, unless it falls a lap
 *                           (capacity) behind: the publisher never waits,
 *                           overwrites the oldest slot, and the subscriber
 *                           skips what it lost and counts it
 *                           (mymap_channel_lost()).  A sequence word per
 *                           slot, checked before and after each read,
 *                           keeps a torn or overwritten read from ever
 *                           being delivered.
 *
 * Costs: send, recv, reserve, publish, recv_view and release are O(1)
 * plus the copy, take no lock, and make no system call unless a peer
 * sleeps (one wake) or the caller has to sleep.  create, open, close and
 * remove take a lock in the memory and are O(directory entries +
 * endpoints); an MPMC repair after a death is O(capacity).
 *
 * Memory-ordering contract (what makes a message visible):
 *   - The sender writes the payload, then publishes with a store-release
 *     (the ring's head, or the MPMC cell's state).  The receiver's
 *     load-acquire (or acquiring compare-and-swap) that reads the
 *     published value makes every byte of the payload visible: the
 *     sender's writes happen-before the receiver's reads.
 *   - The receiver reads, then releases the slot with a store-release
 *     (tail, or the cell's state); the sender's load-acquire that sees it
 *     comes before it writes the slot again.  A view obtained with
 *     mymap_channel_recv_view() is stable until mymap_channel_release().
 *   - Sleeping never weakens this: a sleeper announces itself with an
 *     acq_rel read-modify-write of the channel's event word, then
 *     re-checks the ring; a waker publishes, then reads the same word with
 *     an acq_rel read-modify-write and wakes only if it sees a sleeper.
 *     Read-modify-writes of one word are totally ordered, so either the
 *     sleeper's acquires the waker's (and with it the message) or the
 *     waker's sees the sleeper: no wake-up is lost.
 *   Only the payload of a published message is covered: other memory the
 *   sender wrote before publishing is visible to the receiver too (it is
 *   ordered by the same release/acquire pair), which is how a message may
 *   carry the offset of a heap block.
 *
 * Blocking: an operation that cannot proceed first spins (see
 * mymap_channel_set_spin), yields the core a few times (unless the spin
 * is 0), then sleeps: futex(2) on shared memfd or
 * anonymous memory, the driver's MYMAP_IOC_WAIT/WAKE on /dev/mymap.  A
 * sleeper wakes at least every MYMAP_CHANNEL_LIVENESS_NS to check that
 * its peers are alive; on the device it is also woken whenever any file of
 * the device is closed.
 *
 * Peer death: every attached endpoint records its process (pid and start
 * time from /proc, and the device session id on /dev/mymap).  When the
 * other side has no live endpoint and the ring holds nothing for the
 * caller, operations fail with -ECONNRESET if a peer died (killed, or
 * exited without closing) or -EPIPE if every peer closed its end; a
 * receiver always gets every message published before that.  Only a peer
 * that was attached when the caller attached, or came since, counts: an
 * endpoint whose other side has had no peer since it attached waits for
 * one (or for space), whatever ended before it came, and once a new peer
 * attaches the previous one's -EPIPE / -ECONNRESET no longer applies.
 * mymap_channel_wait_peer() waits for a peer explicitly.  A dead endpoint's place
 * is reclaimed by the next open or by a blocked peer; on an MPMC channel
 * the cells it held are repaired (a half-written message is dropped, a
 * half-read one is lost with its reader).  No message of a live peer is
 * lost or duplicated.
 *
 * Errors: every function returns 0 (or a count) on success and a
 * negative errno on failure, listed per function; errno is not used.  A
 * waiting call also passes on a failure of the sleep itself that retrying
 * would only repeat.
 *
 * Damaged memory: any process that maps the heap can write any byte of a
 * channel, so the library treats the channel's memory as untrusted input.
 * The layout (kind, sizes, capacity, offsets, endpoint places, the ring's
 * geometry) is read once at open and checked; the endpoint addresses the
 * memory with its own copy only, and never outside the channel.  Every
 * index, length and state read later is checked against that copy before
 * use (a fill level between 0 and the capacity, a length within msg_size
 * carrying the tag of its slot's lap and matching the complement stored
 * beside it, an MPMC cell state some endpoint could have written).  A
 * value that fails gives -EBADMSG, with mymap_last_message() naming the
 * field and the values; the endpoint stays usable and the call may succeed
 * again once the peer writes valid values.  A stream cannot tell bytes a
 * damaged index makes appear from bytes written (it has no boundaries to
 * check); a message channel never delivers a slot that was not published
 * for the index being read.  The control lock (create, open, close,
 * remove, reclaim, and a waiting call's look at its peers) gives
 * -ETIMEDOUT when a live process holds it for over 2 s, and -EDEADLK when
 * the calling thread holds it; so does the heap lock (mymap.h, guarantee
 * 7) where a call allocates or frees channel memory.
 *
 * Threads: a struct mymap_channel is one endpoint and must be used by one
 * thread at a time; open one endpoint per thread.  Processes: any number.
 */
#ifndef MYMAP_CHANNEL_H
#define MYMAP_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mymap_heap;
struct mymap_channel;

enum mymap_channel_kind {
	MYMAP_CHANNEL_MESSAGES = 1,
	MYMAP_CHANNEL_STREAM = 2,
	MYMAP_CHANNEL_MPMC = 3,
	MYMAP_CHANNEL_PUBSUB = 4,
};

enum mymap_channel_role {
	MYMAP_CHANNEL_SENDER = 1,
	MYMAP_CHANNEL_RECEIVER = 2,
};

/* Longest channel name, not counting the terminating NUL. */
#define MYMAP_CHANNEL_NAME_MAX 47
/*
 * Endpoints per side of an MPMC channel, and subscribers of a PUBSUB one
 * (which has one publisher); the other kinds take one a side.
 */
#define MYMAP_CHANNEL_MAX_ENDPOINTS 16
/* Channels one directory holds. */
#define MYMAP_CHANNEL_DIR_ENTRIES 64
/* A timeout that never expires. */
#define MYMAP_CHANNEL_FOREVER (-1)
/* Longest a sleeper sleeps before it checks its peers' liveness. */
#define MYMAP_CHANNEL_LIVENESS_NS 50000000ull
/* Default spin before sleeping; MYMAP_CHANNEL_SPIN_FOREVER never sleeps. */
#define MYMAP_CHANNEL_SPIN_DEFAULT 2000u
#define MYMAP_CHANNEL_SPIN_FOREVER 0xffffffffu

/*
 * struct mymap_channel_config - the shape of a new channel.
 * @kind:        one of enum mymap_channel_kind.
 * @msg_size:    largest message in bytes (1..64 MiB); ignored for streams.
 * @capacity:    messages in flight, or stream bytes (at least 64); a power
 *               of two no larger than 2^31.
 * @start_index: where the ring's free-running 32-bit indices start;
 *               0 normally, near UINT32_MAX to test wrap-around.
 */
struct mymap_channel_config {
	enum mymap_channel_kind kind;
	uint32_t msg_size;
	uint32_t capacity;
	uint32_t start_index;
};

/*
 * struct mymap_channel_info - what the directory says about a channel.
 * @name:      its name.
 * @config:    its shape.
 * @offset:    where its memory starts, from the heap's base.
 * @bytes:     how much memory it takes.
 * @senders:   endpoints attached as senders (dead ones included until
 *             reclaimed), and likewise @receivers.
 * @queued:    messages (stream: bytes) waiting, as seen now; 0 for PUBSUB,
 *             where each subscriber has a backlog of its own.
 */
struct mymap_channel_info {
	char name[MYMAP_CHANNEL_NAME_MAX + 1];
	struct mymap_channel_config config;
	uint64_t offset;
	uint64_t bytes;
	uint32_t senders;
	uint32_t receivers;
	uint32_t queued;
};

/*
 * struct mymap_loan - a slot lent by reserve (to write in place) or by
 * recv_view (to read in place).
 * @data: the slot's payload, in the shared memory.
 * @size: reserve: how many bytes may be written (the channel's msg_size);
 *        recv_view: the message's length.
 * The rest is the library's; the loan is valid until publish/release.
 */
struct mymap_loan {
	void *data;
	size_t size;
	uint64_t priv[2];
};

/* ---- Named channels in a heap ---- */

/*
 * Creates the channel @name in @heap's directory, allocating its memory
 * from the heap.  The directory itself is created at first use (root slot
 * 0).  Returns 0; -EEXIST (the name is taken), -EINVAL (bad name: empty,
 * or holding '/' or control characters; or bad @cfg), -ENAMETOOLONG,
 * -ENOSPC (directory full), -ENOMEM (heap full), -EBADMSG (root slot 0
 * holds something that is not a directory), -ETIMEDOUT / -EDEADLK (the
 * control lock, or the heap lock kept by a live process).
 */
int mymap_channel_create(struct mymap_heap *heap, const char *name,
			 const struct mymap_channel_config *cfg);

/*
 * Attaches to the channel @name as @role.  On success *@out is the caller's
 * endpoint, to be released with mymap_channel_close().  A dead process's
 * endpoint on the same side is reclaimed first.  Returns 0; -ENOENT,
 * -EBUSY (a live endpoint already holds the only place of a MESSAGES or
 * STREAM side, or all MYMAP_CHANNEL_MAX_ENDPOINTS places), -EINVAL,
 * -ENOMEM (the handle could not be allocated), -EBADMSG (corrupt header,
 * ring geometry or indices), -ETIMEDOUT / -EDEADLK (the control lock).
 */
int mymap_channel_open(struct mymap_heap *heap, const char *name, enum mymap_channel_role role,
		       struct mymap_channel **out);

/*
 * Removes @name from the directory.  Attached endpoints keep working; the
 * memory returns to the heap when the last of them closes, or, when the
 * last one dies instead, at the next create, open, remove or reclaim in
 * any process (at once if none is attached, dead ones not counting; a
 * channel whose header is damaged is unlinked and its memory left
 * alone; a heap lock kept by a live process leaves the freeing to the
 * next of those calls).  Returns 0, -ENOENT,
 * -EINVAL, -ETIMEDOUT / -EDEADLK (the control lock).
 */
int mymap_channel_remove(struct mymap_heap *heap, const char *name);

/*
 * Fills @info for up to @max channels of the directory, in directory
 * order.  Returns how many channels exist (which may exceed @max), 0 when
 * there is no directory yet, or -EBADMSG (root slot 0 leads to no
 * directory).  Takes no lock and writes nothing to the region: a channel
 * created or removed meanwhile may be missed or still shown.  A channel
 * whose header is damaged is listed with its name and offset and a zero
 * config.
 */
int mymap_channel_list(struct mymap_heap *heap, struct mymap_channel_info *info, size_t max);

/*
 * Reclaims every endpoint of @name whose process is dead, repairing the
 * cells it held.  Returns how many it reclaimed, or -ENOENT.
 */
int mymap_channel_reclaim(struct mymap_heap *heap, const char *name);

/* ---- Channels at an offset the caller chooses ---- */

/* Bytes a channel of shape @cfg needs, or 0 when @cfg is invalid. */
size_t mymap_channel_bytes(const struct mymap_channel_config *cfg);

/*
 * Formats a channel at @offset of @heap's region: memory the caller owns
 * (a block from mymap_aligned_alloc(heap, 64, mymap_channel_bytes(cfg)),
 * say), 64-byte aligned, that no endpoint uses.  Other processes attach
 * with the offset, passed however they like; the directory is not
 * involved.  Returns 0, -EINVAL (bad config, offset or alignment),
 * -ERANGE (does not fit in the region).
 */
int mymap_channel_format_at(struct mymap_heap *heap, uint64_t offset,
			    const struct mymap_channel_config *cfg);

/*
 * Attaches to the channel at @offset of @heap as @role; as
 * mymap_channel_open().  Its memory stays the caller's: closing never
 * frees it.  Returns 0, -EBADMSG (no channel there), -EBUSY, -EINVAL,
 * -ENOMEM, or an errno of MYMAP_IOC_INFO on a device heap.
 */
int mymap_channel_attach_at(struct mymap_heap *heap, uint64_t offset, enum mymap_channel_role role,
			    struct mymap_channel **out);

/* ---- Using an endpoint ---- */

/*
 * Waits until an endpoint of the other side is attached (a live one: dead
 * ones are reclaimed first), at most @timeout_ns (0: only looks;
 * MYMAP_CHANNEL_FOREVER), sleeping on the channel's event; an attach
 * wakes it.  Returns 0; -EAGAIN (none, @timeout_ns 0), -ETIMEDOUT, -EINTR
 * (a signal), -EINVAL.  O(endpoints) per look; for starting up, not for
 * every message.
 */
int mymap_channel_wait_peer(struct mymap_channel *ch, int64_t timeout_ns);

/*
 * Detaches and frees @ch; blocked peers on the other side see -EPIPE once
 * the ring is drained.  A loan still outstanding is abandoned: a reserved
 * slot is never published, a view is released.  Returns 0, the negative
 * errno of freeing a removed channel's memory, or -ETIMEDOUT / -EDEADLK
 * (the control lock: the place then stays taken until this process
 * ends).  @ch is freed even then.  NULL is a no-op.
 */
int mymap_channel_close(struct mymap_channel *ch);

/*
 * Sends @len bytes (MESSAGES, MPMC) as one message, waiting for space at
 * most @timeout_ns (0: do not wait; MYMAP_CHANNEL_FOREVER).  Returns 0;
 * -EMSGSIZE (@len > msg_size), -EAGAIN (full, @timeout_ns 0),
 * -ETIMEDOUT, -EINTR (a signal), -EPIPE / -ECONNRESET (no receiver left:
 * closed / died), -EINVAL (a receiver endpoint or a STREAM channel),
 * -EBUSY (a loan is outstanding), -EBADMSG (the ring's tail is ahead of
 * its head or more than capacity behind, or an MPMC cell holds an
 * impossible state).
 */
int mymap_channel_send(struct mymap_channel *ch, const void *msg, size_t len, int64_t timeout_ns);

/*
 * Receives the oldest message into @buf, waiting as for send.  Returns
 * its length; a message longer than @size is truncated to @size and
 * consumed, and -EMSGSIZE returned.  -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE /
 * -ECONNRESET (empty and no sender left), -EBADMSG (corrupt memory: a
 * length larger than msg_size, and the message is dropped; or a slot
 * without its lap's tag, a head more than capacity ahead of the tail or
 * behind it, an impossible MPMC cell state, and nothing is consumed),
 * -EINVAL, -EBUSY.
 */
ssize_t mymap_channel_recv(struct mymap_channel *ch, void *buf, size_t size, int64_t timeout_ns);

/*
 * STREAM: writes all @len bytes, waiting for room as needed.  Returns @len,
 * or the bytes written before an error if any were, else the negative
 * errno: -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE / -ECONNRESET, -EINVAL,
 * -EBADMSG (the tail is ahead of the head or more than capacity behind).
 */
ssize_t mymap_channel_write(struct mymap_channel *ch, const void *buf, size_t len,
			    int64_t timeout_ns);

/*
 * STREAM: reads between 1 and @len bytes, waiting until at least one is
 * there.  Returns the count, or -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE /
 * -ECONNRESET (empty and the writer is gone), -EINVAL, -EBADMSG (the head
 * is more than capacity ahead of the tail or behind it).
 */
ssize_t mymap_channel_read(struct mymap_channel *ch, void *buf, size_t len, int64_t timeout_ns);

/*
 * Zero-copy send, step 1: lends the next free slot (waiting as for send).
 * Write up to @loan->size bytes at @loan->data, then publish.  One loan per
 * endpoint at a time.  Returns 0 or the errors of send (-EBUSY: a loan
 * is already out).
 */
int mymap_channel_reserve(struct mymap_channel *ch, struct mymap_loan *loan, int64_t timeout_ns);

/*
 * Zero-copy send, step 2: makes the first @len bytes of the reserved slot
 * the next message.  Returns 0, -EMSGSIZE (@len > loan->size; the loan
 * stays out), -EINVAL (no such loan).
 */
int mymap_channel_publish(struct mymap_channel *ch, struct mymap_loan *loan, size_t len);

/*
 * Zero-copy receive, step 1: lends the oldest message in place (waiting as
 * for recv): @view->data, @view->size bytes, readable until release.
 * Returns 0 or the errors of recv.
 */
int mymap_channel_recv_view(struct mymap_channel *ch, struct mymap_loan *view, int64_t timeout_ns);

/*
 * Zero-copy receive, step 2: frees the viewed slot.  0, or -EINVAL.
 * PUBSUB: -ESTALE when the publisher overwrote the slot while it was
 * lent: what was read there is not the message (counted lost); discard it.
 */
int mymap_channel_release(struct mymap_channel *ch, struct mymap_loan *view);

/*
 * How many times a blocked operation re-checks the ring before it yields
 * and then sleeps (MYMAP_CHANNEL_SPIN_DEFAULT; 0 sleeps at once, without
 * yielding; MYMAP_CHANNEL_SPIN_FOREVER busy-polls and never sleeps).
 * Busy-polling still honours the timeout (it reads the clock every 32
 * polls, no system call: a 1 us timeout ends within a few microseconds),
 * notices dead peers every MYMAP_CHANNEL_LIVENESS_NS, and, once it has
 * polled for 50 us, blocks signals and asks for pending ones every 20 us
 * (one system call each): a signal the caller had not blocked ends the
 * wait with -EINTR, its handler running as the wait returns.  A signal in
 * the first 50 us runs its handler and the poll goes on.  Affects only this endpoint.  A wait skips
 * the spinning when the peer last waited on this same CPU: it could not
 * run while this endpoint spins.
 */
void mymap_channel_set_spin(struct mymap_channel *ch, uint32_t iterations);

/*
 * A descriptor for poll(2), select(2) and epoll, owned by @ch (closed by
 * mymap_channel_close(); do not close it yourself), created at the first
 * call and armed.  An armed descriptor becomes readable (POLLIN) once the
 * endpoint can proceed: a receiver has something to receive, a sender
 * room to send, or the other side is gone (the operation then returns
 * -EPIPE / -ECONNRESET); with exactly one peer (MESSAGES, STREAM) that
 * peer's death also shows as POLLHUP.  Level-triggered: it stays readable
 * until re-armed; it may be readable spuriously (the operation then
 * returns -EAGAIN).  Any operation on @ch disarms it: run operations with
 * timeout 0 until one returns -EAGAIN, then mymap_channel_fd_arm().  With
 * several peers a death is seen at the next operation: poll with a
 * timeout of MYMAP_CHANNEL_LIVENESS_NS and try the operation when it
 * expires.  Costs one open(2) once and one ioctl per arm; while armed,
 * each notify by the peer makes one system call, as for a sleeper.
 * Device heaps only: -EOPNOTSUPP elsewhere (a futex has no descriptor
 * since FUTEX_FD was removed), with mymap_last_message().  Returns the
 * descriptor, or -EINVAL, -EOPNOTSUPP, or the errno of open / ioctl.
 */
int mymap_channel_fd(struct mymap_channel *ch);

/*
 * Re-arms the descriptor of mymap_channel_fd().  Returns 0 (armed: not
 * ready yet), 1 (ready now: the descriptor is readable already), or
 * -EINVAL (no descriptor), the errno of the ioctl.
 */
int mymap_channel_fd_arm(struct mymap_channel *ch);

/*
 * PUBSUB subscriber: messages it will never get, since it opened: those
 * a lap of newer ones overwrote before it read them, and those whose read
 * a later lap tore (recv discards them; release returned -ESTALE).  Never
 * decreases.  0 for any other endpoint.
 */
uint64_t mymap_channel_lost(const struct mymap_channel *ch);

/* The channel's shape. */
const struct mymap_channel_config *mymap_channel_config(const struct mymap_channel *ch);

/*
 * Counters of this endpoint since it was opened: times it slept and
 * wake-ups it sent (system calls it made for waiting, in other words).
 */
struct mymap_channel_stats {
	uint64_t sleeps;
	uint64_t wakes;
};
void mymap_channel_stats(const struct mymap_channel *ch, struct mymap_channel_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* MYMAP_CHANNEL_H */
