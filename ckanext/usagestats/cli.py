"""``ckan usagestats ...``: rollup, ingest, listen, purge, demo."""
from __future__ import annotations

import datetime
import time

import ckan.plugins.toolkit as tk
import click

__all__ = ["usagestats"]


@click.group(short_help="Usage statistics: rollup, ingest, listen, purge, demo traffic")
def usagestats() -> None:
    """Roll up, ingest, purge and generate usage statistics."""


@usagestats.command("rollup")
@click.option("--full", is_flag=True, help="Rebuild every day that still has raw rows, not only the new ones")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Rebuild from this day (YYYY-MM-DD)")
def rollup_command(full: bool, since: datetime.datetime | None) -> None:
    """Roll raw hits up into the per-day, per-hour and per-minute tables."""
    from ckanext.usagestats import rollup

    started = time.monotonic()
    report = rollup.run(full=full, since=since.date() if since else None)
    if "skipped" in report:
        click.secho(tk._("Skipped: another rollup is running."), fg="yellow")
        return
    click.echo(tk._("Rolled up {days} days ({closed} closed) in {seconds:.1f} s.").format(
        days=report["days"], closed=report["closed"], seconds=time.monotonic() - started))
    if "purged" in report:
        click.echo(tk._("Purged {raw} raw page hits and {events} events past their retention.").format(
            raw=report["purged"]["tracking_raw"], events=report["purged"]["usagestats_event"]))


@usagestats.command("ingest")
@click.option("--log", "logs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A finished nginx log file (log_format elections_usage) to ingest, then delete; repeatable")
def ingest_command(logs: tuple[str, ...]) -> None:
    """Ingest the hits nginx answered from its cache (the listener's spool, nginx log files)
    and the hits buffered in Redis, as the rollup job does before rolling up."""
    from ckanext.usagestats import buffer, ingest, rollup

    started = time.monotonic()
    with rollup.locked() as acquired:
        if not acquired:
            click.secho(tk._("Skipped: a rollup is running."), fg="yellow")
            return
        drained = buffer.drain()
        spooled = ingest.ingest_spool()
        logged = ingest.ingest_logs(list(logs) if logs else None)
    click.echo(tk._("Ingested {buffered} buffered hits, {spooled} from the listener's spool and {logged} "
                    "from nginx log files in {seconds:.1f} s.").format(
        buffered=drained, spooled=spooled, logged=logged, seconds=time.monotonic() - started))


@usagestats.command("listen")
@click.option("--socket", "path", required=True, help="The unix datagram socket nginx sends its log to")
@click.option("--spool", default="", help="Folder of the spool files (default: ckanext.usagestats.spool_dir)")
@click.option("--seconds", default=5.0, show_default=True, help="Seconds before a spool file is closed")
def listen_command(path: str, spool: str, seconds: float) -> None:
    """Receive nginx's log of cached hits, key them and spool them without addresses."""
    import signal
    import threading

    from ckanext.usagestats import ingest, listener

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    lines = listener.listen(path, spool or ingest.spool_dir(), seconds=seconds, stop=stop)
    click.echo(tk._("Spooled {lines} hits.").format(lines=lines))


@usagestats.command("purge")
def purge_command() -> None:
    """Delete raw hits older than ckanext.usagestats.raw_retention_days (rollups are kept)."""
    from ckanext.usagestats import rollup

    rollup.roll_days()
    deleted = rollup.purge()
    click.echo(tk._("Purged {raw} raw page hits and {events} events past their retention.").format(
        raw=deleted["tracking_raw"], events=deleted["usagestats_event"]))


@usagestats.command("demo")
@click.option("--days", default=120, show_default=True, help="Days of traffic to generate, up to today")
@click.option("--seed", default=2028, show_default=True, help="Seed of the generator")
@click.option("--force", is_flag=True, help="Generate again even if demo traffic was already loaded")
def demo_command(days: int, seed: int, force: bool) -> None:
    """Fill months of generated traffic (weekly cycles, an election night)."""
    from ckanext.usagestats import demo

    started = time.monotonic()
    outcome = demo.load(days=days, seed=seed, force=force)
    if outcome is None:
        click.echo(tk._("Demo traffic is already loaded (use --force to add more)."))
        return
    click.echo(tk._("Generated {hits} hits over {days} days on {datasets} datasets, rolled up, "
                    "in {seconds:.1f} s.").format(seconds=time.monotonic() - started, **outcome))
