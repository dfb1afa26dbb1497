"""A report as an HTML email body (inline CSS and SVG: no external asset, no CDN), a plain-text
alternative and the CSV of the period's daily figures. The warning block, when there is one, is the first
thing in the body: figures of a day whose checks failed, or provisional figures, are never shown as good."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import escape

from platform_assets.serving.kpis import DailyFigures, Kpi, KpiBoard
from platform_assets.serving.reports.content import Report, money

_CHART_WIDTH = 560
_CHART_HEIGHT = 120


def format_value(kpi: Kpi, value: Decimal | int | None, currency: str) -> str:
    """A KPI value as shown on its tile: money with its currency, a count, or a percentage."""
    if value is None:
        return "–"
    if kpi.unit == "money":
        return money(Decimal(value), currency)
    if kpi.unit == "percent":
        return f"{value}%"
    return f"{value:,}"


def format_change(kpi: Kpi, currency: str) -> str:
    """``+12.50 (+4.20%)``, ``−3 (−10.00%)``, ``+0.40 pp`` for a rate; an en dash without a previous value."""
    if kpi.change is None:
        return "–"
    sign = "+" if kpi.change >= 0 else "−"
    magnitude = abs(kpi.change)
    if kpi.unit == "percent":
        return f"{sign}{magnitude} pp"
    amount = f"{magnitude:,.2f}" if kpi.unit == "money" else f"{magnitude:,}"
    if kpi.change_pct is None:
        return f"{sign}{amount}"
    pct_sign = "+" if kpi.change_pct >= 0 else "−"
    return f"{sign}{amount} ({pct_sign}{abs(kpi.change_pct)}%)"


# ---------------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------------
def _warning_block(report: Report) -> str:
    if report.trustworthy:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in report.warnings)
    return (
        '<div id="report-warning" style="background:#fdecea;border:2px solid #c62828;color:#8e0000;'
        'padding:12px 16px;margin:0 0 16px 0;border-radius:6px">'
        "<strong>Warning: these figures are not final and must not be taken as correct.</strong>"
        f'<ul style="margin:8px 0 0 18px;padding:0">{items}</ul></div>'
    )


def _tiles(board: KpiBoard, caveat: bool) -> str:
    cells = []
    for kpi in board.kpis.values():
        colour = "#555"
        if kpi.change is not None and kpi.change != 0:
            good = (kpi.change > 0) != (kpi.name == "returns_rate")
            colour = "#2e7d32" if good else "#c62828"
        mark = ' <span title="not final" style="color:#c62828">*</span>' if caveat else ""
        cells.append(
            f'<td class="kpi" data-kpi="{kpi.name}" style="border:1px solid #ddd;padding:10px;'
            'vertical-align:top;width:33%">'
            f'<div style="font-size:12px;color:#666">{escape(kpi.label)}</div>'
            f'<div class="value" style="font-size:20px;font-weight:bold">'
            f"{escape(format_value(kpi, kpi.value, board.currency))}{mark}</div>"
            f'<div class="change" style="font-size:12px;color:{colour}">'
            f"{escape(format_change(kpi, board.currency))} vs previous</div>"
            f'<div style="font-size:11px;color:#888">previous: '
            f"{escape(format_value(kpi, kpi.previous, board.currency))}</div></td>"
        )
    rows = ["".join(cells[i : i + 3]) for i in range(0, len(cells), 3)]
    return (
        f'<table role="presentation" style="border-collapse:collapse;width:100%;margin-bottom:8px">'
        f"{''.join(f'<tr>{row}</tr>' for row in rows)}</table>"
    )


def trend_svg(days: list[DailyFigures], currency: str) -> str:
    """Net sales per day as an inline SVG bar chart (provisional days hatched red), with a text title."""
    values = [day.net_sales for day in days]
    top = max([abs(v) for v in values] + [Decimal(1)])
    width = _CHART_WIDTH / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        height = float(abs(day.net_sales) / top) * (_CHART_HEIGHT - 20)
        fill = "#c62828" if day.provisional else ("#90a4ae" if day.net_sales < 0 else "#1565c0")
        x = index * width + 2
        bars.append(
            f'<rect x="{x:.1f}" y="{_CHART_HEIGHT - 16 - height:.1f}" width="{width - 4:.1f}" '
            f'height="{height:.1f}" fill="{fill}"><title>{day.date.isoformat()}: '
            f"{escape(money(day.net_sales, currency))}</title></rect>"
            f'<text x="{x + (width - 4) / 2:.1f}" y="{_CHART_HEIGHT - 3}" font-size="9" '
            f'text-anchor="middle" fill="#666">{day.date.strftime("%d")}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_CHART_WIDTH}" height="{_CHART_HEIGHT}" '
        f'role="img" aria-label="Net sales per day ({escape(currency)})">{"".join(bars)}</svg>'
    )


def _trend_table(days: list[DailyFigures], currency: str) -> str:
    head = "".join(
        f'<th style="text-align:right;padding:2px 8px;border-bottom:1px solid #ccc">{escape(h)}</th>'
        for h in ("Day", "Orders", "Net sales", "AOV", "New", "Returning", "Status")
    )
    body = []
    for day in days:
        status = "provisional" if day.provisional else ("complete" if day.has_row else "no sales")
        cells = (
            day.date.isoformat(),
            f"{day.orders:,}",
            money(day.net_sales, currency),
            money(day.average_order_value, currency),
            str(day.new_customers),
            str(day.returning_customers),
            status,
        )
        style = ' style="color:#c62828"' if day.provisional else ""
        body.append(
            f"<tr{style}>"
            + "".join(f'<td style="text-align:right;padding:2px 8px">{escape(c)}</td>' for c in cells)
            + "</tr>"
        )
    return (
        '<table class="trend" style="border-collapse:collapse;font-size:12px">'
        f"<tr>{head}</tr>{''.join(body)}</table>"
    )


def _platform_table(report: Report) -> str:
    if len(report.platform_boards) < 2:
        return ""
    rows = []
    for platform, boards in report.platform_boards.items():
        for board in boards:
            net, orders = board.kpi("net_sales"), board.kpi("orders")
            rows.append(
                "<tr>"
                + "".join(
                    f'<td style="padding:2px 8px">{escape(c)}</td>'
                    for c in (
                        platform,
                        format_value(net, net.value, board.currency),
                        format_change(net, board.currency),
                        format_value(orders, orders.value, board.currency),
                        format_change(orders, board.currency),
                    )
                )
                + "</tr>"
            )
    head = "".join(
        f'<th style="padding:2px 8px;text-align:left">{h}</th>'
        for h in ("Platform", "Net sales", "Change", "Orders", "Change")
    )
    return (
        '<h3 style="font-size:15px">By platform</h3>'
        f'<table style="border-collapse:collapse;font-size:12px"><tr>{head}</tr>{"".join(rows)}</table>'
    )


def render_html(report: Report) -> str:
    """The report's HTML email body."""
    caveat = not report.trustworthy
    sections = []
    for board in report.boards:
        sections.append(
            f'<h3 style="font-size:15px;margin:16px 0 6px">{escape(board.currency)}: {report.period.label()} '
            f"vs {board.previous_period.label()}</h3>{_tiles(board, caveat)}"
        )
    for board in report.trend_boards:
        days = list(board.trend)
        sections.append(
            f'<h3 style="font-size:15px">Trend: net sales per day, {escape(board.currency)}</h3>'
            f"{trend_svg(days, board.currency)}{_trend_table(days, board.currency)}"
        )
    sections.append(_platform_table(report))
    title = escape(report.subject)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#222;max-width:640px">'
        f"{_warning_block(report)}"
        f'<h2 style="font-size:18px;margin:0 0 4px">{title}</h2>'
        f'<p style="color:#666;font-size:12px;margin:0 0 8px">Tenant {escape(report.tenant_id)}; figures '
        "from the warehouse's marts (across platforms); definitions in docs/metrics.md. The attached CSV "
        "has the period's daily figures per platform.</p>"
        f"{''.join(sections)}</body></html>"
    )


def render_text(report: Report) -> str:
    """The plain-text alternative: warnings first, then each KPI with its previous value and change."""
    lines = []
    if not report.trustworthy:
        lines.append("WARNING: these figures are not final and must not be taken as correct.")
        lines += [f"  - {line}" for line in report.warnings]
        lines.append("")
    lines.append(report.subject)
    for board in report.boards:
        lines.append(f"\n{board.currency}: {report.period.label()} vs {board.previous_period.label()}")
        for kpi in board.kpis.values():
            lines.append(
                f"  {kpi.label}: {format_value(kpi, kpi.value, board.currency)} "
                f"({format_change(kpi, board.currency)}; previous "
                f"{format_value(kpi, kpi.previous, board.currency)})"
            )
    return "\n".join(lines) + "\n"


def render_csv(report: Report) -> str:
    """The period's daily figures, one line per platform ('all' first), day and currency, exact amounts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("platform", *DailyFigures.CSV_FIELDS))
    for platform, row in report.rows:
        values = []
        for name in DailyFigures.CSV_FIELDS:
            value = getattr(row, name)
            values.append("" if value is None else (value.isoformat() if name == "date" else str(value)))
        writer.writerow((platform, *values))
    return out.getvalue()
