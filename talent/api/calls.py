"""Programme API (calls)."""

from talent.api.common import ApiBlueprint

blp = ApiBlueprint("api_calls", __name__, description="Programmes: calls")
