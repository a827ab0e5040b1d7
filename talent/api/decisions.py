"""Programme API (decisions)."""

from talent.api.common import ApiBlueprint

blp = ApiBlueprint("api_decisions", __name__, description="Programmes: decisions")
