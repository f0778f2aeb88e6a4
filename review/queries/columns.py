"""What several queries share: the bound of an id, and a patient's language."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Patient

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


def patient_language() -> ColumnElement[str | None]:
    return func.coalesce(Patient.language, Patient.client_language)
