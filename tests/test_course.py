"""The course's integrity, rustlings `dev check` style: every exercise is complete, every
hidden test fails on the stub and passes on the reference solution."""
import ast

import numpy as np
import pytest

from learnnn import manifest, quiz
from learnnn.check import run_checks


def test_manifest_loads_in_order(course):
    assert len(course.lessons) >= 10
    in_lesson_order = [name for lesson in course.lessons for name in lesson.exercises]
    assert list(course.exercises) == in_lesson_order and len(in_lesson_order) >= 10
    for n, exercise in enumerate(course.exercises.values()):
        assert list(exercise.earlier) == in_lesson_order[:n], exercise.name


def test_every_exercise_has_stub_solution_suite_and_hints(course):
    for exercise in course.exercises.values():
        for path in (exercise.stub, exercise.solution, exercise.suite):
            assert path.is_file(), f"{exercise.name}: missing {path}"
        assert exercise.hints, exercise.name


def test_stubs_and_solutions_define_the_same_functions(course):
    def functions(path):
        return {n.name for n in ast.parse(path.read_text()).body
                if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}

    for exercise in course.exercises.values():
        stub, solution = functions(exercise.stub), functions(exercise.solution)
        assert stub and stub <= solution, f"{exercise.name}: stub {sorted(stub)} vs solution {sorted(solution)}"


def test_modules_import_only_numpy_and_earlier_exercises(course):
    for exercise in course.exercises.values():
        for path in (exercise.stub, exercise.solution):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) else []
                for name in names:
                    top = name.split(".")[0]
                    assert top in {"numpy", "sklearn", "time", "math"} or top in exercise.earlier, \
                        f"{path.name} imports {name}"


def test_stubs_raise_not_implemented(course):
    for exercise in course.exercises.values():
        tree = ast.parse(exercise.stub.read_text())
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")):
            raises = [n for n in ast.walk(func) if isinstance(n, ast.Raise)]
            assert raises and ast.get_docstring(func), f"{exercise.name}.{func.name} needs a docstring and a raise"


def test_every_lesson_has_text_and_quiz(course):
    for lesson in course.lessons:
        assert lesson.path.is_file(), lesson.id
        loaded = quiz.load(lesson)
        assert len(loaded.questions) >= 5, lesson.id


@pytest.fixture(scope="module")
def graded(course):
    names = list(course.exercises)
    return {
        "stub": {r.exercise: r for r in run_checks(course=course, source_dir=manifest.data_dir("exercises"), exercises=names)},
        "reference": {r.exercise: r for r in run_checks(course=course, source_dir=manifest.data_dir("solutions"), exercises=names)},
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(manifest.load().exercises))
def test_every_hidden_test_fails_on_stub_and_passes_on_reference(graded, name):
    stub, ref = graded["stub"][name], graded["reference"][name]
    assert not ref.error and not stub.error, ref.error or stub.error
    failing_ref = [f"{t.name}: {t.message}" for t in ref.failures]
    assert not failing_ref, f"the reference fails: {failing_ref}"
    passing_stub = [t.name for t in stub.tests if t.passed]
    assert not passing_stub, f"these pass on the stub, so they test nothing: {passing_stub}"
    assert [t.name for t in stub.tests] == [t.name for t in ref.tests]
    assert len(ref.tests) >= 5


@pytest.mark.slow
def test_stub_failures_say_what_to_do(graded):
    for result in graded["stub"].values():
        for test in result.tests:
            assert test.message and "Traceback" not in test.message, (result.exercise, test.name)


def test_course_content_comes_from_the_course_not_the_engine(course, tmp_path):
    """What a Named argument may stand for is read from the stubs; what a model builds on from the solutions."""
    from learnnn import modelgrading
    from learnnn.workers import sandbox_spec

    named = sandbox_spec(course.exercise("layers"), tmp_path).named
    assert named["relu"] == named["softmax"] == "activations" and named["dense_forward"] == "layers"
    assert set(manifest.stub_functions(course.exercise("activations").stub)) <= set(named)
    assert modelgrading.stack("iris") == ("activations", "layers", "losses", "backprop", "training")


class _ReturnNothing(ast.NodeTransformer):
    """Every function of a stub made to return None: code that implements nothing but never raises."""

    def visit_FunctionDef(self, node):
        node.body = [ast.Return(ast.Constant(None))]
        return node


@pytest.mark.slow
def test_code_that_returns_nothing_scores_nothing(course, tmp_path):
    # A red team scored 28 tests across the exercises with functions that `return None`: "leaves its input
    # unchanged", "rejects a bad argument" and the like passed without a result.
    names = [n for n, e in course.exercises.items() if e.suite.is_file() and "modelgrading" not in e.suite.read_text()]
    for name in names:
        tree = _ReturnNothing().visit(ast.parse(course.exercise(name).stub.read_text()))
        (tmp_path / f"{name}.py").write_text(ast.unparse(ast.fix_missing_locations(tree)))
    results = run_checks(course=course, source_dir=tmp_path, exercises=names)
    passing = {r.exercise: [t.name for t in r.tests if t.passed] for r in results}
    assert not any(passing.values()), passing


@pytest.mark.parametrize("got, passes", [([np.nan, np.inf, 1.0], True), ([0.0, np.inf, 1.0], False),
                                         ([np.nan, -np.inf, 1.0], False), ([np.nan, np.inf, np.nan], False)])
def test_a_non_finite_expected_value_is_met_only_by_the_same_value(got, passes):
    from learnnn.feedback import expect_close

    expected = np.array([np.nan, np.inf, 1.0])
    if passes:
        expect_close(np.array(got), expected, call="f(z)")
    else:
        with pytest.raises(AssertionError):
            expect_close(np.array(got), expected, call="f(z)")
