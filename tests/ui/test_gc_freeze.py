"""explorer.ui.gc_freeze: objects that live as long as the process are moved out of the garbage
collector's sight, once per batch of new imports, and cyclic garbage is still collected."""

import gc
import sys
import types

from explorer.ui import gc_freeze


def test_frozen_once_per_new_imports_and_cycles_still_collected():
    gc_freeze.freeze_long_lived()  # whatever earlier tests imported
    assert gc_freeze.freeze_long_lived() is False  # nothing new: no collection, no freeze
    frozen = gc.get_freeze_count()
    sys.modules["_heap_test_module"] = types.ModuleType("_heap_test_module")
    try:
        assert gc_freeze.freeze_long_lived() is True
        assert gc.get_freeze_count() > frozen  # the new module, at least
        assert gc.get_freeze_count() > 10_000  # torch, numpy and friends are out of sight

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after the freeze
        del a, b
        assert gc.collect() >= 2  # is still found and freed
    finally:
        del sys.modules["_heap_test_module"]
