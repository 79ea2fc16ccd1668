"""SalesMeet: the meeting methodology of a sales organisation, made executable."""

from .celery import app as celery_app

__all__ = ("celery_app",)
