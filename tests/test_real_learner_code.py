"""Learner code in the styles of public implementations, graded through run_checks (what `learnnn check`
runs): each module gets the right verdict, and the message names the right mistake and nothing else.

The modules live in tests/fixtures/learners as `<exercise>__<case>.py`; everything a case doesn't name
is the reference solution. Modules of different exercises share one check run to keep this fast.
"""
import shutil
from pathlib import Path

import pytest

from learnnn import manifest
from learnnn.check import run_checks

LEARNERS = Path(__file__).parent / "fixtures" / "learners"

# (module, hidden test, words its message must hold, words it must not hold)
FAILS = [
    ("activations__where_sigmoid", "test_extreme_inputs[sigmoid]", ["values are right", "np.where", "both"], []),
    ("activations__exp_tanh", "test_extreme_inputs[tanh]", ["overflow", "np.tanh(z)"], []),
    ("activations__bool_relu_grad", "test_relu_grad_values", ["dtype bool", ".astype(float)"], ["np.asarray(z"]),
    ("activations__relu_grad_at_zero", "test_accepts_int_lists[relu_grad]", ["z == 0", "float arrays is wrong too"],
     ["np.asarray(z, dtype=float)"]),
    ("activations__whole_array_softmax", "test_accepts_int_lists[softmax]", ["whole array"],
     ["np.asarray(z, dtype=float)"]),
    ("activations__softmax_broadcast", "test_softmax_values", ["broadcast", "over the last axis"], []),
    ("activations__softmax_global_max", "test_softmax_large_logits[2d]", ["0/0", "each row's own maximum"],
     ["overflows"]),
    ("activations__softmax_axis1", "test_softmax_one_dimensional",
     ["AxisError", "Likely mistake: use axis=-1 (the last axis), which works for 1-D and 2-D input"], []),
    ("activations__relu_sop_in_place", "test_accepts_read_only_input[relu]", ["read-only"], []),
    ("activations__relu_sop_in_place", "test_leaves_input_unchanged[relu]", ["sop in place"], []),
    ("activations__int_relu_longdouble_leaky", "test_accepts_int_lists[relu]",
     ["int64", "float64: convert the input with np.asarray(z, dtype=float)"], []),
    ("activations__int_relu_longdouble_leaky", "test_leaky_relu_values", ["another precision", "float64"], []),
    ("neuron__w_at_x", "test_batch_values",
     ["not aligned", "Likely mistake: w first", "Put the batch first, X @ w",
      "X @ w gives one value per sample"], []),
    ("neuron__w_at_x", "test_uses_given_activation", ["fails for the same reason as test_batch_values"],
     ["not aligned"]),
    ("neuron__w_at_batch", "test_batch_values", ["Likely mistake: w first"], []),
    ("neuron__w_at_batch", "test_large_inputs_stay_finite", ["fails for the same reason as test_batch_values"], []),
    ("and_gate__no_bias", "test_learns_other_truth_tables[OR]", ["p = 0.5", "bias"], []),
    ("and_gate__mse_history", "test_losses_are_the_mean_loss_being_trained",
     ["holds the mean squared error", "trained on the cross-entropy"], ["Likely mistake"]),
    ("layers__global_seed", "test_init_params_draws_from_default_rng", ["np.random.seed(7)", "default_rng"], []),
    ("layers__fixed_scale", "test_init_params_std_of_every_layer", ["Likely mistake: a fixed scale of 0.01"],
     ["variance"]),
    ("losses__int_one_hot", "test_one_hot_returns_float", ["int64", "np.zeros((n, num_classes))"], ["np.asarray(z"]),
    ("losses__labels_unclipped", "test_cross_entropy_zero_probability_integer_labels", ["np.log(0)", "clip"], []),
    pytest.param("losses__no_clip_bce", "test_bce_certain_and_wrong_is_finite", ["clip p to [eps, 1 - eps]"],
                 ["could not"]),
    pytest.param("gradient_check__no_floor", "test_relative_error_both_zero", ["0 / 0", "1e-8"], ["could not"],),
    ("gradient_check__forward_difference", "test_numerical_gradient_values[sum_of_squares-1d]",
     ["Likely mistake: a forward difference"], []),
    ("backprop__dlai_planted", "test_mlp_backward_three_layers_tanh[W2]", ["2 times", "W3, b3 are right"],
     ["number of classes", "Likely mistake"]),
    ("backprop__dlai_planted", "test_mlp_backward_three_layers_tanh[b1]", ["4 times"], ["Likely mistake"]),
    ("backprop__dlai_planted", "test_mlp_backward_three_layers_relu", ["dW2 is off", "db1 is off"], []),
    ("training__two_layer_sgd_step", "test_sgd_step_any_number_of_layers[one-layer]",
     ["KeyError: 'W2'", "Loop over the keys of params"], []),
    ("training__int_batches", "test_minibatches_accept_lists", ["int64", "dtype=float"], []),
    # Second pass (issue 11 follow-up): the diagnosis fits the code, and no hint is attached that doesn't.
    ("layers__relu_then_softmax", "test_mlp_forward_three_layers_tanh",
     ["Likely mistake: the last layer applies hidden_activation and then output_activation"],
     ["just two", "softmax directly"]),
    ("layers__relu_then_softmax", "test_mlp_forward_uses_output_activation",
     ["output_activation(hidden_activation(ZL))"], ["softmax directly"]),
    ("backprop__grad_at_a", "test_mlp_backward_three_layers_tanh[W2]",
     ["hidden_activation_grad(cache['Z2']), not hidden_activation_grad(cache['A2'])"], ["Zl"]),
    ("backprop__grad_at_a", "test_mlp_backward_three_layers_tanh[W1]", ["hidden_activation_grad(cache['Z1'])"], []),
    ("losses__clip_label_columns", "test_cross_entropy_integer_labels", ["Likely mistake: P[:, y]"], []),
    ("losses__clip_label_columns", "test_cross_entropy_zero_probability_integer_labels",
     ["P[:, y]", "clipping isn't the problem"], ["Clip P"]),
    ("losses__clip_summed", "test_cross_entropy_zero_probability_for_true_class",
     ["Likely mistake: the losses are summed", "clipping isn't the problem"], ["Clip P"]),
    ("losses__clip_summed", "test_cross_entropy_very_large_logits", ["summed"], ["clip P"]),
    ("activations__softmax_axis0", "test_softmax_large_logits[2d]", ["Likely mistake: normalising over axis 0"],
     ["Subtract each row's maximum"]),
    ("training__own_minibatches_unpaired", "test_train_loss_falls",
     ["Your iterate_minibatches fails its own tests", "fix it first"], ["adding the gradient"]),
    ("training__own_minibatches_unpaired", "test_minibatches_keep_x_and_y_paired", ["belongs to another sample"], []),
    ("iris__trained_on_raw", "test_mean_accuracy_reaches_the_target",
     ["you trained on unscaled X but returned mean and scale"], ["undertrained"]),
    # From w = 0 every p is 0.5 and the two losses' first gradients agree; later steps still tell them apart.
    ("and_gate__zero_start_mse_history", "test_losses_are_the_mean_loss_being_trained",
     ["holds the mean squared error", "trained on the cross-entropy"], []),
    # Beginner mistakes written independently of the suites, on top of the *__from_the_contract modules.
    ("activations__beginner_sg_on_a", "test_sigmoid_grad_values", ["Likely mistake: z * (1 - z)"], []),
    ("activations__beginner_alpha_fixed", "test_leaky_relu_grad_values", ["Likely mistake: alpha fixed at 0.01"], []),
    ("losses__beginner_mse_sum", "test_mse_values", ["Likely mistake: the squared errors are summed"], []),
    ("losses__beginner_ce_all_mean", "test_cross_entropy_values_one_hot", ["n * k"], []),
    ("layers__beginner_no_bias", "test_dense_forward_values", ["Likely mistake: the bias is missing"], []),
    ("layers__beginner_relu_out", "test_mlp_forward_values", ["Likely mistake: the last layer uses hidden_activation"],
     []),
    ("layers__beginner_n_out", "test_init_params_he_std", ["Likely mistake: n_out instead of n_in"], []),
    ("backprop__beginner_no_n", "test_mlp_backward_two_layers[W2]", ["Likely mistake: the 1/n is missing"], []),
    ("gradient_check__beginner_mean_err", "test_relative_error_values", ["Likely mistake: the mean of the elementwise"],
     []),
    ("gradient_check__beginner_no_restore", "test_numerical_gradient_values[product-1d]",
     ["Likely mistake: x[i] is not put back"], []),
    ("training__beginner_drop_last", "test_minibatches_keep_the_last_small_batch", ["the last 2 samples were dropped"],
     []),
    ("training__beginner_argmax_axis0", "test_predict[one-hidden-layer]", ["not axis=0"], []),
    # Histories that are not the loss and accuracy on the whole training set after each epoch's updates.
    ("training__beginner_last_batch_history", "test_train_history_is_measured_on_the_whole_training_set",
     ["is the loss of sample", "Likely mistake: the history holds the loss of the last mini-batch"], []),
    ("training__beginner_history_before_updates", "test_train_history_is_recorded_after_each_epochs_updates",
     ["the loss of the untrained network", "Likely mistake: the loss is recorded before the epoch's updates"], []),
    ("training__beginner_batch_accuracy", "test_train_history_is_measured_on_the_whole_training_set",
     ["history['accuracy']", "Likely mistake: the history holds the accuracy of the last mini-batch"], ["loss of"]),
    ("training__beginner_mean_of_batch_means", "test_train_history_is_measured_on_the_whole_training_set",
     ["Likely mistake: averaging the mini-batch means"], []),
    ("and_gate__beginner_last_row_loss", "test_shapes_and_types",
     ["Likely mistake: the cross-entropy of the row [1, 1] alone", "over all 4 rows"], []),
    ("optimizers__beginner_last_batch_history", "test_train_with_optimizer_matches_the_contract[momentum]",
     ["Likely mistake: the history holds the loss of the epoch's last mini-batch"], []),
    ("optimizers__beginner_history_before_updates", "test_train_with_optimizer_matches_the_contract[adam]",
     ["Likely mistake: the loss is recorded before the epoch's steps"], []),
    ("optimizers__beginner_running_mean", "test_train_with_optimizer_matches_the_contract[sgd]",
     ["Likely mistake: the history holds the mean loss of the mini-batches met during the epoch"], []),
    ("regularization__beginner_last_batch_loss", "test_early_stopping_records_the_losses_after_each_epoch",
     ["the params it returned after that one epoch give",
      "Likely mistake: history['loss'] holds the loss of the epoch's last mini-batch"], []),
    ("regularization__beginner_last_batch_loss", "test_early_stopping_matches_the_contract",
     ["Likely mistake: history['loss'] holds the loss of the epoch's last mini-batch"], ["check the start"]),
    ("regularization__beginner_losses_before_updates", "test_early_stopping_records_the_losses_after_each_epoch",
     ["still the untrained init_params", "taken before the epoch's updates"], []),
    ("regularization__beginner_losses_before_updates", "test_early_stopping_matches_the_contract",
     ["Likely mistake: history['loss'] is recorded before the epoch's updates"], ["check the start"]),
    ("regularization__beginner_penalty_in_history", "test_early_stopping_records_the_losses_after_each_epoch",
     ["Likely mistake: history['loss'] includes the L2 penalty"], []),
]
# Correct code written in other conventions, adjusted to the contract only where it says so.
# training__keras_running_mean records the sample-weighted mean of the losses met during the epoch, as Keras
# reports it: the course contract leaves open when in the epoch the loss on the whole training set is taken.
PASSES = ["backprop__dlai_convention", "gradient_check__float_copy", "and_gate__trained_on_mse",
          "training__keras_running_mean"] + [
    # written from the contract page alone (lessons/CONTRACT.md for optimizers and regularization)
    f"{name}__from_the_contract" for name in ("activations", "neuron", "and_gate", "layers", "losses", "backprop",
                                              "gradient_check", "training", "optimizers", "regularization")]


