"""Programme API (reviews)."""

from talent.api.common import ApiBlueprint

blp = ApiBlueprint("api_reviews", __name__, description="Programmes: reviews")
