"""Quizzes: loading them, and grading one answer to one question or a whole answer sheet.

How a typed answer is read (numbers, shapes, spellings) lives in learnnn.answers, for every quiz alike."""
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import answers as reading, schema
from .manifest import LearnnnError
from .printable import encodable
from .results import QuestionResult, QuizResult  # the one quiz result type, also what `grade` scores

KINDS = {"single", "multiple", "numeric", "text"}
LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    answer: object
    explanation: str
    choices: tuple = ()
    tolerance: float = 0.0
    accept: tuple = ()


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    questions: tuple

    def question(self, qid):
        return next((q for q in self.questions if q.id == qid), None)


QUIZ_FIELDS = {"title", "questions"}
QUESTION_FIELDS = {"id", "kind", "prompt", "answer", "explanation", "choices", "tolerance", "accept"}
REQUIRED = ("id", "kind", "prompt", "answer", "explanation")


def load(lesson):
    """The quiz of ``lesson``; LearnnnError (a SchemaError naming file and line) when it is missing or malformed."""
    path = Path(lesson.quiz_path)
    if not path.is_file():
        raise LearnnnError(f"lesson {lesson.id} has no quiz ({path} is missing)")
    reader = schema.Reader(path)
    root = schema.compose(path, what="quiz")
    if root is None:
        reader.fail(None, "the quiz is empty")
    fields = reader.mapping(root, QUIZ_FIELDS, "a quiz", required=("questions",))
    questions, seen = [], set()
    for n, node in enumerate(reader.sequence(fields["questions"], "questions", nonempty=True), start=1):
        q = _question(reader, node, f"question {n}")
        if q.id in seen:
            reader.fail(node, f"question id '{q.id}' is used twice")
        seen.add(q.id)
        questions.append(q)
    title = reader.scalar(fields["title"], str, "the title") if "title" in fields else lesson.title
    return Quiz(lesson.id, title, tuple(questions))


def _question(reader, node, where):
    fields = reader.mapping(node, QUESTION_FIELDS, where, required=REQUIRED)
    kind = reader.value(fields["kind"])
    if kind not in KINDS:
        reader.fail(fields["kind"], f"{where}: kind '{kind}' should be one of {', '.join(sorted(KINDS))}")
    choices = tuple(str(reader.value(c)) for c in reader.sequence(fields["choices"], f"{where}: choices")) \
        if "choices" in fields else ()
    answer = reader.value(fields["answer"])
    if kind in ("single", "multiple"):
        letters = [answer] if kind == "single" else answer
        if not choices or not isinstance(letters, list) or not letters or not all(
                isinstance(a, str) and len(a) == 1 and a in LETTERS[:len(choices)] for a in letters):
            reader.fail(fields["answer"], f"{where}: the answer must be "
                                          f"{'a letter' if kind == 'single' else 'a list of letters'} "
                                          f"among the {len(choices)} choices")
        answer = answer if kind == "single" else tuple(sorted(set(letters)))
    elif kind == "numeric" and (isinstance(answer, bool) or not isinstance(answer, (int, float))):
        reader.fail(fields["answer"], f"{where}: a numeric answer must be a number")
    tolerance = reader.scalar(fields["tolerance"], float, f"{where}: tolerance", minimum=0) if "tolerance" in fields \
        else 0.0
    accept = tuple(str(reader.value(a)) for a in reader.sequence(fields["accept"], f"{where}: accept")) \
        if "accept" in fields else ()
    return Question(str(reader.value(fields["id"])), kind, str(reader.value(fields["prompt"])).strip(), answer,
                    str(reader.value(fields["explanation"])).strip(), choices, tolerance, accept)