def _modules():
    return sorted(p.stem for p in LEARNERS.glob("*__*.py"))


def _groups(modules, alone=()):
    """Modules in as few groups as possible with at most one module per exercise in each; a module of an
    exercise in ``alone`` (one that runs on the learner's own earlier modules) gets a group of its own."""
    groups = []
    for module in modules:
        exercise = module.split("__")[0]
        if exercise in alone:
            groups.append([module])
            continue
        for group in groups:
            if exercise not in {m.split("__")[0] for m in group}:
                group.append(module)
                break
        else:
            groups.append([module])
    return groups


def _workspace(folder, modules):
    folder.mkdir()
    for path in manifest.data_dir("solutions").glob("*.py"):
        shutil.copy(path, folder / path.name)
    for module in modules:
        shutil.copy(LEARNERS / f"{module}.py", folder / f"{module.split('__')[0]}.py")
    return folder


@pytest.fixture(scope="module")
def checked(course, tmp_path_factory):
    """module -> {hidden test name: outcome} for every fixture module."""
    out = {}
    own_stack = {m.split("__")[0] for m in _modules() if course.exercise(m.split("__")[0]).own_stack}
    for i, group in enumerate(_groups(_modules(), own_stack)):
        folder = _workspace(tmp_path_factory.mktemp("learners") / f"group{i}", group)
        exercises = [m.split("__")[0] for m in group]
        for module, result in zip(group, run_checks(course=course, source_dir=folder, exercises=exercises)):
            assert not result.error, (module, result.error)
            out[module] = {t.name: t for t in result.tests}
    return out


