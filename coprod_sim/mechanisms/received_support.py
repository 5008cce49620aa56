"""Support that disabled participants actually receive, read by the co-production level (docs/ODD.md 7.14).

The level's "support" condition (Needham & Carr 2009: intermediate co-production is "recognition
and support") is measured from what people get, not from the levers set: a peer supporter in
post, independent support from an outside advocate at a level of at least ``SUPPORT_ACCESS``
(7.16: every disabled worker receives it), or accessibility that removes most of the person's
own barriers. A programme with no
capacity, or one that has not started, supports nobody. Reasonable accommodations do not count:
they are the legal minimum of any employer (UNCRPD Art. 27(i)), which the compliance level
already assumes (the compliance scenario grants them usually), not support to co-produce; and
training in this model changes professionals' attitudes and skill (support for staff, 7.10).

Sources: Needham & Carr 2009, SCIE Research Briefing 31 (levels of co-production); 000 (peer
support; principle of access); 003 (accessible information, time and timing; mutual and peer
support); SCIE Guide 51 (resources for co-production); UNCRPD Art. 27(i). The 0.5 share of
barriers removed that counts as support from accessibility is an assumption.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.state import Caches, State

__all__ = ["SUPPORT_ACCESS", "access_removed", "received"]

#: Share of a person's own (non-attitudinal) barriers that accessibility must remove to count as
#: support received (an assumption: most of what their impairment meets is gone).
SUPPORT_ACCESS = 0.5


def access_removed(s: State, c: Caches, who: np.ndarray) -> np.ndarray:
    """Share of each person's own barriers that the accessibility in force removes (their needs weighted)."""
    need = s.need[who]
    full = need.sum(axis=1) / 4.0  # their own barriers with no accessibility at all
    return 1.0 - (need @ c.open) / np.maximum(full, 1e-12)


def received(s: State, c: Caches, who: np.ndarray, independent: float = 0.0) -> np.ndarray:
    """Whether each of ``who`` receives support to co-produce now: peer, independent or accessibility support.

    ``independent`` is the level of independent support every disabled worker receives (``support.independent``).
    """
    if independent >= SUPPORT_ACCESS:
        return np.ones(len(who), dtype=bool)
    return (s.peer_of[who] >= 0) | (access_removed(s, c, who) >= SUPPORT_ACCESS)
