"""The open ORUK 3.0 API: what it publishes, what it never publishes, and its schemas."""
from __future__ import annotations

import json

import pytest

from navigator.directory.interop.hsds import taxonomy_uuid, term_uuid
from tests.interop.conftest import CONFIDENTIAL_STREET

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
             "contents"}


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    return response.get_json()


def test_index_says_which_standard_and_where_the_openapi_document_is(client):
    body = _get(client, "/api/")
    assert body["version"] == "HSDS 3.0"
    assert body["openapi_url"].endswith("/api/openapi.json")
    doc = _get(client, "/api/openapi.json")
    assert doc["openapi"].startswith("3.0")
    assert {"/services", "/services/{id}", "/service_at_locations", "/taxonomies",
            "/taxonomy_terms"} <= set(doc["paths"])


def test_services_lists_only_listed_services_in_a_paged_envelope(client, directory):
    body = _get(client, "/api/services")
    assert set(body) == PAGE_KEYS
    names = [s["name"] for s in body["contents"]]
    assert names == ["Sister Circle Housing Advice", "Sister Circle Refuge"]
    assert "Old Drop-in" not in json.dumps(body)
    assert body["total_items"] == 2 and body["page_number"] == 1 and body["first_page"]
    assert body["last_page"] and not body["empty"]


def test_paging_and_per_page_cap(client, directory):
    first = _get(client, "/api/services?per_page=1&page=1")
    second = _get(client, "/api/services?per_page=1&page=2")
    assert first["total_pages"] == 2 and not first["last_page"]
    assert second["last_page"] and not second["first_page"]
    assert first["contents"][0]["id"] != second["contents"][0]["id"]
    beyond = _get(client, "/api/services?page=9")
    assert beyond["empty"] and beyond["contents"] == []
    capped = _get(client, "/api/services?per_page=100000")
    assert capped["size"] == 2 and capped["total_pages"] == 1


