"""Board seats (CoD 8(d), PA 5.2 as amended), the special meeting of a series, and Change of Control
by board turnover (CoD 17 prong (c)): the real CLI in a subprocess, both sides of each threshold and
date edge, exact figures and seat counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from clitools import run, run_json
from deal import ROOT

from clausewise.board import seats_of_board

RULEBOOK = ROOT / "rules" / "icg-2000"
SCENARIOS = RULEBOOK / "scenarios"
CLOSING = RULEBOOK / "captables" / "closing.yaml"
OUTSIDER = {"name": "Acme Capital Partners LP", "group": "none", "purchaser_affiliate": False,
            "hmtf_parallel_investor": False}


def finding(data: dict, rule: str) -> dict:
    return next(f for f in data["findings"] if f["rule"] == rule)


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    data.setdefault("name", "test scenario")
    data.setdefault("cap_table", str(CLOSING))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def liberty_sells_a1(tmp_path: Path, quantity: int, as_of: str = "2000-04-10", cap_table=None) -> dict:
    data = {"as_of": as_of, "action": {"kind": "transfer", "from": "Liberty Media Corporation", "to": OUTSIDER,
                                       "security": "series_a1", "quantity": quantity, "basis": "exempt",
                                       "rule144_resale_available": False}}
    if cap_table is not None:
        data["cap_table"] = cap_table
    code, report = run_json("check", write(tmp_path, data))
    assert code == 0
    return report


# --- the seat formula ----------------------------------------------------------------------------


@pytest.mark.parametrize("size, seats", [(9, 1), (10, 1), (11, 2), (12, 2), (21, 3)])
def test_position_counts_the_seats_of_each_right_on_the_authorized_board(size, seats):
    # A-seat-rounding-whole-number: 10% of 10 is exactly 1, one seat; 1.1 rounds up to 2.
    code, data = run_json("position", "--as-of", "2000-04-10", "--board-size", str(size))
    assert code == 0 and data["board_size"] == size
    for group in ("liberty", "hmtf"):
        assert {r["seats"] for r in data["groups"][group]["seat_rights"]} == {seats}
    text = run("position", "--as-of", "2000-04-10", "--board-size", str(size)).stdout
    assert f"Seat rights (authorized Board of {size}):" in text
    assert f"ON; 8,214,287 as converted against 4,107,143; {seats} seat{'s' if seats > 1 else ''}" in text


def test_the_other_reading_of_rounded_up_gives_two_seats_on_a_board_of_ten():
    assert [seats_of_board(n, 10) for n in (9, 10, 11, 12, 20, 21)] == [1, 1, 2, 2, 2, 3]
    assert [seats_of_board(n, 10, rounding="next_above") for n in (9, 10, 11, 12, 20, 21)] == [1, 2, 2, 2, 3, 3]
    assert seats_of_board(None, 10) is None


def test_position_without_a_board_size_cannot_count_the_seats(tmp_path):
    cap = tmp_path / "no-board.yaml"
    cap.write_text(re.sub(r"^board_size: 12\n", "", CLOSING.read_text(), flags=re.M))
    code, data = run_json("position", "--as-of", "2000-04-10", "--cap-table", str(cap))
    assert code == 0 and data["board_size"] is None
    assert [r["seats"] for r in data["groups"]["liberty"]["seat_rights"]] == [None] * 4
    text = run("position", "--as-of", "2000-04-10", "--cap-table", str(cap)).stdout
    assert "authorized Board size not stated: the seats cannot be determined" in text and "seats unknown" in text


def test_bad_board_size_is_refused():
    result = run("position", "--as-of", "2000-04-10", "--board-size", "0")
    assert result.returncode == 2 and "expected a whole number of directors >= 1, got '0'" in result.stderr


# --- position: each right on, off, suspended or ended ---------------------------------------------


def test_position_at_the_closing_counts_common_and_the_series_as_converted_not_the_warrants():
    code, data = run_json("position", "--as-of", "2000-04-10")
    rights = {r["key"]: r for g in data["groups"].values() for r in g.get("seat_rights", [])}
    assert data["groups"]["liberty"]["warrant_shares"] == 6666667  # not in the seat figure
    assert rights["a1_director"]["held_as_converted"] == 17857143
    assert rights["a1_director"]["threshold"] == 2687571  # A-seat-a1-threshold-as-stated, not 2,678,571
    assert rights["a1_additional_directors"]["threshold"] == 8928571
    assert rights["a2_director"]["held_as_converted"] == 8214287 and rights["a2_director"]["threshold"] == 4107143
    assert {k: r["status"] for k, r in rights.items()} == {
        "a1_director": "on", "a1_additional_directors": "on", "liberty_designee": "suspended",
        "additional_liberty_designee": "suspended", "a2_director": "on", "hmtf_designee": "suspended"}
    assert data["groups"]["gleacher"]["seat_rights"] == []
    text = run("position", "--as-of", "2000-04-10").stdout
    assert ("liberty: Liberty Director designation (PA 5.2(b)(i) as amended): SUSPENDED while the CoD 8(d)(ii) "
            "right is on; 17,857,143 as converted against 2,687,571; 2 seats") in text


def _cap_with_history(tmp_path: Path, events: list[dict]) -> Path:
    """The closing cap table, an outside fund beside its holders, and a record of events since."""
    holders = yaml.safe_load(CLOSING.read_text())["holders"] + [{"name": "Acme Capital Partners LP", "group": "none"}]
    path = tmp_path / "cap.yaml"
    path.write_text(yaml.safe_dump({"name": "closing and after", "as_of": "2000-04-10",
                                    "common_outstanding": 48582035, "board_size": 12,
                                    "holders": holders, "history": events}, sort_keys=False))
    return path


def test_a_sale_below_the_threshold_switches_the_right_off_and_the_pa_right_stays_off(tmp_path):
    cap = _cap_with_history(tmp_path, [{"date": "2001-06-01", "kind": "transfer", "from": "Liberty Media Corporation",
                                        "to": "Acme Capital Partners LP", "security": "series_a1", "quantity": 27163}])
    code, data = run_json("position", "--as-of", "2001-06-01", "--cap-table", str(cap))
    rights = {r["key"]: r for r in data["groups"]["liberty"]["seat_rights"]}
    assert rights["a1_additional_directors"]["status"] == "off"
    assert rights["a1_additional_directors"]["held_as_converted"] == 8928565
    assert rights["a1_additional_directors"]["margin"] == -6
    # The PA 5.2(b)(ii) right is no longer suspended, and fails the same threshold (A-seat-threshold-at-least).
    assert rights["additional_liberty_designee"]["status"] == "off"
    assert rights["a1_director"]["status"] == "on" and rights["liberty_designee"]["status"] == "suspended"


@pytest.mark.parametrize("quantity, outcome", [(5, "not_applicable"), (6, "consequence")])
def test_a_purchase_back_to_the_threshold_gives_the_right_back(tmp_path, quantity, outcome):
    # A-seat-right-returns: after the sale of 27,163 Series A-1 the Liberty Group is 6 shares short of
    # 8,928,571; buying 6 Common in the market meets the threshold again, 5 does not.
    cap = _cap_with_history(tmp_path, [{"date": "2001-06-01", "kind": "transfer", "from": "Liberty Media Corporation",
                                        "to": "Acme Capital Partners LP", "security": "series_a1", "quantity": 27163}])
    data = {"as_of": "2001-06-01", "cap_table": str(cap),
            "action": {"kind": "purchase", "buyer": "Liberty Media Corporation", "security": "common",
                       "quantity": quantity, "seller": "market"}}
    code, report = run_json("check", write(tmp_path, data))
    f = finding(report, "cod.8d-iii.a1-additional-directors-right-returns")
    assert f["outcome"] == outcome
    assert (f["figures"]["seat_right.a1_additional_directors.held_before"],
            f["figures"]["seat_right.a1_additional_directors.held_after"],
            f["figures"]["seat_right.a1_additional_directors.threshold"]) == (
        "8,928,565", f"{8_928_565 + quantity:,}", "8,928,571")
    assert "A-seat-right-returns" in f["assumptions"]
    if outcome == "consequence":
        assert f["figures"]["board.seats_per_right"] == "2"
        assert "again have the right to elect the 2 additional director(s)" in f["explanation"]
    # The Series A-1 director right never went off, so it does not "return".
    assert finding(report, "cod.8d-ii.a1-director-right-returns")["outcome"] == "not_applicable"
    assert finding(report, "cod.8d-iii.a1-additional-directors-right-ends")["outcome"] == "not_applicable"


def test_a_purchase_by_a_group_whose_rights_are_on_reports_no_return(tmp_path):
    data = {"as_of": "2001-06-01", "action": {"kind": "purchase", "buyer": "Liberty Media Corporation",
                                              "security": "common", "quantity": 1000, "seller": "market"}}
    code, report = run_json("check", write(tmp_path, data))
    for rule in ("cod.8d-i.a2-director-right-returns", "cod.8d-ii.a1-director-right-returns",
                 "cod.8d-iii.a1-additional-directors-right-returns"):
        assert finding(report, rule)["outcome"] == "not_applicable", rule


def test_with_the_certificate_of_designation_cancelled_the_pa_designation_rights_are_operative(tmp_path):
    # Liberty converted its Series A-1 into Common in 2002; the Certificate of Designation stated
    # cancelled ends the election rights, and the PA 5.2 rights, no longer suspended, count the Common.
    cap = _cap_with_history(tmp_path, [{"date": "2002-06-01", "kind": "conversion", "holder": "Liberty Media Corporation",
                                        "security": "series_a1", "quantity": 50000}])
    args = ("position", "--as-of", "2003-01-02", "--cap-table", str(cap),
            "--instrument", "certificate-of-designation=cancelled:2002-10-10",
            "--instrument", "purchase-agreement-amendment=in_force", "--instrument", "purchase-agreement=in_force",
            "--instrument", "warrant=in_force")
    code, data = run_json(*args)
    rights = {r["key"]: r for r in data["groups"]["liberty"]["seat_rights"]}
    assert code == 0
    assert rights["a1_director"]["status"] == "ended" and rights["a1_additional_directors"]["status"] == "ended"
    assert rights["liberty_designee"]["status"] == "on" and rights["additional_liberty_designee"]["status"] == "on"
    assert rights["liberty_designee"]["held_as_converted"] == 21164524
    hmtf = {r["key"]: r for r in data["groups"]["hmtf"]["seat_rights"]}
    assert hmtf["a2_director"]["status"] == "ended" and hmtf["hmtf_designee"]["status"] == "off"
    assert hmtf["hmtf_designee"]["held_as_converted"] == 0


def test_a_split_of_the_common_adjusts_every_threshold_from_its_date(rb):
    text = (rb / "parameters.yaml").read_text()
    anchor = "    note: >-\n      The factor the three seat thresholds"
    split = """      2003-01-01:
        value: 2
        source:
          document: certificate-of-designation
          section: 8(d)(i)
          quote: >-
            (as adjusted for any stock dividends, splits and combinations and similar events
            affecting the Common Stock from time to time)
