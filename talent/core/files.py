"""Files written whole or not at all, and files that follow the database transaction which records them.

`write_atomically` writes under a hidden temporary name and renames, so nobody sees half a file and
a failed write leaves nothing behind. A feature writes a file, then says what becomes of it: `on_commit` runs once the outermost
transaction commits (publish a staged file, delete a replaced one), `on_rollback` once the
transaction that was open when it was registered — or any transaction around it — rolls back
(delete a file nothing will point to). A savepoint's commit waits for the real one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from talent.extensions import db

_PENDING = "talent.core.pending_files"

Action = Callable[[Path], None]


@dataclass
class _Pending:
    path: Path
    on_commit: Action | None
    on_rollback: Action | None
    # Innermost transaction open when registered: rolling it back runs `on_rollback`.
    transaction: SessionTransaction | None


def write_atomically(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """folder/name holding `chunks`; an exception while they are produced or written leaves no file."""
    folder.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file readable by its owner only.
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        path = folder / name
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def delete(path: Path) -> None:
    path.unlink(missing_ok=True)


def follow_transaction(
    path: Path, *, on_commit: Action | None = None, on_rollback: Action | None = None
) -> None:
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(_Pending(path, on_commit, on_rollback, transaction))


def forget(path: Path) -> None:
    """Nothing more happens to `path` whatever the transaction does."""
    session = db.session()
    session.info[_PENDING] = [item for item in session.info.get(_PENDING, []) if item.path != path]


def is_within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether `transaction` is `ended` or nested inside it."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint: wait for the real commit
        return
    for item in session.info.pop(_PENDING, []):
        if item.on_commit is not None:
            item.on_commit(item.path)


@event.listens_for(Session, "after_soft_rollback")
def _run_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    keep = []
    for item in pending:
        if previous_transaction.parent is None or is_within(item.transaction, previous_transaction):
            if item.on_rollback is not None:
                item.on_rollback(item.path)
        else:
            keep.append(item)
    session.info[_PENDING] = keep


@event.listens_for(Session, "after_transaction_end")
def _run_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        for item in session.info.pop(_PENDING, []):
            if item.on_rollback is not None:
                item.on_rollback(item.path)
