"""The execution policy for one exercise: every call into learner code draws on one time budget.

A call's deadline is the smaller of its own limit and what is left of the
exercise's budget, the same for ``check`` and ``grade``. Once the budget is
spent, every further call fails at once, so code that loops everywhere costs
about the budget, not one time limit per test.
"""
import time

from .outcomes import BudgetExhausted, LearnerTimeout


class Budget:
    def __init__(self, exercise, *, seconds=None):
        self.exercise = exercise.name
        self.limit = exercise.time_limit
        self.seconds = float(seconds if seconds is not None else exercise.time_budget)
        self.used = 0.0
        self.calls = 0  # calls actually sent to the worker
        self.spent_by = None  # the call that was running when the budget ran out

    @property
    def left(self):
        return self.seconds - self.used

    def run(self, call, function, *, limit=None, overhead=lambda: 0.0):
        """``function(timeout)`` with this call's deadline; ``call`` names it for messages ("relu").

        ``overhead()`` is the part of the call's time that was not the learner's
        (a new worker starting up); it is not charged.
        """
        limit = self.limit if limit is None else limit
        if self.spent_by is not None or self.left <= 0:
            raise BudgetExhausted(self._not_run())
        timeout = min(limit, self.left)
        started = time.monotonic()
        self.calls += 1
        try:
            return function(timeout)
        except LearnerTimeout as exc:
            if timeout < limit and exc.phase != "startup":  # the budget, not the call's own limit, cut it short
                self.spent_by = call
                raise BudgetExhausted(self._cut_short(call)) from None
            raise
        finally:
            self.used += max(0.0, time.monotonic() - started - overhead())
            if self.spent_by is None and self.left <= 0:
                self.spent_by = call

    def _what(self):
        return (f"the tests of {self.exercise} used up their time budget of {self.seconds:g} s (every call into "
                f"your code together; one call may take up to {self.limit:g} s)")

    def _cut_short(self, call):
        return (f"{call} was stopped when {self._what()}. Look for code that never finishes or is far too slow: "
                "an endless loop, or far too many iterations.")

    def _not_run(self):
        return (f"not run: {self._what()}, and they ran out while {self.spent_by} was running. "
                "Make that code finish, or run faster, and these tests run again.")
