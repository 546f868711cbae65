"""The corpus as a phase and as an output: replay saved failing cases first, save new ones at the end.

Kept out of the runner (which knows no corpus): :func:`corpus_phase` is handed to
``run_harness(phases=...)`` and :class:`CorpusSaver` subscribes to the run's events.
"""

from __future__ import annotations

from typing import Any

from zscontract.config import RunSettings
from zscontract.core.cases import InputClass
from zscontract.corpus import (
    FIXED,
    NOT_JUDGED,
    Replayed,
    default_corpus_dir,
    load_corpus,
    replay_verdicts,
    save_failures,
)
from zscontract.runner.events import Event, RunFinished
from zscontract.runner.plan import RunContext


def corpus_phase(ctx: RunContext) -> None:
    """Replay each saved case of this dialect: FIXED / STILL FAILING / NOT JUDGED.

    Each case is sent with everything its check needs (the repeat for ``idempotence``, the read-back
    for ``read_after_write``): FIXED only when the check judged it again and passed.
    """
    settings, harness = ctx.settings, ctx.harness
    corpus = settings.corpus_dir or default_corpus_dir(settings.report_dir)
    entries = [e for e in load_corpus(corpus, missing_ok=True) if e.profile in (None, settings.profile)]
    if not entries:
        return
    # --read-only sends only requests that must change nothing (README "Options"): a saved must-accept
    # or either-way case is a write, so it is listed, not sent.
    writes = [e for e in entries if settings.read_only and e.case.input_class is not InputClass.REJECT]
    # Fields the run does not write (null on the target: it could not write them back, run._writable).
    unwritten = harness.contract.unwritten
    skipped = [e for e in entries if e not in writes and unwritten & set(e.case.sent_values())]
    entries = [e for e in entries if e not in skipped and e not in writes]

    def run_case(case: Any) -> Any:
        harness.execute(case, force_repeat=True, force_read=True)
        return harness.last

    replayed = replay_verdicts(entries, run_case) + [
        Replayed(e, NOT_JUDGED, f"not sent: --read-only, and this {e.case.input_class.value} case is a write")
        for e in writes] + [
        Replayed(e, NOT_JUDGED, f"not sent: it writes {', '.join(sorted(unwritten & set(e.case.sent_values())))}, "
                 f"null on the target and not writable back") for e in skipped]
    ctx.result.corpus = [{"key": r.entry.key, "check": r.entry.check, "title": r.entry.title, "verdict": r.verdict,
                          "why": r.why} for r in replayed]
    fixed = sum(r.verdict == FIXED for r in replayed)
    unjudged = sum(r.verdict == NOT_JUDGED for r in replayed)
    ctx.result.note(f"corpus {corpus}: replayed {len(replayed)} cases, {len(replayed) - fixed - unjudged} still "
                    f"failing, {fixed} fixed, {unjudged} not judged")


class CorpusSaver:
    """At the end of a run, every failing case goes to the corpus (one file per check and signature)."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished) and self.settings.save_corpus and event.result.failures:
            corpus = self.settings.corpus_dir or default_corpus_dir(self.settings.report_dir)
            save_failures(corpus, event.result.to_json()["failures"], profile=event.result.profile)
