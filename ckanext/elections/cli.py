"""``ckan elections ...``: import, validate, demo."""
from __future__ import annotations

import datetime
import pathlib
import sys

import ckan.plugins.toolkit as tk
import click
from ckan import model

from ckanext.elections import jobs
from ckanext.elections.logic.validators import translate_problem
from ckanext.elections.results import (
    ImportRejected,
    Kind,
    Problem,
    Reference,
    ResultFile,
    Status,
    derive_strasbourg_cantons,
    import_results,
    read_reference,
)
from ckanext.elections.utils import site_user

__all__ = ["elections"]

KINDS = [kind.value for kind in Kind]
STATUSES = [status.value for status in Status]


@click.group(short_help="Election results: import, validate, demo")
def elections() -> None:
    """Import official results files into election datasets."""


def _reference(file: str, reference: str | None, derive: bool) -> Reference | None:
    if reference:
        return read_reference(reference, limits=jobs.import_limits())
    if derive:
        return derive_strasbourg_cantons(import_results(file, limits=jobs.import_limits()).areas)
    return None


def _report(rejected: ImportRejected) -> None:
    for problem in rejected.problems:
        click.secho(translate_problem(problem), fg="red", err=True)
    if rejected.omitted:
        click.secho(tk._("… and {count} more problems").format(count=rejected.omitted), fg="red", err=True)
    click.secho(tk._("Rejected: {count} problems; nothing was published.").format(count=rejected.total),
                fg="red", err=True)


def _describe(result: ResultFile) -> str:
    return tk._("{areas} areas at level {level} ({layout} layout), {candidates} candidates").format(
        areas=len(result), level=result.level.value, layout=result.layout,
        candidates=len(result.candidates))


reference_option = click.option(
    "--reference", type=click.Path(exists=True, dir_okay=False),
    help="Reference table (CSV/XLSX: bureau, canton, commune, names) to check areas and roll up cantons")
derive_option = click.option(
    "--derive-strasbourg-cantons", "derive", is_flag=True,
    help="Map Strasbourg's bureaux to cantons from their numbers (an inference, not a published table)")


@elections.command("validate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@reference_option
@derive_option
def validate(file: str, reference: str | None, derive: bool) -> None:
    """Check a results FILE without publishing anything."""
    try:
        result = import_results(file, reference=_reference(file, reference, derive), limits=jobs.import_limits())
    except ImportRejected as rejected:
        _report(rejected)
        sys.exit(1)
    click.echo(tk._("Valid: {description}").format(description=_describe(result)))


@elections.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dataset", required=True, help="Name of the election dataset (created if missing)")
@click.option("--organization", help="Owner organisation, to create the dataset")
@click.option("--kind", type=click.Choice(KINDS), help="Kind of election, to create the dataset")
@click.option("--round", "round_", type=click.Choice(["1", "2"]), default="1", show_default=True)
@click.option("--date", "polling_date", help="Polling date (YYYY-MM-DD), to create the dataset")
@click.option("--title", help="Title, to create the dataset")
@click.option("--territory", help="Name of the territory, to create the dataset")
@click.option("--status", type=click.Choice(STATUSES), help="Set the status of the results")
@reference_option
@derive_option
def import_(file: str, dataset: str, organization: str | None, kind: str | None, round_: str,
            polling_date: str | None, title: str | None, territory: str | None, status: str | None,
            reference: str | None, derive: bool) -> None:
    """Import a results FILE into the election dataset --dataset."""
    context = {"user": site_user()}
    package = model.Package.get(dataset)
    if package is None:
        missing = [name for name, value in (("--organization", organization), ("--kind", kind),
                                            ("--date", polling_date)) if not value]
        if missing:
            raise click.UsageError(tk._("Dataset {name} does not exist; to create it, give {options}").format(
                name=dataset, options=", ".join(missing)))
        try:
            datetime.date.fromisoformat(polling_date)
        except ValueError:
            raise click.BadParameter(tk._("Expected a date like 2027-04-11"), param_hint="--date")
        tk.get_action("package_create")(dict(context), {
            "type": "election", "name": dataset, "title": title or dataset, "owner_org": organization,
            "election_kind": kind, "election_round": round_, "polling_date": polling_date,
            "territory_name": territory or pathlib.Path(file).stem, "results_status": status or "final",
        })
        package = model.Package.get(dataset)
    elif status:
        tk.get_action("package_patch")(dict(context), {"id": package.id, "results_status": status})

    try:
        ref = _reference(file, reference, derive)
    except ImportRejected as rejected:
        _report(rejected)
        sys.exit(1)
    record = jobs.import_file(package.id, file, reference=ref)
    if record.status != "complete":
        _report(ImportRejected(
            [_problem(p) for p in record.as_dict()["problems"]],
            record.problems_total - len(record.as_dict()["problems"])))
        sys.exit(1)
    click.secho(tk._("Imported {areas} areas into {dataset}").format(areas=record.areas, dataset=package.name),
                fg="green")


def _problem(data: dict) -> Problem:
    return Problem(data["code"], data["line"], data["column"], data["params"])


@elections.command("demo")
@click.option("--simulate", is_flag=True, help="Then push the remaining bureaux one by one, as on the night")
@click.option("--interval", type=float, default=5.0, show_default=True,
              help="Seconds between two pushes with --simulate")
def demo_(simulate: bool, interval: float) -> None:
    """Load the fictitious election night of Villeneuve-sur-Ill (idempotent)."""
    from ckanext.elections.demo import portal

    portal.load(click.echo)
    if simulate:
        portal.simulate(click.echo, interval=interval)


@elections.command("recover")
def recover() -> None:
    """Mark as failed the imports left "running" by a worker that stopped."""
    count = jobs.recover_stalled()
    click.echo(tk._("{count} stalled imports marked as failed").format(count=count))
