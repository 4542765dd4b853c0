#!/usr/bin/env python3
# Checks the --json output that tests/ctl/vm-test.sh captured in the VM.
# stdin: its "json NAME PAYLOAD" lines; argv[1]: the module's version.
# Prints "check PASS RULE" / "check FAIL RULE: WHAT WAS SEEN" lines.
import json
import os
import re
import sys

version = sys.argv[1]
# The ABI version the module reports is the one its uapi header defines.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "../../driver/uapi/mymap_uapi.h")) as uapi:
    abi_version = int(re.search(r"#define MYMAP_ABI_VERSION (\d+)", uapi.read()).group(1))
docs = {}
events = []
results = []


def check(ok, rule, seen=""):
    results.append(f"check {'PASS' if ok else 'FAIL'} {rule}" + ("" if ok else f": {seen}"))


for line in sys.stdin:
    _, name, payload = (line.rstrip("\n").split(" ", 2) + [""])[:3]
    try:
        doc = json.loads(payload)
    except ValueError as e:
        check(False, f"{name} output is valid JSON", f"{e} in {payload!r}")
        continue
    if name == "watch-event":
        events.append(doc)
    else:
        check(name not in docs, f"{name} captured once")
        docs[name] = doc
check(len(events) > 0, "watch --json printed events, all valid JSON", f"{len(events)} events")
for name in ("status-unloaded", "watch-initial", "status-loaded", "status-user", "status-held",
             "status-heap", "status-weird"):
    check(name in docs, f"{name} was captured and is valid JSON", "missing or invalid")


def fields(name, want):
    doc = docs.get(name)
    if doc is None:
        return
    bad = []
    for path, value in want.items():
        cur = doc
        for key in path.split("."):
            cur = cur.get(key, KeyError) if isinstance(cur, dict) else KeyError
        if cur is KeyError:
            bad.append(f"{path} missing")
        elif cur != value or type(cur) is not type(value):
            bad.append(f"{path}={cur!r}, wanted {value!r}")
    check(not bad, f"{name}: " + ", ".join(f"{k}={v!r}" for k, v in want.items()), "; ".join(bad))


fields("status-unloaded", {"loaded": False, "present": False})
if "status-unloaded" in docs:
    check(set(docs["status-unloaded"]) == {"loaded", "present"},
          "status-unloaded has no other members", sorted(docs["status-unloaded"]))
fields("watch-initial", {"event": "initial", "source": "kernel", "loaded": False, "present": False})
loaded = {"loaded": True, "state": "live", "version": version, "present": True,
          "node.path": "/dev/mymap", "node.exists": True, "node.major": 10,
          "node.mode": "0600", "node.uid": 0, "node.owner": "root", "node.gid": 0,
          "region.size": 8192, "region.mappings": 0, "region.opens": 0}
fields("status-loaded", dict(loaded, **{"refcnt": 0, "region.page_size": 4096,
                                        "region.abi_version": abi_version}))
fields("status-user", loaded)
if "status-user" in docs:
    check("page_size" not in docs["status-user"].get("region", {}),
          "status-user: no ioctl values when the node cannot be opened",
          docs["status-user"].get("region"))
fields("status-held", {"region.mappings": 1, "region.opens": 2})
# 8192 bytes hold no 2 MiB piece: no 2 MiB entry on either path.
fields("status-loaded", {"region.pmd_entries": 0})
fields("status-held", {"region.pmd_entries": 0})
for name in ("status-loaded", "status-user"):
    region = docs.get(name, {}).get("region", {})
    check(region.get("map_path") in ("pmd", "remap"), f"{name}: region.map_path is pmd or remap",
          region.get("map_path"))
fields("status-weird", {"node.group": 'we"ird\\\tgr\u00e9\ufffd', "node.gid": 978})
fields("status-loaded", {"heap": None})
fields("status-heap", {"heap.region_size": 8192, "heap.alloc_count": 3, "heap.free_count": 1,
                       "heap.used_blocks": 2, "heap.failed_count": 0,
                       "heap.integrity_errors": 0, "heap.recoveries": 0})
heap = docs.get("status-heap", {}).get("heap") or {}
check(isinstance(heap.get("in_use"), int) and heap["in_use"] >= 200
      and isinstance(heap.get("fragmentation"), float) and 0 <= heap["fragmentation"] <= 1,
      "status-heap: in_use covers the two live blocks, fragmentation in [0, 1]",
      {k: heap.get(k) for k in ("in_use", "fragmentation")})
user_heap = docs.get("status-user", {})
check(user_heap.get("heap", 0) is None and "Permission denied" in user_heap.get("heap_error", ""),
      "status-user: the heap is not inspected, and heap_error says why",
      {k: user_heap.get(k) for k in ("heap", "heap_error")})
for name in ("status-loaded", "status-user"):
    doc = docs.get(name, {})
    minor = doc.get("node", {}).get("minor")
    check(isinstance(minor, int) and 0 <= minor < 1 << 20, f"{name}: node.minor is a number",
          repr(minor))

# The event stream: every line complete, seqnums increasing, and the device
# and the module each added (the load) before being removed (the unload).
required = {"event", "subsystem", "name", "devpath", "seqnum"}
incomplete = [e for e in events if not required <= set(e)]
check(not incomplete, "every watch event has event, subsystem, name, devpath, seqnum",
      incomplete[:2])
seqnums = [e.get("seqnum") for e in events]
check(all(isinstance(s, int) for s in seqnums) and seqnums == sorted(set(seqnums)),
      "watch seqnums strictly increase", seqnums)
check(all((e.get("subsystem"), e.get("name")) in (("misc", "mymap"), ("module", "mymap"))
          for e in events), "watch shows only mymap's device and module",
      [(e.get("subsystem"), e.get("name")) for e in events])


def first(action, subsystem):
    for i, e in enumerate(events):
        if e.get("event") == action and e.get("subsystem") == subsystem:
            return i
    return None


order = [first(action, "misc") for action in ("add", "change", "remove")]
check(None not in order and order == sorted(order),
      "watch saw the misc change event between add and remove",
      [(e.get("event"), e.get("subsystem")) for e in events])
for subsystem in ("misc", "module"):
    add, remove = first("add", subsystem), first("remove", subsystem)
    check(add is not None and remove is not None and add < remove,
          f"watch saw the {subsystem} add before its remove",
          [(e.get("event"), e.get("subsystem")) for e in events])
add = first("add", "misc")
if add is not None:
    e = events[add]
    check(e.get("devnode") == "/dev/mymap" and e.get("major") == 10
          and e.get("devpath") == "/devices/virtual/misc/mymap",
          "the misc add event names /dev/mymap, major 10, /devices/virtual/misc/mymap", e)
print("\n".join(results))
