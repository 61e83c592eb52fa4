"""Per-pytest-process state: the registry, the grid, and the report being gathered."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from pytest_xai.settings import XaiConfig
from pytest_xai.registry import Registry
from pytest_xai.report.schema import write_report
from pytest_xai.report.writer import build_report, report_config
from pytest_xai.selection import Cell, Grid

CELL_PROPERTY = "xai_cell"
CLAIM_PROPERTY = "xai_claim"
ENTRY_POINT_GROUP = "pytest_xai"
_PARAM_ID = re.compile(r"\[(.*)\]$")


def base_registry(imagenet_root: Path | None = None, weights_dir: Path | None = None) -> Registry:
    """Built-ins, then what installed packages register through the entry points."""
    from pytest_xai.builtins import register_builtins

    registry = Registry()
    register_builtins(registry, imagenet_root=imagenet_root, weights_dir=weights_dir)
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        entry_point.load()(registry)
    return registry


def build_registry(config: pytest.Config, cfg: XaiConfig) -> Registry:
    """The base registry, then the ``pytest_xai_register`` hooks (conftest.py files)."""
    registry = base_registry(cfg.imagenet_root, cfg.weights_dir)
    config.hook.pytest_xai_register.call_historic(kwargs={"registry": registry})
    return registry


def format_listing(registry: Registry) -> str:
    """What ``--xai-list`` prints: every registered thing with its tags."""
    lines = []
    for title, catalog in (("benchmarks", registry.benchmarks), ("methods", registry.methods),
                           ("metrics", registry.metrics)):
        lines.append(f"{title}:")
        lines += [f"  {e.name:<24} [{', '.join(e.tags)}]" for e in catalog]
    lines.append("claims:")
    lines += [f"  {e.name:<24} [{', '.join(e.tags)}]  {e.obj.statement} ({e.obj.source})" for e in registry.claims]
    for bench in registry.benchmarks:
        lines.append(f"models of benchmark {bench.name!r}:")
        lines += [f"  {e.name:<24} [{', '.join(e.tags)}]  weights: {e.obj.weights}"
                  for e in registry.models_of(bench.name)]
    return "\n".join(lines)


@dataclass(eq=False)  # identity-hashed: it is registered as a pytest plugin
class XaiSession:
    """Holds what one pytest process knows; the controller also gathers the report."""

    cfg: XaiConfig
    registry: Registry
    grid: Grid
    is_worker: bool
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    selected: set[str] = field(default_factory=set)   # ids of the cells collected to run (after -k)
    claim_records: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)   # said in pytest's terminal summary

    # A run's trace in its store, ``last-run.json``: how many of its grid's cells finished.
    # A run killed outright (no report, no partial report) leaves it unfinished, and the
    # next run's header says how much of that grid the store already holds.
    def _trace_path(self) -> Path:
        return self.cfg.cache_dir / "last-run.json"

    def _trace(self, finished: bool) -> None:
        path = self._trace_path()
        done = sum("outcome" in r for r in self.records.values())
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")     # shards may share a store
        partial.write_text(json.dumps({"report": str(self.cfg.report), "cells": len(self.grid.cells),
                                       "done": done, "finished": finished}))
        partial.replace(path)

    def pytest_report_header(self) -> list[str] | None:
        """What an unfinished earlier run left in the store (controller only)."""
        last = self._previous_trace
        if self.is_worker or last is None or last.get("finished") or not last.get("done"):
            return None
        return [f"pytest-xai: the last run with this store ({last['cells']} cells, report {last['report']}) "
                f"stopped after {last['done']} cells; their maps and scores are in {self.cfg.cache_dir} and "
                "are read, not recomputed"]

    @cached_property
    def _previous_trace(self) -> dict[str, Any] | None:
        try:
            return json.loads(self._trace_path().read_text())
        except (OSError, ValueError):
            return None

    def pytest_sessionstart(self) -> None:
        if not self.is_worker and self.grid.cells:
            _ = self._previous_trace      # read before this run overwrites it
            self._trace(finished=False)

    @cached_property
    def _cells_by_id(self) -> dict[str, Cell]:
        return {c.id: c for c in self.grid.cells}

    def cell_by_id(self, cell_id: str) -> Cell | None:
        return self._cells_by_id.get(cell_id)

    def _select(self, nodeids: list[str]) -> None:
        for nodeid in nodeids:
            match = _PARAM_ID.search(nodeid.split("@")[0])
            if match and "::test_claim[" not in nodeid and self.cell_by_id(match.group(1)) is not None:
                self.selected.add(match.group(1))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The cells this run means to run: the grid less what ``-k``/``-m`` deselected."""
        self._select([item.nodeid for item in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing; each worker reports what it collected."""
        self._select(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold a grid or claim test's report (from this process or an xdist worker) in."""
        match = _PARAM_ID.search(report.nodeid.split("@")[0])
        if match is None or report.when == "teardown" and report.passed:
            return
        param = match.group(1)
        cell = self.cell_by_id(param)
        if "::test_claim[" in report.nodeid and param in self.grid.claims:
            record, prop = self.claim_records.setdefault(param, {"id": param}), CLAIM_PROPERTY
        elif cell is not None:
            record = self.records.setdefault(cell.index, {"model": cell.model, "method": cell.method,
                                                          "metric": cell.metric, "index": cell.index})
            prop = CELL_PROPERTY
        else:
            return
        for name, value in report.user_properties:
            if name == prop:
                record.update(json.loads(value))
        if prop == CLAIM_PROPERTY and "outcome" in record and not (report.failed and report.when != "call"):
            return  # a claim states its own outcome and message (as `pytest-xai merge` does)
        if report.when == "call" or not report.passed:
            first = "outcome" not in record
            record["outcome"] = "error" if report.when != "call" and report.failed else report.outcome
            if first and prop == CELL_PROPERTY and not self.is_worker:
                self._trace(finished=False)
            if report.failed:
                crash = getattr(report.longrepr, "reprcrash", None)
                # Without a crash entry (a lost xdist worker: "[gw0] linux -- Python ..." then the
                # reason), the last line of the report says what happened.
                lines = [line for line in report.longreprtext.splitlines() if line.strip()]
                record["message"] = (crash.message if crash else lines[-1] if lines else "")[:1000]
            elif report.skipped and isinstance(report.longrepr, tuple):
                record["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the JSON report, on the controller only, also when cells failed.

        A run that did not finish (interrupted, an internal error, a selected cell without
        an outcome, e.g. after ``-x``, ``--maxfail`` or a lost xdist worker) never replaces
        the report: its partial report goes to NAME.partial.json,
        marked ``partial``. The baseline is rewritten only by a run in which every cell of
        the grid ran and none failed."""
        if self.is_worker or not (self.records or self.claim_records):
            return
        models = [self.registry.models_of(self.grid.benchmark)[name].describe() for name in self.grid.models]
        config = report_config(self.cfg, self.registry, self.grid, session.config.rootpath)
        claims = [self.claim_records[c] for c in self.grid.claims if c in self.claim_records]
        report = build_report(config, models, list(self.records.values()), claims)
        cell_ids = {c.index: c.id for c in self.grid.cells}
        finished = {cell_ids[i] for i, r in self.records.items() if "outcome" in r}
        unfinished = (self.selected | {cell_ids[i] for i in self.records}) - finished
        if exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR) or unfinished:
            why = (f"the run ended with exit status {int(exitstatus)} ({pytest.ExitCode(exitstatus).name.lower()}) "
                   f"after {len(finished)} of {len(self.selected | finished)} selected cells")
            partial = self.cfg.report.with_name(self.cfg.report.stem + ".partial.json")
            write_report(partial, {**report, "partial": why})
            self.summary = [f"partial report written to {partial}: {why}; "
                            f"{self.cfg.report} and the baseline are untouched"]
            if exitstatus == pytest.ExitCode.INTERNAL_ERROR:   # pytest prints no terminal summary then
                session.config.get_terminal_writer().line(f"pytest-xai: {self.summary[0]}")
            return
        write_report(self.cfg.report, report)
        self._trace(finished=True)
        said = [f"report written to {self.cfg.report} (read it: pytest-xai show {self.cfg.report})"]
        if self.cfg.report_html is not None:
            from pytest_xai.report.html import write_page

            said.append(f"page written to {write_page(report, self.cfg.report_html, cache_dir=self.cfg.cache_dir)}")
        if self.cfg.update_baseline and self.cfg.baseline is not None:
            outcomes = [r.get("outcome") for r in self.records.values()]
            refused = (f"{outcomes.count('failed') + outcomes.count('error')} cells failed"
                       if {"failed", "error"} & set(outcomes) else
                       f"only {len(outcomes)} of the grid's {len(self.grid.cells)} cells ran"
                       if len(outcomes) < len(self.grid.cells) else
                       "no cell passed" if "passed" not in outcomes else "")
            if refused:
                said.append(f"baseline {self.cfg.baseline} NOT rewritten: {refused} "
                            "(a baseline is written only by a run of the whole grid without failures)")
            else:
                write_report(self.cfg.baseline, report)
                said.append(f"baseline {self.cfg.baseline} rewritten ({len(report['cells'])} cells)")
        self.summary = said

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """Where the report went, after pytest's failure section (so it does not scroll away)."""
        if self.summary:
            terminalreporter.write_sep("-", "pytest-xai")
            for line in self.summary:
                terminalreporter.write_line(f"pytest-xai: {line}")
