"""One error hierarchy for the whole package.

Every failure a user can cause maps to one subclass. The CLI prints ``str(error)`` on one
line and exits with :attr:`SpinecoachError.exit_code`; the web app maps them to HTTP
responses in one handler.
"""

from __future__ import annotations


class SpinecoachError(Exception):
    """Base class of every error spinecoach raises on purpose."""

    exit_code: int = 1
    http_status: int = 400


class InvalidInput(SpinecoachError):
    """A value given by the user (a flag, an answer, a form field) is not acceptable."""

    exit_code = 2
    http_status = 422


class InvalidDataFile(SpinecoachError):
    """A data file (exercise, rules, answers, profile) fails validation.

    The message names the file, the field and what is wrong.
    """

    exit_code = 2
    http_status = 422

    def __init__(self, path: str, field: str, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        from spinecoach.domain.i18n import _  # the bound language (English when none is)

        where = _("{path}: field '{field}'").format(path=path, field=field) if field else path
        super().__init__(f"{where}: {problem}")


class InvalidSetting(SpinecoachError):
    """A setting (``SPINECOACH_*`` variable or option) is out of its safe range."""

    exit_code = 2
    http_status = 500


class InvalidRecording(SpinecoachError):
    """A recording (keypoints, video, IMU samples) cannot be read or is inconsistent."""

    exit_code = 2
    http_status = 422


class UnknownExercise(SpinecoachError):
    """An exercise id that is not in the library."""

    exit_code = 2
    http_status = 404


class UnknownFormat(SpinecoachError):
    """A file or stream whose format no registered reader recognises."""

    exit_code = 2
    http_status = 415


class NotMeasurable(SpinecoachError):
    """A measure was asked of an input that cannot support it (wrong view, missing joints)."""

    exit_code = 2
    http_status = 422


class UnsafeToExercise(SpinecoachError):
    """Screening or a stop rule forbids exercise now; the message says what to do instead."""

    exit_code = 3
    http_status = 409


class PoseBackendError(SpinecoachError):
    """The pose estimator cannot run as asked (e.g. a model that would need a download)."""

    exit_code = 2
    http_status = 500


class StorageError(SpinecoachError):
    """The database cannot be opened, migrated or written."""

    exit_code = 1
    http_status = 500


class NotFound(SpinecoachError):
    """A stored record (person, plan, session) does not exist or is not yours."""

    exit_code = 2
    http_status = 404


class PermissionDenied(SpinecoachError):
    """The current user may not see or change this record."""

    exit_code = 2
    http_status = 403


class NotAuthenticated(SpinecoachError):
    """The request needs a signed-in user (the web app sends people to the sign-in page)."""

    exit_code = 2
    http_status = 401


class RateLimited(SpinecoachError):
    """Too many attempts (e.g. failed sign-ins); the message says when to try again."""

    exit_code = 2
    http_status = 429


class InsecureConfiguration(SpinecoachError):
    """A setting or key file that would make the web app unsafe (e.g. a short cookie key)."""

    exit_code = 2
    http_status = 500


class ServerBusy(SpinecoachError):
    """Too much work is already waiting (e.g. password checks); the message says to retry."""

    exit_code = 1
    http_status = 503


class WorkerUnreachable(SpinecoachError):
    """Another server process holding a live session did not answer in time."""

    http_status = 503
