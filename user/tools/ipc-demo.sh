#!/bin/sh
# The channel demo, run inside the VM: a producer and a consumer process,
# strangers to each other, stream 64 MiB through a named channel in the
# heap on /dev/mymap, and compare checksums at the end.
set -e
bytes=$((64 * 1024 * 1024))

echo
echo "== Channels: two processes stream through /dev/mymap"
echo "The heap on /dev/mymap holds a directory of named channels. 'create'"
echo "adds a byte-stream channel called demo, a 256 KiB ring in the region:"
./mymap-ipc create demo --kind stream --capacity 262144
./mymap-ipc list
echo
echo "The consumer starts first and sleeps in MYMAP_IOC_WAIT until data comes;"
echo "the producer, another process, finds the channel by name and writes"
echo "$bytes bytes of a test pattern. Both compute a checksum of what passed:"
./mymap-ipc recv demo --checksum >consumer.out &
consumer=$!
./mymap-ipc send demo --generate $bytes 2>producer.out
wait $consumer
sed 's/^/  producer: /' producer.out
sed 's/^/  consumer: /' consumer.out
sent=$(sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p' producer.out)
got=$(sed -n 's/.*checksum \([0-9a-f]*\).*/\1/p' consumer.out)
if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
	echo "checksums match: every byte arrived, in order, with no copy through the kernel."
	echo "The consumer saw the producer close (EPIPE) and stopped; when a peer dies"
	echo "instead, the other side gets ECONNRESET rather than waiting forever."
else
	echo "checksums differ ($sent vs $got): the stream was damaged" >&2
	exit 1
fi
./mymap-ipc remove demo
echo
echo "Round trips of 64 bytes, sleeping between messages (driver wait/wake)."
echo "A word on the times: this VM runs under TCG, which emulates every guest"
echo "instruction in software, many times slower than the hardware and with"
echo "its own jitter. The times show that the round trip works and how its"
echo "parts compare with each other in this VM; they say nothing about the"
echo "latency on real hardware (make bench SUITE=ipc also measures the host)."
./mymap-ipc pingpong --size 64 --iterations 2000
