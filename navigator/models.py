"""Imports every model module so the metadata (and Alembic) sees all tables."""
from navigator.audit import AuditEvent  # noqa: F401
from navigator.auth.models import User  # noqa: F401
from navigator.directory import models as directory_models  # noqa: F401
from navigator.directory.search import models as search_models  # noqa: F401
from navigator.referrals import models as referral_models  # noqa: F401
from navigator.reports import models as report_models  # noqa: F401
