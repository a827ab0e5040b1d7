"""Scheduled work for programmes: reminders for overdue reviews, and offers nobody answered in time."""

from talent.programmes import offer_tasks, review_tasks  # noqa: F401  (their @scheduled jobs register)
