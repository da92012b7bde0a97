"""The navigator's import and export pages, and the CLI commands."""
from __future__ import annotations

import io
import json
import re
import zipfile

from tests.conftest import csrf_token_from


def _upload(client, content: bytes, filename: str, source: str = "walsall-council"):
    page = client.get("/directory/interop/import")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/directory/interop/import", data={
        "csrf_token": token, "source": source, "feed": (io.BytesIO(content), filename)},
        content_type="multipart/form-data")


FEED = [
    {"id": "w-1", "name": "Walsall Mosque Food Bank", "status": "active",
     "description": "<p>Food parcels every <b>Friday</b>.</p>",
     "organization": {"id": "o-1", "name": "Walsall Mosque"}},
    {"id": "w-2", "name": "", "status": "active", "description": "<p><br></p>"},
]


def test_a_navigator_uploads_a_feed_and_reads_the_report(client, auth, users):
    auth.login(users["navigator"]["email"])
    page = client.get("/directory/interop/import")
    assert page.status_code == 200 and "Import listings" in page.get_data(as_text=True)
    response = _upload(client, json.dumps(FEED).encode(), "walsall.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 of 2 listings imported" in html
    assert "empty name" in html
    assert "HTML description sanitised to text" in html
    again = _upload(client, json.dumps(FEED).encode(), "walsall.json").get_data(as_text=True)
    assert re.search(r"Unchanged listings</dt>\s*<dd[^>]*>1<", again)


def test_a_broken_upload_gets_a_field_error_not_a_crash(client, auth, users):
    auth.login(users["navigator"]["email"])
    response = _upload(client, b"\x00\x01 definitely not json", "feed.json")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and "not valid JSON" in html
    page = client.get("/directory/interop/import")
    token = csrf_token_from(page.get_data(as_text=True))
    missing = client.post("/directory/interop/import", data={"csrf_token": token},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "Select a file to import" in missing.get_data(as_text=True)


def test_only_navigators_may_import_or_export(client, auth, users):
    for role in ("practitioner", "provider", "commissioner"):
        auth.login(users[role]["email"])
        assert client.get("/directory/interop/import").status_code == 403
        assert client.get("/directory/interop/export/download").status_code == 403
        auth.logout()
    assert client.get("/directory/interop/export").status_code in (302, 401)


def test_a_navigator_downloads_an_export_of_a_search(client, auth, users, directory):
    auth.login(users["navigator"]["email"])
    page = client.get("/directory/interop/export").get_data(as_text=True)
    assert "Export the directory" in page and "Accommodation" in page
    response = client.get("/directory/interop/export/download?format=oruk&need=need:domestic-abuse")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert [s["name"] for s in response.get_json()["contents"]] == ["Sister Circle Refuge"]
    zipped = client.get("/directory/interop/export/download?format=hsds-csv&search=housing")
    assert zipped.mimetype == "application/zip"
    services = zipfile.ZipFile(io.BytesIO(zipped.data)).read("services.csv").decode()
    assert "Sister Circle Housing Advice" in services and "Refuge" not in services
    bad = client.get("/directory/interop/export/download?format=pdf&need=nonsense")
    assert bad.status_code == 422 and "Not a valid choice" in bad.get_data(as_text=True)


def test_cli_import_and_export(runner, app, tmp_path, directory):
    feed = tmp_path / "walsall_2025-01.json"
    feed.write_text(json.dumps(FEED))
    result = runner.invoke(args=["import", "oruk", str(feed)])
    assert result.exit_code == 0, result.output
    assert "2 records: 1 imported" in result.output and "empty name" in result.output
    assert "source 'walsall'" in result.output
    out = tmp_path / "out.json"
    result = runner.invoke(args=["export", "oruk", str(out), "--search", "food"])
    assert result.exit_code == 0, result.output
    assert [s["name"] for s in json.loads(out.read_text())["contents"]] == ["Walsall Mosque Food Bank"]
    zipped = tmp_path / "out.zip"
    assert runner.invoke(args=["export", "hsds-csv", str(zipped)]).exit_code == 0
    assert "services.csv" in zipfile.ZipFile(zipped).namelist()
    missing = runner.invoke(args=["import", "oruk", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and "No such file" in missing.output
