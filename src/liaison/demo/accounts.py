"""The demo's sign-in accounts: one or more per role, all with the same password.

E-mail addresses are fixed (they do not depend on the seed) so the printed logins stay
the same from one load to the next and can be written in a README.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from liaison.demo.catalog import (
    DIRECTORY_CREATED,
    HARBOR,
    LAKESHORE,
    ORGANIZATIONS,
    PACIFIC,
    PLATFORM_DOMAIN,
)
from liaison.demo.ids import DemoIds
from liaison.kit.text import search_key

# The order logins are listed in the summary.
ROLE_ORDER = ("operator", "staffing_manager", "admin", "coordinator", "practitioner", "patient")


@dataclass(frozen=True)
class Account:
    key: str
    email: str
    display_name: str | None  # None: taken from the linked practitioner or patient
    platform_role: str | None
    # (organization key, role) for each membership.
    memberships: tuple[tuple[str, str], ...]


def _accounts() -> tuple[Account, ...]:
    accounts = [
        Account("operator", f"operator@{PLATFORM_DOMAIN}", "Morgan Ellis", "operator", ()),
        Account("staffing", f"staffing@{PLATFORM_DOMAIN}", "Renée Okafor", "staffing_manager", ()),
    ]
    admins = {
        HARBOR.key: "Daniel Whitaker",
        LAKESHORE.key: "Sofia Marchetti",
        PACIFIC.key: "Grace Kim",
    }
    for spec in ORGANIZATIONS:
        accounts.append(
            Account(
                f"admin:{spec.key}",
                f"admin@{spec.domain}",
                admins[spec.key],
                None,
                ((spec.key, "admin"),),
            )
        )
    for spec in ORGANIZATIONS:
        for n, name in enumerate(spec.coordinator_names):
            local = "coordinator" if n == 0 else search_key(name.split()[0])
            accounts.append(
                Account(
                    f"coordinator:{spec.key}:{n}",
                    f"{local}@{spec.domain}",
                    name,
                    None,
                    ((spec.key, "coordinator"),),
                )
            )
    # A coordinator employed by the platform and placed at two client organizations.
    accounts.append(
        Account(
            "float",
            f"float@{PLATFORM_DOMAIN}",
            "Jordan Reyes",
            None,
            ((HARBOR.key, "coordinator"), (LAKESHORE.key, "coordinator")),
        )
    )
    for spec in ORGANIZATIONS:
        accounts.append(
            Account(
                f"practitioner:{spec.key}",
                f"practitioner@{spec.domain}",
                None,
                None,
                ((spec.key, "practitioner"),),
            )
        )
    accounts.append(
        Account("patient", f"patient@{HARBOR.domain}", None, None, ((HARBOR.key, "patient"),))
    )
    return tuple(accounts)


ACCOUNTS = _accounts()
DEMO_EMAILS = tuple(a.email for a in ACCOUNTS)


class AccountIds:
    """User ids, allocated before anything else so consent rows can name their recorder."""

    def __init__(self, seed: int) -> None:
        ids = DemoIds(seed, "users")
        self.by_key = {a.key: ids.at(DIRECTORY_CREATED) for a in ACCOUNTS}
        self._memberships = DemoIds(seed, "memberships")

    def coordinators_of(self, org_key: str) -> list[uuid.UUID]:
        return [self.by_key[a.key] for a in ACCOUNTS if (org_key, "coordinator") in a.memberships]

    def rows(
        self,
        password_hash: str,
        org_ids: dict[str, uuid.UUID],
        practitioners: dict[str, tuple[uuid.UUID, str]],
        patient: tuple[str, uuid.UUID, str],
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``app_user`` and ``membership`` rows.

        ``practitioners``: organization key -> (practitioner id, display name) of the
        clinician who signs in; ``patient``: (organization key, patient id, name).
        """
        at = DIRECTORY_CREATED
        users, memberships = [], []
        for account in ACCOUNTS:
            user_id = self.by_key[account.key]
            name = account.display_name
            for org_key, role in account.memberships:
                practitioner_id = patient_id = None
                if role == "practitioner":
                    practitioner_id, name = practitioners[org_key]
                elif role == "patient":
                    _, patient_id, name = patient
                memberships.append(
                    {
                        "organization_id": org_ids[org_key],
                        "id": self._memberships.at(at),
                        "user_id": user_id,
                        "role": role,
                        "practitioner_id": practitioner_id,
                        "patient_id": patient_id,
                        "active": True,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            users.append(
                {
                    "id": user_id,
                    "email": account.email,
                    "display_name": name,
                    "password_hash": password_hash,
                    "platform_role": account.platform_role,
                    "active": True,
                    "password_changed_at": None,
                    "last_login_at": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        return users, memberships
