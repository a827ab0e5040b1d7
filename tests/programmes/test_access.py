"""Every programme page and API route × every role (anonymous included).

Each area keeps its cases (and the test that runs them with its own set-up) next to its other
tests; this module gathers them so the route-coverage test sees them all.
"""

from tests.programmes.access_applications import APPLICATION_MATRIX
from tests.programmes.access_calls import CALL_MATRIX
from tests.programmes.access_decisions import DECISION_MATRIX
from tests.programmes.access_reviews import REVIEW_MATRIX

MATRIX = [*CALL_MATRIX, *APPLICATION_MATRIX, *REVIEW_MATRIX, *DECISION_MATRIX]
