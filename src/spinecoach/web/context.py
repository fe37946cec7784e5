"""The application context: everything ``create_app`` builds once and routes receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from spinecoach.domain.emergency import EmergencyNumbers
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.rules import Rules
from spinecoach.settings import Settings
from spinecoach.web.posture_sensor import PostureSensorHub
from spinecoach.web.security import Passwords, SessionSigner
from spinecoach.web.signins import AttemptLimiter, SignIns

if TYPE_CHECKING:
    from spinecoach.web.live import LiveHub

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


@dataclass
class AppContext:
    """Services shared by every request of one app instance (built in ``create_app``)."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker  # type: ignore[type-arg]
    library: ExerciseLibrary
    rules: Rules
    passwords: Passwords
    signer: SessionSigner
    limiter: AttemptLimiter
    signins: SignIns
    templates: Jinja2Templates
    emergency: EmergencyNumbers

    @property
    def country(self) -> str:
        """The country assumed when neither the person nor the browser names one."""
        return (self.settings.country or "GB").upper()

    live: LiveHub = field(init=False)  # set by create_app (it needs the context itself)
    posture_sensors: PostureSensorHub = field(default_factory=PostureSensorHub)
