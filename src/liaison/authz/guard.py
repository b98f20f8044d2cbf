"""Refuse ORM queries on tenant tables that did not go through the scoping helper.

Installed once per process on every Session. A repository that forgets ``scoped()``
fails loudly in the first test that runs it, rather than leaking another
organization's rows in production.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from liaison.authz.scope import SCOPE_OPTION


class UnscopedTenantQuery(RuntimeError):
    pass


def _check(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy and column loads continue from a row that was itself fetched through a
    # scoped query (relationships never cross tenants: composite foreign keys).
    if state.is_relationship_load or state.is_column_load:
        return
    if state.execution_options.get(SCOPE_OPTION) or state.statement.get_execution_options().get(
        SCOPE_OPTION
    ):
        return
    for mapper in state.all_mappers:
        if getattr(mapper.class_, "__tenant__", False):
            raise UnscopedTenantQuery(
                f"query on tenant table {mapper.local_table.name!r} without authz.scoped()"
            )


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "do_orm_execute", _check)
        _installed = True
