"""The end of init freezes what init built, so that later full collections do not walk it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_end_of_init_freezes_what_init_built() -> None:
    # In a process of its own: freezing the test runner's heap would outlive the test.
    probe = textwrap.dedent("""
        import gc
        import boto3  # a large init, as in the functions
        from kefu.init_phase import end_of_init
        before = gc.get_freeze_count()
        end_of_init()
        print(before, gc.get_freeze_count(), len(gc.get_objects(generation=2)))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    before, frozen, left_in_oldest = map(int, out.stdout.split())
    assert before == 0
    assert frozen > 10_000  # boto3 and its models
    assert left_in_oldest < frozen // 10
