"""The regression corpus: failing cases saved, read back exactly, and replayed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zscontract.core.cases import Case, InputClass
from zscontract.core.failures import CheckFailed, FailureRecord
from zscontract.core.redact import Redactor
from zscontract.corpus import (
    FIXED,
    NOT_JUDGED,
    STILL_FAILING,
    CorpusEntry,
    default_corpus_dir,
    load_corpus,
    render_replay,
    replay_verdicts,
    save_failures,
)
from zscontract.errors import UsageError
from zscontract.runner.engine import Judgement
from zscontract.runner.results import RunResult

DUPLICATE_KEYS = Case(InputClass.EITHER, "raw/duplicate-keys",
                      raw_body=b'{"updateModelService": {"name": "a", "name": "b"}}\xff\x00',
                      alternatives={"name": ("a", "b")})
NOT_JSON = Case(InputClass.REJECT, "raw/not-json", raw_body=b"\x89PNG not json", wrap=False,
                reject_kind="protocol")
CJK_NAME = Case(InputClass.ACCEPT, "name/cjk", fields={"name": "模型服务", "requestMemory": 2**63 - 1})
BAD_UUID = Case(InputClass.REJECT, "uuid/malformed", uuid="not-a-uuid", auth="none", reject_kind="bad-uuid")


def run_summary(*failures: tuple[str, str, Case | None]) -> dict[str, object]:
    result = RunResult(profile="zstack", target_url="http://t", model_service_uuid="u" * 32,
                       redactor=Redactor())
    for check, signature, case in failures:
        result.failed(CheckFailed(check, f"title: {signature}", expected="x", signature=signature,
                                  input_class=case.input_class.value if case else None,
                                  case=case.to_json() if case else None))
    return result.to_json()


def test_save_and_load_round_trip_including_raw_bodies(tmp_path: Path) -> None:
    summary = run_summary(("value_fidelity", "duplicate name kept neither", DUPLICATE_KEYS),
                          ("error_shape", "non-JSON body answered 500", NOT_JSON),
                          ("value_fidelity", "CJK name mangled", CJK_NAME),
                          ("error_shape", "malformed uuid answered 200", BAD_UUID))
    corpus = default_corpus_dir(tmp_path / "reports")
    assert save_failures(corpus, summary["failures"], profile="zstack") == 4  # type: ignore[arg-type]
    entries = load_corpus(corpus)
    by_label = {e.case.label: e for e in entries}
    assert by_label["raw/duplicate-keys"].case == DUPLICATE_KEYS
    # bytes exactly, \xff\x00 included
    assert by_label["raw/duplicate-keys"].case.raw_body == DUPLICATE_KEYS.raw_body
    assert by_label["raw/not-json"].case == NOT_JSON
    assert by_label["name/cjk"].case == CJK_NAME
    assert by_label["uuid/malformed"].case == BAD_UUID
    for entry, failure in zip(sorted(entries, key=lambda e: e.key),
                              sorted(summary["failures"], key=lambda f: f["key"]), strict=True):  # type: ignore[arg-type]
        assert (entry.key, entry.check, entry.signature, entry.profile) == (
            failure["key"], failure["check"], failure["signature"], "zstack")
        assert entry.title == failure["title"]
        assert entry.path.name == failure["key"].replace(":", "-") + ".json"


def test_same_check_and_signature_overwrite_one_file(tmp_path: Path) -> None:
    first = run_summary(("value_fidelity", "name trimmed", CJK_NAME))
    again = run_summary(("value_fidelity", "name trimmed", DUPLICATE_KEYS),
                        ("value_fidelity", "name trimmed", CJK_NAME))  # deduplicated by the run already
    assert save_failures(tmp_path, first["failures"]) == 1  # type: ignore[arg-type]
    assert save_failures(tmp_path, again["failures"]) == 1  # type: ignore[arg-type]
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 1
    assert load_corpus(tmp_path)[0].case == DUPLICATE_KEYS  # the newer case replaced the older
    # the same signature under another check is another defect: another file
    assert save_failures(tmp_path, run_summary(("error_shape", "name trimmed", CJK_NAME))["failures"]) == 1  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_failures_without_a_case_are_not_saved(tmp_path: Path) -> None:
    summary = run_summary(("lost_update", "concurrent updates lost one", None), ("c", "s", CJK_NAME))
    assert save_failures(tmp_path, summary["failures"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", r"broken\.json:1: not valid JSON"),
    ("[1, 2]", r"broken\.json: expected a JSON object"),
    ('{"zscontract_corpus": 1, "check": "c", "signature": "s"}', r"broken\.json: `case` must be an object"),
    ('{"zscontract_corpus": 1, "check": "c", "signature": "s", "case": {"label": "x"}}',
     r"broken\.json: the case lacks the key 'input_class'"),
    ('{"zscontract_corpus": 1, "check": "c", "signature": "s", '
     '"case": {"label": "x", "input_class": "maybe"}}',
     r"broken\.json: the case is malformed"),
    ('{"check": "c", "signature": "s", "case": {}}', r"broken\.json: `zscontract_corpus` is None"),
    ('{"zscontract_corpus": 1, "signature": "s", "case": {}}', r"broken\.json: `check` must be a non-empty"),
])
def test_a_broken_file_is_a_usage_error_naming_it(tmp_path: Path, content: str, message: str) -> None:
    save_failures(tmp_path, run_summary(("c", "fine", CJK_NAME))["failures"])  # type: ignore[arg-type]
    (tmp_path / "broken.json").write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message):
        load_corpus(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    assert load_corpus(tmp_path / "corpus", missing_ok=True) == []
    with pytest.raises(UsageError, match=r"corpus directory .*corpus does not exist"):
        load_corpus(tmp_path / "corpus")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is not a directory"):
        load_corpus(tmp_path / "file")


def _took(failures: list[CheckFailed | FailureRecord] | None = None, passed: tuple[str, ...] = (),
          not_applicable: tuple[str, ...] = (), answered: bool = True) -> Judgement:
    return Judgement(failures=list(failures or []), passed=set(passed),  # type: ignore[arg-type]
                     not_applicable=set(not_applicable), answered=answered)


def test_replay_verdicts(tmp_path: Path) -> None:
    save_failures(tmp_path, run_summary(("value_fidelity", "name mangled", CJK_NAME),
                                        ("error_shape", "500 on non-JSON", NOT_JSON),
                                        ("error_shape", "200 on bad uuid", BAD_UUID))["failures"])  # type: ignore[arg-type]
    entries = load_corpus(tmp_path)

    def run_case(case: Case) -> Judgement:
        if case == CJK_NAME:  # same check, different wording: still the defect
            return _took([CheckFailed("value_fidelity", "name changed", expected="x", signature="other wording")])
        if case == NOT_JSON:  # its check judged it and passed; another check fails on it: this defect is fixed
            return _took([CheckFailed("value_fidelity", "?", expected="x").to_record()], passed=("error_shape",))
        return _took(not_applicable=("error_shape",))  # its check had nothing to judge: no verdict

    verdicts = {r.entry.case.label: r.verdict for r in replay_verdicts(entries, run_case)}
    assert verdicts == {"name/cjk": STILL_FAILING, "raw/not-json": FIXED, "uuid/malformed": NOT_JUDGED}
    text = render_replay(replay_verdicts(entries, run_case))
    assert "STILL FAILING [value_fidelity] title: name mangled" in text
    assert "NOT JUDGED    [error_shape] title: 200 on bad uuid" in text and "found nothing to judge" in text
    assert text.endswith("corpus: 3 replayed, 1 fixed, 1 still failing, 1 not judged")


def test_a_check_that_did_not_run_never_says_fixed() -> None:
    entry = load_corpus_entry_for_test()
    for judged, why in ((_took(), "not among the selected checks"), (_took(answered=False), "did not answer")):
        [replayed] = replay_verdicts([entry], lambda case, j=judged: j)
        assert replayed.verdict == NOT_JUDGED and why in replayed.why


def load_corpus_entry_for_test() -> CorpusEntry:
    return CorpusEntry("idempotence:1", "idempotence", "s", "t", None, CJK_NAME, Path("idempotence-1.json"))


def test_saved_file_is_readable_json(tmp_path: Path) -> None:
    save_failures(tmp_path, run_summary(("c", "s", CJK_NAME))["failures"], profile="documented")  # type: ignore[arg-type]
    doc = json.loads(next(tmp_path.glob("*.json")).read_text("utf-8"))
    assert doc["zscontract_corpus"] == 1 and doc["profile"] == "documented"
    assert doc["case"]["fields"]["name"] == "模型服务"


@pytest.mark.slow
def test_a_saved_case_writing_a_field_null_on_the_target_is_not_replayed(tmp_path: Path) -> None:
    # The model service has no description: the run does not write one (it could not write the null
    # back), and a saved case that writes one is NOT JUDGED with why, not sent: the target stays as found.
    from zscontract.api import execute_run
    from zscontract.config import RunSettings

    described = Case(InputClass.ACCEPT, "description/plain", fields={"description": "from the corpus"})
    named = Case(InputClass.ACCEPT, "name/plain", fields={"name": "from the corpus"})
    summary = run_summary(("round_trip", "description mangled", described), ("round_trip", "name mangled", named))
    corpus = tmp_path / "corpus"
    save_failures(corpus, summary["failures"], profile="zstack")  # type: ignore[arg-type]
    result = execute_run(RunSettings(profile="zstack", report_dir=tmp_path, max_time=20, seed=1, max_examples=100,
                                     server_variants=("no-description",), corpus_dir=corpus, save_corpus=False,
                                     schemathesis=False))
    replayed = {entry["title"].split(": ")[-1]: entry for entry in result.corpus}
    assert replayed["description mangled"]["verdict"] == NOT_JUDGED
    assert "not sent: it writes description" in replayed["description mangled"]["why"]
    assert replayed["name mangled"]["verdict"] == FIXED
    assert "description" not in result.fields_exercised
    assert any("not written: description" in note for note in result.notes)
    assert result.restore.restored and result.exit_code == 0, result.restore
