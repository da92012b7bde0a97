"""Our own OpenAPI 3.0 document for the open API: exactly what /api/ serves.

The robustness test generates requests from the parameters listed here, so a parameter
added to the API and not to this document goes untested: keep them together.
"""
from __future__ import annotations

ORUK_SCHEMAS = "https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/main/OpenReferralApi/Schemas/V3.0-UK/"


def _param(name: str, schema: dict, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


PARAMS = {
    "search": _param("search", {"type": "string", "maxLength": 200},
                     "Words to find in the name or description of a service or its organisation."),
    "page": _param("page", {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
                   "Page number, from 1."),
    "per_page": _param("per_page", {"type": "integer", "minimum": 1, "default": 50},
                       "Results per page; values above 100 are capped at 100."),
    "format": _param("format", {"type": "string", "enum": ["json"]}, "Only json is offered."),
    "taxonomy_term_id": _param("taxonomy_term_id", {"type": "string"},
                               "Services carrying this taxonomy term (published UUID or code such as "
                               "need:accommodation)."),
    "taxonomy_id": _param("taxonomy_id", {"type": "string"},
                          "Services carrying any term of this taxonomy (published UUID or id such as "
                          "led-by)."),
    "organization_id": _param("organization_id", {"type": "string"},
                              "Services provided by this organisation."),
    "modified_after": _param("modified_after", {"type": "string", "format": "date-time"},
                             "Services changed on or after this date or date-time (UTC if no offset)."),
    "minimal": _param("minimal", {"type": "boolean"}, "Only id and last_modified of each service."),
    "full": _param("full", {"type": "boolean"}, "Fully nested services."),
    "postcode": _param("postcode", {"type": "string"},
                       "A UK postcode or postcode district; results are sorted nearest first. "
                       "Looked up offline only: it is never sent to another service."),
    "proximity": _param("proximity", {"type": "integer", "minimum": 1, "maximum": 1000000},
                        "Only results within this many metres of the postcode (needs postcode)."),
    "parent_id": _param("parent_id", {"type": "string"}, "Only terms with this parent term."),
}


def _id_param(what: str) -> dict:
    return _param("id", {"type": "string"}, f"The id of the {what}.", where="path", required=True)


def _ok(schema_ref: str, description: str) -> dict:
    return {
        "200": {"description": description,
                "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
        "400": {"description": "A parameter could not be understood.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }


def _not_found(responses: dict) -> dict:
    responses = dict(responses)
    responses["404"] = {"description": "No such record.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses.pop("400", None)
    return responses


def _page_of(item_ref: str) -> dict:
    return {"allOf": [{"$ref": "#/components/schemas/Page"},
                      {"type": "object", "properties": {"contents": {"type": "array",
                                                                      "items": {"$ref": item_ref}}}}]}


def openapi_document(server_url: str) -> dict:
    """The OpenAPI document, with our own address as the server."""
    refs = [{"$ref": f"#/components/parameters/{name}"} for name in (
        "search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id")]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Navigator open directory API",
            "version": "HSDS-UK-3.0",
            "description": (
                "Community, faith, culturally specific and Black-led services, published in "
                "the Open Referral UK 3.0 profile of HSDS 3.0. Read-only and open to all. Our "
                "need categories, led-by, communities-served and faith vocabularies are "
                "published as taxonomies, and the terms on a service as HSDS attributes. "
                "Confidential addresses and personal data are never published."),
            "license": {"name": "Open Government Licence v3.0",
                        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/": {"get": {"operationId": "getAPIMetaInformation", "summary": "About this API",
                          "responses": _ok("#/components/schemas/ApiDetails", "Version and profile.")}},
            "/openapi.json": {"get": {"operationId": "getOpenAPI", "summary": "This document",
                                      "responses": {"200": {"description": "OpenAPI document."}}}},
            "/services": {"get": {
                "operationId": "getPaginatedListOfServices", "summary": "Listed services",
                "parameters": refs + [{"$ref": "#/components/parameters/organization_id"},
                                      {"$ref": "#/components/parameters/modified_after"},
                                      {"$ref": "#/components/parameters/minimal"},
                                      {"$ref": "#/components/parameters/full"}],
                "responses": _ok("#/components/schemas/ServicePage", "A page of services.")}},
            "/services/{id}": {"get": {
                "operationId": "getFullyNestedServiceById", "summary": "One service, fully nested",
                "parameters": [_id_param("service")],
                "responses": _not_found(_ok("#/components/schemas/Service", "The service."))}},
            "/service_at_locations": {"get": {
                "operationId": "getPaginatedListOfServiceAtLocations",
                "summary": "Services at their (non-confidential) locations",
                "parameters": refs + [{"$ref": "#/components/parameters/full"},
                                      {"$ref": "#/components/parameters/postcode"},
                                      {"$ref": "#/components/parameters/proximity"}],
                "responses": _ok("#/components/schemas/ServiceAtLocationPage",
                                 "A page of services at locations.")}},
            "/service_at_locations/{id}": {"get": {
                "operationId": "getServiceAtLocationById", "summary": "One service at a location",
                "parameters": [_id_param("service at location")],
                "responses": _not_found(_ok("#/components/schemas/ServiceAtLocation",
                                            "The service at location."))}},
            "/taxonomies": {"get": {
                "operationId": "getPaginatedListOfTaxonomies", "summary": "Published taxonomies",
                "parameters": [{"$ref": f"#/components/parameters/{n}"}
                               for n in ("search", "page", "per_page", "format")],
                "responses": _ok("#/components/schemas/TaxonomyPage", "A page of taxonomies.")}},
            "/taxonomies/{id}": {"get": {
                "operationId": "getTaxonomyById", "summary": "One taxonomy",
                "parameters": [_id_param("taxonomy")],
                "responses": _not_found(_ok("#/components/schemas/Taxonomy", "The taxonomy."))}},
            "/taxonomy_terms": {"get": {
                "operationId": "getPaginatedListOfTaxonomyTerms", "summary": "Published taxonomy terms",
                "parameters": [{"$ref": f"#/components/parameters/{n}"}
                               for n in ("search", "page", "per_page", "format", "taxonomy_id",
                                         "parent_id")],
                "responses": _ok("#/components/schemas/TaxonomyTermPage", "A page of terms.")}},
            "/taxonomy_terms/{id}": {"get": {
                "operationId": "getTaxonomyTermById", "summary": "One taxonomy term",
                "parameters": [_id_param("taxonomy term")],
                "responses": _not_found(_ok("#/components/schemas/TaxonomyTerm", "The term."))}},
        },
        "components": {
            "parameters": PARAMS,
            "schemas": {
                "Page": {"type": "object", "required": [
                    "total_items", "total_pages", "page_number", "size", "first_page", "last_page",
                    "empty", "contents"], "properties": {
                    "total_items": {"type": "integer"}, "total_pages": {"type": "integer"},
                    "page_number": {"type": "integer"}, "size": {"type": "integer"},
                    "first_page": {"type": "boolean"}, "last_page": {"type": "boolean"},
                    "empty": {"type": "boolean"}, "contents": {"type": "array"}}},
                "Error": {"type": "object", "required": ["error", "status"], "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"},
                    "errors": {"type": "object", "additionalProperties": {
                        "type": "array", "items": {"type": "string"}}}}},
                "ApiDetails": {"$ref": ORUK_SCHEMAS + "api_details.json"},
                "Service": {"$ref": ORUK_SCHEMAS + "service.json"},
                "ServiceAtLocation": {"$ref": ORUK_SCHEMAS + "service_at_location.json"},
                "Taxonomy": {"$ref": ORUK_SCHEMAS + "taxonomy.json"},
                "TaxonomyTerm": {"$ref": ORUK_SCHEMAS + "taxonomy_term.json"},
                "ServicePage": _page_of("#/components/schemas/Service"),
                "ServiceAtLocationPage": _page_of("#/components/schemas/ServiceAtLocation"),
                "TaxonomyPage": _page_of("#/components/schemas/Taxonomy"),
                "TaxonomyTermPage": _page_of("#/components/schemas/TaxonomyTerm"),
            },
        },
    }
