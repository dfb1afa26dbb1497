"""The backfill policy every asset shares, and its override from the environment."""

import dagster as dg
import pytest

from platform_assets.definitions import ALL_ASSETS
from platform_assets.ingest.backfill import BACKFILL_POLICY, backfill_policy_from


def test_policies_by_name():
    assert backfill_policy_from("single_run") == dg.BackfillPolicy.single_run()
    assert backfill_policy_from("multi_run:30") == dg.BackfillPolicy.multi_run(30)
    assert backfill_policy_from("per_partition") is None


@pytest.mark.parametrize("text", ["multi_run", "multi_run:0", "multi_run:x", "single_run:3", "daily"])
def test_a_bad_policy_is_refused_naming_the_variable(text):
    with pytest.raises(ValueError) as error:
        backfill_policy_from(text)
    assert str(error.value) == (
        f"STOREHOUSE_BACKFILL_POLICY={text!r} is not a backfill policy; "
        "use single_run, multi_run:N (N a positive number of days) or per_partition"
    )


def test_every_asset_backfills_with_the_default_single_run():
    assert dg.BackfillPolicy.single_run() == BACKFILL_POLICY
    assert {asset.backfill_policy for asset in ALL_ASSETS} == {dg.BackfillPolicy.single_run()}
