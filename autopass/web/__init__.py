"""The queue page and its JSON API: people log in and clear micro-tasks with the keyboard."""

from autopass.web.app import create_app

__all__ = ["create_app"]
