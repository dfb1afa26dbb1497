"""Evaluating the alert sensors the way the daemon does: one tick at a time, cursor carried over."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dagster as dg

from tests.alerts import pipeline


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def text(self) -> str:
        return "\n".join(r.getMessage() for r in self.records)

    def at(self, level: int) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno == level]


@dataclass
class Tick:
    cursor: str | None
    skip_message: str | None
    log: ListHandler


def tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> Tick:
    """One evaluation of ``sensor`` (as the sensor daemon would run it), capturing the sensor's log."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=pipeline.definitions)
    log = ListHandler()
    context.log.addHandler(log)
    data = sensor.evaluate_tick(context)
    return Tick(cursor=data.cursor, skip_message=data.skip_message, log=log)


class SensorDriver:
    """Keeps one sensor's cursor across ticks; the first tick initialises it (nothing before is alerted)."""

    def __init__(self, sensor: dg.SensorDefinition, instance: dg.DagsterInstance) -> None:
        self.sensor = sensor
        self.instance = instance
        self.cursor: str | None = None
        self.last: Tick | None = None
        self.tick()

    def tick(self) -> Tick:
        self.last = tick(self.sensor, self.instance, self.cursor)
        self.cursor = self.last.cursor
        return self.last
