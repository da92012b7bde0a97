"""One way to page a list: Flask-SQLAlchemy's db.paginate with a forgiving page number.

Query functions build the SELECT; views pass the `page` query parameter through. Templates
show the result with `_macros/tables.html`'s `pagination` macro.
"""
from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from navigator.extensions import db

PER_PAGE = 25
MAX_PER_PAGE = 100
_MAX_PAGE = 100_000


def page_number(value: object) -> int:
    """A page number from a query string: anything that is not a sensible whole number is page 1."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _MAX_PAGE else 1


def paginate(statement: Select, page: object, per_page: int = PER_PAGE) -> Pagination:
    """One page of the statement's rows (ORM entities), with the total count for the page links.

    A page past the end is empty rather than an error, so a stale link never fails.
    """
    return db.paginate(statement, page=page_number(page), per_page=per_page,
                       max_per_page=MAX_PER_PAGE, error_out=False, count=True)
