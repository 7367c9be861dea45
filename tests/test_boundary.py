"""The worker boundary: learner code can fail its own tests, never forge a result or escape."""
import sys
import textwrap

import pytest

from learnnn import manifest
from learnnn.check import run_check
from learnnn.outcomes import Outcome
from learnnn.sandbox import Sandbox, SandboxSpec, LearnerCrashed, LearnerRaised, LearnerTimeout

from conftest import _ours, worker_processes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the sandbox needs POSIX")

STUB = (manifest.data_dir("exercises") / "activations.py").read_text()
SOLUTION = (manifest.data_dir("solutions") / "activations.py").read_text()


def grade(small_course, folder, text, extra=None):
    folder.mkdir(exist_ok=True)
    (folder / "activations.py").write_text(textwrap.dedent(text))
    for name, content in (extra or {}).items():
        (folder / name).write_text(textwrap.dedent(content))
    return run_check(course=small_course, source_dir=folder, exercise="activations")


def reference_score(small_course, tmp_path):
    return grade(small_course, tmp_path / "honest", SOLUTION)


def messages(result):
    return " | ".join(t.message for t in result.failures)


def test_honest_solution_gets_full_marks(small_course, tmp_path):
    result = reference_score(small_course, tmp_path)
    assert result.passed and result.score == result.max_score > 0


@pytest.mark.slow
def test_hanging_function_fails_only_its_own_tests(small_course, tmp_path):
    hanging = SOLUTION.replace("def relu(z):\n", "def relu(z):\n    while True:\n        pass\n")
    result = grade(small_course, tmp_path / "hang", hanging)
    failed = {t.name for t in result.failures}
    assert failed and all("relu" in name and "grad" not in name and "leaky" not in name for name in failed)
    assert "did not return within 2 s" in messages(result) and "endless loop" in messages(result)
    assert {t.kind for t in result.failures} == {Outcome.TIMED_OUT}  # each call was cut at its limit
    assert result.score == result.max_score - len(failed)
    assert worker_processes() == []


def test_endless_loop_at_import(small_course, tmp_path):
    result = grade(small_course, tmp_path / "importloop", "while True:\n    pass\n" + SOLUTION)
    assert result.score == 0
    assert "importing your module did not finish" in messages(result)
    assert worker_processes() == []


@pytest.mark.parametrize("exit_call", ["import os; os._exit(0)", "import sys; sys.exit(0)", "raise SystemExit(0)"])
def test_exit_at_import_fails(small_course, tmp_path, exit_call):
    result = grade(small_course, tmp_path / "exit", exit_call + "\n" + SOLUTION)
    assert result.score == 0 and not result.passed
    assert "exit" in messages(result)


def test_forged_pytest_summary_changes_nothing(small_course, tmp_path):
    forged = STUB.replace('"""\nimport numpy as np', '"""\nimport numpy as np\nimport sys, os\n'
                          'print("============ 60 passed in 0.01s ============")\n'
                          'sys.__stdout__.write("60 passed, 0 failed\\n")\n'
                          'os.write(2, b"PASSED\\n")\n', 1)
    result = grade(small_course, tmp_path / "forged", forged)
    assert result.score == 0 and not result.passed


def test_conftest_in_submission_is_ignored(small_course, tmp_path):
    conftest = """
        import pytest
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(item, call):
            outcome = yield
            outcome.get_result().outcome = "passed"
        def pytest_collection_modifyitems(items):
            items.clear()
    """
    result = grade(small_course, tmp_path / "conftest", STUB, {"conftest.py": conftest})
    assert result.score == 0 and len(result.tests) == result.max_score > 0


def test_patching_numpy_testing_changes_nothing(small_course, tmp_path):
    patched = """
        import numpy as np
        import numpy.testing
        numpy.testing.assert_allclose = lambda *a, **k: None
        numpy.testing.assert_array_equal = lambda *a, **k: None
        np.allclose = lambda *a, **k: True
        np.isfinite = lambda x: np.ones(np.shape(x), bool)
        def _zero(z, *a, **k):
            return np.zeros(np.shape(z))
        sigmoid = sigmoid_grad = tanh = tanh_grad = relu = relu_grad = _zero
        leaky_relu = leaky_relu_grad = softmax = _zero
    """
    result = grade(small_course, tmp_path / "patched", patched)
    assert not result.passed
    # zeros happen to be right for a few inputs; every value test must still fail
    assert result.score < result.max_score / 3