@pytest.mark.parametrize("module,test,words,absent", FAILS)
def test_buggy_code_fails_with_the_right_diagnosis(checked, module, test, words, absent):
    outcome = checked[module][test]
    assert not outcome.passed, f"{module} passes {test}"
    for word in words:
        assert word in outcome.message, (word, outcome.message)
    for word in absent:
        assert word not in outcome.message, (word, outcome.message)


@pytest.mark.parametrize("module", PASSES)
def test_correct_code_in_another_convention_passes(checked, module):
    failed = {n: t.message for n, t in checked[module].items() if not t.passed}
    assert not failed


def test_every_fixture_module_is_judged():
    named = {c.values[0] if hasattr(c, "values") else c[0] for c in FAILS} | set(PASSES)
    assert named == set(_modules())


def test_no_test_is_named_for_something_it_does_not_check(checked):
    # An implemented softmax that hits a broadcast error must not fail a test called "is implemented".
    names = checked["activations__softmax_broadcast"]
    assert not [n for n, t in names.items() if "implemented" in n and not t.passed]


def test_a_seeded_suite_gives_the_same_inputs_when_run_twice_in_one_process(course, checked, tmp_path):
    # The forward-difference messages quote x at the worst element, so other inputs give other messages.
    module = "gradient_check__forward_difference"
    folder = _workspace(tmp_path / "again", [module])
    again = run_checks(course=course, source_dir=folder, exercises=["gradient_check"])[0]
    first = {n: t.message for n, t in checked[module].items()}
    assert first == {t.name: t.message for t in again.tests}
    assert any("where x = " in m for m in first.values())


