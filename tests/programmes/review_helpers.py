"""Helpers for the review tests; their fixtures (`make_reviewer`, `submitted`) are in conftest.py."""

from __future__ import annotations


def scores(merit=4, plan=3, impact=5) -> dict[str, int]:
    return {"merit": merit, "plan": plan, "impact": impact}
