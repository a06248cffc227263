"""Action API of ckanext-elections."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.types import Context, DataDict

from ckanext.elections import answers, http_cache
from ckanext.elections.datastore import publish, query
from ckanext.elections.logic import schema
from ckanext.elections.logic.validators import translate_problem
from ckanext.elections.model import ElectionImport
from ckanext.elections.results import ImportRejected, Problem, check_push

__all__ = [
    "elections_election_list",
    "elections_import_status",
    "elections_results_push",
    "elections_results_show",
    "elections_turnout_show",
]


def _validated(data_dict: DataDict, action_schema: dict[str, Any], context: Context) -> dict[str, Any]:
    """The parameters of ``action_schema``, validated; others are ignored.

    Every parameter is a single value: navl would try to flatten a list or
    an object, and fail with a server error instead of saying so.
    """
    given = {key: data_dict[key] for key in action_schema if key in data_dict}
    errors = {key: [tk._("Expected a single value, not a list or an object")]
              for key, value in given.items() if isinstance(value, (list, dict))}
    if errors:
        raise tk.ValidationError(errors)
    data, errors = tk.navl_validate(given, action_schema, context)
    if errors:
        raise tk.ValidationError(errors)
    return data


def _election(id_or_name: str) -> model.Package:
    package = model.Package.get(id_or_name)
    if package is None or package.state == "deleted" or package.type != "election":
        raise tk.ObjectNotFound(tk._("Election not found"))
    return package


def _refusal(error: publish.StorageError) -> tk.ValidationError | tk.ObjectNotFound:
    """A refusal of the storage layer, in the language of the person who asked."""
    if isinstance(error, publish.NoResultsTable):
        return tk.ObjectNotFound(tk._(error.template).format(**error.params))
    if not error.areas:
        return tk.ValidationError({error.field: [tk._(error.template).format(**error.params)]})
    by_area = error.params.get("by_area", {})
    return tk.ValidationError({error.field: [
        {"item": line, "area": code, "code": type(error).__name__,
         "message": tk._(error.template).format(**{**error.params, "code": code, **by_area.get(code, {})})}
        for code, line in error.areas.items()]})


def _push_problems(rejected: ImportRejected) -> tk.ValidationError:
    """The problems of a push, one entry each, with the item and area they are about."""
    errors: dict[str, Any] = {"areas": [
        {"item": p.line, "area": p.params.get("area"), "field": p.column, "code": p.code,
         "message": translate_problem(p)}
        for p in rejected.problems]}
    if rejected.omitted:
        errors["areas_omitted"] = [rejected.omitted]
    return tk.ValidationError(errors)


@tk.side_effect_free
def elections_results_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Results of an election at one level, with rollups and progress.

    Public for public datasets; private ones need ``package_show`` rights.
    Over HTTP a GET answers with ``ETag`` and ``Last-Modified``, and with
    304 to a matching ``If-None-Match``: poll it cheaply.

    :param id: the id or name of the election dataset
    :type id: string
    :param level: ``territory`` (the whole, one area), ``departement``,
        ``circonscription``, ``canton``, ``commune`` or ``bureau``; a level
        the results are not published at is a validation error (409) whose
        ``published_levels`` lists those they are published at
    :type level: string
    :param code: only this area (optional), e.g. ``67017`` or ``67482_0101``
    :type code: string

    :returns: ``{"election": {...}, "level", "status", "updated" (ISO 8601),
        "progress": {"counted", "total"}, "decision_level", "rules",
        "areas": [...]}`` where each area is ``{"code", "name", "inscrits",
        "votants", "abstentions", "blancs", "nuls", "exprimes",
        "participation" (percent of inscrits), "counted", "counted_at",
        "progress", "counted_only" (true while the totals are those of the
        counted polling stations only), "expected_inscrits" (the inscrits
        once counted, when the reference or the turnout file says), "final"
        (counted and the status final), "decides" (whether the rules of the
        election decide at this level: its constituency, ``decision_level``),
        "outcome" (``counting``, ``elected``, ``runoff`` or ``seats`` where
        it decides, else null), "ties", "leader", "candidates": [{"id",
        "name", "nuance", "area" (where the candidate stands, when areas
        have candidates of their own), "color", "voix", "pct_exprimes",
        "pct_inscrits", "elected", "qualified" (may stand in round 2),
        "may_merge", "seats", "community_seats" (municipales), "tie"}]} (by
        voix, descending; decision fields are null where the rules do not
        decide)``. Where each area has candidates of its own (a canton's
        binômes), the levels above the constituency give ``"nuances":
        [{"nuance", "voix", "pct_exprimes", "color", "areas", "leading",
        "won"}]`` and ``leader_nuance`` instead of candidates. With a public
        ``previous_election``, each area has ``"previous": {"participation",
        "participation_change" (points), "leader", "leader_changed",
        "shares": [{"key", "matched_by" (name or nuance), "pct_exprimes",
        "change"}]}`` (null for an area the previous election lacks) and the
        answer ``"previous_election": {"name", "title", "polling_date",
        "published", "unmatched", "only_previous"}``.
    :rtype: dictionary
    """
    data = _validated(data_dict, schema.results_show(), context)
    package = _election(data["id"])
    # By id, the auth functions find the package in the session: no new query.
    tk.check_access("elections_results_show", context, {**data, "id": package.id})
    level, code = data["level"], data.get("code")
    try:
        return http_cache.answer(package, "elections_results_show", (level, code),
                                 lambda: answers.results(package, level, code))
    except query.LevelNotPublished as missing:
        raise tk.ValidationError({"level": [tk._(
            "The results of this election are not published at this level; they are at: {levels}").format(
            levels=", ".join(missing.levels))], "published_levels": missing.levels})


