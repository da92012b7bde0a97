"""The `navigator` command (also `python -m navigator`): Flask's CLI with Navigator's commands."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from navigator import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
def main():
    """Navigator: community services directory and referrals for probation."""


if __name__ == "__main__":
    main()
