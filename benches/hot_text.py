"""Resolves the addresses benches/hot_text.sh sampled in the stripped
release console to function names, through the linker's map, and prints
the new src/hot_text.order: the functions sampled, most often first; then
those that faulted a page of the text back in; then the previous list's
functions the build still has.

Usage: hot_text.py EXE MAP MAPS SAMPLES FAULTS PREVIOUS
  EXE      the executable sampled          MAP     the linker's map of it
  MAPS     /proc/PID/maps while it ran     SAMPLES, FAULTS: `perf script -F ip,dso` output
  PREVIOUS the order file used to link it (may be missing)
"""
import bisect
import collections
import os
import re
import subprocess
import sys

exe, link_map, maps, samples, faults, previous = sys.argv[1:7]

# Function starts, from the map's symbol lines inside .text. An lld map
# line is VMA LMA SIZE ALIGN and then a name indented by how deep it is:
# an output section, an input section in it, a symbol in that.
starts, names, in_text = [], [], False
line_re = re.compile(r"\s*([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+\d+( +)(\S+)$")
for line in open(link_map, encoding="utf-8", errors="replace"):
    m = line_re.match(line.rstrip("\n"))
    if not m:
        continue
    depth = len(m.group(2))
    if depth == 1:
        in_text = m.group(3) == ".text"
    elif depth > 9 and in_text:
        starts.append(int(m.group(1), 16))
        names.append(m.group(3))
order = sorted(range(len(starts)), key=starts.__getitem__)
starts = [starts[i] for i in order]
names = [names[i] for i in order]
if not starts:
    sys.exit(f"no functions found in the .text of {link_map}")

# Where the executable's code was mapped, and where the text segment sits.
real = os.path.realpath(exe)
mapped = []
for line in open(maps):
    cols = line.split()
    if len(cols) >= 6 and cols[1] == "r-xp" and os.path.realpath(cols[5]) == real:
        lo, hi = (int(x, 16) for x in cols[0].split("-"))
        mapped.append((lo, hi, int(cols[2], 16)))
segments = []
for line in subprocess.run(["readelf", "-lW", exe], capture_output=True, text=True, check=True).stdout.splitlines():
    cols = line.split()
    if cols[:1] == ["LOAD"] and "E" in cols[6:-1]:
        segments.append((int(cols[1], 16), int(cols[2], 16), int(cols[4], 16)))  # offset, vaddr, filesz


def function(ip):
    """The function at `ip`: a running address, or (as perf prints the
    frames of a call stack) an offset into the file."""
    off = next((ip - lo + pgoff for lo, hi, pgoff in mapped if lo <= ip < hi), ip)
    for seg_off, vaddr, size in segments:
        if seg_off <= off < seg_off + size:
            i = bisect.bisect_right(starts, off - seg_off + vaddr) - 1
            return names[i] if i >= 0 else None
    return None


def seen(path):
    dso = f"({real})"
    for line in open(path, errors="replace"):
        cols = line.split()
        if len(cols) >= 2 and cols[-1] in (dso, f"({exe})"):
            name = function(int(cols[0], 16))
            if name:
                yield name


counts = collections.Counter(seen(samples))
result = [n for n, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
result += list(seen(faults))
if os.path.exists(previous):
    have = set(names)
    result += [n.strip() for n in open(previous) if n.strip() in have]
print("\n".join(dict.fromkeys(result)))