def test_a_repeated_failure_points_at_the_first_test_only_for_the_same_cause():
    from learnnn.feedback import failure_reason, same_reason
    from learnnn.sandbox import LearnerRaised

    def raised(text, kind="ValueError", where="neuron.py, line 8, in neuron: z = np.dot(w, x) + b"):
        try:
            try:
                raise LearnerRaised(f"calling neuron raised {kind}: {text}", kind=kind, where=where)
            except LearnerRaised:
                raise AssertionError("the suite's message with its hint")
        except AssertionError as exc:
            return exc

    earlier = {}
    messages = [same_reason(str(exc), failure_reason(exc, str(exc)), earlier, name) for name, exc in [
        ("test_a", raised("shapes (3,) and (5,3) not aligned")),
        ("test_b", raised("shapes (2,) and (3,2) not aligned")),  # other shapes, the same mistake
        ("test_c", raised("operands could not be broadcast together")),  # the same line, another cause
        ("test_d", raised("", kind="NotImplementedError")),
        ("test_e", raised("", kind="NotImplementedError")),  # every test of a stub says so itself
    ]]
    assert messages[0] == messages[2] == "the suite's message with its hint"
    assert messages[1] == ("fails for the same reason as test_a: ValueError at neuron.py, line 8, in neuron: "
                           "z = np.dot(w, x) + b")
    assert messages[3] == messages[4] == "the suite's message with its hint"
    assert same_reason("model failed", failure_reason(None, "model failed"), earlier, "test_f") == "model failed"
    assert same_reason("model failed", "model failed", earlier, "test_g") == "fails for the same reason as test_f"
