"""The sandbox's own collector pause nests, and interleaves with the product's in any order without ever
leaving the collector off (the worst case is the collector running during the other's block)."""

import gc
import itertools

import pytest

from resources.gc_pause import collector_paused as product_paused
from sandbox.shopify.gc_pause import collector_paused as sandbox_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_nested_pauses_switch_the_collector_on_only_when_the_last_leaves():
    with sandbox_paused():
        with sandbox_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_that_was_off_off():
    gc.disable()
    with sandbox_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


# Every order of entering and leaving the two pauses (each enters before it leaves).
ORDERS = [
    order
    for order in itertools.permutations(["enter product", "enter sandbox", "leave product", "leave sandbox"])
    if order.index("enter product") < order.index("leave product")
    and order.index("enter sandbox") < order.index("leave sandbox")
]


@pytest.mark.parametrize("order", ORDERS, ids=["; ".join(o) for o in ORDERS])
def test_interleaved_with_the_products_pause_the_collector_ends_on(order):
    blocks = {"product": product_paused(), "sandbox": sandbox_paused()}
    for step in order:
        action, which = step.split()
        if action == "enter":
            blocks[which].__enter__()
            assert not gc.isenabled()
        else:
            blocks[which].__exit__(None, None, None)
    assert gc.isenabled()
