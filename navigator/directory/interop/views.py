"""Navigator pages for importing and exporting directory data (blueprint `interop`)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from navigator.auth.models import Role
from navigator.auth.permissions import roles_required
from navigator.directory.interop import exporter, importer
from navigator.directory.interop import queries as q
from navigator.directory.interop.forms import ExportForm, ImportForm
from navigator.errors import ValidationError
from navigator.forms import apply_domain_errors

bp = Blueprint("interop", __name__, url_prefix="/directory/interop")


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.NAVIGATOR)
def import_page():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.feed.data
        try:
            report = importer.import_upload(upload.filename or "", upload.read(),
                                            form.source.data or None, current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            return render_template("interop/import_report.html", report=report)
    status = 422 if form.errors else 200
    return render_template("interop/import.html", form=form,
                           max_mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)), status


def _export_form() -> ExportForm:
    form = ExportForm(request.args)
    form.need.choices = [("", "Any need")] + [(t.id, t.name) for t in q.list_terms(taxonomy_ids=["need"])]
    return form


@bp.get("/export")
@roles_required(Role.NAVIGATOR)
def export_page():
    return render_template("interop/export.html", form=_export_form())


@bp.get("/export/download")
@roles_required(Role.NAVIGATOR)
def export_download():
    form = _export_form()
    if not form.validate():
        return render_template("interop/export.html", form=form), 422
    flt = q.ServiceFilter(search=form.search.data or None,
                          term_ids=[form.need.data] if form.need.data else None)
    if form.format.data == "hsds-csv":
        body, mimetype, name = exporter.export_hsds_zip(flt, current_user.id), "application/zip", \
            "navigator-hsds.zip"
    else:
        body, mimetype, name = exporter.export_oruk_bytes(flt, current_user.id), "application/json", \
            "navigator-oruk.json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
