"""Programme API (applications)."""

from talent.api.common import ApiBlueprint

blp = ApiBlueprint("api_applications", __name__, description="Programmes: applications")