def _letters(given, question):
    """Letters from 'b', 'B', '(b)', ['a', 'c'], 'a, c' or a choice's own text (shapes written any way)."""
    texts = {reading.words(c): LETTERS[i] for i, c in enumerate(question.choices)}
    valid = LETTERS[:len(question.choices)]
    if not isinstance(given, (list, tuple)):
        if reading.words(given) in texts:
            return [texts[reading.words(given)]]
        given = re.split(r"[,;\s]+", str(given).strip())
    out = []
    for item in given:
        key = reading.words(item)
        letter = re.fullmatch(r"[^a-z0-9]*([a-z])[^a-z0-9]*", str(item).strip().lower())  # b, B, (b), b)
        if key in texts:
            out.append(texts[key])
        elif letter and letter.group(1) in valid:
            out.append(letter.group(1))
        elif question.kind == "multiple" and key.isalpha() and set(key) <= set(valid):  # "ac" for a and c
            out.extend(key)
        elif key:
            raise reading.NotAnAnswer(f"'{str(item).strip()}' is not one of the choices; answer with "
                                      f"{'a letter' if question.kind == 'single' else 'letters'} from "
                                      f"{valid[0]} to {valid[-1]}")
    return out


def check(question, given):
    """(correct, problem). ``problem`` is set when ``given`` can't be read as an answer to this
    question at all (empty, not a number, not a choice): the interactive quiz asks again then,
    and a graded sheet counts it wrong and says why."""
    if given is None or (isinstance(given, str) and not given.strip()) or given == []:
        return False, "no answer given"
    try:
        if question.kind == "single":
            letters = set(_letters(given, question))
            if len(letters) != 1:
                return False, "give one letter"
            return letters.pop() == question.answer, ""
        if question.kind == "multiple":
            return tuple(sorted(set(_letters(given, question)))) == question.answer, ""
        if question.kind == "numeric":
            return abs(reading.number(given) - question.answer) <= question.tolerance + 1e-9, ""
        if isinstance(given, (list, dict)):
            raise reading.NotAnAnswer("give a word or a short phrase")
        return reading.words(given) in {reading.words(question.answer), *map(reading.words, question.accept)}, ""
    except reading.NotAnAnswer as exc:
        return False, str(exc)


def grade(quiz, answers, problems=()):
    """Grade an answer sheet (a dict of question id -> answer); every question gets a result."""
    problems = list(problems)
    unknown = [str(k) for k in answers if quiz.question(str(k)) is None]
    if unknown:
        problems.append(f"the sheet names questions this quiz doesn't have: {', '.join(unknown)}")
    answers = {str(k): v for k, v in answers.items()}
    results = []
    for q in quiz.questions:
        correct, problem = check(q, answers.get(q.id))
        results.append(QuestionResult(q.id, correct, q.explanation, problem))
    return QuizResult(quiz.id, results, problems)


def read_sheet(path):
    """(answers, problems): a sheet that can't be read gives no answers and says why."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"can't read the answer sheet {path}: {exc}"]
    if not text.strip():
        return {}, [f"the answer sheet {path.name} is empty"]
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        return {}, [f"the answer sheet {path.name} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                    f"{encodable(str(exc).splitlines()[0])}"]
    except RecursionError:
        return {}, [f"the answer sheet {path.name} is nested too deeply"]
    if not _small(data):  # YAML aliases can make a few hundred bytes expand to gigabytes when printed
        return {}, [f"the answer sheet {path.name} is too large, too deeply nested or holds text that is not "
                    "valid Unicode"]
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        return {}, [f"the answer sheet {path.name} should map question ids to answers, e.g. `sigmoid-zero: 0.5`"]
    return data, []


def _small(data, limit=10_000):
    """At most ``limit`` values, strings included, each string under 10,000 characters and encodable as UTF-8 (JSON's
    \\ud800 escape is not)."""
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit or isinstance(item, str) and (len(item) > 10_000 or encodable(item) != item):
            return False
        if isinstance(item, dict):
            stack += list(item.keys()) + list(item.values())
        elif isinstance(item, (list, tuple, set)):
            stack += list(item)
    return True


def write_sheet(path, answers):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(answers, sort_keys=False, allow_unicode=True), encoding="utf-8")
