"""Quizzes: loading them, and grading one answer to one question or a whole answer sheet.

How a typed answer is read (numbers, shapes, spellings) lives in learnnn.answers, for every quiz alike."""
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import answers as reading
from .manifest import LearnnnError

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


@dataclass
class QuestionResult:
    id: str
    correct: bool
    explanation: str
    problem: str = ""  # the answer could not be read as this kind of answer


@dataclass
class QuizResult:
    quiz: str
    questions: list
    problems: list = field(default_factory=list)  # about the sheet as a whole

    @property
    def score(self):
        return sum(q.correct for q in self.questions)

    @property
    def max(self):
        return len(self.questions)

    def to_json(self):
        out = {"quiz": self.quiz, "score": self.score, "max": self.max,
               "questions": [{"id": q.id, "correct": q.correct, "explanation": q.explanation,
                              **({"problem": q.problem} if q.problem else {})} for q in self.questions]}
        if self.problems:
            out["problems"] = self.problems
        return out


def load(lesson):
    path = Path(lesson.quiz_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError:
        raise LearnnnError(f"lesson {lesson.id} has no quiz ({path} is missing)") from None
    except yaml.YAMLError as exc:
        raise LearnnnError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list) or not data["questions"]:
        raise LearnnnError(f"{path}: a quiz needs a non-empty `questions` list")
    questions, seen = [], set()
    for n, raw in enumerate(data["questions"], start=1):
        q = _question(raw, f"{path}: question {n}")
        if q.id in seen:
            raise LearnnnError(f"{path}: question id '{q.id}' is used twice")
        seen.add(q.id)
        questions.append(q)
    return Quiz(lesson.id, str(data.get("title") or lesson.title), tuple(questions))


def _question(raw, where):
    if not isinstance(raw, dict):
        raise LearnnnError(f"{where} should be a mapping")
    missing = {"id", "kind", "prompt", "answer", "explanation"} - raw.keys()
    if missing:
        raise LearnnnError(f"{where} has no {', '.join(sorted(missing))}")
    kind = raw["kind"]
    if kind not in KINDS:
        raise LearnnnError(f"{where}: kind '{kind}' should be one of {', '.join(sorted(KINDS))}")
    choices = tuple(str(c) for c in raw.get("choices") or ())
    answer = raw["answer"]
    if kind in ("single", "multiple"):
        letters = [answer] if kind == "single" else answer
        if not choices or not isinstance(letters, list) or not letters or not all(
                isinstance(a, str) and len(a) == 1 and a in LETTERS[:len(choices)] for a in letters):
            raise LearnnnError(f"{where}: the answer must be {'a letter' if kind == 'single' else 'a list of letters'} "
                               f"among the {len(choices)} choices")
        answer = answer if kind == "single" else tuple(sorted(set(letters)))
    elif kind == "numeric" and (isinstance(answer, bool) or not isinstance(answer, (int, float))):
        raise LearnnnError(f"{where}: a numeric answer must be a number")
    return Question(str(raw["id"]), kind, str(raw["prompt"]).strip(), answer, str(raw["explanation"]).strip(),
                    choices, float(raw.get("tolerance", 0) or 0), tuple(str(a) for a in raw.get("accept") or ()))


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
                    f"{str(exc).splitlines()[0]}"]
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        return {}, [f"the answer sheet {path.name} should map question ids to answers, e.g. `sigmoid-zero: 0.5`"]
    return data, []


def write_sheet(path, answers):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(answers, sort_keys=False, allow_unicode=True), encoding="utf-8")
