import pytest


@pytest.fixture
def in_request(app, db):
    """Operations translate their messages into the reader's language, which a request supplies."""
    with app.test_request_context():
        yield
