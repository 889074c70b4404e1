"""The rules a command must pass to publish (segmentation.publication.plan_publication),
on a small graph: seed -> parsed -> mart_a -> mart_b, and parsed -> mart_c."""

from __future__ import annotations

import pytest

from segmentation.publication import BuildContext, DataTest, Node, plan_publication

SEED = "seed.p.codes"
PARSED = "model.p.parsed"
MART_A = "model.p.mart_a"
MART_B = "model.p.mart_b"
MART_C = "model.p.mart_c"
PUBLICATION = "model.p.warehouse_publication"

NODES = {
    SEED: Node(SEED, "codes", "seed"),
    PARSED: Node(PARSED, "parsed", "model", (SEED,)),
    MART_A: Node(MART_A, "mart_a", "model", (PARSED,)),
    MART_B: Node(MART_B, "mart_b", "model", (MART_A,)),
    MART_C: Node(MART_C, "mart_c", "model", (PARSED,)),
    PUBLICATION: Node(
        PUBLICATION, "warehouse_publication", "model", (MART_A, MART_B, MART_C, SEED)
    ),
}
TESTS = {
    "test.p.unique_a": DataTest("test.p.unique_a", "unique_a", (MART_A,)),
    "test.p.a_matches_b": DataTest("test.p.a_matches_b", "a_matches_b", (MART_A, MART_B)),
    "test.p.codes_not_null": DataTest("test.p.codes_not_null", "codes_not_null", (SEED,)),
}
EVERYTHING = frozenset([*NODES, *TESTS])
PUBLISHED_RUN = "run-1"
CLEAN = dict.fromkeys(NODES, PUBLISHED_RUN)
ALL_PUBLISHED = {"mart_a", "mart_b", "mart_c", "codes"}


def context(selected, command: str = "build", **flags) -> BuildContext:
    return BuildContext(
        command=command,
        invocation_id="run-2",
        publication_id=PUBLICATION,
        nodes=NODES,
        tests=TESTS,
        selected=frozenset(selected),
        **flags,
    )


def test_a_full_build_rebuilds_every_published_relation():
    plan = plan_publication(context(EVERYTHING), {}, set(), set())
    assert plan.publishes
    assert set(plan.rebuilt) == ALL_PUBLISHED and plan.carried == ()


def test_a_partial_build_rebuilds_its_selection_and_carries_the_rest():
    selected = {MART_A, MART_B, PUBLICATION, "test.p.unique_a", "test.p.a_matches_b"}
    plan = plan_publication(context(selected), CLEAN, {PUBLISHED_RUN}, ALL_PUBLISHED)
    assert plan.publishes
    assert plan.rebuilt == ("mart_a", "mart_b")
    assert plan.carried == ("mart_c", "codes")


@pytest.mark.parametrize("command", ["run", "build"])
def test_a_command_that_ran_no_data_test_publishes_nothing_and_says_how_to(command):
    selected = {MART_A, MART_B, PUBLICATION}
    plan = plan_publication(
        context(selected, command, select=("mart_a+",)), CLEAN, {PUBLISHED_RUN}, ALL_PUBLISHED
    )
    assert not plan.publishes and not plan.blocking
    assert "dbt build -s mart_a+" in plan.refusal
    if command == "run":
        assert "`dbt run` runs no data tests" in plan.refusal


def test_one_data_test_left_out_is_enough_to_refuse():
    selected = {MART_A, MART_B, PUBLICATION, "test.p.unique_a"}
    plan = plan_publication(context(selected), CLEAN, {PUBLISHED_RUN}, ALL_PUBLISHED)
    assert not plan.publishes and "a_matches_b" in plan.refusal


def test_a_mart_downstream_of_a_rebuilt_node_left_out_is_refused_as_stale():
    selected = {MART_A, PUBLICATION, "test.p.unique_a", "test.p.a_matches_b"}
    plan = plan_publication(context(selected), CLEAN, {PUBLISHED_RUN}, ALL_PUBLISHED)
    assert plan.blocking and "mart_b would be published stale" in plan.refusal


def test_marts_computed_from_an_unpublished_command_s_nodes_are_refused():
    # the last command to build `parsed` (run-0) never published: a failed build, say
    last = {**CLEAN, PARSED: "run-0"}
    selected = {MART_A, MART_B, PUBLICATION, "test.p.unique_a", "test.p.a_matches_b"}
    plan = plan_publication(context(selected), last, {PUBLISHED_RUN}, ALL_PUBLISHED)
    assert plan.blocking and plan.refusal.startswith("parsed in the work file came from")
    assert plan.refusal.endswith("to publish: dbt build -s parsed+")
    # rebuilding `parsed` too makes it publishable again
    fuller = selected | {PARSED, MART_C}
    assert plan_publication(context(fuller), last, {PUBLISHED_RUN}, ALL_PUBLISHED).publishes


def test_a_relation_never_published_and_not_rebuilt_is_refused():
    selected = {MART_A, MART_B, PUBLICATION, "test.p.unique_a", "test.p.a_matches_b"}
    plan = plan_publication(context(selected), CLEAN, {PUBLISHED_RUN}, {"mart_a", "mart_b"})
    assert plan.blocking and "codes, mart_c has never been published" in plan.refusal


def test_a_command_that_rebuilt_nothing_published_publishes_nothing():
    plan = plan_publication(context({PUBLICATION}), CLEAN, {PUBLISHED_RUN}, ALL_PUBLISHED)
    assert not plan.publishes and not plan.blocking


def test_a_model_that_is_not_upstream_of_the_publication_blocks_it():
    # a test on such a model could fail without dbt skipping the publication
    loose = "model.p.loose"
    nodes = {**NODES, loose: Node(loose, "loose", "model", (PARSED,))}
    selected = EVERYTHING | {loose}
    plan = plan_publication(
        BuildContext("build", "run-2", PUBLICATION, nodes, TESTS, frozenset(selected)),
        {},
        set(),
        set(),
    )
    assert plan.blocking and plan.refusal.startswith("loose ran but is not upstream")