def test_sandbox_refuses_processes_files_network_and_signals(tmp_path):
    from learnnn.manifest import PACKAGE
    probe = tmp_path / "probe.py"
    outside = tmp_path / "outside.txt"
    probe.write_text(textwrap.dedent(f"""
        import os, socket, subprocess
        def fork():
            return os.fork()
        def spawn():
            return subprocess.run(["true"]).returncode
        def system():
            return os.system("true")
        def write_outside():
            open({str(outside)!r}, "w").write("x")
        def read_reference():
            return open({str(PACKAGE / "suites" / "test_activations.py")!r}).read()
        def connect():
            socket.create_connection(("127.0.0.1", 9))
        def kill_parent():
            os.kill(os.getppid(), 9)
        def write_inside():
            open("scratch.txt", "w").write("fine")
            return open("scratch.txt").read()
        def hog():
            import numpy as np
            return np.ones(10 ** 10).sum()
        def crash():
            os.abort()
    """))
    spec = SandboxSpec(files={"probe": probe}, time_limit=5, memory_mb=512, deny_read=[PACKAGE])
    with Sandbox(spec) as sandbox:
        for func in ("fork", "spawn", "system", "write_outside", "read_reference", "connect", "kill_parent"):
            with pytest.raises(LearnerRaised) as info:
                sandbox.call("probe", func)
            assert "sandbox does not allow" in str(info.value), func
        assert sandbox.call("probe", "write_inside") == "fine"
        with pytest.raises(LearnerRaised, match="ran out of memory"):
            sandbox.call("probe", "hog")
        with pytest.raises(LearnerCrashed, match="died"):
            sandbox.call("probe", "crash")
        assert sandbox.call("probe", "write_inside") == "fine"  # restarted after the crash
    assert not outside.exists()
    assert worker_processes() == []


def test_timeout_then_restart(tmp_path):
    probe = tmp_path / "slow.py"
    probe.write_text("import time\ndef slow():\n    time.sleep(60)\ndef quick():\n    return 7\n")
    with Sandbox(SandboxSpec(files={"slow": probe}, time_limit=1)) as sandbox:
        with pytest.raises(LearnerTimeout, match="did not return within 1 s"):
            sandbox.call("slow", "slow")
        assert sandbox.call("slow", "quick") == 7
        assert sandbox.restarts == 1
        assert _ours(sandbox.proc.pid)  # what the other tests' "none left" counts is seen
    assert worker_processes() == []


def test_unreadable_return_value_is_a_clear_failure(tmp_path):
    probe = tmp_path / "odd.py"
    probe.write_text("import numpy as np\ndef obj():\n    return np.array([object()])\ndef fn():\n    return print\n")
    with Sandbox(SandboxSpec(files={"odd": probe})) as sandbox:
        with pytest.raises(LearnerRaised, match="dtype=object"):
            sandbox.call("odd", "obj")
        with pytest.raises(LearnerRaised, match="can't read"):
            sandbox.call("odd", "fn")


def test_printed_output_reaches_the_learner(small_course, tmp_path):
    noisy = SOLUTION.replace("def relu(z):\n", "def relu(z):\n    print('debug: relu called')\n    return z\n")
    result = grade(small_course, tmp_path / "noisy", noisy)
    relu_failure = next(t for t in result.failures if t.name == "test_relu_values")
    assert "Your code printed:" in relu_failure.message and "debug: relu called" in relu_failure.message


def test_missing_module_fails_every_test_with_a_message(small_course, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    result = run_check(course=small_course, source_dir=folder, exercise="activations")
    assert result.score == 0 and result.tests
    assert all("there is no activations.py" in t.message for t in result.tests)


def test_grading_is_deterministic(small_course, tmp_path):
    buggy = SOLUTION.replace("z.max(axis=-1, keepdims=True)", "0")
    first = grade(small_course, tmp_path / "a", buggy)
    second = grade(small_course, tmp_path / "b", buggy)
    assert first.to_json() == second.to_json()
    assert first.score < first.max_score


@pytest.mark.parametrize("line", ["from sklearn.neural_network import MLPClassifier", "import torch", "import keras"])
def test_a_borrowed_model_is_refused_with_the_reason(course, solution_copy, line):
    folder = solution_copy(*course.exercise("iris").earlier)
    iris = (manifest.data_dir("solutions") / "iris.py").read_text()
    (folder / "iris.py").write_text(f"{line}\n{iris}")
    result = run_check(course=course, source_dir=folder, exercise="iris")
    assert result.score == 0 and result.tests
    name = line.split()[1]
    first, *rest = result.tests  # the later tests point at the first, which keeps the whole message
    assert f"importing {name} is not allowed" in first.message and "your own" in first.message
    assert rest and all(t.message == f"fails for the same reason as {first.name}" for t in rest)
    assert {t.kind for t in result.tests} == {Outcome.REFUSED}  # refused at import: nothing was trained
