"""Crop images, served only to the person who holds the task that shows them.

No operator browses a dossier: a crop is reached through a task the user holds right now and the
slot name of one of its images, never by path.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from autopass.store import MicroTask, utc_now
from autopass.web.deps import CurrentUser, RowId, SessionDep, SettingsDep
from autopass.web.microtasks import crop_slots, holds

router = APIRouter(include_in_schema=False)
PRIVATE_IMAGE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/tasks/{task_id}/crops/{slot}")
def get_crop(
    task_id: RowId, slot: str, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> FileResponse:
    task = session.get(MicroTask, task_id)
    if task is None or not holds(task, username=user.username, now=utc_now()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you do not hold micro-task {task_id}")
    relative = crop_slots(session, task).get(slot)
    if relative is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"micro-task {task_id} has no crop {slot!r}")
    root = settings.crops_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"crop {slot!r} of micro-task {task_id} is missing"
        )
    return FileResponse(path, media_type="image/jpeg", headers=PRIVATE_IMAGE_HEADERS)
