"""Report pages for commissioners and navigators: gap map, area detail, equity, trends, exports.

Every page is a GET with its filters in the query string (shareable, works without JS).
Views parse the filters, call one service function and render; they never see a person.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user

from navigator.auth.models import Role
from navigator.auth.permissions import roles_required
from navigator.errors import ValidationError
from navigator.forms import apply_domain_errors
from navigator.reports import services
from navigator.reports.disclosure import configured_threshold
from navigator.reports.export import ATTRIBUTION
from navigator.reports.forms import EquityForm, GapMapForm, TrendsForm
from navigator.reports.periods import Quarter
from navigator.reports.queries import LEVELS

bp = Blueprint("reports", __name__, url_prefix="/reports")

REPORT_ROLES = (Role.COMMISSIONER, Role.NAVIGATOR)


def _today():
    return datetime.now(UTC).date()


def _threshold() -> int:
    return configured_threshold(current_app.config)


def _filter_args(form, names) -> dict:
    return {name: getattr(form, name).data for name in names if getattr(form, name).data}


GAP_FILTERS = ["need", "community", "level", "period_from", "period_to"]


@bp.route("/gap-map")
@roles_required(*REPORT_ROLES)
def gap_map():
    form = GapMapForm(request.args, _today())
    view, status = None, 200
    if form.validate():
        try:
            view = services.build_gap_map(form.need.data, form.community.data, form.level.data,
                                          form.period(), _threshold(), form.sort.data, form.dir.data)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
            status = 422
    else:
        status = 400
    args = _filter_args(form, GAP_FILTERS)
    return render_template("reports/gap_map.html", form=form, view=view, args=args,
                           threshold=_threshold(), levels=LEVELS), status


@bp.route("/gap-map.<fmt>")
@roles_required(*REPORT_ROLES)
def gap_map_export(fmt: str):
    form = GapMapForm(request.args, _today())
    if not form.validate():
        return render_template("reports/gap_map.html", form=form, view=None, args={},
                               threshold=_threshold(), levels=LEVELS), 400
    filename, mimetype, body = services.export_gap_map(
        fmt, current_user.id, form.need.data, form.community.data, form.level.data, form.period(),
        _threshold(), _today().isoformat())
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/areas/<level>/<code>")
@roles_required(*REPORT_ROLES)
def area(level: str, code: str):
    form = GapMapForm(request.args, _today())
    if level not in LEVELS or not form.validate():
        return render_template("reports/gap_map.html", form=form, view=None, args={},
                               threshold=_threshold(), levels=LEVELS), (404 if level not in LEVELS else 400)
    view = services.build_area_detail(level, code, form.need.data, form.community.data, form.period(),
                                      _threshold())
    args = _filter_args(form, GAP_FILTERS)
    args["level"] = level
    return render_template("reports/area.html", view=view, args=args, threshold=_threshold(),
                           levels=LEVELS)


EQUITY_FILTERS = ["dimension", "detail", "need", "area", "period_from", "period_to"]


@bp.route("/equity")
@roles_required(*REPORT_ROLES)
def equity():
    form = EquityForm(request.args, _today())
    view, status = None, 200
    if form.validate():
        try:
            view = services.build_equity(form.dimension.data, form.detail.data == "detailed", form.need.data,
                                         form.area.data, form.period(), _threshold())
            form.area.choices = view.area_choices
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
            status = 422
    else:
        status = 400
    if form.area.choices is None:
        form.area.choices = services.list_area_choices()
    return render_template("reports/equity.html", form=form, view=view,
                           args=_filter_args(form, EQUITY_FILTERS), threshold=_threshold()), status


@bp.route("/equity.csv")
@roles_required(*REPORT_ROLES)
def equity_export():
    form = EquityForm(request.args, _today())
    if not form.validate():
        form.area.choices = [("", "England and Wales (all areas)")]
        return render_template("reports/equity.html", form=form, view=None, args={},
                               threshold=_threshold()), 400
    filename, mimetype, body = services.export_equity(
        current_user.id, form.dimension.data, form.detail.data == "detailed", form.need.data,
        form.area.data, form.period(), _threshold())
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


TREND_FILTERS = ["need", "community", "level", "area", "period_to", "quarters"]


@bp.route("/trends")
@roles_required(*REPORT_ROLES)
def trends():
    form = TrendsForm(request.args, _today())
    view, status = None, 200
    if form.validate():
        try:
            view = services.build_trends(form.need.data, form.community.data, form.level.data,
                                         form.area.data, Quarter.parse(form.period_to.data),
                                         int(form.quarters.data), _threshold())
            form.area.choices = view.area_choices
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
            status = 422
    else:
        status = 400
    if form.area.choices is None:
        form.area.choices = [("", "All areas")]
    return render_template("reports/trends.html", form=form, view=view,
                           args=_filter_args(form, TREND_FILTERS), threshold=_threshold(),
                           levels=LEVELS), status


@bp.route("/print")
@roles_required(*REPORT_ROLES)
def printable():
    form = GapMapForm(request.args, _today())
    if not form.validate():
        return render_template("reports/gap_map.html", form=form, view=None, args={},
                               threshold=_threshold(), levels=LEVELS), 400
    view = services.build_gap_map(form.need.data, form.community.data, form.level.data, form.period(),
                                  _threshold(), form.sort.data, form.dir.data)
    args = _filter_args(form, GAP_FILTERS)
    return render_template("reports/print.html", view=view, threshold=_threshold(), levels=LEVELS,
                           generated_at=datetime.now(UTC), attribution=ATTRIBUTION, args=args,
                           back=url_for("reports.gap_map", **args))
