"""The use cases: each reads the store, decides with the domain's rules and writes the store in
one transaction. Handlers and the command line call these; they never touch the store."""

from sqlite_utils import Database

__all__ = ["Database"]  # the handle handlers pass through to the services, never query
