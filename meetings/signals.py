"""Signals other apps listen to, so that meetings depends on none of them.

``status_changed`` is sent after a status change made with a conditional
UPDATE (publish, cancel, confirm), which sends no ``post_save``.
"""

from django.dispatch import Signal

status_changed = Signal()  # sender=Meeting, meeting=<Meeting>
