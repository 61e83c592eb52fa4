"""pytest hooks and fixtures of pytest-xai (hooks only; torch is imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_xai import hookspec
from pytest_xai.options import add_options, read_config
from pytest_xai.registry import SelectorError
from pytest_xai.settings import SettingsError, check_baseline, check_output_paths
from pytest_xai.selection import select_grid
from pytest_xai.session import XaiSession, build_registry, format_listing

if TYPE_CHECKING:
    import torch

    from pytest_xai.evaluation.records import Evaluator
    from pytest_xai.progress import ProgressLine
    from pytest_xai.selection import Grid

SUITE_DIR = Path(__file__).parent / "suite"
SESSION_KEY = pytest.StashKey[XaiSession]()
# torchray imports importlib.resources.open_text, deprecated since Python 3.11.
TORCHRAY_WARNING = "ignore:open_text is deprecated:DeprecationWarning"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspec)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.getoption("xai_list"):
        print(format_listing(build_registry(config, read_config(config))))
        return 0
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", TORCHRAY_WARNING)
    config.addinivalue_line("markers", "xai_claim: a paper finding checked over many cells (pytest-xai)")
    cfg = read_config(config)
    if not cfg.models:
        return
    try:
        check_output_paths(cfg)     # only with the grid on: pytest-xai is installed for every pytest run
        cfg = check_baseline(cfg, named=bool(config.getoption("xai_baseline") or config.getini("xai_baseline")))
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None
    registry = build_registry(config, cfg)
    try:
        grid = select_grid(registry, cfg)
    except SelectorError as exc:
        raise pytest.UsageError(str(exc)) from None
    if grid.shard and not grid.cells:
        groups = len(grid.models) * len(grid.methods)
        raise pytest.UsageError(f"--xai-shard: shard {grid.shard[0]}/{grid.shard[1]} has no cells: the grid has "
                                f"{groups} (model, method) group{'s' if groups != 1 else ''}, dealt out one per shard")
    session = XaiSession(cfg=cfg, registry=registry, grid=grid, is_worker=hasattr(config, "workerinput"))
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(session, "pytest-xai-session")
    # Without explicit paths (testpaths or the invocation dir), bring in the suite
    # shipped with the package; explicit paths must hold it themselves.
    if config.args_source != pytest.Config.ArgsSource.ARGS and str(SUITE_DIR) not in config.args:
        config.args.append(str(SUITE_DIR))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """Under ``--dist loadgroup``, a scheduler that keeps each model's cells on one worker
    with every pytest version (see ``pytest_xai.scheduling``); otherwise xdist's own."""
    session = config.stash.get(SESSION_KEY, None)
    if session is None or config.getoption("dist", None) != "loadgroup":
        return None
    from pytest_xai.scheduling import ModelGroupScheduling

    return ModelGroupScheduling(config, log, {cell.id: cell.model for cell in session.grid.cells})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for fixture in ("xai_cell", "xai_claim"):
        if fixture in metafunc.fixturenames:
            _parametrize(metafunc, fixture)


def _parametrize(metafunc: pytest.Metafunc, fixture: str) -> None:
    session = metafunc.config.stash.get(SESSION_KEY, None)
    if session is None:
        reason = "the grid is off: select models with --xai-models (e.g. --xai-models=all)"
        metafunc.parametrize(fixture, [pytest.param(None, marks=pytest.mark.skip(reason=reason))],
                             ids=["no-selection"])
    elif fixture == "xai_cell":
        cells = session.grid.cells
        metafunc.parametrize(fixture, [pytest.param(c, marks=pytest.mark.xdist_group(c.model)) for c in cells],
                             ids=[c.id for c in cells])
    elif session.grid.shard:
        reason = "claims need the whole grid: `pytest-xai merge` evaluates them on the shards' reports"
        metafunc.parametrize(fixture, [pytest.param(None, marks=pytest.mark.skip(reason=reason))], ids=["sharded"])
    else:
        claims = [session.registry.claims[c] for c in session.grid.claims]
        metafunc.parametrize(fixture, claims, ids=[c.id for c in claims])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Claims run after the grid's cells (a stable sort; other tests keep their places
    relative to each other). A claim computes the cells it needs through the store, so
    run first it would do the whole grid's work under one test's name."""
    items.sort(key=lambda item: "xai_claim" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def xai_grid(pytestconfig: pytest.Config) -> "Grid":
    """The selected grid (benchmark, models, methods, metrics, claims)."""
    return pytestconfig.stash[SESSION_KEY].grid


@pytest.fixture(scope="session")
def xai_device(pytestconfig: pytest.Config) -> "torch.device":
    """The device the grid runs on (``--xai-device``; auto = CUDA when present, else CPU)."""
    from pytest_xai.evaluation.engine import resolve_device

    return resolve_device(pytestconfig.stash[SESSION_KEY].cfg.device)


@pytest.fixture(scope="session")
def xai_evaluator(pytestconfig: pytest.Config, xai_device: "torch.device") -> "Evaluator":
    """The evaluator of this process, shared by every cell and claim (with its share of
    the cores as torch threads: ``--xai-threads``)."""
    import torch

    from pytest_xai.evaluation.engine import thread_count
    from pytest_xai.evaluation.records import Evaluator

    session = pytestconfig.stash[SESSION_KEY]
    torch.set_num_threads(thread_count(session.cfg.threads))
    return Evaluator(session.registry, session.cfg, xai_device, _progress(pytestconfig))


def _progress(config: pytest.Config) -> "ProgressLine | None":
    """Progress lines on pytest's terminal; none under ``-q`` or in an xdist worker (whose
    output nobody sees)."""
    from pytest_xai.progress import ProgressLine

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or config.get_verbosity() < 0 or hasattr(config, "workerinput"):
        return None

    def write(text: str, mode: str) -> None:
        line = f"pytest-xai: {text}"
        with capture.global_and_fixture_disabled():
            if mode == "line":
                reporter.write_line(line)
            elif mode == "start":
                reporter.ensure_newline()
                reporter.write(line)
            else:
                reporter.rewrite(line, erase=True)
                if mode == "end":
                    reporter.line("")

    return ProgressLine(write, in_place=reporter.isatty)
