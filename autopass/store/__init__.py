"""The store: SQLModel tables on SQLite or PostgreSQL, migrated by Alembic, and the originals.

What other modules call is re-exported here (``__all__``).
"""

from autopass.store.db import (
    dispose_engine,
    dispose_engines,
    ensure_store,
    get_engine,
    session_scope,
    upgrade,
)
from autopass.store.dossiers import (
    StoreError,
    ask_again,
    await_dealer,
    decide_dossier,
    get_dossier,
    mark_dossier_failed,
    record_dossier,
)
from autopass.store.models import (
    MACHINE,
    AuditEvent,
    Check,
    Document,
    DocumentField,
    Dossier,
    DossierFile,
    DossierStatus,
    FaceComparison,
    MicroTask,
    MicroTaskAnswer,
    NewMicroTask,
    Role,
    TaskState,
    User,
)
from autopass.store.originals import StoredOriginal, original_path, store_original
from autopass.store.types import utc_now
from autopass.store.users import (
    add_user,
    authenticate,
    find_user,
    list_users,
    set_active,
    set_password,
)

__all__ = [
    "MACHINE",
    "AuditEvent",
    "Check",
    "Document",
    "DocumentField",
    "Dossier",
    "DossierFile",
    "DossierStatus",
    "FaceComparison",
    "MicroTask",
    "MicroTaskAnswer",
    "NewMicroTask",
    "Role",
    "StoreError",
    "StoredOriginal",
    "TaskState",
    "User",
    "add_user",
    "ask_again",
    "await_dealer",
    "authenticate",
    "decide_dossier",
    "dispose_engine",
    "dispose_engines",
    "ensure_store",
    "find_user",
    "get_dossier",
    "get_engine",
    "list_users",
    "mark_dossier_failed",
    "original_path",
    "record_dossier",
    "session_scope",
    "set_active",
    "set_password",
    "store_original",
    "upgrade",
    "utc_now",
]
