"""A small warehouse of known mart rows for the serving tests: tenant acme over the two weeks ending Sunday
2026-12-06, the figures chosen so every KPI and change can be worked out by hand (tests/serving/
test_kpis.py shows the arithmetic). The schema is the pipeline's own (ensure_tables); no pipeline runs."""

from __future__ import annotations

import email
import email.policy
import socket
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import dagster as dg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from platform_assets.warehouse import tables as t
from resources import notifiers
from resources.warehouse import WarehouseResource

TENANT = "acme"
SUNDAY = date(2026, 12, 6)
SATURDAY = date(2026, 12, 5)
FIRST_DAY = SUNDAY - timedelta(days=13)  # 2026-11-23
DAY_WITHOUT_SALES = date(2026, 11, 25)


@dataclass(frozen=True)
class Row:
    """One agg_daily_sales row (defaults: a plain day of 3 orders)."""

    date: date
    platform: str = t.ALL_PLATFORMS
    orders: int = 3
    units: int = 4
    gross_sales: str = "100.00"
    discounts: str = "5.00"
    returns: str = "2.50"
    shipping: str = "5.00"
    taxes: str = "8.00"
    average_order_value: str | None = "31.67"
    customers: int = 3
    new_customers: int = 1
    is_complete: bool = True
    provisional_reason: str | None = None
    currency: str = "USD"
    extra: dict = field(default_factory=dict)

    def values(self) -> list:
        gross, discounts, returns = Decimal(self.gross_sales), Decimal(self.discounts), Decimal(self.returns)
        net = gross - discounts - returns
        total = net + Decimal(self.shipping) + Decimal(self.taxes)
        aov = None if self.average_order_value is None else Decimal(self.average_order_value)
        return [
            TENANT, self.date, self.platform, self.currency, self.orders, self.units, gross, discounts,
            returns, net, Decimal(self.shipping), Decimal(self.taxes), total, aov, self.customers,
            self.new_customers, self.customers - self.new_customers, self.is_complete,
            self.provisional_reason,
        ]  # fmt: skip


def known_rows() -> list[Row]:
    """14 days of 'all' rows (2026-11-25 without sales), Saturday and Sunday special, and Sunday's two
    platforms (Shopify 150.00 + WooCommerce 88.89 = 238.89 net)."""
    rows = [
        Row(FIRST_DAY + timedelta(days=n))
        for n in range(12)
        if FIRST_DAY + timedelta(days=n) != DAY_WITHOUT_SALES
    ]
    rows.append(
        Row(SATURDAY, orders=4, gross_sales="200.00", discounts="20.00", returns="10.00", shipping="10.00",
            taxes="15.00", average_order_value="45.00", customers=4, new_customers=1)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, orders=5, gross_sales="251.23", discounts="12.34", returns="0.00", shipping="10.00",
            taxes="20.00", average_order_value="47.78", customers=5, new_customers=2)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, platform="shopify", orders=3, gross_sales="150.00", discounts="0.00", returns="0.00",
            shipping="6.00", taxes="12.00", average_order_value="50.00", customers=3, new_customers=1)
    )  # fmt: skip
    rows.append(
        Row(SUNDAY, platform="woocommerce", orders=2, gross_sales="101.23", discounts="12.34",
            returns="0.00", shipping="4.00", taxes="8.00", average_order_value="44.45", customers=2,
            new_customers=1)
    )  # fmt: skip
    return rows


def load_marts(url: str, rows: list[Row] | None = None) -> WarehouseResource:
    """A warehouse at ``url`` with the mart tables and ``rows`` (default :func:`known_rows`)."""
    warehouse = WarehouseResource(url=url)
    warehouse.ensure_tables([t.AGG_DAILY_SALES, t.AGG_WEEKLY_TRENDS])
    with warehouse.transaction() as conn:
        warehouse.insert_rows(conn, t.AGG_DAILY_SALES, [row.values() for row in rows or known_rows()])
    return warehouse


def mark_provisional(warehouse: WarehouseResource, day: date, reason: str) -> None:
    table = t.AGG_DAILY_SALES.sqlalchemy_table()
    with warehouse.transaction() as conn:
        conn.execute(
            sa.update(table)
            .where(table.c.tenant_id == TENANT, table.c.date == day)
            .values(is_complete=False, provisional_reason=reason)
        )


@pytest.fixture
def marts(warehouse_url: str) -> WarehouseResource:
    """The known rows on each backend (DuckDB; PostgreSQL when STOREHOUSE_TEST_POSTGRES_URL is set)."""
    warehouse = load_marts(warehouse_url)
    yield warehouse
    warehouse.teardown_after_execution(None)  # type: ignore[arg-type]


@pytest.fixture
def duckdb_marts(tmp_path) -> WarehouseResource:
    """The known rows on DuckDB only (the report tests: the reading is the same on both backends)."""
    warehouse = load_marts(f"duckdb:///{tmp_path / 'marts.duckdb'}")
    yield warehouse
    warehouse.teardown_after_execution(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# A loopback SMTP server (aiosmtpd) and the report environment
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Inbox:
    """What the loopback SMTP server received."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        content = envelope.original_content.replace(b"\r\n", b"\n")
        self.messages.append(email.message_from_bytes(content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Inbox:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    receiver = Inbox(port=port)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller = Controller(receiver, hostname=receiver.host, port=port, ready_timeout=5)
        controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@pytest.fixture
def report_env(monkeypatch, tmp_path) -> pytest.MonkeyPatch:
    """No SMTP configured, the data directory under tmp_path."""
    for name in notifiers.ALERT_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STOREHOUSE_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.fixture
def smtp_env(report_env, inbox) -> Inbox:
    """The alerts' SMTP settings pointing at the loopback inbox (STOREHOUSE_ALERT_SMTP_TO is not the
    reports' recipients: the tenants file's reports.to are)."""
    report_env.setenv(notifiers.SMTP_HOST_ENV, inbox.host)
    report_env.setenv(notifiers.SMTP_PORT_ENV, str(inbox.port))
    report_env.setenv(notifiers.SMTP_FROM_ENV, "reports@storehouse.test")
    report_env.setenv(notifiers.SMTP_TO_ENV, "data-team@storehouse.test")
    report_env.setenv(notifiers.SMTP_STARTTLS_ENV, "false")
    report_env.setenv(notifiers.TIMEOUT_ENV, "5")
    return inbox


@pytest.fixture(scope="module")
def instance() -> dg.DagsterInstance:
    """One Dagster test instance per module (creating one costs a second or more)."""
    with dg.instance_for_test() as test_instance:
        test_instance.add_dynamic_partitions("tenant", [TENANT])
        yield test_instance