@tk.side_effect_free
def elections_turnout_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Turnout during the day (e.g. 12:00, 17:00, closing), per area.

    Same access rules and HTTP caching as ``elections_results_show``.

    :param id: the id or name of the election dataset
    :type id: string
    :param level: ``territory``, ``canton``, ``commune``, ``bureau``…
    :type level: string
    :param code: only this area (optional)
    :type code: string

    :returns: ``{"election", "level", "updated", "hours": ["12:00", "17:00",
        "closing"], "areas": [{"code", "name", "turnout": [{"hour", "areas",
        "votants", "inscrits", "participation"}]}]}``; ``inscrits`` and
        ``participation`` are null until every area's inscrits is known
    :rtype: dictionary
    """
    data = _validated(data_dict, schema.results_show(), context)
    package = _election(data["id"])
    tk.check_access("elections_turnout_show", context, {**data, "id": package.id})
    level, code = data["level"], data.get("code")
    return http_cache.answer(package, "elections_turnout_show", (level, code),
                             lambda: answers.turnout(package, level, code))


@tk.side_effect_free
def elections_election_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Elections the user may see, newest polling date first.

    Siblings (elections of the same night) name each other in
    ``sibling_election``.

    :param organization: only this organisation's elections, by id or name
        (optional; an unknown one is NotFound)
    :type organization: string
    :param include_private: include the private elections the user may see
        (optional, default: false)
    :type include_private: bool

    :returns: the elections, as in ``elections_results_show``'s ``election``
        with their ``progress`` and ``updated``
    :rtype: list of dictionaries
    """
    tk.check_access("elections_election_list", context, data_dict)
    data = _validated(data_dict, schema.election_list(), context)
    fq = "+dataset_type:election"
    if data.get("organization"):
        organization = model.Group.get(data["organization"])
        if organization is None or not organization.is_organization or organization.state != "active":
            raise tk.ObjectNotFound(tk._("Organization not found"))
        # An id from the database, never the caller's text, reaches Solr.
        fq += f' +owner_org:"{organization.id}"'
    found = tk.get_action("package_search")(
        {"user": context.get("user")},
        {"fq": fq, "rows": 1000, "sort": "polling_date desc, name asc",
         "include_private": data.get("include_private", False)},
    )
    elections = []
    for hit in found["results"]:
        package = model.Package.get(hit["id"])
        if package is None:  # deleted since it was indexed
            continue
        summary = answers.election_summary(package)
        territory = http_cache.cached(package, "elections_results_show", ("territory", None),
                                      lambda package=package: answers.results(package, "territory"))
        summary["progress"] = territory["progress"]
        summary["updated"] = territory["updated"]
        elections.append(summary)
    return elections


def elections_results_push(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Publish the results of one or more areas during the count.

    For editors of the dataset's organisation and above, with an API token.
    Each area is checked as a file row would be (votants = blancs + nuls +
    exprimés, sum of voix = exprimés, votants ≤ inscrits); any problem
    rejects the whole push. Pushing the same figures again changes nothing.
    Parents (canton, commune, territory) are recomputed at once.

    :param id: the id or name of the election dataset
    :type id: string
    :param areas: the areas, each ``{"code", "inscrits", "votants",
        "blancs", "nuls", "exprimes", "candidates": {candidate id: voix}}``:
        every count, as whole numbers from 0 to 2,147,483,647
        (``abstentions`` is optional and checked)
    :type areas: list of dictionaries

    A refused push answers a validation error whose ``areas`` lists each
    problem: ``{"item" (1 for the first area), "area", "field", "code",
    "message"}`` (``Line n`` in a message is the item); at most
    ``ckanext.elections.max_reported_problems`` of them, ``areas_omitted``
    counting the others.

    :returns: ``{"updated": number of areas changed, "progress": {"counted",
        "total"}, "version"}``
    :rtype: dictionary
    """
    # ``areas`` is left out of navl's way: it would flatten the list, and
    # choke on anything that is not a dict.
    data = _validated({k: v for k, v in data_dict.items() if k != "areas"}, schema.results_push(), context)
    package = _election(data["id"])
    tk.check_access("elections_results_push", context, {**data, "id": package.id})
    try:
        areas = check_push(data_dict.get("areas"), max_problems=tk.config.get(
            "ckanext.elections.max_reported_problems"))
    except ImportRejected as rejected:
        raise _push_problems(rejected)
    try:
        changed = publish.push(package.id, areas, territory_name=package.extras.get("territory_name"))
    except publish.StorageError as refused:
        raise _refusal(refused)
    progress = answers.results(package, "territory")["progress"]
    return {"updated": changed, "progress": progress, "version": http_cache.cache_key(package).version}


@tk.side_effect_free
def elections_import_status(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The latest import of a results file: status, areas, problems.

    :param id: the id or name of the election dataset
    :type id: string
    :param resource_id: the id of the results file resource
    :type resource_id: string

    :returns: ``{"status": "pending" | "running" | "complete" | "error",
        "areas", "problems": [{"code", "line", "column", "message"}],
        "problems_total", "message", "created", "finished"}``
    :rtype: dictionary
    """
    data = _validated(data_dict, schema.import_status(), context)
    tk.check_access("elections_import_status", context, data)
    package = _election(data["id"])
    latest = ElectionImport.latest_for_resource(data["resource_id"])
    if latest is None or latest.package_id != package.id:
        raise tk.ObjectNotFound(tk._("This resource has not been imported"))
    outcome = latest.as_dict()
    for problem in outcome["problems"]:
        problem["message"] = translate_problem(Problem(
            problem["code"], problem["line"], problem["column"], problem["params"]))
    return outcome