"""
    assert text.count(anchor) == 1
    (rb / "parameters.yaml").write_text(text.replace(anchor, split + anchor))
    for day, thresholds in (("2002-12-31", (2687571, 8928571, 4107143)), ("2003-01-01", (5375142, 17857142, 8214286))):
        code, data = run_json("position", "--rules", str(rb), "--as-of", day, "--instrument",
                              "certificate-of-designation=in_force", "--instrument", "purchase-agreement=in_force",
                              "--instrument", "purchase-agreement-amendment=in_force", "--instrument", "warrant=in_force")
        rights = {r["key"]: r for g in data["groups"].values() for r in g.get("seat_rights", [])}
        assert (rights["a1_director"]["threshold"], rights["a1_additional_directors"]["threshold"],
                rights["a2_director"]["threshold"]) == thresholds, day


# --- check: a transfer that switches a right off ------------------------------------------------


@pytest.mark.parametrize("name, size, seats", [("liberty-sells-a1-additional-right-ends-board-9", 9, 1),
                                               ("liberty-sells-a1-additional-right-ends-board-12", 12, 2),
                                               ("liberty-sells-a1-additional-right-ends-board-21", 21, 3)])
def test_a_sale_that_ends_the_additional_a1_right_is_a_consequence_with_its_seats(name, size, seats):
    code, data = run_json("check", SCENARIOS / f"{name}.yaml")
    assert code == 0
    f = finding(data, "cod.8d-iii.a1-additional-directors-right-ends")
    assert f["outcome"] == "consequence"
    assert f["figures"]["seat_right.a1_additional_directors.held_before"] == "19,548,462"
    assert f["figures"]["seat_right.a1_additional_directors.held_after"] == "8,928,565"
    assert f["figures"]["seat_right.a1_additional_directors.threshold"] == "8,928,571"
    assert f["figures"]["board.authorized_size"] == str(size)
    assert f["figures"]["board.seats_per_right"] == str(seats)
    assert (f"lose the right to elect the {seats} additional director(s) it carries on a Board of {size} "
            "authorized members") in " ".join(f["explanation"].split())
    assert finding(data, "cod.8d-ii.a1-director-right-ends")["outcome"] == "not_applicable"
    assert "A-seat-board-authorized" in f["assumptions"]
    text = run("check", SCENARIOS / f"{name}.yaml").stdout
    assert re.search(r"^\d+ +CONSEQUENCE +CoD 8\(d\)\(iii\) ", text, re.M)


def test_one_share_fewer_sold_keeps_the_additional_a1_right():
    code, data = run_json("check", SCENARIOS / "liberty-sells-a1-additional-right-kept.yaml")
    f = finding(data, "cod.8d-iii.a1-additional-directors-right-ends")
    assert code == 0 and f["outcome"] == "not_applicable"
    assert f["figures"]["seat_right.a1_additional_directors.held_after"] == "8,928,956"
    assert f["figures"]["seat_right.a1_additional_directors.margin_after"] == "385"


def test_holdings_exactly_at_the_threshold_keep_the_right(tmp_path):
    # A-seat-threshold-at-least: 25,000 Series A-1 on the Closing Date are exactly 8,928,571 Common;
    # "equals" read as "equals at least" keeps the right there (and above: 17,857,143 before).
    at = finding(liberty_sells_a1(tmp_path, 25000), "cod.8d-iii.a1-additional-directors-right-ends")
    assert at["outcome"] == "not_applicable"
    assert at["figures"]["seat_right.a1_additional_directors.held_after"] == "8,928,571"
    assert at["figures"]["seat_right.a1_additional_directors.margin_after"] == "0"
    below = finding(liberty_sells_a1(tmp_path, 25001), "cod.8d-iii.a1-additional-directors-right-ends")
    assert below["outcome"] == "consequence"
    assert below["figures"]["seat_right.a1_additional_directors.held_after"] == "8,928,214"


def test_the_a1_director_threshold_is_the_stated_2687571(tmp_path):
    # A-seat-a1-threshold-as-stated: 7,525 Series A-1 are 2,687,500 Common, above the 2,678,571 of the
    # original formula but below the stated 2,687,571: the right ends.
    kept = finding(liberty_sells_a1(tmp_path, 42474), "cod.8d-ii.a1-director-right-ends")
    assert kept["outcome"] == "not_applicable"
    assert kept["figures"]["seat_right.a1_director.held_after"] == "2,687,857"
    ends = finding(liberty_sells_a1(tmp_path, 42475), "cod.8d-ii.a1-director-right-ends")
    assert ends["outcome"] == "consequence"
    assert ends["figures"]["seat_right.a1_director.held_after"] == "2,687,500"
    assert ends["figures"]["seat_right.a1_director.threshold"] == "2,687,571"
    assert "A-seat-a1-threshold-as-stated" in ends["assumptions"]


def test_the_hmtf_group_falling_below_4107143_ends_the_a2_right():
    code, data = run_json("check", SCENARIOS / "hmtf-sells-a2-director-right-ends-board-11.yaml")
    f = finding(data, "cod.8d-i.a2-director-right-ends")
    assert code == 0 and f["outcome"] == "consequence"
    assert (f["figures"]["seat_right.a2_director.held_before"], f["figures"]["seat_right.a2_director.held_after"],
            f["figures"]["seat_right.a2_director.threshold"]) == ("8,992,292", "4,107,132", "4,107,143")
    assert (f["figures"]["board.authorized_size"], f["figures"]["board.seats_per_right"]) == ("11", "2")
    code, data = run_json("check", SCENARIOS / "hmtf-sells-a2-director-right-kept-board-10.yaml")
    f = finding(data, "cod.8d-i.a2-director-right-ends")
    assert f["outcome"] == "not_applicable"
    assert f["figures"]["seat_right.a2_director.held_after"] == "4,107,523"
    assert (f["figures"]["board.authorized_size"], f["figures"]["board.seats_per_right"]) == ("10", "1")


def test_without_a_board_size_the_seat_count_and_so_the_consequence_cannot_be_determined(tmp_path):
    cap = tmp_path / "no-board.yaml"
    cap.write_text(re.sub(r"^board_size: 12\n", "", CLOSING.read_text(), flags=re.M))
    data = {"as_of": "2000-04-10", "cap_table": str(cap),
            "action": {"kind": "transfer", "from": "Liberty Media Corporation", "to": OUTSIDER,
                       "security": "series_a1", "quantity": 25001, "basis": "exempt",
                       "rule144_resale_available": False}}
    code, report = run_json("check", write(tmp_path, data))
    f = finding(report, "cod.8d-iii.a1-additional-directors-right-ends")
    assert code == 1 and f["outcome"] == "cannot_determine"
    assert f["missing"] == ["board.seats_per_right"]
    # The same sale that keeps the right needs no board size.
    data["action"]["quantity"] = 25000
    code, report = run_json("check", write(tmp_path, data))
    assert finding(report, "cod.8d-iii.a1-additional-directors-right-ends")["outcome"] == "not_applicable"


def test_a_conversion_keeps_the_common_it_issues_counted_and_the_rights_on():
    code, data = run_json("check", SCENARIOS / "liberty-converts-a1-2002.yaml")
    f = finding(data, "cod.8d-iii.a1-additional-directors-right-ends")
    assert code == 0 and f["outcome"] == "not_applicable"
    assert f["figures"]["seat_right.a1_additional_directors.held_before"] == "21,164,524"
    assert f["figures"]["seat_right.a1_additional_directors.held_after"] == "21,164,524"


def test_an_approval_by_a_director_seated_that_day_is_refused(tmp_path):
    directors = nine() + [{"name": "Nominee 1", "seated": "2001-03-01"},
                          {"name": "Nominee 2", "seated": "2001-03-01", "approved_by": ["Nominee 1"]}]
    path = write(tmp_path, {"as_of": "2001-06-01", "action": {"kind": "board_change"},
                            "board": {"directors": directors}})
    result = run("check", path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith("board.directors[10].approved_by: 'Nominee 1' was not in office before "
                                          "2001-03-01 to approve 'Nominee 2'")


def test_a_purchase_by_another_group_leaves_the_rights_alone():
    code, data = run_json("check", SCENARIOS / "gleacher-buys-500k-2001.yaml")
    for rule in ("cod.8d-i.a2-director-right-ends", "cod.8d-ii.a1-director-right-ends",
                 "cod.8d-iii.a1-additional-directors-right-ends"):
        assert finding(data, rule)["outcome"] == "not_applicable"


# --- the special meeting of a series --------------------------------------------------------------


def meeting(tmp_path: Path, series: str, shares: int, delivery: str | None = "personal_service",
            as_of: str = "2001-06-01") -> tuple[int, dict]:
    action = {"kind": "special_meeting_request", "series": series, "shares": shares}
    if delivery is not None:
        action["delivery"] = delivery
    return run_json("check", write(tmp_path, {"as_of": as_of, "action": action}))


def test_a_request_of_25_percent_of_the_a2_obliges_a_call_within_20_days(tmp_path):
    # A-meeting-request-days-from-mailing: 5,750 of 23,000 is exactly 25%; the 20th day after June 1 is June 21.
    code, data = meeting(tmp_path, "series_a2", 5750)
    f = finding(data, "cod.8d-i.a2-special-meeting")
    assert code == 0 and f["outcome"] == "obligation"
    assert f["figures"]["meeting_request.pct_of_series"] == "25.0000%"
    assert f["figures"]["meeting_request.call_deadline"] == "2001-06-21"
    assert "by 2001-06-21" in " ".join(f["explanation"].split())
    code, data = meeting(tmp_path, "series_a2", 5749)
    f = finding(data, "cod.8d-i.a2-special-meeting")
    assert f["outcome"] == "not_applicable"
    assert f["figures"]["meeting_request.pct_of_series"].startswith("24.99")
    assert finding(data, "cod.8d-ii.a1-special-meeting")["outcome"] == "not_applicable"


def test_a_request_of_the_a1_by_certified_mail(tmp_path):
    code, data = meeting(tmp_path, "series_a1", 12500, "certified_mail", as_of="2001-12-20")
    f = finding(data, "cod.8d-ii.a1-special-meeting")
    assert f["outcome"] == "obligation" and f["figures"]["meeting_request.call_deadline"] == "2002-01-09"
    code, data = meeting(tmp_path, "series_a1", 12499, "certified_mail", as_of="2001-12-20")
    assert finding(data, "cod.8d-ii.a1-special-meeting")["outcome"] == "not_applicable"


def test_a_request_delivered_otherwise_starts_no_period_and_an_unstated_delivery_cannot_be_decided(tmp_path):
    code, data = meeting(tmp_path, "series_a2", 23000, "other")
    assert finding(data, "cod.8d-i.a2-special-meeting")["outcome"] == "not_applicable"
    code, data = meeting(tmp_path, "series_a2", 23000, None)
    f = finding(data, "cod.8d-i.a2-special-meeting")
    assert code == 1 and f["outcome"] == "cannot_determine" and f["missing"] == ["meeting_request.delivery"]


# --- Change of Control, prong (c) -------------------------------------------------------------------


def test_five_of_twelve_replaced_keeps_a_majority_six_is_exactly_half_and_a_change_of_control():
    code, data = run_json("check", SCENARIOS / "board-turnover-five-of-twelve-no-coc.yaml")
    f = finding(data, "cod.17.coc-c")
    assert code == 0 and f["outcome"] == "not_applicable"
    assert (f["figures"]["change_of_control.prong_c_continuing_directors"],
            f["figures"]["change_of_control.prong_c_directors_in_office"]) == ("7", "12")
    code, data = run_json("check", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml")
    f = finding(data, "cod.17.coc-c")
    # A-continuing-directors-exact-half: 6 of 12 is not a majority.
    assert f["outcome"] == "consequence"
    assert f["figures"]["change_of_control.prong_c_date"] == "2001-05-15"
    assert f["figures"]["change_of_control.prong_c_period_start"] == "1999-06-01"
    assert (f["figures"]["change_of_control.prong_c_continuing_directors"],
            f["figures"]["change_of_control.prong_c_directors_in_office"]) == ("6", "12")
    assert "A-continuing-directors-exact-half" in f["assumptions"]
    assert re.search(r"^\d+ +CONSEQUENCE +CoD 17 \(\"Change of Control\" \(c\)\) ",
                     run("check", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml").stdout, re.M)


def nine(left: dict | None = None) -> list[dict]:
    """Nine directors in office from 1999-06-01; `left`: name -> the day out of office."""
    out = []
    for c in "ABCDEFGHI":
        d = {"name": f"Director {c}", "seated": "1999-06-01"}
        if left and c in left:
            d["left"] = left[c]
        out.append(d)
    return out


def prong_c(tmp_path: Path, directors: list[dict], as_of: str, kind: str = "board_change") -> dict:
    action = {"kind": kind}
    data = {"as_of": as_of, "action": action, "board": {"directors": directors},
            "instruments": {"certificate-of-designation": "in_force"}}  # after the 2002 plan, stated
    code, report = run_json("check", write(tmp_path, data))
    return finding(report, "cod.17.coc-c")


def test_eleven_in_office_six_continuing_is_a_majority_five_is_not(tmp_path):
    base = nine({"A": "2001-03-01", "B": "2001-03-01", "C": "2001-03-01"})
    two = [{"name": "Director J", "seated": "1999-06-01"}, {"name": "Director K", "seated": "1999-06-01"}]
    new = [{"name": f"Nominee {i}", "seated": "2001-03-01"} for i in range(3)]
    f = prong_c(tmp_path, base + two + new, "2001-03-01")  # 8 of 11 continuing
    assert f["outcome"] == "not_applicable" and f["figures"]["change_of_control.prong_c_continuing_directors"] == "8"
    base = nine({c: "2001-03-01" for c in "ABCDE"})
    new = [{"name": f"Nominee {i}", "seated": "2001-03-01"} for i in range(5)]
    f = prong_c(tmp_path, base + two + new, "2001-03-01")  # 6 of 11: a majority
    assert f["outcome"] == "not_applicable"
    assert (f["figures"]["change_of_control.prong_c_continuing_directors"],
            f["figures"]["change_of_control.prong_c_directors_in_office"]) == ("6", "11")
    base = nine({c: "2001-03-01" for c in "ABCDEF"})
    new = [{"name": f"Nominee {i}", "seated": "2001-03-01"} for i in range(6)]
    f = prong_c(tmp_path, base + two + new, "2001-03-01")  # 5 of 11
    assert f["outcome"] == "consequence" and f["figures"]["change_of_control.prong_c_date"] == "2001-03-01"


def test_the_two_year_period_edge(tmp_path):
    # A-continuing-directors-period: three replaced on 2000-06-01 and two more on 2002-05-30 fall in the
    # period beginning 2000-05-31 (to 2002-05-30): 4 of 9. Two more on 2002-05-31 fall in no period with
    # the first three (the period beginning 2000-06-01 counts them as its initial directors).
    first = [{"name": f"First {i}", "seated": "2000-06-01"} for i in range(3)]
    for day, outcome in (("2002-05-30", "consequence"), ("2002-05-31", "not_applicable")):
        left = {c: "2000-06-01" for c in "ABC"} | {c: day for c in "DE"}
        second = [{"name": f"Second {i}", "seated": day} for i in range(2)]
        f = prong_c(tmp_path, nine(left) + first + second, day)
        assert f["outcome"] == outcome, day
        if outcome == "consequence":
            assert f["figures"]["change_of_control.prong_c_date"] == "2002-05-30"
            assert f["figures"]["change_of_control.prong_c_period_start"] == "2000-05-31"
            assert (f["figures"]["change_of_control.prong_c_continuing_directors"],
                    f["figures"]["change_of_control.prong_c_directors_in_office"]) == ("4", "9")


def test_new_directors_approved_by_a_majority_of_the_continuing_directors_then_in_office_continue(tmp_path):
    # A-continuing-directors-approval: five leave on 2001-03-01 and the four who stay, all the
    # continuing directors then still in office, approve the five elected that day.
    left = {c: "2001-03-01" for c in "ABCDE"}
    stay = ["Director F", "Director G", "Director H", "Director I"]
    approved = [{"name": f"Nominee {i}", "seated": "2001-03-01", "approved_by": stay} for i in range(5)]
    f = prong_c(tmp_path, nine(left) + approved, "2001-03-01")
    assert f["outcome"] == "not_applicable"
    assert f["figures"]["change_of_control.prong_c_continuing_directors"] == "9"
    # Two of the four are not a majority of them: those two nominees do not continue (7 of 9 still do).
    halves = [dict(a, approved_by=stay[:2]) if i < 2 else a for i, a in enumerate(approved)]
    f = prong_c(tmp_path, nine(left) + halves, "2001-03-01")
    assert f["outcome"] == "not_applicable"
    assert f["figures"]["change_of_control.prong_c_continuing_directors"] == "7"
    # Nominees approved by no one: 4 of 9.
    none = [{"name": a["name"], "seated": a["seated"]} for a in approved]
    f = prong_c(tmp_path, nine(left) + none, "2001-03-01")
    assert f["outcome"] == "consequence"


def test_directors_the_series_elect_always_continue_and_a_minority_approval_does_not(tmp_path):
    left = {c: "2001-03-02" for c in "ABCDE"}
    stay = ["Director F", "Director G", "Director H", "Director I"]
    # Approved on the day the five leave: the continuing directors then in office are the nine; four is no majority.
    minority = [{"name": f"Nominee {i}", "seated": "2001-03-02", "approved_on": "2001-03-01",
                 "approved_by": stay} for i in range(5)]
    with_a = [dict(m, approved_by=stay + ["Director A"]) for m in minority]
    f = prong_c(tmp_path, nine(left) + with_a, "2001-03-02")
    assert f["outcome"] == "not_applicable"  # 5 of 9: a majority approved
    f = prong_c(tmp_path, nine(left) + minority, "2001-03-02")
    assert f["outcome"] == "consequence" and f["figures"]["change_of_control.prong_c_continuing_directors"] == "4"
    series = [{"name": f"Series Director {i}", "seated": "2001-03-02", "elected_by": "series_a1"} for i in range(5)]
    f = prong_c(tmp_path, nine(left) + series, "2001-03-02")
    assert f["outcome"] == "not_applicable"


def test_without_a_board_history_a_board_change_cannot_be_decided_and_other_actions_do_not_ask(tmp_path):
    code, data = run_json("check", write(tmp_path, {"as_of": "2001-03-01", "action": {"kind": "board_change"}}))
    f = finding(data, "cod.17.coc-c")
    assert code == 1 and f["outcome"] == "cannot_determine"
    assert f["missing"] == ["change_of_control.prong_c_occurred"]
    code, data = run_json("check", SCENARIOS / "liberty-buys-1m-2003.yaml")
    assert finding(data, "cod.17.coc-c")["outcome"] == "not_applicable"


def test_a_board_history_with_another_action_is_checked_but_prong_c_is_asked_of_a_board_change(tmp_path):
    left = {c: "2001-03-01" for c in "ABCDE"}
    new = [{"name": f"Nominee {i}", "seated": "2001-03-01"} for i in range(5)]
    f = prong_c(tmp_path, nine(left) + new, "2001-06-01", kind="liquidation_plan")
    assert f["outcome"] == "not_applicable" and f["reason"] == "not_this_action"
    f = prong_c(tmp_path, nine(left) + new, "2001-06-01")
    assert f["outcome"] == "consequence" and f["figures"]["change_of_control.prong_c_date"] == "2001-03-01"
    # A-coc-c-consequences-date: the majority was lost on 2001-03-01, so the change checked on
    # 2001-06-01 is not a new Change of Control and its consequences are not figured again.
    assert f["figures"]["change_of_control.prong_c_by_this_change"] == "no"
    assert "A-coc-c-consequences-date" in f["assumptions"]
    code, report = run_json("check", write(tmp_path, {
        "as_of": "2001-06-01", "action": {"kind": "board_change"}, "board": {"directors": nine(left) + new},
        "instruments": {"certificate-of-designation": "in_force"}}))
    assert finding(report, "cod.6b.special-dividend")["outcome"] == "not_applicable"
    assert finding(report, "cod.13a.coc-notice")["outcome"] == "not_applicable"


def test_a_change_of_control_by_board_turnover_costs_what_prong_a_costs_on_the_same_day(tmp_path):
    # The six-of-twelve sample: the Change of Control Date is 2001-05-15. The Liquidation
    # Preference then is $10,000 accreted at 8% on 2000-06-30 (81 days, actual/360: $10,180.00),
    # 2000-10-02, 2001-01-02 and 2001-04-02 (2% each: $10,803.09744), so the Special Dividend is
    # $14,859.47 - $10,803.10 = $4,056.37 a share, $304,227,750.00 on 75,000 shares; the notice
    # is due 20 days later, 2001-06-04.
    code, data = run_json("check", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml")
    dividend = finding(data, "cod.6b.special-dividend")
    assert code == 0 and dividend["outcome"] == "obligation"
    assert {k: dividend["figures"][k] for k in ("change_of_control.date", "special_dividend.lp_before",
                                                 "special_dividend.per_share", "special_dividend.total",
                                                 "special_dividend.accrued")} == {
        "change_of_control.date": "2001-05-15", "special_dividend.lp_before": "$10,803.10",
        "special_dividend.per_share": "$4,056.37", "special_dividend.total": "$304,227,750.00",
        "special_dividend.accrued": "$103.23"}
    notice = finding(data, "cod.13a.coc-notice")
    assert notice["outcome"] == "obligation"
    assert notice["figures"]["change_of_control.notice_deadline"] == "2001-06-04"
    assert finding(data, "cod.13a.coc-step-up")["outcome"] == "obligation"
    # One legal event, one answer: a third party's majority purchase on the same day costs the same.
    sample = yaml.safe_load((SCENARIOS / "coc-a-third-party-buys-over-50pct-2001.yaml").read_text())
    sample.update(as_of="2001-05-15", cap_table=str(CLOSING))
    code, bought = run_json("check", write(tmp_path, sample, "prong-a.yaml"))
    assert finding(bought, "cod.17.coc-a")["outcome"] != "not_applicable"
    for rule in ("cod.6b.special-dividend", "cod.13a.coc-notice", "cod.13a.coc-step-up"):
        a, c = finding(bought, rule), finding(data, rule)
        assert a["outcome"] == c["outcome"] == "obligation"
        shared = set(a["figures"]) & set(c["figures"])
        assert {k: a["figures"][k] for k in shared} == {k: c["figures"][k] for k in shared}, rule


@pytest.mark.parametrize("day, outcome", [("2005-06-29", "obligation"), ("2005-06-30", "not_applicable")])
def test_a_board_turnover_before_june_30_2005_adds_the_special_dividend_and_on_that_day_does_not(
        tmp_path, day, outcome):
    left = {c: day for c in "ABCDE"}
    new = [{"name": f"Nominee {i}", "seated": day} for i in range(5)]
    data = {"as_of": day, "action": {"kind": "board_change"}, "board": {"directors": nine(left) + new},
            "instruments": {"certificate-of-designation": "in_force", "purchase-agreement": "in_force"}}
    code, report = run_json("check", write(tmp_path, data))
    assert finding(report, "cod.17.coc-c")["outcome"] == "consequence"
    assert finding(report, "cod.6b.special-dividend")["outcome"] == outcome
    assert finding(report, "cod.13a.coc-notice")["outcome"] == "obligation"


def test_a_bad_board_history_gives_one_line_per_problem(tmp_path):
    directors = [
        {"name": "Director A", "seated": "1999-06-01", "left": "1999-01-01"},
        {"name": "Director B", "seated": "1999-06-01"},
        {"name": "Director B", "seated": "1999-06-01"},
        {"name": "Nominee", "seated": "2001-03-01", "approved_by": ["Director Z"]},
        {"name": "Later", "seated": "2001-07-01"},
        {"name": "Series", "seated": "2001-03-01", "elected_by": "series_a9"},
        {"name": "Odd", "seated": "2001-03-01", "colour": "red"},
    ]
    path = write(tmp_path, {"as_of": "2001-06-01", "action": {"kind": "board_change"},
                            "board": {"directors": directors}})
    result = run("check", path)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 6, lines
    for line in lines:
        assert re.match(rf"{re.escape(str(path))}:\d+: [a-z-]+: ", line), line
    text = result.stderr
    assert "board.directors[0].left: 1999-01-01 is not after the day seated, 1999-06-01" in text
    assert "board.directors[2].name: 'Director B' is already board.directors[1]" in text
    assert "'Director Z' is not a director of board.directors" in text
    assert "board.directors[4].seated: 2001-07-01 is after as_of 2001-06-01" in text
    assert "board.directors[5].elected_by: 'series_a9' is not a security of the rulebook" in text
    assert "unknown key 'colour'" in text


def test_vote_shows_a_board_turnover_change_of_control_beside_its_obligations():
    code, data = run_json("vote", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml")
    assert code == 0 and data["approvals"] == []
    assert [f["rule"] for f in data["consequences"]] == ["cod.17.coc-c"]
    assert [f["rule"] for f in data["obligations"]] == ["cod.6b.special-dividend", "cod.13a.coc-notice",
                                                         "cod.13a.coc-step-up"]
    text = run("vote", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml").stdout
    assert ('CONSEQUENCE: Change of Control by board turnover - the continuing directors cease to be a majority of the '
            'Board within two years (CoD 17 ("Change of Control" (c))):') in " ".join(text.split())
    assert "6 of the 12 directors then in office" in " ".join(text.split())
    markdown = run("vote", SCENARIOS / "board-turnover-six-of-twelve-coc.yaml", "--format", "markdown").stdout
    assert "## Consequences of the action" in markdown


@pytest.mark.parametrize("quantity, outcome", [(10, "not_applicable"), (11, "consequence")])
def test_hmtf_buying_back_to_4107143_gives_the_a2_right_back(tmp_path, quantity, outcome):
    # After the sample's sale of 12,495 Series A-2 the HMTF Group holds 4,107,132 as converted on
    # 2001-06-01, 11 short of 4,107,143 (A-seat-right-returns, A-seat-threshold-at-least).
    cap = _cap_with_history(tmp_path, [
        {"date": "2001-01-02", "kind": "transfer", "from": "HM4 ICG Qualified Fund, LLC", "to": "HMTF Bridge ICG, LLC",
         "security": "series_a2", "quantity": 10464},
        {"date": "2001-06-01", "kind": "transfer", "from": "HMTF Bridge ICG, LLC", "to": "Acme Capital Partners LP",
         "security": "series_a2", "quantity": 12495}])
    data = {"as_of": "2001-06-01", "cap_table": str(cap),
            "action": {"kind": "purchase", "buyer": "HMTF Bridge ICG, LLC", "security": "common",
                       "quantity": quantity, "seller": "market"}}
    code, report = run_json("check", write(tmp_path, data))
    f = finding(report, "cod.8d-i.a2-director-right-returns")
    assert f["outcome"] == outcome
    assert (f["figures"]["seat_right.a2_director.held_before"], f["figures"]["seat_right.a2_director.held_after"],
            f["figures"]["seat_right.a2_director.threshold"]) == ("4,107,132", f"{4_107_132 + quantity:,}", "4,107,143")
    assert finding(report, "cod.8d-ii.a1-director-right-returns")["reason"] == "not_this_party"
