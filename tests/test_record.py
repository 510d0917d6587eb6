"""The observed record and the mapping of record types to model types (sim.analysis.record)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from sim.analysis.record import (
    COLUMNS,
    MAPPING_PATH,
    OCCURRENCE,
    YES,
    load_mapping,
    load_record,
    mentions_warning_shots,
)
from sim.errors import InputError
from sim.model.events import EVENT_TYPES, TYPE_NAMES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "sim" / "data" / "events_2023-11_to_2024-06.csv"
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
D = dt.date


def write_record(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: "" for c in columns} | r)
    return path


def row(date: str, event_type: str, **more: str) -> dict:
    return {"date": date, "event_type": event_type, "actor": "DPRK", "count": "1"} | more


# --- the shipped record --------------------------------------------------------------------------
def test_shipped_record_counts_june_2024():
    rec = load_record(SHIPPED)
    assert (rec.first_day, rec.last_day) == (D(2023, 11, 21), D(2024, 6, 27))
    assert {"mdl_crossing", "balloon_wave", "speakers_raised"} <= set(rec.exhaustive_types())
    june = rec.monthly_counts(*JUNE)["2024-06"]
    assert june["mdl_crossing"] == 3  # 06-09, 06-18, 06-20
    assert june["warning_shots"] == 3  # each crossing's response
    assert june["balloon_wave"] == 6  # waves 2-7; wave 1 was 2024-05-28
    assert june["speakers_raised"] == 1 and june["cma_suspension"] == 1
    assert rec.highest_rung(*JUNE) == EVENT_TYPES["warning_shots"].rung == 3
    assert not rec.any_fire(*JUNE)


def test_monthly_counts_fill_every_month_with_zeros():
    rec = load_record(SHIPPED)
    counts = rec.monthly_counts(D(2023, 11, 23), D(2024, 6, 30))
    assert list(counts) == [f"{m}" for m in ("2023-11", "2023-12")] + [
        f"2024-{m:02d}" for m in range(1, 7)
    ]
    assert all(set(c) == set(rec.exhaustive_types()) for c in counts.values())
    assert counts["2024-02"] == dict.fromkeys(rec.exhaustive_types(), 0)
    assert counts["2024-05"]["balloon_wave"] == 1
    assert rec.monthly_rungs(D(2024, 2, 1), D(2024, 6, 30)) == {
        "2024-02": 0,
        "2024-03": 0,
        "2024-04": 0,
        "2024-05": 1,  # balloons, leaflets, GPS jamming
        "2024-06": 3,
    }


def test_scheduled_and_unexhaustive_types_are_not_counted():
    rec = load_record(SHIPPED)
    types = set(rec.exhaustive_types())
    assert not types & {"condemnation", "exercise", "treaty", "mine_blast", "leaflet_launch"}
    assert not types & {"small_arms_exchange", "artillery_exchange"}  # occurrence only
    assert {"condemnation", "mine_blast", "small_arms_exchange"} <= set(rec.unscored_types())


def test_pre_window_starts_at_the_later_of_record_and_scenario():
    rec = load_record(SHIPPED)
    assert rec.pre_window(D(2023, 11, 23), D(2024, 6, 1)) == (D(2023, 11, 23), D(2024, 5, 31))
    assert rec.pre_window(D(2023, 1, 1), D(2024, 6, 1)) == (D(2023, 11, 21), D(2024, 5, 31))
    assert rec.pre_window(D(2023, 11, 23), D(2023, 11, 23)) is None
    rates = rec.daily_rates(D(2023, 11, 23), D(2024, 5, 31))
    assert rates["balloon_wave"] == pytest.approx(1 / 191)
    assert rates["mdl_crossing"] == 0.0


# --- the mapping ---------------------------------------------------------------------------------
def test_mapping_names_model_types_and_covers_the_shipped_vocabulary():
    mapping = load_mapping()
    assert all(t.model_type == "" or t.model_type in TYPE_NAMES for t in mapping.values())
    with SHIPPED.open(newline="", encoding="utf-8") as f:
        used = {r["event_type"] for r in csv.DictReader(f)}
    assert used <= set(mapping)
    for name in ("warning_shots", "small_arms_exchange", "artillery_exchange", "demolition"):
        assert name in mapping  # types users add from newer news
    assert mapping["mdl_crossing"].exhaustive == YES
    assert mapping["activist_leaflet_launch"].exhaustive == "no"
    assert mapping["g7_statement"].exhaustive == "scheduled"
    assert mapping["artillery_fire_near_NLL"].model_type == ""


def test_every_rung_from_warning_shots_up_is_reported():
    # so the observed highest rung is exact from rung 3 up
    mapping = load_mapping()
    reported = {t.model_type for t in mapping.values() if t.exhaustive in (YES, OCCURRENCE)}
    high = {t.name for t in EVENT_TYPES.values() if t.rung >= 3}
    assert high <= reported


# --- how rows count ------------------------------------------------------------------------------
def test_one_row_is_one_event_whatever_the_count_column_says(tmp_path):
    rec = load_record(
        write_record(
            tmp_path / "r.csv",
            [
                row("2024-06-09", "mdl_crossing", count="20-30 soldiers"),
                row("2024-06-12", "mdl_crossing", count="5"),
                row("2024-06-12", "mdl_crossing", count=""),
                row("2024-06-20", "balloon_launch", count="~350"),
            ],
        )
    )
    june = rec.monthly_counts(*JUNE)["2024-06"]
    assert june["mdl_crossing"] == 3 and june["balloon_wave"] == 1


def test_warning_shots_are_read_from_the_response(tmp_path):
    rec = load_record(
        write_record(
            tmp_path / "r.csv",
            [
                row("2024-06-09", "mdl_crossing", response="Warning broadcast + warning shots"),
                row("2024-06-10", "mdl_crossing", response="warning broadcast; no warning shots"),
                row("2024-06-11", "warning_shots", response="20 warning shots fired"),
                row("2024-06-12", "artillery_fire_near_NLL", response="ROK warning shots"),
            ],
        )
    )
    june = rec.monthly_counts(*JUNE)["2024-06"]
    assert june["mdl_crossing"] == 2
    assert june["warning_shots"] == 2  # 06-09 from the response, 06-11 its own row
    assert rec.highest_rung(*JUNE) == 3
    assert rec.highest_rung(D(2024, 6, 10), D(2024, 6, 10)) == 2
    assert rec.highest_rung(D(2024, 6, 12), D(2024, 6, 12)) == 0  # outside the model


def test_an_exchange_of_fire_sets_the_rung_but_is_not_counted(tmp_path):
    rec = load_record(
        write_record(
            tmp_path / "r.csv",
            [row("2024-06-01", "balloon_launch"), row("2024-06-19", "small_arms_exchange")],
        )
    )
    assert rec.any_fire(*JUNE) and rec.highest_rung(*JUNE) == 4
    assert not rec.any_fire(D(2024, 6, 1), D(2024, 6, 18))
    assert "small_arms_exchange" not in rec.monthly_counts(*JUNE)["2024-06"]


def test_mentions_of_warning_shots():
    assert mentions_warning_shots("Warning broadcast + warning shots; retreated")
    assert mentions_warning_shots("ROK fired warning-shots")
    assert not mentions_warning_shots("warning broadcast only; no warning shots")
    assert not mentions_warning_shots("retreated without any warning shots")
    assert not mentions_warning_shots("")


# --- bad files: one line each --------------------------------------------------------------------
def _one_line_error(path, *needles, mapping=None) -> str:
    with pytest.raises(InputError) as err:
        load_record(path, mapping)
    text = str(err.value)
    assert len(text.splitlines()) == 1
    for needle in needles:
        assert needle in text, text
    return text


def test_missing_and_unreadable_files(tmp_path):
    _one_line_error(tmp_path / "nope.csv", "nope.csv", "no such file")
    _one_line_error(tmp_path, "is a folder")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    _one_line_error(binary, "b.csv")


def test_missing_columns(tmp_path):
    path = write_record(tmp_path / "r.csv", [row("2024-06-09", "mdl_crossing")], COLUMNS[:6])
    _one_line_error(path, "r.csv", "response", "source")


def test_bad_date_names_the_line(tmp_path):
    path = write_record(
        tmp_path / "r.csv", [row("2024-06-09", "mdl_crossing"), row("2024-13-09", "mdl_crossing")]
    )
    _one_line_error(path, "r.csv line 3", "date", "2024-13-09", "YYYY-MM-DD")
    path = write_record(tmp_path / "s.csv", [row("9 June 2024", "mdl_crossing")])
    _one_line_error(path, "s.csv line 2", "9 June 2024")


def test_unknown_type_names_the_line_value_and_mapping(tmp_path):
    path = write_record(tmp_path / "r.csv", [row("2024-06-09", "ufo_sighting")])
    _one_line_error(path, "r.csv line 2", "event_type", "ufo_sighting", str(MAPPING_PATH))


def test_an_empty_record_is_refused(tmp_path):
    _one_line_error(write_record(tmp_path / "r.csv", []), "no events")


def test_a_users_mapping_is_checked(tmp_path):
    mapping = tmp_path / "m.csv"
    mapping.write_text("record_type,model_type,exhaustive,note\nufo,mdl_crossing,maybe,x\n")
    path = write_record(tmp_path / "r.csv", [row("2024-06-09", "ufo")])
    _one_line_error(path, "m.csv line 2", "exhaustive", "maybe", mapping=mapping)
    mapping.write_text("record_type,model_type,exhaustive,note\nufo,alien_landing,yes,x\n")
    _one_line_error(path, "m.csv line 2", "alien_landing", mapping=mapping)
    mapping.write_text("record_type,model_type,exhaustive,note\nufo,mdl_crossing,yes,x\n")
    rec = load_record(path, mapping)
    assert rec.exhaustive_types() == ("mdl_crossing",)
    assert rec.monthly_counts(*JUNE)["2024-06"]["mdl_crossing"] == 1
