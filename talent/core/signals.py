"""Every signal the application sends, in one place (CONVENTIONS 11).

Side effects that are not the use case itself — mails, in-app notifications, fan-out — subscribe
here instead of being called from operations. Signals are sent inside the transaction of the
request or job that caused them, before it commits: a subscriber changes the database through
the session (flush, never commit) so its writes stand or fall with the cause, and mails it queues
with `talent.core.mail.send_mail` leave only once that transaction has committed.

Features add their own signals to this module, each with a comment in the same form:
when it fires, the sender, and the keyword arguments.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Fires when a person creates an account for themselves (self-registration), after the user row
# is flushed. Sender: the new `User`. Keyword arguments: none.
user_registered = _signals.signal("user-registered")

# Fires when someone asks for a password-reset link for an existing, active account.
# Sender: the `User`. Keyword arguments: `reset_url` (str, absolute link carrying the signed token).
password_reset_requested = _signals.signal("password-reset-requested")

# Fires when a background job reaches `done` or `failed`, before its final commit.
# Sender: the `Job` (status, done/total, errors and result are final). Keyword arguments: none.
job_finished = _signals.signal("job-finished")
