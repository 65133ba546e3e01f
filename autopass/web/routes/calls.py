"""Recorded calls, heard only by the senior or supervisor who holds an ``investigate_link`` task
of the dossier: each play is on the audit trail (voices are biometric data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from fastapi.responses import Response

from autopass.dossier import MicroTaskKind
from autopass.store import MicroTask, Role, utc_now
from autopass.store.audit import record_event
from autopass.voice.audio import AudioError
from autopass.voice.clips import call_clips, clip_wav
from autopass.web.deps import CurrentUser, RowId, SessionDep, SettingsDep
from autopass.web.routes.crops import PRIVATE_IMAGE_HEADERS
from autopass.web.microtasks import holds

CallNumber = Annotated[int, Path(ge=1, le=100, description="The call's number on the task.")]

router = APIRouter(include_in_schema=False)
LISTENERS = frozenset({Role.SENIOR, Role.SUPERVISOR})


@router.get("/tasks/{task_id}/calls/{number}")
def get_call(task_id: RowId, number: CallNumber, session: SessionDep, settings: SettingsDep,
             user: CurrentUser) -> Response:
    task = session.get(MicroTask, task_id)
    now = utc_now()
    if (task is None or not holds(task, username=user.username, now=now)
            or task.kind != MicroTaskKind.INVESTIGATE_LINK or user.role not in LISTENERS):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"calls are heard by the senior holding investigation {task_id}")
    clips = call_clips(session, task.dossier_id)
    if not 1 <= number <= len(clips):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"micro-task {task_id} has no call {number}")
    clip = clips[number - 1]
    try:
        audio = clip_wav(settings, clip)
    except (AudioError, OSError):
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"call {number} of micro-task {task_id} cannot be played") from None
    record_event(session, actor=user.username, action="call_played", dossier_id=clip.dossier_id,
                 task_id=task_id, detail={"file": clip.file, "application": clip.application_id},
                 at=now)
    session.commit()
    return Response(audio, media_type="audio/wav", headers=PRIVATE_IMAGE_HEADERS)
