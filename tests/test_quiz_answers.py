"""Every right answer is accepted: numbers, shapes and spellings are read in one place (learnnn.answers)
for every quiz, and what can't be read is said in plain words, never in Python's."""
import pytest

from learnnn import answers, manifest, quiz

COURSE = manifest.load()


def question(lesson_id, qid):
    return quiz.load(COURSE.lesson(lesson_id)).question(qid)


@pytest.mark.parametrize("text,value", [
    ("0.5", 0.5), ("1/2", 0.5), ("28/30", 28 / 30), ("sqrt(2/50)", 0.2), ("10^-5", 1e-5), ("10**-5", 1e-5),
    ("1e-5", 1e-5), ("50%", 0.5), (" 93.3 % ", 0.933), ("2,410", 2410), ("1,437", 1437), ("0,5", 0.5),
    ("ln(2)", 0.6931471805599453), ("log(10)", 2.302585092994046), ("exp(0)", 1), ("0.25^5", 0.0009765625),
    ("-0.03", -0.03), ("−0.2", -0.2), ("(0.3 - 1) / 4", -0.175), (4, 4.0), (0.5, 0.5),
])
def test_numbers_and_expressions(text, value):
    assert answers.number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["half", "", "__import__('os').system('true')", "(1).real", "9^9^9",
                                  "(-1)**0.5", "1/0", "x", "[1, 2]", "1" * 300, True, "lambda: 1"])
def test_what_is_not_a_number_is_refused_in_plain_words(text):
    with pytest.raises(answers.NotAnAnswer) as caught:
        answers.number(text)
    assert "convert" not in str(caught.value) and "Error" not in str(caught.value)


@pytest.mark.parametrize("text,canonical", [
    ("(32, 64)", "(32,64)"), ("(32,64)", "(32,64)"), ("(32 , 64)", "(32,64)"), ("32x64", "(32,64)"),
    ("32 × 64", "(32,64)"), ("[32, 64]", "(32,64)"), ("(7, )", "(7,)"), ("(7,)", "(7,)"), ("(n, 7)", "(n,7)"),
])
def test_shapes_written_any_way(text, canonical):
    assert answers.shape(text) == canonical


@pytest.mark.parametrize("a,b", [
    ("Element wise", "elementwise"), ("element-wise", "elementwise"), ("He Initialisation", "he initialization"),
    ("The dying ReLU.", "dying relu"), ("loss.backward()", "loss.backward"), ("One-hot", "one hot"),
    ("BATCH_NORM", "batch norm"),
])
def test_spellings_that_mean_the_same(a, b):
    assert answers.words(a) == answers.words(b)


@pytest.mark.parametrize("lesson_id,qid,given", [
    ("02-activations", "sigmoid-at-zero", "50%"),
    ("02-activations", "sigmoid-at-zero", "1/2"),
    ("02-activations", "sigmoid-slope", "1/4"),
    ("05-layers", "he-std", "sqrt(2/50)"),
    ("05-layers", "count-64-32-10", "2,410"),
    ("06-losses", "uniform-start", "2.3"),
    ("06-losses", "uniform-start", "ln(10)"),
    ("06-losses", "mse-value", "4/3"),
    ("07-backprop", "sigmoid-bound", "0.001"),
    ("07-backprop", "sigmoid-bound", "1/1024"),
    ("08-gradient-check", "default-h", "10^-5"),
    ("08-gradient-check", "default-h", "1e-5"),
    ("08-gradient-check", "relerr-double", "1/3"),
    ("08-gradient-check", "relerr-double", "0.33"),
    ("10-iris", "accuracy-two-mistakes", "28/30"),
    ("10-iris", "accuracy-two-mistakes", "93%"),
    ("11-digits", "dropout-scale", "4/3"),
    ("11-digits", "baseline-score", "353/360"),
    ("11-digits", "baseline-score", "0.98"),
    ("05-layers", "z1-shape", "(32,64)"),
    ("05-layers", "z1-shape", "(32 , 64)"),
    ("05-layers", "z1-shape", "32x64"),
    ("03-neuron", "weight-shape", "(7, )"),
    ("03-neuron", "weight-shape", "A"),
    ("03-neuron", "weight-shape", "(a)"),
    ("05-layers", "he-name", "Kaiming"),
    ("05-layers", "he-name", "He init"),
    ("02-activations", "dead-units", "dead neurons"),
    ("02-activations", "dead-units", "Dying ReLU"),
    ("04-and-gate", "loss-name", "binary crossentropy"),
    ("04-and-gate", "loss-name", "log loss"),
    ("10-iris", "validation-name", "dev set"),
    ("10-iris", "validation-name", "hold-out set"),
    ("07-backprop", "elementwise", "element wise"),
    ("06-losses", "one-hot-name", "one-hot encoded"),
    ("11-digits", "batchnorm-name", "BN"),
    ("11-digits", "batchnorm-name", "Batch Normalization"),
    ("03-neuron", "matmul-operator", "np.dot"),
    ("01-intro", "epoch", "one epoch"),
    ("09-training", "epoch-word", "one epoch"),
    ("14-beyond", "backward-name", "backward()"),
    ("02-activations", "never-negative", "a, c, e"),
    ("02-activations", "never-negative", "A C E"),
    ("02-activations", "never-negative", "ace"),
    ("02-activations", "never-negative", ["e", "a", "c"]),
    ("02-activations", "never-negative", "sigmoid, relu, softmax"),
    ("01-intro", "check-command", "`learnnn check activations`"),
    ("01-intro", "check-command", '"learnnn check activations"'),
    ("01-intro", "check-command", "```learnnn check activations```"),
    ("01-intro", "check-command", "'learnnn check activations'"),
    ("02-activations", "sigmoid-at-zero", "`0.5`"),
])
def test_right_answers_that_were_marked_wrong(lesson_id, qid, given):
    assert quiz.check(question(lesson_id, qid), given) == (True, "")


@pytest.mark.parametrize("lesson_id,qid,given", [
    ("02-activations", "sigmoid-at-zero", "0.6"),
    ("06-losses", "uniform-start", "2.0"),
    ("07-backprop", "sigmoid-bound", "0.01"),
    ("05-layers", "z1-shape", "(64, 32)"),
    ("05-layers", "he-name", "xavier"),
])
def test_wrong_answers_stay_wrong(lesson_id, qid, given):
    assert quiz.check(question(lesson_id, qid), given) == (False, "")


@pytest.mark.parametrize("lesson_id,qid,given,says", [
    ("02-activations", "sigmoid-at-zero", "half", "not a number"),
    ("02-activations", "sigmoid-at-zero", "  ", "no answer"),
    ("03-neuron", "weight-shape", "z", "not one of the choices"),
    ("03-neuron", "weight-shape", "a, b", "one letter"),
])
def test_unreadable_answers_say_why(lesson_id, qid, given, says):
    correct, problem = quiz.check(question(lesson_id, qid), given)
    assert not correct and says in problem and "convert" not in problem


@pytest.mark.parametrize("lesson", COURSE.lessons, ids=lambda l: l.id)
def test_every_accepted_spelling_is_read_as_right(lesson):
    for q in quiz.load(lesson).questions:
        if q.kind == "text":
            for spelling in (q.answer, *q.accept):
                assert quiz.check(q, spelling)[0], (q.id, spelling)
                assert quiz.check(q, f" {str(spelling).title()}. ")[0], (q.id, spelling)


def test_unmatched_quotes_are_not_stripped():
    assert answers.unquote("`x'") == "`x'" and answers.unquote(' " `np.dot` " ') == "np.dot"
