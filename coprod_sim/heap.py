"""Keep numpy's large temporaries in the heap instead of mapping and unmapping memory every week.

A week of a large organisation makes dozens of temporary arrays of a few hundred kilobytes to a
few megabytes each. With glibc's defaults such a block is at first mapped from the operating
system and unmapped when freed, and the top of the heap is given back when it empties, so the
same pages fault in again week after week (about a sixth of a week at 100,000 people, measured).
Allocating blocks up to 32 MiB from the heap and keeping 64 MiB of padding at its top avoids
that, at the cost of at most that much memory held back. Nothing computed changes.

Set ``COPROD_SIM_MALLOC=default`` to leave the C library's settings alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TOP_PAD", "tune_malloc"]

#: Blocks up to this size come from the heap (glibc's ``M_MMAP_THRESHOLD``).
MMAP_THRESHOLD = 32 << 20
#: Free memory kept at the top of the heap rather than given back (glibc's ``M_TOP_PAD``).
TOP_PAD = 64 << 20

_M_TOP_PAD, _M_MMAP_THRESHOLD = -2, -3  # glibc's mallopt parameters
_tuned: bool | None = None


def tune_malloc() -> bool:
    """Apply the settings once per process (glibc on Linux only); return whether they are in force."""
    global _tuned
    if _tuned is None:
        _tuned = False
        if sys.platform.startswith("linux") and os.environ.get("COPROD_SIM_MALLOC", "") != "default":
            try:
                mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
            except (OSError, AttributeError):  # not glibc (musl has no mallopt)
                return False
            mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            _tuned = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TOP_PAD, TOP_PAD) == 1
    return _tuned