def test_community_attributes_are_published_as_hsds_attributes(client, directory):
    body = _get(client, f"/api/services/{directory['housing']}")
    terms = {(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["name"]) for a in body["attributes"]}
    assert ("Led by", "Black-led") in terms
    assert ("Communities served", "Black: Caribbean") in terms
    assert ("Faith tradition", "Christian") in terms
    assert ("Need categories", "Accommodation") in terms
    black_led = next(a for a in body["attributes"] if a["taxonomy_term"]["name"] == "Black-led")
    assert black_led["taxonomy_term_id"] == term_uuid("led-by:black-led")
    assert black_led["link_id"] == directory["housing"]
    assert {lang["name"] for lang in body["languages"]} == {"English", "Somali"}
    assert body["organization"]["name"] == "Walsall Black Women's Network"
    location = body["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "WS1 1AA"
    assert location["latitude"] == pytest.approx(52.58, abs=0.05)


def test_filters_by_taxonomy_term_taxonomy_search_and_modified_after(client, directory):
    def names(url):
        return [s["name"] for s in _get(client, url)["contents"]]

    assert names(f"/api/services?taxonomy_term_id={term_uuid('need:domestic-abuse')}") == [
        "Sister Circle Refuge"]
    assert names("/api/services?taxonomy_term_id=need:accommodation") == ["Sister Circle Housing Advice"]
    assert names(f"/api/services?taxonomy_id={taxonomy_uuid('faith')}") == ["Sister Circle Housing Advice"]
    assert names("/api/services?taxonomy_term_id=need:no-such-term") == []
    assert names("/api/services?search=REFUGE") == ["Sister Circle Refuge"]
    assert names("/api/services?search=black+women") == ["Sister Circle Housing Advice",
                                                           "Sister Circle Refuge"]
    assert names("/api/services?search=100%25") == []
    assert len(names("/api/services?modified_after=2000-01-01")) == 2
    assert names("/api/services?modified_after=2999-01-01T00:00:00Z") == []


def test_minimal_and_full_forms(client, directory):
    minimal = _get(client, "/api/services?minimal=true")["contents"]
    assert all(set(item) == {"id", "last_modified"} for item in minimal)
    full = _get(client, "/api/services?full=true")["contents"]
    assert all("organization" in item and "attributes" in item for item in full)


def test_confidential_addresses_are_never_published(client, directory):
    everything = [
        client.get("/api/services?full=true").get_data(as_text=True),
        client.get(f"/api/services/{directory['refuge_service']}").get_data(as_text=True),
        client.get("/api/service_at_locations?full=true").get_data(as_text=True),
        client.get("/api/service_at_locations?postcode=B15").get_data(as_text=True),
    ]
    for text in everything:
        assert CONFIDENTIAL_STREET not in text
        assert "B15 2TT" not in text
        assert directory["refuge"] not in text
        assert "Safe house" not in text
    # The refuge service itself is still listed, just without a place.
    refuge = _get(client, f"/api/services/{directory['refuge_service']}")
    assert refuge["name"] == "Sister Circle Refuge" and refuge["service_at_locations"] == []
    assert client.get("/api/service_at_locations?search=refuge").get_json()["contents"] == []


def test_no_personal_data_is_published(client, directory, users):
    text = client.get("/api/services?full=true").get_data(as_text=True)
    for person in users.values():
        assert person["email"] not in text
    assert "assurer_email" not in text and "created_by" not in text


def test_inactive_and_unknown_services_are_404_with_json(client, directory):
    for service_id in (directory["closed"], "not-a-real-id"):
        response = client.get(f"/api/services/{service_id}")
        assert response.status_code == 404
        assert response.get_json()["status"] == 404
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_service_at_locations_by_postcode_and_proximity(client, directory):
    near = _get(client, "/api/service_at_locations?postcode=WS1+1AA&proximity=5000")
    assert [i["service"]["name"] for i in near["contents"]] == ["Sister Circle Housing Advice"]
    assert near["contents"][0]["distance"] < 5000
    # Birmingham (B15) is about 13 km from Walsall: outside 5 km, inside 20 km.
    assert _get(client, "/api/service_at_locations?postcode=B15&proximity=5000")["contents"] == []
    far = _get(client, "/api/service_at_locations?postcode=B15&proximity=20000")["contents"]
    assert 10_000 < far[0]["distance"] < 20_000


def test_taxonomies_and_terms_include_our_vocabularies(client, directory):
    taxonomies = _get(client, "/api/taxonomies?per_page=100")
    names = {t["name"] for t in taxonomies["contents"]}
    assert {"Need categories", "Led by", "Communities served", "Faith tradition"} <= names
    led_by = _get(client, "/api/taxonomy_terms?taxonomy_id=led-by&per_page=100")["contents"]
    assert "Black-led" in {t["name"] for t in led_by}
    term = _get(client, f"/api/taxonomy_terms/{term_uuid('led-by:black-led')}")
    assert term["name"] == "Black-led" and term["taxonomy_id"] == taxonomy_uuid("led-by")
    assert _get(client, f"/api/taxonomies/{taxonomy_uuid('faith')}")["name"] == "Faith tradition"


@pytest.mark.parametrize("query, parameter", [
    ("/api/services?page=0", "page"),
    ("/api/services?page=abc", "page"),
    ("/api/services?per_page=-1", "per_page"),
    ("/api/services?minimal=perhaps", "minimal"),
    ("/api/services?modified_after=yesterday", "modified_after"),
    ("/api/services?search=%00", "search"),
    ("/api/services?format=xml", "format"),
    ("/api/service_at_locations?proximity=1000", "proximity"),
    ("/api/service_at_locations?postcode=NOWHERE", "postcode"),
    ("/api/taxonomy_terms?page=99999999999999999999", "page"),
])
def test_bad_parameters_get_400_with_a_json_error_naming_the_parameter(client, query, parameter):
    response = client.get(query)
    assert response.status_code == 400
    body = response.get_json()
    assert parameter in body["errors"] and parameter in body["error"]


def test_api_is_read_only(client, directory):
    assert client.post("/api/services", json={}).status_code == 405
    assert client.delete(f"/api/services/{directory['housing']}").status_code == 405


# --- Open Referral UK 3.0 and HSDS 3.0 schemas (need ../shared/data) ---------------------

def test_every_response_validates_against_the_oruk_schemas(client, directory, schemas):
    checks = [
        ("/api/", "api_details.json", "/"),
        ("/api/services", "service_list.json", "/services"),
        ("/api/services?full=true", "service_list.json", "/services"),
        ("/api/service_at_locations?full=true", "service_at_location_list.json", None),
        ("/api/service_at_locations?postcode=WS1", "service_at_location_list.json", None),
        ("/api/taxonomies", "taxonomy_list.json", "/taxonomies"),
        ("/api/taxonomy_terms?per_page=100", "taxonomy_term_list.json", "/taxonomy_terms"),
        (f"/api/services/{directory['housing']}", "service.json", "/services/{id}"),
        (f"/api/services/{directory['refuge_service']}", "service.json", "/services/{id}"),
        (f"/api/taxonomies/{taxonomy_uuid('need')}", "taxonomy.json", "/taxonomies/{id}"),
        (f"/api/taxonomy_terms/{term_uuid('need:faith')}", "taxonomy_term.json", "/taxonomy_terms/{id}"),
    ]
    for url, schema, path in checks:
        body = _get(client, url)
        assert schemas.oruk(body, schema) == [], url
        if path:
            assert schemas.oruk_response(body, path) == [], url
    sal = _get(client, "/api/service_at_locations")["contents"][0]
    assert schemas.oruk(_get(client, f"/api/service_at_locations/{sal['id']}"),
                        "service_at_location.json") == []


def test_full_services_validate_against_hsds_3(client, directory, schemas):
    for item in _get(client, "/api/services?full=true")["contents"]:
        assert schemas.hsds(item, "service.json") == []
    for term in _get(client, "/api/taxonomy_terms?per_page=100")["contents"]:
        assert schemas.hsds(term, "taxonomy_term.json") == []


def test_the_schema_check_itself_catches_a_broken_service(schemas):
    assert schemas.oruk({"id": "not-a-uuid", "name": "x", "status": "open"}, "service.json")
    assert schemas.hsds({"name": "no id"}, "service.json")
