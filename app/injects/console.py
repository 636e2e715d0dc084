"""The injects' section of the instructor's console (templates/injects/_console.html, drawn inside
instructor/manage.html): what it lists, and its forms as they are before anything is refused. The
console composes it; a refused inject form (app.injects.routes) overrides the form's part."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.injects import service


def console_section(session: Session, commission_id: int) -> dict[str, Any]:
    return {
        "injects": service.list_injects(session, commission_id),
        "inject_errors": {},
        "inject_values": {},
        "error_inject": None,
    }
