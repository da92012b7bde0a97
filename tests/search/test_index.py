"""The index is derived data: it follows edits, and is rebuilt when missing or damaged."""

from __future__ import annotations

import os
import time

import pytest

from tests.search.helpers import result_names


@pytest.fixture
def practitioner(client, auth, users, directory):
    auth.login(users["practitioner"]["email"])
    return client


def names(client, **params):
    return result_names(client.get("/search", query_string=params).get_data(as_text=True))


def test_edits_through_curation_reach_search(practitioner, search_app, directory):
    from navigator.directory import services as directory_services

    with search_app.app_context():
        service_id = directory["Job club"]
        directory_services.update_service(
            service_id,
            {"name": "Jobs and careers club", "description": "Forklift licence courses"},
            None,
            None,
        )
    assert names(practitioner, q="forklift") == ["Jobs and careers club"]
    with search_app.app_context():
        directory_services.set_service_status(service_id, "defunct", None, None)
    assert names(practitioner, q="forklift") == []


def test_deleted_and_inactive_organisation_services_disappear(practitioner, search_app, directory):
    from navigator.directory.models import Service
    from navigator.directory.search import reindex_services
    from navigator.extensions import db

    with search_app.app_context():
        service = db.session.get(Service, directory["Masjid mentoring circle"])
        service.deleted_at = service.created_at
        db.session.commit()
        reindex_services([service.id])
    assert names(practitioner, q="mosque") == []


def test_rebuild_command_restores_the_index(practitioner, search_app, runner, directory):
    result = runner.invoke(args=["search-index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "6 services" in result.output
    assert "Job club" in names(practitioner, q="job")


def test_missing_or_damaged_whoosh_index_is_rebuilt_on_next_search(practitioner, search_app, directory):
    if search_app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("the PostgreSQL index lives in the database")
    index_dir = search_app.config["SEARCH_INDEX_DIR"]
    with search_app.app_context():
        from navigator.directory.search import get_backend

        get_backend().close()
    for name in os.listdir(index_dir):
        with open(os.path.join(index_dir, name), "wb") as handle:
            handle.write(b"\x00garbage")
    assert names(practitioner, q="job") == ["Job club"]


def test_failed_update_marks_the_index_and_next_search_repairs_it(
    practitioner, search_app, directory, monkeypatch
):
    from navigator.directory import search
    from navigator.directory.models import Service
    from navigator.extensions import db

    with search_app.app_context():
        backend = search.get_backend()
        monkeypatch.setattr(
            backend, "index", lambda docs, remove: (_ for _ in ()).throw(OSError("disk full"))
        )
        service = db.session.get(Service, directory["Job club"])
        service.name = "Renamed job club"
        db.session.commit()
        search.reindex_services([service.id])  # must not raise into the caller
        assert search.is_marked_for_rebuild()
        monkeypatch.undo()
    assert names(practitioner, q="renamed") == ["Renamed job club"]
    with search_app.app_context():
        assert not search.is_marked_for_rebuild()


@pytest.mark.parametrize("failing_step", ["_commit_toc", "update_document"])
def test_a_failed_index_write_never_leaves_the_write_lock_behind(
    practitioner, search_app, directory, monkeypatch, failing_step
):
    """One update failing part-way (disk full mid-commit) must not stall every later edit.

    Whoosh used to keep its write lock until the failed writer was garbage collected, which
    a logged traceback delays indefinitely: each later edit then waited the full lock
    timeout (10 s) and failed in turn, so creating services in a loop stalled for minutes.
    """
    if search_app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("the lock belongs to the Whoosh index")
    import whoosh.writing

    from tests import factories

    real = getattr(whoosh.writing.SegmentWriter, failing_step)
    failures = []

    def fail_once(self, *args, **kwargs):
        if not failures:
            failures.append(failing_step)
            raise OSError("No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(whoosh.writing.SegmentWriter, failing_step, fail_once)
    with search_app.app_context():
        org = factories.make_organisation("Lockstep Trust")
        started = time.monotonic()
        for number in range(5):
            factories.make_service(org.id, name=f"Lockstep club {number}")
        elapsed = time.monotonic() - started
    assert failures == [failing_step]
    assert elapsed < 8, f"five edits took {elapsed:.1f}s: the write lock was left behind"
    assert names(practitioner, q="lockstep") == [f"Lockstep club {n}" for n in range(5)]
